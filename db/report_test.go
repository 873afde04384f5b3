package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// setTimeZone stores zone as the fixture account's time zone.
func setTimeZone(t *testing.T, f *dbtest.Fixture, zone string) {
	t.Helper()
	if _, err := f.Store.DB().ExecContext(context.Background(), "UPDATE accounts SET time_zone = ? WHERE id = ?", zone, f.Account.ID); err != nil {
		t.Fatalf("set time zone %s: %v", zone, err)
	}
	f.Account.TimeZone = zone
}

// occurrence is one trigger for recordAll. Exactly one of email and visitor
// is set.
type occurrence struct {
	email   string
	visitor string
	at      string // RFC 3339
}

// recordAll records each occurrence of the custom event slug and returns
// the stored occurrences in order.
func recordAll(t *testing.T, f *dbtest.Fixture, slug string, occurrences []occurrence) []*db.EventOccurrence {
	t.Helper()
	stored := make([]*db.EventOccurrence, 0, len(occurrences))
	for _, o := range occurrences {
		trigger := db.Trigger{AccountID: f.Account.ID, Slug: slug, Email: o.email, VisitorID: o.visitor, Source: db.SourceAPI, OccurredAt: mustTime(t, o.at)}
		if o.visitor != "" {
			trigger.Source = db.SourceBeacon
		}
		occ, err := f.Store.RecordEvent(context.Background(), trigger)
		if err != nil {
			t.Fatalf("record %s at %s: %v", slug, o.at, err)
		}
		stored = append(stored, occ)
	}
	return stored
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse time %q: %v", s, err)
	}
	return at
}

func mustRange(t *testing.T, from, to string) apitype.DateRange {
	t.Helper()
	days, verr := apitype.ParseDateRange(from, to)
	if verr != nil {
		t.Fatalf("parse range %s to %s: %v", from, to, verr)
	}
	return days
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	day, err := time.Parse(apitype.DateLayout, s)
	if err != nil {
		t.Fatalf("parse day %q: %v", s, err)
	}
	return day
}

func report(t *testing.T, f *dbtest.Fixture, eventID int64, from, to string) *db.EventReport {
	t.Helper()
	r, err := f.Store.EventReport(context.Background(), f.Account, eventID, mustRange(t, from, to))
	if err != nil {
		t.Fatalf("report %s to %s: %v", from, to, err)
	}
	return r
}

// reportTotals contains the four totals of an EventReport, to compare them
// in one check.
type reportTotals struct {
	events, contacts, previousEvents, previousContacts int64
}

func totalsOf(r *db.EventReport) reportTotals {
	return reportTotals{r.EventsTriggered, r.UniqueContacts, r.PreviousEventsTriggered, r.PreviousUniqueContacts}
}

func wantByDay(t *testing.T, r *db.EventReport, want []db.DayCount) {
	t.Helper()
	if !reflect.DeepEqual(r.ByDay, want) {
		t.Errorf("byDay =\n%+v\nwant\n%+v", r.ByDay, want)
	}
}

func wantPrevious(t *testing.T, r *db.EventReport, from, to string) {
	t.Helper()
	if got := r.Previous.From.Format(apitype.DateLayout); got != from {
		t.Errorf("previous from = %s, want %s", got, from)
	}
	if got := r.Previous.To.Format(apitype.DateLayout); got != to {
		t.Errorf("previous to = %s, want %s", got, to)
	}
}

