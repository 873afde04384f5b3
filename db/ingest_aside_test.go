package db_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// TestIngesterWritesLockedAccountAside holds an account's time zone change
// open, which locks the account, while triggers of that account and of
// another one arrive at an ingester with one worker. The other account's
// trigger must be stored while the lock is held, and the locked account's
// triggers once it is released.
func TestIngesterWritesLockedAccountAside(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	other := f.AddAccount(t, "Other Company")
	if _, err := f.Store.CreateCustomEvent(ctx, other, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	logs := &messageCounter{counts: map[string]int{}}
	stop := f.Store.StartIngester(slog.New(logs), db.IngestConfig{Workers: 1})
	defer stop()

	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET time_zone = 'Europe/Berlin' WHERE id = ?", f.Account.ID); err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		occurrence *db.EventOccurrence
		err        error
	}
	record := func(account int64, email string) <-chan outcome {
		done := make(chan outcome, 1)
		go func() {
			o, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: account, Slug: "signup", Email: email, Source: db.SourceAPI})
			done <- outcome{o, err}
		}()
		return done
	}
	// The guard only ends a test that would otherwise wait forever.
	wait := func(name string, done <-chan outcome) outcome {
		t.Helper()
		select {
		case o := <-done:
			return o
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no reply within 30 s", name)
			return outcome{}
		}
	}

	locked := []<-chan outcome{record(f.Account.ID, "first@example.com")}
	free := wait("trigger of the other account", record(other, "free@example.com"))
	if free.err != nil {
		t.Fatalf("trigger of the other account: %v", free.err)
	}
	locked = append(locked, record(f.Account.ID, "second@example.com"))
	if again := wait("second trigger of the other account", record(other, "free-again@example.com")); again.err != nil {
		t.Fatalf("second trigger of the other account: %v", again.err)
	}
	for i, done := range locked {
		select {
		case o := <-done:
			t.Fatalf("trigger %d of the locked account returned while the lock was held: %+v", i, o)
		default:
		}
	}

	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, done := range locked {
		if o := wait("trigger of the locked account", done); o.err != nil {
			t.Errorf("trigger %d of the locked account: %v", i, o.err)
		}
	}
	// Only the first trigger of the locked account waited for the lock in
	// a worker's batch. The second one skipped the worker's batches.
	if got := logs.count("event batch waited too long for a lock"); got != 1 {
		t.Errorf("batches that waited too long for a lock = %d, want 1", got)
	}
	if got := logs.count("event batch waits for a lock and is written aside"); got != 2 {
		t.Errorf("batches written aside = %d, want 2", got)
	}

	var stored []struct {
		AccountID int64 `bun:"account_id"`
		N         int   `bun:"n"`
	}
	err = f.Store.DB().NewRaw("SELECT account_id, count(*) AS n FROM event_occurrences GROUP BY 1 ORDER BY 1").Scan(ctx, &stored)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].AccountID != f.Account.ID || stored[0].N != 2 || stored[1].AccountID != other || stored[1].N != 2 {
		t.Errorf("occurrences per account = %+v, want 2 for account %d and 2 for account %d", stored, f.Account.ID, other)
	}
}

// messageCounter is a slog handler that counts the records of each
// message.
type messageCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (h *messageCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h *messageCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[r.Message]++
	return nil
}

func (h *messageCounter) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *messageCounter) WithGroup(string) slog.Handler { return h }

func (h *messageCounter) count(message string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[message]
}
