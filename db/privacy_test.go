package db_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// traceColumn is a column of the public schema that the no-trace scan reads.
type traceColumn struct {
	Table    string `bun:"table_name"`
	Column   string `bun:"column_name"`
	DataType string `bun:"data_type"`
}

// findTraces returns "table.column" for every column of the public schema
// that holds email in a text-like value, or contactID in a column that
// refers to contacts (contact_id columns and contacts.id).
func findTraces(t *testing.T, f *dbtest.Fixture, email string, contactID int64) []string {
	t.Helper()
	ctx := context.Background()
	var columns []traceColumn
	err := f.Store.DB().NewRaw(`
		SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public'
		  AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bigint')
		ORDER BY table_name, column_name`).Scan(ctx, &columns)
	if err != nil {
		t.Fatalf("list columns: %v", err)
	}
	if len(columns) == 0 {
		t.Fatal("information_schema lists no columns in the public schema")
	}

	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(email) + "%"
	var found []string
	for _, c := range columns {
		var query string
		var arg any
		switch {
		case c.DataType != "bigint":
			query = fmt.Sprintf(`SELECT count(*) FROM %q WHERE %q::text ILIKE ?`, c.Table, c.Column)
			arg = pattern
		case c.Column == "contact_id" || (c.Table == "contacts" && c.Column == "id"):
			query = fmt.Sprintf(`SELECT count(*) FROM %q WHERE %q = ?`, c.Table, c.Column)
			arg = contactID
		default:
			continue
		}
		var n int
		if err := f.Store.DB().NewRaw(query, arg).Scan(ctx, &n); err != nil {
			t.Fatalf("scan %s.%s: %v", c.Table, c.Column, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s.%s", c.Table, c.Column))
		}
	}
	return found
}

// seedErasable stores, for ann@example.com, two API occurrences (one with
// an idempotency key and the email in its metadata and page URL), a
// merged anonymous visitor with a beacon occurrence, and for
// bob@example.com one occurrence. It returns Ann's contact id.
func seedErasable(t *testing.T, f *dbtest.Fixture, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	createEvent(t, f, "watched-demo-video")
	const visitor = "0123456789abcdef0123456789abcdef"

	first, err := f.Store.RecordEvent(ctx, db.Trigger{
		AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "ann@example.com", Source: db.SourceAPI,
		OccurredAt: at, PageURL: "https://www.example.com/welcome?email=ann@example.com",
		Metadata:       map[string]any{"login": "ann@example.com"},
		IdempotencyKey: "signup-ann@example.com",
		Contact:        db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", VisitorID: visitor, Source: db.SourceBeacon, OccurredAt: at.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "bob@example.com", Source: db.SourceAPI, OccurredAt: at}); err != nil {
		t.Fatal(err)
	}
	return first.ContactID
}

func TestEraseContactLeavesNoTrace(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	contactID := seedErasable(t, f, time.Now().Add(-time.Hour))

	// The scan must see the data before the erasure, or it proves nothing.
	before := findTraces(t, f, "ann@example.com", contactID)
	wantBefore := []string{
		"contacts.email", "contacts.id", "event_contact_days.contact_id", "event_contact_totals.contact_id",
		"event_occurrences.contact_id", "event_occurrences.metadata", "event_occurrences.page_url",
		"idempotency_keys.key", "visitors.contact_id",
	}
	if !reflect.DeepEqual(before, wantBefore) {
		t.Fatalf("columns with traces before erasure = %v, want %v", before, wantBefore)
	}

	result, err := f.Store.EraseContact(ctx, f.Account.ID, " ANN@example.com ", "admin@example.com")
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	if want := (apitype.ErasureResult{Occurrences: 3, Visitors: 1}); *result != want {
		t.Errorf("result = %+v, want %+v", *result, want)
	}
	if after := findTraces(t, f, "ann@example.com", contactID); len(after) != 0 {
		t.Errorf("columns with traces after erasure = %v, want none", after)
	}

	// Bob keeps his data.
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1 (bob)", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want 1 (bob's)", n)
	}
}

func TestEraseContactDropsCounts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	// Noon yesterday (UTC, the fixture account's time zone): the seeded
	// occurrences span two minutes, which must not cross midnight.
	at := time.Now().UTC().Truncate(24 * time.Hour).Add(-12 * time.Hour)
	seedErasable(t, f, at)
	event, err := f.Store.CustomEventBySlug(ctx, f.Account.ID, "watched-demo-video")
	if err != nil {
		t.Fatal(err)
	}
	days := apitype.LastDays(at, f.Account.Location(), 2)

	stats, err := f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if want := (db.EventStats{EventsTriggered: 4, UniqueContacts: 2}); *stats != want {
		t.Fatalf("stats before erasure = %+v, want %+v", *stats, want)
	}

	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", "admin@example.com"); err != nil {
		t.Fatalf("erase: %v", err)
	}

	stats, err = f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if want := (db.EventStats{EventsTriggered: 1, UniqueContacts: 1}); *stats != want {
		t.Errorf("stats after erasure = %+v, want %+v", *stats, want)
	}
	report, err := f.Store.EventReport(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if report.EventsTriggered != 1 {
		t.Errorf("report events triggered = %d, want 1", report.EventsTriggered)
	}
	if report.UniqueContacts != 1 {
		t.Errorf("report unique contacts = %d, want 1", report.UniqueContacts)
	}
}