func TestEventReportSpringForwardDay(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	setTimeZone(t, f, "America/New_York")

	// On 2026-03-08 New York moves from UTC-5 to UTC-4 at 02:00 local, so
	// the local day runs from 05:00 UTC to 04:00 UTC the next day: 23 hours.
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-03-08T04:59:59Z"}, // 03-07 23:59:59 EST
		{email: "a@example.com", at: "2026-03-08T05:00:00Z"}, // 03-08 00:00:00 EST
		{email: "b@example.com", at: "2026-03-08T06:59:59Z"}, // 03-08 01:59:59 EST
		{email: "b@example.com", at: "2026-03-08T07:00:00Z"}, // 03-08 03:00:00 EDT
		{email: "c@example.com", at: "2026-03-09T03:59:59Z"}, // 03-08 23:59:59 EDT
		{email: "c@example.com", at: "2026-03-09T04:00:00Z"}, // 03-09 00:00:00 EDT
		{email: "d@example.com", at: "2026-03-09T04:30:00Z"}, // 03-09 00:30:00 EDT, 03-08 in EST
	})

	r := report(t, f, event.ID, "2026-03-07", "2026-03-09")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-03-07", Count: 1, UniqueContacts: 1},
		{Date: "2026-03-08", Count: 4, UniqueContacts: 3},
		{Date: "2026-03-09", Count: 2, UniqueContacts: 2},
	})
	if got, want := totalsOf(r), (reportTotals{7, 4, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	wantPrevious(t, r, "2026-03-04", "2026-03-06")

	day := report(t, f, event.ID, "2026-03-08", "2026-03-08")
	if got, want := totalsOf(day), (reportTotals{4, 3, 1, 1}); got != want {
		t.Errorf("totals of 2026-03-08 = %+v, want %+v", got, want)
	}
}

func TestEventReportFallBackDay(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	setTimeZone(t, f, "America/New_York")

	// On 2026-11-01 New York moves from UTC-4 to UTC-5 at 02:00 local, so
	// the local day runs from 04:00 UTC to 05:00 UTC the next day: 25 hours,
	// with 01:00 to 02:00 local twice.
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-11-01T03:59:59Z"}, // 10-31 23:59:59 EDT
		{email: "a@example.com", at: "2026-11-01T04:00:00Z"}, // 11-01 00:00:00 EDT
		{email: "b@example.com", at: "2026-11-01T05:30:00Z"}, // 11-01 01:30:00 EDT
		{email: "b@example.com", at: "2026-11-01T06:30:00Z"}, // 11-01 01:30:00 EST
		{email: "c@example.com", at: "2026-11-02T04:30:00Z"}, // 11-01 23:30:00 EST, 11-02 in EDT
		{email: "c@example.com", at: "2026-11-02T05:00:00Z"}, // 11-02 00:00:00 EST
	})

	r := report(t, f, event.ID, "2026-10-31", "2026-11-02")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-10-31", Count: 1, UniqueContacts: 1},
		{Date: "2026-11-01", Count: 4, UniqueContacts: 3},
		{Date: "2026-11-02", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(r), (reportTotals{6, 3, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
}

func TestEventReportLocalMidnightSplitsDays(t *testing.T) {
	tests := []struct {
		zone       string
		beforeUTC  string // 2026-06-15 23:59:59 local
		midnightUT string // 2026-06-16 00:00:00 local
	}{
		{"America/New_York", "2026-06-16T03:59:59Z", "2026-06-16T04:00:00Z"},
		{"Asia/Kolkata", "2026-06-15T18:29:59Z", "2026-06-15T18:30:00Z"},
		{"UTC", "2026-06-15T23:59:59Z", "2026-06-16T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			f := dbtest.NewFixture(t)
			event := createEvent(t, f, "demo")
			setTimeZone(t, f, tt.zone)
			recordAll(t, f, "demo", []occurrence{
				{email: "a@example.com", at: tt.beforeUTC},
				{email: "a@example.com", at: tt.midnightUT},
			})

			r := report(t, f, event.ID, "2026-06-15", "2026-06-16")
			wantByDay(t, r, []db.DayCount{
				{Date: "2026-06-15", Count: 1, UniqueContacts: 1},
				{Date: "2026-06-16", Count: 1, UniqueContacts: 1},
			})
			if got, want := totalsOf(r), (reportTotals{2, 1, 0, 0}); got != want {
				t.Errorf("totals = %+v, want %+v", got, want)
			}
		})
	}
}

func TestEventReportContactOnSeveralDays(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	stored := recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T09:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T11:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T12:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T08:00:00Z"},
	})
	ann, bob := stored[0].ContactID, stored[3].ContactID

	r := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-05-01", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-02", Count: 3, UniqueContacts: 2},
		{Date: "2026-05-03", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(r), (reportTotals{5, 2, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}

	// The cards query and the report count the same range alike.
	stats, err := f.Store.EventStats(ctx, f.Account, event.ID, r.Days)
	if err != nil {
		t.Fatal(err)
	}
	if stats.EventsTriggered != r.EventsTriggered || stats.UniqueContacts != r.UniqueContacts {
		t.Errorf("EventStats = %+v, want the report's %d and %d", stats, r.EventsTriggered, r.UniqueContacts)
	}

	// The range drilldown has Ann once with every occurrence; each day's
	// drilldown has her once with that day's occurrences.
	type countRow struct {
		contactID int64
		count     int64
	}
	tests := []struct {
		name string
		day  string
		want []countRow
	}{
		{"range", "", []countRow{{ann, 4}, {bob, 1}}},
		{"first day", "2026-05-01", []countRow{{ann, 1}}},
		{"second day", "2026-05-02", []countRow{{ann, 2}, {bob, 1}}},
		{"third day", "2026-05-03", []countRow{{ann, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := db.DrilldownOptions{}
			if tt.day != "" {
				opts.Day = mustDay(t, tt.day)
			}
			page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, r.Days, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := []countRow{}
			for _, row := range page.Rows {
				got = append(got, countRow{row.ContactID, row.TriggerCount})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %+v, want %+v", got, tt.want)
			}
			if page.NextCursor != "" {
				t.Errorf("next cursor = %q, want none", page.NextCursor)
			}
		})
	}
}

func TestEventReportIdentifyMergesContacts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	const visitor = "fedcba9876543210fedcba9876543210"
	stored := recordAll(t, f, "demo", []occurrence{
		{visitor: visitor, at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T10:00:00Z"},
		{visitor: visitor, at: "2026-05-03T10:00:00Z"},
	})
	anonymous, known := stored[0].ContactID, stored[1].ContactID

	before := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	if got, want := totalsOf(before), (reportTotals{3, 2, 0, 0}); got != want {
		t.Errorf("totals before identify = %+v, want %+v", got, want)
	}
	page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, before.Days, db.DrilldownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 2 {
		t.Fatalf("rows before identify = %+v, want 2", page.Rows)
	}
	if page.Rows[0].ContactID != anonymous || page.Rows[0].Email != nil || page.Rows[0].TriggerCount != 2 {
		t.Errorf("first row before identify = %+v, want anonymous contact %d with no email and 2 occurrences", page.Rows[0], anonymous)
	}

	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}

	after := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	if got, want := totalsOf(after), (reportTotals{3, 1, 0, 0}); got != want {
		t.Errorf("totals after identify = %+v, want %+v", got, want)
	}
	wantByDay(t, after, []db.DayCount{
		{Date: "2026-05-01", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-02", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-03", Count: 1, UniqueContacts: 1},
	})
	page, err = f.Store.EventDrilldown(ctx, f.Account, event.ID, after.Days, db.DrilldownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 1 {
		t.Fatalf("rows after identify = %+v, want 1", page.Rows)
	}
	row := page.Rows[0]
	if row.ContactID != known {
		t.Errorf("contact = %d, want the known contact %d", row.ContactID, known)
	}
	if row.Email == nil || *row.Email != "ann@example.com" {
		t.Errorf("email = %v, want ann@example.com", row.Email)
	}
	if row.TriggerCount != 3 {
		t.Errorf("trigger count = %d, want 3", row.TriggerCount)
	}
	if want := mustTime(t, "2026-05-01T10:00:00Z"); !row.FirstTriggeredAt.Equal(want) {
		t.Errorf("first triggered at = %s, want %s from the anonymous contact", row.FirstTriggeredAt, want)
	}
}

func TestEventReportPreviousPeriod(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")

	// 2026-04-01 to 2026-04-30 is 30 days, so the previous period is
	// 2026-03-02 to 2026-03-31.
	recordAll(t, f, "demo", []occurrence{
		{email: "early@example.com", at: "2026-03-01T23:59:59Z"}, // before both periods
		{email: "a@example.com", at: "2026-03-02T00:00:00Z"},     // first previous day
		{email: "b@example.com", at: "2026-03-31T23:59:59Z"},     // last previous day
		{email: "b@example.com", at: "2026-04-01T00:00:00Z"},     // first day
		{email: "c@example.com", at: "2026-04-30T23:59:59Z"},     // last day
		{email: "late@example.com", at: "2026-05-01T00:00:00Z"},  // after the range
	})

	r := report(t, f, event.ID, "2026-04-01", "2026-04-30")
	if got, want := totalsOf(r), (reportTotals{2, 2, 2, 2}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	wantPrevious(t, r, "2026-03-02", "2026-03-31")
	if len(r.ByDay) != 30 {
		t.Errorf("byDay has %d days, want 30", len(r.ByDay))
	}
}

func TestEventReportEmptyPreviousPeriod(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-04-02T12:00:00Z"},
	})

	r := report(t, f, event.ID, "2026-04-01", "2026-04-03")
	if got, want := totalsOf(r), (reportTotals{1, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	wantPrevious(t, r, "2026-03-29", "2026-03-31")
}

func TestEventReportOneDayRange(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-04-01T12:00:00Z"},
		{email: "a@example.com", at: "2026-04-02T00:00:00Z"},
		{email: "b@example.com", at: "2026-04-02T13:00:00Z"},
		{email: "a@example.com", at: "2026-04-03T00:00:00Z"},
	})

	r := report(t, f, event.ID, "2026-04-02", "2026-04-02")
	wantByDay(t, r, []db.DayCount{{Date: "2026-04-02", Count: 2, UniqueContacts: 2}})
	if got, want := totalsOf(r), (reportTotals{2, 2, 1, 1}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	wantPrevious(t, r, "2026-04-01", "2026-04-01")
}

func TestEventReportRangeBeforeAccountExisted(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	if _, err := f.Store.DB().ExecContext(context.Background(), "UPDATE accounts SET created_at = '2026-04-03T09:00:00Z' WHERE id = ?", f.Account.ID); err != nil {
		t.Fatal(err)
	}
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-04-03T10:00:00Z"},
		{email: "b@example.com", at: "2026-04-04T10:00:00Z"},
	})

	r := report(t, f, event.ID, "2026-03-31", "2026-04-04")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-03-31", Count: 0, UniqueContacts: 0},
		{Date: "2026-04-01", Count: 0, UniqueContacts: 0},
		{Date: "2026-04-02", Count: 0, UniqueContacts: 0},
		{Date: "2026-04-03", Count: 1, UniqueContacts: 1},
		{Date: "2026-04-04", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(r), (reportTotals{2, 2, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
}

// A deleted definition keeps its occurrences. The store still reports on its
// id; the admin API and GraphQL look events up among live definitions, so
// they return NOT_FOUND for it.
func TestEventReportDeletedDefinition(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-04-02T12:00:00Z"},
	})
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, event.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := f.Store.CustomEvent(ctx, f.Account.ID, event.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("CustomEvent of the deleted definition: err = %v, want ErrNotFound", err)
	}
	r := report(t, f, event.ID, "2026-04-02", "2026-04-02")
	if got, want := totalsOf(r), (reportTotals{1, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, r.Days, db.DrilldownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 1 || page.Rows[0].TriggerCount != 1 {
		t.Errorf("rows = %+v, want one contact with 1 occurrence", page.Rows)
	}
}

func TestEventReportIgnoresOtherAccounts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "a@example.com", at: "2026-04-02T12:00:00Z"},
	})

	// A second account with its own event, contact and occurrence.
	var other struct {
		AccountID int64 `bun:"account_id"`
		EventID   int64 `bun:"event_id"`
	}
	err := f.Store.DB().NewRaw(`
		WITH a AS (INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id),
		e AS (INSERT INTO custom_events (account_id, name, slug) SELECT id, 'Demo', 'demo' FROM a RETURNING id, account_id),
		c AS (INSERT INTO contacts (account_id, email) SELECT id, 'z@example.com' FROM a RETURNING id),
		o AS (INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
			SELECT e.account_id, e.id, c.id, '2026-04-02T12:00:00Z', 'api' FROM e, c)
		SELECT e.account_id, e.id AS event_id FROM e`).Scan(ctx, &other)
	if err != nil {
		t.Fatal(err)
	}

	// The other account's event id, read through this account, has nothing.
	r := report(t, f, other.EventID, "2026-04-02", "2026-04-02")
	if got, want := totalsOf(r), (reportTotals{0, 0, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	page, err := f.Store.EventDrilldown(ctx, f.Account, other.EventID, r.Days, db.DrilldownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 0 {
		t.Errorf("rows = %+v, want none", page.Rows)
	}
}

func TestEventReportRejectsPreviousBeforeYearOne(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")

	_, err := f.Store.EventReport(context.Background(), f.Account, event.ID, mustRange(t, "0001-01-05", "0001-01-14"))
	verr, ok := errors.AsType[*apitype.ValidationError](err)
	if !ok {
		t.Fatalf("err = %v, want a validation error", err)
	}
	if verr.Field != "from" {
		t.Errorf("field = %q, want from", verr.Field)
	}
	want := "Range from 0001-01-05 has no previous period of 10 days, which would start before 0001-01-01, the earliest date: start on or after 0001-01-11."
	if verr.Message != want {
		t.Errorf("message = %q, want %q", verr.Message, want)
	}

	r := report(t, f, event.ID, "0001-01-11", "0001-01-20")
	wantPrevious(t, r, "0001-01-01", "0001-01-10")
}
