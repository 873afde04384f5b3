package db_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"customevents/db"
	"customevents/db/dbtest"
)

// batchLog collects the log lines of concurrent batches.
type batchLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *batchLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *batchLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Batches that carry keys of one contact in different orders claim the
// keys without deadlocking, so no batch has to be written again.
func TestKeyedBatchesNoDeadlock(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	logs := &batchLog{}
	log := slog.New(slog.NewTextHandler(logs, nil))

	const batches, keys = 6, 20
	inputs := make([][]db.Trigger, batches)
	for b := range inputs {
		for _, k := range rand.Perm(keys) {
			inputs[b] = append(inputs[b], db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "same@example.com",
				Source: db.SourceAPI, IdempotencyKey: fmt.Sprintf("order-%d", k), Metadata: map[string]any{"k": float64(k)}})
		}
		inputs[b] = append(inputs[b], db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("other%d@example.com", b),
			Source: db.SourceAPI})
	}
	errs := make([][]error, batches)
	ids := make([]map[string]int64, batches)
	var start, done sync.WaitGroup
	start.Add(1)
	for b := range batches {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			var occurrences []*db.EventOccurrence
			occurrences, errs[b] = f.Store.RecordEvents(ctx, log, inputs[b])
			ids[b] = make(map[string]int64)
			for i, o := range occurrences {
				if o != nil {
					ids[b][inputs[b][i].IdempotencyKey] = o.ID
				}
			}
		}()
	}
	start.Done()
	done.Wait()

	for b := range batches {
		for i, err := range errs[b] {
			if err != nil {
				t.Errorf("batch %d, trigger %d: %v", b, i, err)
			}
		}
		for key, id := range ids[b] {
			if key != "" && id != ids[0][key] {
				t.Errorf("batch %d: key %s got occurrence %d, want %d", b, key, id, ids[0][key])
			}
		}
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != keys+batches {
		t.Errorf("occurrences = %d, want %d", got, keys+batches)
	}
	if n := strings.Count(logs.String(), "event batch retried"); n != 0 {
		t.Errorf("batches written again = %d, want 0; log:\n%s", n, logs.String())
	}
}

// Within one batch, the first trigger with a key claims it, even when a
// later one with the same key belongs to a contact that sorts first.
func TestBatchFirstTriggerClaimsKey(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	triggers := []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "zoe@example.com", Source: db.SourceAPI, IdempotencyKey: "order-1"},
		{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "order-1"},
		{AccountID: f.Account.ID, Slug: "signup", Email: "zoe@example.com", Source: db.SourceAPI, IdempotencyKey: "order-1"},
	}
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, triggers)
	if errs[0] != nil {
		t.Fatalf("trigger 0: %v", errs[0])
	}
	if !errors.Is(errs[1], db.ErrIdempotencyConflict) {
		t.Errorf("trigger 1: error %v, want a conflict", errs[1])
	}
	if errs[2] != nil || occurrences[2] == nil || occurrences[2].ID != occurrences[0].ID {
		t.Errorf("trigger 2: occurrence %v, error %v, want occurrence %d", occurrences[2], errs[2], occurrences[0].ID)
	}
	var email string
	err := f.Store.DB().NewRaw("SELECT c.email FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id WHERE o.account_id = ?",
		f.Account.ID).Scan(ctx, &email)
	if err != nil {
		t.Fatal(err)
	}
	if email != "zoe@example.com" {
		t.Errorf("the stored occurrence is of %s, want zoe@example.com", email)
	}
}