func TestEraseContactAuditRow(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	seedErasable(t, f, time.Now().Add(-time.Hour))
	before := time.Now()

	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", db.APIKeyActor(f.APIKey)); err != nil {
		t.Fatalf("erase: %v", err)
	}

	entries, err := f.Store.PrivacyAudit(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("audit rows = %d, want 1", len(entries))
	}
	entry := entries[0]
	if entry.Action != db.AuditErase {
		t.Errorf("action = %q, want %q", entry.Action, db.AuditErase)
	}
	if want := "api-key:" + f.APIKey[:10]; entry.Actor != want {
		t.Errorf("actor = %q, want %q", entry.Actor, want)
	}
	if entry.CreatedAt.Before(before.Add(-time.Second)) || entry.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("created at = %s, want between %s and now", entry.CreatedAt, before)
	}
}

func TestEraseContactUnknownEmail(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	seedErasable(t, f, time.Now().Add(-time.Hour))

	_, err := f.Store.EraseContact(ctx, f.Account.ID, "Nobody@Example.com", "admin@example.com")
	var nferr *db.NotFoundError
	if !errors.As(err, &nferr) {
		t.Fatalf("error = %v, want a *db.NotFoundError", err)
	}
	want := `Contact with email "nobody@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	if n := dbtest.Count(t, f.Store.DB(), "privacy_audit"); n != 0 {
		t.Errorf("audit rows = %d, want 0", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 4 {
		t.Errorf("occurrences = %d, want all 4 kept", n)
	}
}

func TestEraseContactOtherAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	seedErasable(t, f, time.Now().Add(-time.Hour))
	other := createAccount(t, f, "Other Company")

	_, err := f.Store.EraseContact(ctx, other, "ann@example.com", "admin@example.com")
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("erase in another account: error = %v, want not found", err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 2 {
		t.Errorf("contacts = %d, want 2 kept", n)
	}
}

// createAccount inserts a second account and returns its id.
func createAccount(t *testing.T, f *dbtest.Fixture, name string) int64 {
	t.Helper()
	var id int64
	err := f.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES (?, ?) RETURNING id", name, "site_"+strings.ReplaceAll(strings.ToLower(name), " ", "_")).
		Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	return id
}

func TestExportContactContent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 5, 9, 30, 0, 0, time.UTC)
	contactID := seedErasable(t, f, at)
	if _, err := f.Store.DB().NewRaw(`
		UPDATE event_occurrences SET referrer = 'https://www.google.com/', channel = 'ORGANIC_SEARCH',
			utm_source = 'google', utm_medium = 'organic', utm_campaign = 'spring', utm_term = 'demo', utm_content = 'hero'
		WHERE account_id = ? AND contact_id = ? AND occurred_at = ?`, f.Account.ID, contactID, at.Add(time.Minute)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var contactCreated, visitorCreated time.Time
	if err := f.Store.DB().NewRaw("SELECT created_at FROM contacts WHERE id = ?", contactID).Scan(ctx, &contactCreated); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.DB().NewRaw("SELECT created_at FROM visitors WHERE contact_id = ?", contactID).Scan(ctx, &visitorCreated); err != nil {
		t.Fatal(err)
	}
	// Deleting the definition keeps its occurrences, and the export still
	// names them.
	event, err := f.Store.CustomEventBySlug(ctx, f.Account.ID, "watched-demo-video")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, event.ID); err != nil {
		t.Fatal(err)
	}

	got, err := f.Store.ExportContact(ctx, f.Account.ID, "ANN@example.com", "admin@example.com")
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	occurrence := func(offset time.Duration, source string) apitype.ContactOccurrence {
		return apitype.ContactOccurrence{
			EventSlug: "watched-demo-video", EventName: "Event watched-demo-video",
			OccurredAt: at.Add(offset), Source: source, Channel: "DIRECT", Metadata: map[string]any{},
		}
	}
	first := occurrence(0, "api")
	first.PageURL = "https://www.example.com/welcome?email=ann@example.com"
	first.Metadata = map[string]any{"login": "ann@example.com"}
	second := occurrence(time.Minute, "api")
	second.Referrer = "https://www.google.com/"
	second.Channel = "ORGANIC_SEARCH"
	second.UTMSource, second.UTMMedium, second.UTMCampaign, second.UTMTerm, second.UTMContent = "google", "organic", "spring", "demo", "hero"
	want := &apitype.ContactExport{
		ID:          contactID,
		Email:       "ann@example.com",
		FirstName:   "Ann",
		LastName:    "Lee",
		Company:     "Acme",
		CreatedAt:   contactCreated.UTC(),
		Visitors:    []apitype.ContactVisitor{{ID: "0123456789abcdef0123456789abcdef", FirstSeenAt: visitorCreated.UTC()}},
		Occurrences: []apitype.ContactOccurrence{first, second, occurrence(2*time.Minute, "beacon")},
		DailyCounts: []apitype.ContactDailyCount{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("export =\n%+v\nwant\n%+v", got, want)
	}

	entries, err := f.Store.PrivacyAudit(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != db.AuditExport || entries[0].Actor != "admin@example.com" {
		t.Errorf("audit = %+v, want one export by admin@example.com", entries)
	}
}

func TestExportContactUnknownEmail(t *testing.T) {
	f := dbtest.NewFixture(t)
	_, err := f.Store.ExportContact(context.Background(), f.Account.ID, "nobody@example.com", "admin@example.com")
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("error = %v, want not found", err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "privacy_audit"); n != 0 {
		t.Errorf("audit rows = %d, want 0", n)
	}
}
