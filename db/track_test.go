package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func createEvent(t *testing.T, f *dbtest.Fixture, slug string) *db.CustomEvent {
	t.Helper()
	event, err := f.Store.CreateCustomEvent(context.Background(), f.Account.ID, apitype.CustomEventInput{
		Name: "Event " + slug,
		Slug: slug,
	})
	if err != nil {
		t.Fatalf("create event %q: %v", slug, err)
	}
	return event
}

func TestRecordEventByEmailMatchesCase(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "watched-demo-video")

	first, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatalf("record first: %v", err)
	}
	second, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatalf("record second: %v", err)
	}
	if first.ContactID != second.ContactID {
		t.Errorf("contact ids = %d and %d, want one contact", first.ContactID, second.ContactID)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 1 {
		t.Errorf("contacts = %d, want 1", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 2 {
		t.Errorf("occurrences = %d, want 2", got)
	}
}

func TestRecordEventUnknownSlugStoresNothing(t *testing.T) {
	f := dbtest.NewFixture(t)
	_, err := f.Store.RecordEvent(context.Background(), db.Trigger{AccountID: f.Account.ID, Slug: "nope", Email: "ann@example.com", Source: db.SourceAPI})
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 0 {
		t.Errorf("contacts = %d, want 0", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

func TestRecordEventVisitorIsOneAnonymousContact(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")

	var contactIDs []int64
	for range 3 {
		occ, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: "v-0123456789abcdef", Source: db.SourceBeacon})
		if err != nil {
			t.Fatalf("record: %v", err)
		}
		contactIDs = append(contactIDs, occ.ContactID)
	}
	if contactIDs[0] != contactIDs[1] || contactIDs[1] != contactIDs[2] {
		t.Errorf("contact ids = %v, want one contact", contactIDs)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NULL"); got != 1 {
		t.Errorf("anonymous contacts = %d, want 1", got)
	}
}

func TestEventStatsBucketsInAccountTimeZone(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	if _, err := f.Store.DB().NewUpdate().Model((*db.Account)(nil)).Set("time_zone = 'America/New_York'").Where("id = ?", f.Account.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.Account.TimeZone = "America/New_York"

	// 2026-03-01 is UTC-5 in New York: local midnight is 05:00 UTC.
	times := []string{
		"2026-03-01T04:59:59Z", // 2026-02-28 23:59:59 local: outside
		"2026-03-01T05:00:00Z", // 2026-03-01 00:00:00 local: inside
		"2026-03-02T04:59:59Z", // 2026-03-01 23:59:59 local: inside
		"2026-03-02T05:00:00Z", // 2026-03-02 00:00:00 local: outside
	}
	emails := []string{"a@example.com", "b@example.com", "b@example.com", "c@example.com"}
	for i, ts := range times {
		at, _ := time.Parse(time.RFC3339, ts)
		if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "demo", Email: emails[i], Source: db.SourceAPI, OccurredAt: at}); err != nil {
			t.Fatal(err)
		}
	}

	days, verr := apitype.ParseDateRange("2026-03-01", "2026-03-01")
	if verr != nil {
		t.Fatal(verr)
	}
	stats, err := f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if stats.EventsTriggered != 2 {
		t.Errorf("events triggered = %d, want 2", stats.EventsTriggered)
	}
	if stats.UniqueContacts != 1 {
		t.Errorf("unique contacts = %d, want 1", stats.UniqueContacts)
	}
}

func TestAccountByAPIKeyRecordsUse(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	account, err := f.Store.AccountByAPIKey(ctx, f.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if account.ID != f.Account.ID {
		t.Errorf("account = %d, want %d", account.ID, f.Account.ID)
	}
	var used int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM api_keys WHERE last_used_at > now() - interval '1 minute'").Scan(ctx, &used); err != nil {
		t.Fatal(err)
	}
	if used != 1 {
		t.Errorf("keys used in the last minute = %d, want 1", used)
	}
	if _, err := f.Store.AccountByAPIKey(ctx, "ce_wrong"); !errors.Is(err, db.ErrInvalidAPIKey) {
		t.Errorf("wrong key err = %v, want ErrInvalidAPIKey", err)
	}
	if _, err := f.Store.DB().NewRaw("UPDATE api_keys SET revoked_at = now()").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.AccountByAPIKey(ctx, f.APIKey); !errors.Is(err, db.ErrInvalidAPIKey) {
		t.Errorf("revoked key err = %v, want ErrInvalidAPIKey", err)
	}
}

// TestRecordEventAfterDeleteAndRename checks that the slug cache of
// RecordEvent follows definitions changed through the same store.
func TestRecordEventAfterDeleteAndRename(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signup")
	trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}
	if _, err := f.Store.RecordEvent(ctx, trigger); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.UpdateCustomEvent(ctx, f.Account.ID, event.ID, apitype.CustomEventInput{Name: "Signed up", Slug: "signed-up"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, trigger); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("old slug after rename: err = %v, want ErrNotFound", err)
	}
	trigger.Slug = "signed-up"
	if _, err := f.Store.RecordEvent(ctx, trigger); err != nil {
		t.Fatalf("new slug after rename: %v", err)
	}
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, event.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, trigger); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("slug after delete: err = %v, want ErrNotFound", err)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 2 {
		t.Errorf("occurrences = %d, want 2", got)
	}
}
