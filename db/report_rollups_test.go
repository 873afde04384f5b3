package db_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// rollupQueries read every rollup table as text lines, with the pending
// changes added to the compacted rows and rows that add up to zero left out,
// so that two states compare equal when reports read the same numbers.
var rollupQueries = map[string]string{
	"event_contact_days": `
		SELECT format('%s/%s %s contact %s: live %s expired %s first %s last %s',
			account_id, custom_event_id, day, contact_id, live_events, expired_events, first_at, last_at)
		FROM event_contact_days ORDER BY 1`,
	"event_contact_totals": `
		SELECT format('%s/%s contact %s: %s', account_id, custom_event_id, contact_id, live_events)
		FROM event_contact_totals WHERE live_events > 0 ORDER BY 1`,
	"event_day_totals": `
		SELECT format('%s/%s %s: %s events %s contacts', account_id, custom_event_id, day, sum(events), sum(contacts))
		FROM (
			SELECT account_id, custom_event_id, day, events, contacts FROM event_day_totals
			UNION ALL
			SELECT account_id, custom_event_id, day, events, contacts FROM event_day_total_changes
		) t
		GROUP BY account_id, custom_event_id, day
		HAVING sum(events) <> 0 OR sum(contacts) <> 0
		ORDER BY 1`,
	"event_contact_day_links": `
		SELECT format('%s/%s contact %s: %s after %s', account_id, custom_event_id, contact_id, day, previous_day)
		FROM event_contact_day_links ORDER BY 1`,
	"event_day_gaps": `
		SELECT format('%s/%s %s after %s: %s contacts', account_id, custom_event_id, day, previous_day, sum(contacts))
		FROM (
			SELECT account_id, custom_event_id, previous_day, day, contacts FROM event_day_gaps
			UNION ALL
			SELECT account_id, custom_event_id, previous_day, day, contacts FROM event_day_gap_changes
		) t
		GROUP BY account_id, custom_event_id, previous_day, day
		HAVING sum(contacts) <> 0
		ORDER BY 1`,
}

func readRollups(t *testing.T, f *dbtest.Fixture) map[string][]string {
	t.Helper()
	state := map[string][]string{}
	for table, query := range rollupQueries {
		lines := []string{}
		if err := f.Store.DB().NewRaw(query).Scan(context.Background(), &lines); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		state[table] = lines
	}
	return state
}

// checkRollups fails the test when the rollups that the triggers kept differ
// from the ones that RebuildReportRollups computes from the occurrences. It
// leaves the rebuilt rollups in place.
func checkRollups(t *testing.T, f *dbtest.Fixture) {
	t.Helper()
	ctx := context.Background()
	kept := readRollups(t, f)
	var accounts []int64
	if err := f.Store.DB().NewRaw("SELECT id FROM accounts ORDER BY id").Scan(ctx, &accounts); err != nil {
		t.Fatal(err)
	}
	for _, id := range accounts {
		if err := f.Store.RebuildReportRollups(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	rebuilt := readRollups(t, f)
	for table := range rollupQueries {
		if !reflect.DeepEqual(kept[table], rebuilt[table]) {
			t.Errorf("%s kept by the triggers:\n%s\nrebuilt from the occurrences:\n%s",
				table, strings.Join(kept[table], "\n"), strings.Join(rebuilt[table], "\n"))
		}
	}
	if len(kept["event_contact_days"]) == 0 {
		t.Error("event_contact_days is empty, so the check proves nothing")
	}
}

// checkReportsMatchRaw compares EventReport and EventDrilldown with their
// raw counterparts for each event over each range given as "from..to". It
// reads every drilldown page in both orders with three rows a page, with
// and without search.
func checkReportsMatchRaw(t *testing.T, f *dbtest.Fixture, eventIDs []int64, ranges ...string) {
	t.Helper()
	ctx := context.Background()
	for _, eventID := range eventIDs {
		for _, text := range ranges {
			from, to, _ := strings.Cut(text, "..")
			days := mustRange(t, from, to)
			got, err := f.Store.EventReport(ctx, f.Account, eventID, days)
			if err != nil {
				t.Fatal(err)
			}
			want, err := f.Store.RawEventReport(ctx, f.Account, eventID, days)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event %d, %s: report from rollups =\n%+v\nfrom occurrences =\n%+v", eventID, text, got, want)
			}

			for _, order := range []apitype.DrilldownOrder{apitype.DrilldownByCount, apitype.DrilldownByLastTriggered} {
				for _, search := range []string{"", "example"} {
					opts := db.DrilldownOptions{Order: order, Search: search, First: 3}
					got := drilldownPages(t, f, eventID, days, opts, f.Store.EventDrilldown)
					want := drilldownPages(t, f, eventID, days, opts, f.Store.RawEventDrilldown)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("event %d, %s, order %s, search %q: drilldown from rollups =\n%s\nfrom occurrences =\n%s",
							eventID, text, order, search, pagesText(got), pagesText(want))
					}
				}
			}
		}
	}
}

