package db_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// RepeatedTriggers returns, at each trigger's index, the occurrence that
// the same input stored with the same key, and reads every key in one
// query.
func TestRepeatedTriggersPerIndex(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trigger := func(email, key string) db.Trigger {
		return db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: email, Source: db.SourceAPI,
			Metadata: map[string]any{"plan": "pro"}, IdempotencyKey: key}
	}
	record := func(tr db.Trigger) *db.EventOccurrence {
		t.Helper()
		occurrence, err := f.Store.RecordEvent(ctx, tr)
		if err != nil {
			t.Fatalf("record %q: %v", tr.IdempotencyKey, err)
		}
		return occurrence
	}
	first := record(trigger("ann@example.com", "k-1"))
	second := record(trigger("bob@example.com", "k-2"))
	record(trigger("cid@example.com", "k-3"))
	replaced := record(trigger("dan@example.com", "k-\uFFFD"))
	if _, err := f.Store.DB().NewRaw("UPDATE idempotency_keys SET created_at = now() - interval '168 hours 1 second' WHERE key = 'k-3'").Exec(ctx); err != nil {
		t.Fatal(err)
	}

	lookups := []struct {
		name    string
		trigger db.Trigger
		want    *db.EventOccurrence
	}{
		{"second key", trigger("bob@example.com", "k-2"), second},
		{"no key", trigger("ann@example.com", ""), nil},
		{"first key", trigger("ann@example.com", "k-1"), first},
		{"first key with another input", trigger("eve@example.com", "k-1"), nil},
		{"key claimed more than 7 days ago", trigger("cid@example.com", "k-3"), nil},
		{"first key again", trigger("ann@example.com", "k-1"), first},
		{"key with a NUL character", trigger("ann@example.com", "k-\x001"), nil},
		{"key with invalid UTF-8", trigger("dan@example.com", "k-\xff"), nil},
		{"key with U+FFFD", trigger("dan@example.com", "k-\uFFFD"), replaced},
		{"unknown key", trigger("ann@example.com", "k-9"), nil},
	}
	triggers := make([]db.Trigger, len(lookups))
	for i, lookup := range lookups {
		triggers[i] = lookup.trigger
	}
	counter := &dbtest.QueryCounter{Table: "idempotency_keys"}
	f.Store.DB().AddQueryHook(counter)
	counter.Start()
	got, err := f.Store.RepeatedTriggers(ctx, f.Account.ID, triggers)
	keyQueries := counter.Stop()
	if err != nil {
		t.Fatal(err)
	}

	if n := keyQueries; n != 1 {
		t.Errorf("queries on idempotency_keys = %d, want 1", n)
	}
	if len(got) != len(lookups) {
		t.Fatalf("occurrences = %d, want %d", len(got), len(lookups))
	}
	for i, lookup := range lookups {
		switch {
		case lookup.want == nil && got[i] != nil:
			t.Errorf("%d %s: occurrence %d, want none", i, lookup.name, got[i].ID)
		case lookup.want != nil && got[i] == nil:
			t.Errorf("%d %s: no occurrence, want %d", i, lookup.name, lookup.want.ID)
		case lookup.want != nil:
			if got[i].ID != lookup.want.ID {
				t.Errorf("%d %s: occurrence %d, want %d", i, lookup.name, got[i].ID, lookup.want.ID)
			}
			if got[i].ContactID != lookup.want.ContactID {
				t.Errorf("%d %s: contact %d, want %d", i, lookup.name, got[i].ContactID, lookup.want.ContactID)
			}
			if !got[i].OccurredAt.Equal(lookup.want.OccurredAt) {
				t.Errorf("%d %s: occurred at %v, want %v", i, lookup.name, got[i].OccurredAt, lookup.want.OccurredAt)
			}
		}
	}
	// Each index has its own occurrence value, so a caller may change
	// one without changing another.
	if got[2] != nil && got[2] == got[5] {
		t.Error("indexes 2 and 5 share one *EventOccurrence")
	}
}

func TestRepeatedTriggersOtherAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	other := f.AddAccount(t, "Other Company")
	triggers := []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", IdempotencyKey: "k-1"},
		{AccountID: other, Slug: "signup", Email: "ann@example.com", IdempotencyKey: "k-1"},
	}
	_, err := f.Store.RepeatedTriggers(context.Background(), f.Account.ID, triggers)
	want := fmt.Sprintf("read occurrences of idempotency keys: trigger 1 belongs to account %d, not to account %d", other, f.Account.ID)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// BenchmarkRepeatedTriggers compares looking up the keys of 100 retries
// in one query with one query per retry.
func BenchmarkRepeatedTriggers(b *testing.B) {
	f := dbtest.NewFixture(b)
	ctx := context.Background()
	if _, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		b.Fatal(err)
	}
	const retries = 100
	triggers := make([]db.Trigger, retries)
	for i := range triggers {
		triggers[i] = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("user%d@example.com", i),
			Source: db.SourceAPI, IdempotencyKey: fmt.Sprintf("order-%d", i)}
	}
	_, errs := f.Store.RecordEvents(ctx, slog.New(slog.DiscardHandler), triggers)
	for i, err := range errs {
		if err != nil {
			b.Fatalf("record trigger %d: %v", i, err)
		}
	}
	// Statistics, as autovacuum keeps them on a live database, let the
	// planner use the primary keys instead of scanning the account's rows.
	if _, err := f.Store.DB().ExecContext(ctx, "ANALYZE idempotency_keys, event_occurrences"); err != nil {
		b.Fatal(err)
	}

	b.Run("one query", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.Store.RepeatedTriggers(ctx, f.Account.ID, triggers); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("query per retry", func(b *testing.B) {
		for b.Loop() {
			for i := range triggers {
				if _, err := f.Store.RepeatedTriggers(ctx, f.Account.ID, triggers[i:i+1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
