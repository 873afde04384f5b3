package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"customevents/db"
	"customevents/db/dbtest"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRecordEventsKeepsGoodTriggers(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	keyed := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "k1", Metadata: map[string]any{"plan": "pro"}}
	if _, err := f.Store.RecordEvent(ctx, keyed); err != nil {
		t.Fatal(err)
	}
	conflicting := keyed
	conflicting.Metadata = map[string]any{"plan": "basic"}

	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI},
		conflicting,
		{AccountID: f.Account.ID, Slug: "no-such-event", Email: "cy@example.com", Source: db.SourceAPI},
		{AccountID: f.Account.ID, Slug: "signup", VisitorID: "0123456789abcdef0123456789abcdef", Source: db.SourceBeacon},
		// Postgres text cannot hold a NUL character, which fails this
		// trigger's INSERT and makes the batch fall back to savepoints.
		{AccountID: f.Account.ID, Slug: "signup", Email: "dee@example.com", Source: db.SourceAPI, PageURL: "https://example.com/a\x00b"},
	})
	if errs[0] != nil || occurrences[0] == nil {
		t.Errorf("trigger 0: %v, want stored", errs[0])
	}
	if !errors.Is(errs[1], db.ErrIdempotencyConflict) {
		t.Errorf("trigger 1 err = %v, want ErrIdempotencyConflict", errs[1])
	}
	if !errors.Is(errs[2], db.ErrNotFound) {
		t.Errorf("trigger 2 err = %v, want ErrNotFound", errs[2])
	}
	if errs[3] != nil || occurrences[3] == nil {
		t.Errorf("trigger 3: %v, want stored", errs[3])
	}
	if errs[4] == nil {
		t.Error("trigger 4 with a NUL in its page URL was stored, want an error")
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 3 {
		t.Errorf("occurrences = %d, want 3", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 3 {
		t.Errorf("contacts = %d, want 3 (ann, bob, one anonymous)", got)
	}
}

// TestIngesterConcurrentTriggers sends many triggers at once through the
// group-commit ingester, with shared contacts, a keyed retry and a
// conflicting key among them.
func TestIngesterConcurrentTriggers(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 4, MaxBatch: 64})
	defer stop()

	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "keyed@example.com", Source: db.SourceAPI, IdempotencyKey: "k", Metadata: map[string]any{"n": 1.0}}); err != nil {
		t.Fatal(err)
	}

	const callers = 300
	errs := make([]error, callers)
	ids := make([]int64, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceAPI, Email: fmt.Sprintf("c%d@example.com", i%40)}
			if i%3 == 0 {
				trigger = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceBeacon, VisitorID: fmt.Sprintf("%032x", i%25)}
			}
			if i == 7 {
				trigger = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "keyed@example.com", Source: db.SourceAPI, IdempotencyKey: "k", Metadata: map[string]any{"n": 2.0}}
			}
			occ, err := f.Store.RecordEvent(ctx, trigger)
			errs[i] = err
			if err == nil {
				ids[i] = occ.ID
			}
		}()
	}
	wg.Wait()

	seen := map[int64]bool{}
	for i, err := range errs {
		if i == 7 {
			if !errors.Is(err, db.ErrIdempotencyConflict) {
				t.Errorf("caller 7 err = %v, want ErrIdempotencyConflict", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
			continue
		}
		if seen[ids[i]] {
			t.Errorf("caller %d got occurrence %d twice", i, ids[i])
		}
		seen[ids[i]] = true
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != callers {
		t.Errorf("occurrences = %d, want %d (299 new and the keyed one)", got, callers)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NOT NULL"); got != 41 {
		t.Errorf("known contacts = %d, want 41", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NULL"); got != 25 {
		t.Errorf("anonymous contacts = %d, want 25", got)
	}
}