// pagesText prints drilldown pages one per line, for failure messages.
func pagesText(pages []*db.DrilldownPage) string {
	lines := make([]string, len(pages))
	for i, page := range pages {
		lines[i] = fmt.Sprintf("%+v", *page)
	}
	return strings.Join(lines, "\n")
}

type drilldownFunc func(context.Context, *db.Account, int64, apitype.DateRange, db.DrilldownOptions) (*db.DrilldownPage, error)

// drilldownPages reads every page and returns them with their cursors.
func drilldownPages(t *testing.T, f *dbtest.Fixture, eventID int64, days apitype.DateRange, opts db.DrilldownOptions, list drilldownFunc) []*db.DrilldownPage {
	t.Helper()
	var pages []*db.DrilldownPage
	for range 1000 {
		page, err := list(context.Background(), f.Account, eventID, days, opts)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, page)
		if page.NextCursor == "" {
			return pages
		}
		opts.After = page.NextCursor
	}
	t.Fatal("more than 1000 pages")
	return nil
}

func TestReportRollupsFollowInserts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	setTimeZone(t, f, "America/New_York")
	first := createEvent(t, f, "first")
	second := createEvent(t, f, "second")

	// Direct writes, with days out of order, so that later days are added
	// before and between earlier ones: 03-10, then 03-06, then 03-08.
	recordAll(t, f, "first", []occurrence{
		{email: "ann@example.com", at: "2026-03-10T15:00:00Z"},
		{email: "ann@example.com", at: "2026-03-06T15:00:00Z"},
		{email: "ann@example.com", at: "2026-03-08T06:59:59Z"}, // 01:59:59 EST, before the DST change
		{email: "ann@example.com", at: "2026-03-08T07:00:00Z"}, // 03:00:00 EDT, the same day
		{email: "bob@example.com", at: "2026-03-08T12:00:00Z"},
		{visitor: "0123456789abcdef0123456789abcdef", at: "2026-03-09T04:30:00Z"},
		{visitor: "0123456789abcdef0123456789abcdef", at: "2026-03-07T04:30:00Z"},
		{email: "bob@example.com", at: "2026-03-10T03:59:59.999999Z"}, // 03-09 23:59:59 EDT
	})
	recordAll(t, f, "second", []occurrence{
		{email: "ann@example.com", at: "2026-03-09T12:00:00Z"},
	})

	// RecordEvents writes simple triggers with one INSERT for the batch.
	var triggers []db.Trigger
	for i := range 12 {
		triggers = append(triggers, db.Trigger{
			AccountID: f.Account.ID, Slug: []string{"first", "second"}[i%2], Source: db.SourceAPI,
			Email:      fmt.Sprintf("batch%d@example.com", i%4),
			OccurredAt: mustTime(t, "2026-03-05T12:00:00Z").Add(time.Duration(i) * 11 * time.Hour),
		})
	}
	if _, errs := f.Store.RecordEvents(ctx, slog.New(slog.DiscardHandler), triggers); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}

	// The ingester batches concurrent calls. Contact fields and
	// idempotency keys send a trigger through the savepoint path.
	stop := f.Store.StartIngester(slog.New(slog.DiscardHandler), db.IngestConfig{Workers: 2, MaxBatch: 16})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			trigger := db.Trigger{
				AccountID: f.Account.ID, Slug: "first", Source: db.SourceBeacon,
				VisitorID:  fmt.Sprintf("%032x", i%7),
				OccurredAt: mustTime(t, "2026-03-04T12:00:00Z").Add(time.Duration(i*i) * time.Hour),
			}
			switch i % 4 {
			case 1:
				trigger.VisitorID = ""
				trigger.Email = fmt.Sprintf("ingest%d@example.com", i%5)
				trigger.Source = db.SourceAPI
				trigger.Contact = db.ContactFields{FirstName: "Ingest"}
			case 2:
				trigger.VisitorID = ""
				trigger.Email = fmt.Sprintf("ingest%d@example.com", i%3)
				trigger.Source = db.SourceAPI
				trigger.IdempotencyKey = fmt.Sprintf("key-%d", i)
			}
			_, err := f.Store.RecordEvent(ctx, trigger)
			errs <- err
		})
	}
	wg.Wait()
	stop()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// The demo data is one multi-row INSERT through Bun.
	if err := f.Store.SeedDemo(ctx, f.Account.ID); err != nil {
		t.Fatal(err)
	}
	// A statement of many rows, then updates that move occurrences to
	// other days, events and contacts, and a delete.
	_, err := f.Store.DB().NewRaw(`
		INSERT INTO contacts (account_id, email) SELECT ?, format('bulk%s@example.com', g) FROM generate_series(0, 5) g`,
		f.Account.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.DB().NewRaw(`
		INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
		SELECT ?, ?, c.id, '2026-03-01T12:00:00Z'::timestamptz + make_interval(hours => 7 * g), 'api'
		FROM generate_series(1, 60) g
		JOIN contacts c ON c.account_id = ? AND c.email = format('bulk%s@example.com', g % 6)`,
		f.Account.ID, first.ID, f.Account.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statements := []string{
		"UPDATE event_occurrences SET occurred_at = occurred_at + interval '30 hours' WHERE id % 5 = 0",
		"UPDATE event_occurrences SET custom_event_id = ? WHERE id % 7 = 0",
		"UPDATE event_occurrences SET contact_id = (SELECT id FROM contacts WHERE email = 'ann@example.com') WHERE id % 11 = 0",
		"DELETE FROM event_occurrences WHERE id % 13 = 0",
		"UPDATE event_occurrences SET page_url = 'https://example.com/changed' WHERE id % 3 = 0",
	}
	for _, statement := range statements {
		if _, err := f.Store.DB().NewRaw(statement, second.ID).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}

	checkReportsMatchRaw(t, f, []int64{first.ID, second.ID}, "2026-03-01..2026-03-31", "2026-03-06..2026-03-09", "2026-03-08..2026-03-08")
	checkRollups(t, f)
}

// expireOld records occurrences on old days and lets retention delete
// them, so that their counts move to expired_events.
func expireOld(t *testing.T, f *dbtest.Fixture, slug string, occurrences []occurrence) {
	t.Helper()
	recordAll(t, f, slug, occurrences)
	if _, err := f.Store.EnforceRetention(context.Background(), mustTime(t, "2026-12-04T12:00:00Z")); err != nil {
		t.Fatal(err)
	}
}

func TestReportRollupsFollowMerge(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	const visitor = "fedcba9876543210fedcba9876543210"

	// Both contacts have expired counts on 2024-01-10 and live ones on
	// 2026-05-02; the visitor also on 05-01 and the known contact on 05-03.
	expireOld(t, f, "demo", []occurrence{
		{visitor: visitor, at: "2024-01-10T10:00:00Z"},
		{email: "ann@example.com", at: "2024-01-10T11:00:00Z"},
		{email: "ann@example.com", at: "2024-01-11T11:00:00Z"},
	})
	recordAll(t, f, "demo", []occurrence{
		{visitor: visitor, at: "2026-05-01T10:00:00Z"},
		{visitor: visitor, at: "2026-05-02T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T11:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T11:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T12:00:00Z"},
	})
	before := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	if got, want := totalsOf(before), (reportTotals{5, 3, 0, 0}); got != want {
		t.Errorf("totals before the merge = %+v, want %+v", got, want)
	}

	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}

	after := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	if got, want := totalsOf(after), (reportTotals{5, 2, 0, 0}); got != want {
		t.Errorf("totals after the merge = %+v, want %+v", got, want)
	}
	wantByDay(t, after, []db.DayCount{
		{Date: "2026-05-01", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-02", Count: 3, UniqueContacts: 2},
		{Date: "2026-05-03", Count: 1, UniqueContacts: 1},
	})
	old := report(t, f, event.ID, "2024-01-10", "2024-01-11")
	wantByDay(t, old, []db.DayCount{
		{Date: "2024-01-10", Count: 2, UniqueContacts: 1},
		{Date: "2024-01-11", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(old), (reportTotals{3, 1, 0, 0}); got != want {
		t.Errorf("totals of the expired days after the merge = %+v, want %+v", got, want)
	}

	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-05-01..2026-05-03", "2024-01-01..2024-01-31")
	checkRollups(t, f)
}

func TestReportRollupsFollowErasure(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	expireOld(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2024-01-10T10:00:00Z"},
		{email: "bob@example.com", at: "2024-01-10T11:00:00Z"},
	})
	// Ann is on the first, middle and last day; Bob in between, so his
	// previous days change when Ann's go.
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-05T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-03T11:00:00Z"},
		{email: "bob@example.com", at: "2026-05-04T11:00:00Z"},
	})

	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", "admin@example.com"); err != nil {
		t.Fatal(err)
	}

	r := report(t, f, event.ID, "2026-05-01", "2026-05-05")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-05-01", Count: 0, UniqueContacts: 0},
		{Date: "2026-05-02", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-03", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-04", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-05", Count: 0, UniqueContacts: 0},
	})
	if got, want := totalsOf(r), (reportTotals{3, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	old := report(t, f, event.ID, "2024-01-10", "2024-01-10")
	if got, want := totalsOf(old), (reportTotals{1, 1, 0, 0}); got != want {
		t.Errorf("totals of the expired day = %+v, want %+v", got, want)
	}

	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-05-01..2026-05-05", "2024-01-10..2024-01-10")
	checkRollups(t, f)
}

// TestReportRollupsFollowRetention deletes part of a local day: the day
// keeps its counts, and the drilldown lists only what is left.
func TestReportRollupsFollowRetention(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	setTimeZone(t, f, "Asia/Kolkata")

	// 25 months before 2026-12-04T12:00Z is 2024-11-04T12:00Z, which is
	// 17:30 on 2024-11-04 in Kolkata.
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2024-11-04T11:59:59Z"},
		{email: "ann@example.com", at: "2024-11-04T12:00:00Z"},
		{email: "ann@example.com", at: "2024-11-04T13:00:00Z"},
		{email: "bob@example.com", at: "2024-11-04T10:00:00Z"},
		{email: "cat@example.com", at: "2024-11-04T12:30:00Z"},
		{email: "cat@example.com", at: "2024-11-05T12:30:00Z"},
	})
	before := report(t, f, event.ID, "2024-11-04", "2024-11-05")

	deleted, err := f.Store.EnforceRetention(ctx, mustTime(t, "2026-12-04T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got := deleted[f.Account.ID]; got != 2 {
		t.Errorf("deleted = %d, want 2", got)
	}

	after := report(t, f, event.ID, "2024-11-04", "2024-11-05")
	if !reflect.DeepEqual(after, before) {
		t.Errorf("report after retention =\n%+v\nbefore =\n%+v", after, before)
	}
	if got, want := totalsOf(after), (reportTotals{6, 3, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, after.Days, db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		email       string
		count       int64
		first, last string
	}
	var got []row
	for _, r := range page.Rows {
		got = append(got, row{*r.Email, r.TriggerCount, r.FirstTriggeredAt.Format(time.RFC3339), r.LastTriggeredAt.Format(time.RFC3339)})
	}
	want := []row{
		{"cat@example.com", 2, "2024-11-04T12:30:00Z", "2024-11-05T12:30:00Z"},
		{"ann@example.com", 2, "2024-11-04T12:00:00Z", "2024-11-04T13:00:00Z"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("drilldown = %+v, want %+v", got, want)
	}

	checkReportsMatchRaw(t, f, []int64{event.ID}, "2024-11-04..2024-11-05")
	checkRollups(t, f)
}

func TestSetTimeZoneRebuildsRollups(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	expireOld(t, f, "demo", []occurrence{
		{email: "old@example.com", at: "2024-01-10T02:00:00Z"},
	})
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-06-15T23:30:00Z"}, // 19:30 EDT on 06-15
		{email: "ann@example.com", at: "2026-06-16T01:00:00Z"}, // 21:00 EDT on 06-15
		{email: "bob@example.com", at: "2026-06-16T04:00:00Z"}, // 00:00 EDT on 06-16
	})
	utc := report(t, f, event.ID, "2026-06-15", "2026-06-16")
	wantByDay(t, utc, []db.DayCount{
		{Date: "2026-06-15", Count: 1, UniqueContacts: 1},
		{Date: "2026-06-16", Count: 2, UniqueContacts: 2},
	})

	if err := f.Store.SetTimeZone(ctx, f.Account.ID, "America/New_York"); err != nil {
		t.Fatal(err)
	}
	f.Account.TimeZone = "America/New_York"

	local := report(t, f, event.ID, "2026-06-15", "2026-06-16")
	wantByDay(t, local, []db.DayCount{
		{Date: "2026-06-15", Count: 2, UniqueContacts: 1},
		{Date: "2026-06-16", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(local), (reportTotals{3, 2, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	// The expired occurrence stays on the UTC day it was counted on,
	// though it was on 2024-01-09 in New York.
	old := report(t, f, event.ID, "2024-01-09", "2024-01-10")
	wantByDay(t, old, []db.DayCount{
		{Date: "2024-01-09", Count: 0, UniqueContacts: 0},
		{Date: "2024-01-10", Count: 1, UniqueContacts: 1},
	})

	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-06-15..2026-06-16", "2024-01-09..2024-01-10")
	checkRollups(t, f)
}

func TestSetTimeZoneRejects(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	for _, zone := range []string{"", "Local", "Mars/Olympus_Mons", "+02:00"} {
		err := f.Store.SetTimeZone(ctx, f.Account.ID, zone)
		verr, ok := errors.AsType[*apitype.ValidationError](err)
		if !ok {
			t.Errorf("zone %q: err = %v, want a validation error", zone, err)
			continue
		}
		if verr.Field != "timeZone" {
			t.Errorf("zone %q: field = %q, want timeZone", zone, verr.Field)
		}
		want := fmt.Sprintf("Time zone %q is unknown: use an IANA name such as Europe/Berlin or America/New_York.", zone)
		if verr.Message != want {
			t.Errorf("zone %q: message = %q, want %q", zone, verr.Message, want)
		}
	}
	account, err := f.Store.Account(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if account.TimeZone != "UTC" {
		t.Errorf("time zone after rejected values = %q, want UTC kept", account.TimeZone)
	}

	if err := f.Store.SetTimeZone(ctx, f.Account.ID+1000, "Europe/Berlin"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}
	// A direct UPDATE with a zone that PostgreSQL does not know fails in
	// the rebuild, so the column never holds one.
	_, err = f.Store.DB().NewRaw("UPDATE accounts SET time_zone = 'Mars/Olympus_Mons' WHERE id = ?", f.Account.ID).Exec(ctx)
	if err == nil || !strings.Contains(err.Error(), "not recognized") {
		t.Errorf("UPDATE with an unknown zone: err = %v, want time zone not recognized", err)
	}
}

// TestReportRollupsConcurrentDays records events of one visitor on many
// days from concurrent transactions. Each one changes the previous day of
// the others' rows, so they must not interleave.
func TestReportRollupsConcurrentDays(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	const visitor = "0123456789abcdef0123456789abcdef"
	recordAll(t, f, "demo", []occurrence{{visitor: visitor, at: "2026-05-15T12:00:00Z"}})

	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			// Days 1 to 30 in a scrambled order, each twice.
			day := 1 + (i*7)%30
			at := time.Date(2026, 5, day, 8+i%10, 0, 0, 0, time.UTC)
			_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "demo", VisitorID: visitor, Source: db.SourceBeacon, OccurredAt: at})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	r := report(t, f, event.ID, "2026-05-01", "2026-05-31")
	if got, want := totalsOf(r), (reportTotals{61, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-05-01..2026-05-31", "2026-05-10..2026-05-20")
	checkRollups(t, f)
}

func TestCompactReportRollups(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T11:00:00Z"},
	})
	before := report(t, f, event.ID, "2026-05-01", "2026-05-02")
	if n := dbtest.Count(t, f.Store.DB(), "event_day_total_changes"); n == 0 {
		t.Fatal("no pending changes before the compaction, so the test proves nothing")
	}

	folded, err := f.Store.CompactReportRollups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One change per inserted contact-day, plus the gaps of Ann's and
	// Bob's first days and of Ann's second one.
	if folded != 6 {
		t.Errorf("folded = %d, want 6", folded)
	}
	for _, table := range []string{"event_day_total_changes", "event_day_gap_changes"} {
		if n := dbtest.Count(t, f.Store.DB(), table); n != 0 {
			t.Errorf("%s has %d rows after the compaction, want 0", table, n)
		}
	}
	if after := report(t, f, event.ID, "2026-05-01", "2026-05-02"); !reflect.DeepEqual(after, before) {
		t.Errorf("report after the compaction =\n%+v\nbefore =\n%+v", after, before)
	}

	// Erasing everyone brings the compacted rows to zero, and the next
	// compaction deletes them.
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := f.Store.EraseContact(ctx, f.Account.ID, email, "admin@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Store.CompactReportRollups(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"event_day_totals", "event_day_gaps", "event_day_total_changes", "event_day_gap_changes"} {
		if n := dbtest.Count(t, f.Store.DB(), table); n != 0 {
			t.Errorf("%s has %d rows after erasing everyone, want 0", table, n)
		}
	}
	if got, want := totalsOf(report(t, f, event.ID, "2026-05-01", "2026-05-02")), (reportTotals{0, 0, 0, 0}); got != want {
		t.Errorf("totals after erasing everyone = %+v, want %+v", got, want)
	}
}

func TestStartReportCompactionRuns(t *testing.T) {
	f := dbtest.NewFixture(t)
	createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{{email: "ann@example.com", at: "2026-05-01T10:00:00Z"}})

	stop := f.Store.StartReportCompaction(slog.New(slog.DiscardHandler), 10*time.Millisecond)
	defer stop()
	deadline := time.Now().Add(30 * time.Second)
	for dbtest.Count(t, f.Store.DB(), "event_day_total_changes") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("pending changes are still there after 30s of compaction every 10ms")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_day_totals"); n != 1 {
		t.Errorf("event_day_totals has %d rows, want 1", n)
	}
}

// TestEventDrilldownByCountSample checks the count order when the busiest
// contacts over all days are or are not the busiest of the range, and both
// ways of reading the range.
func TestEventDrilldownByCountSample(t *testing.T) {
	tests := []struct {
		name string
		// busy is the number of contacts with 30 occurrences on
		// 2026-01-10, outside the range, which outrank every contact of
		// the range over all days.
		busy int
		// single is the number of contacts with one occurrence in the
		// range, which make the range long.
		single        int
		wantMinCount  int64
		wantScanRange bool
	}{
		{"busiest overall outside the range", 250, 600, 1, true},
		{"busiest overall inside a long range", 0, 600, 4, false},
		{"busiest overall inside a short range", 0, 0, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := dbtest.NewFixture(t)
			ctx := context.Background()
			event := createEvent(t, f, "demo")
			// 40 contacts in the range: contact g has 1 + g % 9
			// occurrences, spread over the range's days.
			_, err := f.Store.DB().NewRaw(`
				WITH c AS (
					INSERT INTO contacts (account_id, email, first_name)
					SELECT ?, format('c%s@example.com', g), CASE WHEN g % 3 = 0 THEN 'Third' ELSE '' END
					FROM generate_series(1, 40) g
					RETURNING id, email
				)
				INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
				SELECT ?, ?, c.id, '2026-05-01T00:00:00Z'::timestamptz + make_interval(hours => 13 * n + g), 'api'
				FROM c, generate_series(1, 40) g, generate_series(1, 9) n
				WHERE c.email = format('c%s@example.com', g) AND n <= 1 + g % 9`,
				f.Account.ID, f.Account.ID, event.ID).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Store.DB().NewRaw(`
				WITH c AS (
					INSERT INTO contacts (account_id, email)
					SELECT ?, format('single%s@example.com', g) FROM generate_series(1, ?) g
					RETURNING id
				)
				INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
				SELECT ?, ?, c.id, '2026-05-20T00:00:00Z'::timestamptz + make_interval(secs => c.id), 'api'
				FROM c`,
				f.Account.ID, tt.single, f.Account.ID, event.ID).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Store.DB().NewRaw(`
				WITH c AS (
					INSERT INTO contacts (account_id, email)
					SELECT ?, format('busy%s@example.com', g) FROM generate_series(1, ?) g
					RETURNING id
				)
				INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
				SELECT ?, ?, c.id, '2026-01-10T00:00:00Z'::timestamptz + make_interval(mins => n), 'api'
				FROM c, generate_series(1, 30) n`,
				f.Account.ID, tt.busy, f.Account.ID, event.ID).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}

			days := mustRange(t, "2026-05-01", "2026-05-31")
			minCount, scanRange, _, err := f.Store.DrilldownBound(ctx, f.Account, event.ID, days, db.DrilldownOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if minCount != tt.wantMinCount {
				t.Errorf("min count = %d, want %d", minCount, tt.wantMinCount)
			}
			if scanRange != tt.wantScanRange {
				t.Errorf("scan range = %t, want %t", scanRange, tt.wantScanRange)
			}

			options := []db.DrilldownOptions{{First: 5}, {First: 100}, {First: 4, Search: "third"}}
			if tt.single == 0 {
				options = append(options, db.DrilldownOptions{First: 1})
			}
			for _, opts := range options {
				got := drilldownPages(t, f, event.ID, days, opts, f.Store.EventDrilldown)
				want := drilldownPages(t, f, event.ID, days, opts, f.Store.RawEventDrilldown)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%+v: drilldown from rollups =\n%s\nfrom occurrences =\n%s", opts, pagesText(got), pagesText(want))
				}
				rows := 0
				for _, page := range got {
					rows += len(page.Rows)
				}
				wantRows := 40 + tt.single
				if opts.Search != "" {
					wantRows = 13
				}
				if rows != wantRows {
					t.Errorf("%+v: %d rows, want %d", opts, rows, wantRows)
				}
			}
		})
	}
}

