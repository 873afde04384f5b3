package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"customevents/db"
	"customevents/db/dbtest"
)

func TestRecordEventIdempotencyKeyRepeat(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trigger := db.Trigger{
		AccountID:      f.Account.ID,
		Slug:           "signup",
		Email:          "ann@example.com",
		Source:         db.SourceAPI,
		Metadata:       map[string]any{"plan": "pro", "seats": 3.0},
		IdempotencyKey: "order-1001",
	}

	first, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	// The same metadata in another map order is the same input.
	trigger.Metadata = map[string]any{"seats": 3.0, "plan": "pro"}
	second, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if second.ID != first.ID {
		t.Errorf("repeat returned occurrence %d, want %d", second.ID, first.ID)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}

	trigger.Metadata = map[string]any{"plan": "basic"}
	_, err = f.Store.RecordEvent(ctx, trigger)
	if !errors.Is(err, db.ErrIdempotencyConflict) {
		t.Fatalf("different input err = %v, want ErrIdempotencyConflict", err)
	}
	var conflict *db.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("err = %T, want *db.ConflictError", err)
	}
	want := `Idempotency key "order-1001" was already used for a different trigger in the last 7 days: send the same input to retry it, or use a new key.`
	if conflict.Message != want {
		t.Errorf("message = %q, want %q", conflict.Message, want)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 1 {
		t.Errorf("occurrences after conflict = %d, want 1", got)
	}
	var plan string
	if err := f.Store.DB().NewRaw("SELECT metadata->>'plan' FROM event_occurrences WHERE id = ?", first.ID).Scan(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	if plan != "pro" {
		t.Errorf("stored plan = %q, want the first call's %q", plan, "pro")
	}
}

// A retry that sends metadata {} where the first call sent none repeats
// it: both store {}.
func TestRecordEventIdempotencyKeyEmptyMetadata(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com",
		Source: db.SourceAPI, IdempotencyKey: "order-1002"}
	first, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	trigger.Metadata = map[string]any{}
	second, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatalf("repeat with empty metadata: %v", err)
	}
	if second.ID != first.ID {
		t.Errorf("repeat returned occurrence %d, want %d", second.ID, first.ID)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
}

func TestRecordEventIdempotencyKeyExpires(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "k-1"}
	first, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatal(err)
	}
	// A minute before the 7 days end, the key still holds.
	_, err = f.Store.DB().NewRaw("UPDATE idempotency_keys SET created_at = now() - interval '167 hours 59 minutes'").Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	repeat, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if repeat.ID != first.ID {
		t.Errorf("occurrence a minute before 7 days = %d, want %d", repeat.ID, first.ID)
	}
	changed := trigger
	changed.Metadata = map[string]any{"plan": "pro"}
	if _, err := f.Store.RecordEvent(ctx, changed); !errors.Is(err, db.ErrIdempotencyConflict) {
		t.Errorf("other input a minute before 7 days: err = %v, want ErrIdempotencyConflict", err)
	}

	_, err = f.Store.DB().NewRaw("UPDATE idempotency_keys SET created_at = now() - interval '168 hours 1 second'").Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID {
		t.Errorf("occurrence after 7 days = %d, want a new one", second.ID)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 2 {
		t.Errorf("occurrences = %d, want 2", got)
	}
}

// TestRecordEventIdempotencyKeyRace sends one key from many goroutines at
// once: the primary key on idempotency_keys makes all but one wait, and
// they all return the one stored occurrence.
func TestRecordEventIdempotencyKeyRace(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "race@example.com", Source: db.SourceAPI, IdempotencyKey: "same-key"}

	const callers = 12
	ids := make([]int64, callers)
	errs := make([]error, callers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			occ, err := f.Store.RecordEvent(ctx, trigger)
			errs[i] = err
			if err == nil {
				ids[i] = occ.ID
			}
		}()
	}
	start.Done()
	done.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("caller %d got occurrence %d, want %d", i, ids[i], ids[0])
		}
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 1 {
		t.Errorf("contacts = %d, want 1", got)
	}
}

func TestRecordEventFillsEmptyContactFields(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	record := func(fields db.ContactFields) int64 {
		t.Helper()
		occ, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, Contact: fields})
		if err != nil {
			t.Fatal(err)
		}
		return occ.ContactID
	}
	record(db.ContactFields{FirstName: "Ann"})
	record(db.ContactFields{FirstName: "Annabel", LastName: "Lee", Company: "Acme"})
	id := record(db.ContactFields{LastName: "Other", Company: "Other Inc"})

	var c db.Contact
	if err := f.Store.DB().NewSelect().Model(&c).Where("id = ?", id).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Ann" {
		t.Errorf("first name = %q, want the first value %q kept", c.FirstName, "Ann")
	}
	if c.LastName != "Lee" {
		t.Errorf("last name = %q, want the second value %q kept", c.LastName, "Lee")
	}
	if c.Company != "Acme" {
		t.Errorf("company = %q, want the second value %q kept", c.Company, "Acme")
	}
}