// TestReportRollupsFollowCascades deletes a contact and a whole account with
// plain DELETE statements, whose cascades reach the occurrences and the
// rollups in an order that PostgreSQL picks.
func TestReportRollupsFollowCascades(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	expireOld(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2024-01-10T10:00:00Z"},
		{email: "bob@example.com", at: "2024-01-10T11:00:00Z"},
	})
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-03T11:00:00Z"},
	})
	other := createAccount(t, f, "Other Company")
	if _, err := f.Store.CreateCustomEvent(ctx, other, apitype.CustomEventInput{Name: "Demo", Slug: "demo"}); err != nil {
		t.Fatal(err)
	}
	recordAt(t, f, other, "demo", "zed@example.com", mustTime(t, "2026-05-02T10:00:00Z"))

	if _, err := f.Store.DB().NewRaw("DELETE FROM contacts WHERE account_id = ? AND email = 'ann@example.com'", f.Account.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.DB().NewRaw("DELETE FROM accounts WHERE id = ?", other).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	r := report(t, f, event.ID, "2026-05-01", "2026-05-03")
	wantByDay(t, r, []db.DayCount{
		{Date: "2026-05-01", Count: 0, UniqueContacts: 0},
		{Date: "2026-05-02", Count: 1, UniqueContacts: 1},
		{Date: "2026-05-03", Count: 1, UniqueContacts: 1},
	})
	if got, want := totalsOf(r), (reportTotals{2, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	for _, table := range []string{"event_contact_days", "event_contact_totals", "event_day_total_changes", "event_day_gap_changes", "event_contact_day_links"} {
		if n := dbtest.Count(t, f.Store.DB(), table+" WHERE account_id = "+itoa(other)); n != 0 {
			t.Errorf("%s has %d rows of the deleted account, want 0", table, n)
		}
	}
	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-05-01..2026-05-03", "2024-01-10..2024-01-10")
	checkRollups(t, f)
}

// TestContactDayKeyChange checks that moving an event_contact_days row to
// another day fails and leaves the rollups unchanged. Updating only the
// counts of several rows at once succeeds.
func TestContactDayKeyChange(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-01T11:00:00Z"},
	})
	before := readRollups(t, f)

	_, err := f.Store.DB().NewRaw(`UPDATE event_contact_days SET day = day + 1
		WHERE account_id = ? AND day = '2026-05-01'`, f.Account.ID).Exec(ctx)
	const want = "event_contact_days rows cannot change their key: delete the row and insert one with the new key"
	if err == nil {
		t.Fatalf("moving contact-days to the next day succeeded, want an error containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("moving contact-days to the next day: error %q, want one containing %q", err, want)
	}
	if after := readRollups(t, f); !reflect.DeepEqual(after, before) {
		t.Errorf("rollups after the failed update:\n%v\nwant them unchanged:\n%v", after, before)
	}

	// This update changes counts only, in two rows at once.
	_, err = f.Store.DB().NewRaw(`UPDATE event_contact_days SET expired_events = expired_events + 1
		WHERE account_id = ? AND day = '2026-05-01'`, f.Account.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	totals := readRollups(t, f)["event_day_totals"]
	wantTotals := []string{
		fmt.Sprintf("%d/%d 2026-05-01: 4 events 2 contacts", f.Account.ID, event.ID),
		fmt.Sprintf("%d/%d 2026-05-03: 1 events 1 contacts", f.Account.ID, event.ID),
	}
	if !reflect.DeepEqual(totals, wantTotals) {
		t.Errorf("event_day_totals = %q, want %q", totals, wantTotals)
	}
}
