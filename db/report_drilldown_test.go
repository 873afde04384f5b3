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

func TestEventDrilldownRowFields(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Signup", Slug: "signup", IsConversion: true})
	if err != nil {
		t.Fatal(err)
	}
	setTimeZone(t, f, "Europe/Berlin")

	triggers := []db.Trigger{
		{
			Email: "ann@example.com", OccurredAt: mustTime(t, "2026-05-01T08:00:00Z"),
			PageURL: "https://example.com/first", Channel: "EMAIL", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "may",
			UTMTerm: "crm", UTMContent: "header",
			Contact: db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"},
		},
		{
			Email: "ann@example.com", OccurredAt: mustTime(t, "2026-05-02T09:30:00.123456Z"),
			PageURL: "https://example.com/pricing", Channel: "PAID_SEARCH", UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand",
			UTMTerm: "event tracking", UTMContent: "ad-2",
		},
		// Same time as the previous one but stored later, so it is the last.
		{
			Email: "ann@example.com", OccurredAt: mustTime(t, "2026-05-02T09:30:00.123456Z"),
			PageURL: "https://example.com/signup", Channel: "ORGANIC_SEARCH", UTMSource: "bing", UTMMedium: "organic", UTMCampaign: "",
			UTMTerm: "custom events", UTMContent: "Hero <b>\"A\"</b>",
		},
		{VisitorID: "0123456789abcdef0123456789abcdef", OccurredAt: mustTime(t, "2026-05-01T12:00:00Z"), Source: db.SourceBeacon},
	}
	for _, trigger := range triggers {
		trigger.AccountID = f.Account.ID
		trigger.Slug = "signup"
		if trigger.Source == "" {
			trigger.Source = db.SourceAPI
		}
		if _, err := f.Store.RecordEvent(ctx, trigger); err != nil {
			t.Fatal(err)
		}
	}

	page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, mustRange(t, "2026-05-01", "2026-05-02"), db.DrilldownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 2 {
		t.Fatalf("rows = %+v, want 2", page.Rows)
	}
	email := "ann@example.com"
	want := []db.DrilldownRow{
		{
			ContactID: page.Rows[0].ContactID, FirstName: "Ann", LastName: "Lee", Email: &email, Company: "Acme",
			TriggerCount:     3,
			FirstTriggeredAt: mustTime(t, "2026-05-01T08:00:00Z"),
			LastTriggeredAt:  mustTime(t, "2026-05-02T09:30:00.123456Z"),
			PageURL:          "https://example.com/signup", Channel: "ORGANIC_SEARCH",
			UTMSource: "bing", UTMMedium: "organic", UTMCampaign: "",
			UTMTerm: "custom events", UTMContent: "Hero <b>\"A\"</b>",
			IsConversion: true,
		},
		{
			ContactID:        page.Rows[1].ContactID,
			TriggerCount:     1,
			FirstTriggeredAt: mustTime(t, "2026-05-01T12:00:00Z"),
			LastTriggeredAt:  mustTime(t, "2026-05-01T12:00:00Z"),
			Channel:          "DIRECT",
			IsConversion:     true,
		},
	}
	if !reflect.DeepEqual(page.Rows, want) {
		t.Errorf("rows =\n%+v\nwant\n%+v", page.Rows, want)
	}
	if page.Rows[0].ContactID == page.Rows[1].ContactID {
		t.Errorf("both rows have contact %d, want two contacts", page.Rows[0].ContactID)
	}
	if got := page.Rows[0].Name(); got != "Ann Lee" {
		t.Errorf("name = %q, want %q", got, "Ann Lee")
	}
	if got := page.Rows[1].Name(); got != "" {
		t.Errorf("name of the anonymous contact = %q, want empty", got)
	}
	if page.Rows[0].LastTriggeredAt.Location() != time.UTC {
		t.Errorf("last triggered at is in %s, want UTC", page.Rows[0].LastTriggeredAt.Location())
	}
	if page.NextCursor != "" {
		t.Errorf("next cursor = %q, want none", page.NextCursor)
	}

	// The other queries select the same columns, and Ann's row comes first
	// in each order.
	days := mustRange(t, "2026-05-01", "2026-05-02")
	for _, read := range []struct {
		name string
		run  func() (*db.DrilldownPage, error)
	}{
		{"last-trigger order", func() (*db.DrilldownPage, error) {
			return f.Store.EventDrilldown(ctx, f.Account, event.ID, days, db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered})
		}},
		{"raw, count order", func() (*db.DrilldownPage, error) {
			return f.Store.RawEventDrilldown(ctx, f.Account, event.ID, days, db.DrilldownOptions{})
		}},
		{"raw, last-trigger order", func() (*db.DrilldownPage, error) {
			return f.Store.RawEventDrilldown(ctx, f.Account, event.ID, days, db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered})
		}},
	} {
		page, err := read.run()
		if err != nil {
			t.Fatalf("%s: %v", read.name, err)
		}
		if !reflect.DeepEqual(page.Rows, want) {
			t.Errorf("%s: rows =\n%+v\nwant\n%+v", read.name, page.Rows, want)
		}
	}
}

// seedRanking records occurrences for five contacts and returns their ids
// by email. Trigger counts: ann 3, bob 2, cat 2, dan 1, eve 1; last trigger
// times: dan newest, then ann, then eve and cat at the same time, then bob.
func seedRanking(t *testing.T, f *dbtest.Fixture) map[string]int64 {
	t.Helper()
	stored := recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-01T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-01T11:00:00Z"},
		{email: "cat@example.com", at: "2026-05-01T12:00:00Z"},
		{email: "dan@example.com", at: "2026-05-03T20:00:00Z"},
		{email: "eve@example.com", at: "2026-05-03T15:00:00Z"},
		{email: "ann@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-03T18:00:00Z"},
		{email: "bob@example.com", at: "2026-05-02T09:00:00Z"},
		{email: "cat@example.com", at: "2026-05-03T15:00:00Z"},
	})
	ids := map[string]int64{}
	for i, name := range []string{"ann", "bob", "cat", "dan", "eve"} {
		ids[name] = stored[i].ContactID
	}
	return ids
}

// readAllPages pages through the drilldown with pageSize rows a page and
// returns the contact ids of each page.
func readAllPages(t *testing.T, f *dbtest.Fixture, eventID int64, days apitype.DateRange, opts db.DrilldownOptions) [][]int64 {
	t.Helper()
	var pages [][]int64
	for range 10 {
		page, err := f.Store.EventDrilldown(context.Background(), f.Account, eventID, days, opts)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		ids := []int64{}
		for _, row := range page.Rows {
			ids = append(ids, row.ContactID)
		}
		pages = append(pages, ids)
		if page.NextCursor == "" {
			return pages
		}
		opts.After = page.NextCursor
	}
	t.Fatalf("more than 10 pages: %v", pages)
	return nil
}

func TestEventDrilldownPagesByCount(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	ids := seedRanking(t, f)
	days := mustRange(t, "2026-05-01", "2026-05-03")

	// Contact ids grow in the order of the first trigger, so ties put the
	// later contact first: cat before bob, eve before dan.
	got := readAllPages(t, f, event.ID, days, db.DrilldownOptions{Order: apitype.DrilldownByCount, First: 2})
	want := [][]int64{{ids["ann"], ids["cat"]}, {ids["bob"], ids["eve"]}, {ids["dan"]}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}

	// A page that ends exactly at the last row has no next cursor.
	got = readAllPages(t, f, event.ID, days, db.DrilldownOptions{First: 5})
	want = [][]int64{{ids["ann"], ids["cat"], ids["bob"], ids["eve"], ids["dan"]}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages of 5 = %v, want %v", got, want)
	}
}

func TestEventDrilldownPagesByLastTriggered(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	ids := seedRanking(t, f)
	days := mustRange(t, "2026-05-01", "2026-05-03")

	got := readAllPages(t, f, event.ID, days, db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered, First: 2})
	want := [][]int64{{ids["dan"], ids["ann"]}, {ids["eve"], ids["cat"]}, {ids["bob"]}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}

	// The cursor keeps microseconds: a row 1µs older than the cursor's row
	// still comes on the next page.
	f2 := dbtest.NewFixture(t)
	event2 := createEvent(t, f2, "demo")
	stored := recordAll(t, f2, "demo", []occurrence{
		{email: "new@example.com", at: "2026-05-01T10:00:00.000002Z"},
		{email: "old@example.com", at: "2026-05-01T10:00:00.000001Z"},
	})
	got = readAllPages(t, f2, event2.ID, mustRange(t, "2026-05-01", "2026-05-01"), db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered, First: 1})
	want = [][]int64{{stored[0].ContactID}, {stored[1].ContactID}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages 1µs apart = %v, want %v", got, want)
	}
}

func TestEventDrilldownSearch(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	contacts := []struct {
		email  string
		fields db.ContactFields
	}{
		{"ann@example.com", db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"}},
		{"bob@initech.test", db.ContactFields{FirstName: "Bob", Company: "100% Juice"}},
		{"cat@example.com", db.ContactFields{LastName: "O_Neil", Company: `Back\slash`}},
		{"dan@example.com", db.ContactFields{FirstName: "Dan", Company: "ACME Labs"}},
	}
	ids := map[string]int64{}
	for _, c := range contacts {
		occ, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "demo", Email: c.email, Source: db.SourceAPI, OccurredAt: mustTime(t, "2026-05-01T10:00:00Z"), Contact: c.fields})
		if err != nil {
			t.Fatal(err)
		}
		ids[c.email[:3]] = occ.ContactID
	}
	// An anonymous contact has no email to match.
	anonymous := recordAll(t, f, "demo", []occurrence{{visitor: "0123456789abcdef0123456789abcdef", at: "2026-05-01T11:00:00Z"}})
	ids["anonymous"] = anonymous[0].ContactID

	tests := []struct {
		search string
		want   []string
	}{
		{"", []string{"ann", "bob", "cat", "dan", "anonymous"}},
		{"acme", []string{"ann", "dan"}},
		{"  ANN LEE ", []string{"ann"}},
		{"lee", []string{"ann"}},
		{"INITECH", []string{"bob"}},
		{"%", []string{"bob"}},
		{"0%", []string{"bob"}},
		{"_", []string{"cat"}},
		{"o_n", []string{"cat"}},
		{`\`, []string{"cat"}},
		{`k\s`, []string{"cat"}},
		{"example.com", []string{"ann", "cat", "dan"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.search, func(t *testing.T) {
			page, err := f.Store.EventDrilldown(ctx, f.Account, event.ID, mustRange(t, "2026-05-01", "2026-05-01"), db.DrilldownOptions{Search: tt.search})
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]bool{}
			for _, row := range page.Rows {
				got[row.ContactID] = true
			}
			want := map[int64]bool{}
			for _, name := range tt.want {
				want[ids[name]] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("contacts = %v, want %v (ids %v)", got, want, ids)
			}
			if len(page.Rows) != len(tt.want) {
				t.Errorf("rows = %d, want %d", len(page.Rows), len(tt.want))
			}
		})
	}
}

func TestEventDrilldownRejects(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "demo")
	days := mustRange(t, "2026-05-01", "2026-05-03")
	countCursor := "Y291bnQ6Mjo3" // "count:2:7"

	tests := []struct {
		name    string
		opts    db.DrilldownOptions
		field   string
		message string
	}{
		{
			name:    "day before range",
			opts:    db.DrilldownOptions{Day: mustDay(t, "2026-04-30")},
			field:   "day",
			message: "Day 2026-04-30 is outside the range 2026-05-01 to 2026-05-03: pick a day in the range.",
		},
		{
			name:    "day after range",
			opts:    db.DrilldownOptions{Day: mustDay(t, "2026-05-04")},
			field:   "day",
			message: "Day 2026-05-04 is outside the range 2026-05-01 to 2026-05-03: pick a day in the range.",
		},
		{
			name:    "unknown order",
			opts:    db.DrilldownOptions{Order: "name"},
			field:   "order",
			message: `Order "name" is unknown: use count or last_triggered.`,
		},
		{
			name:    "too many rows",
			opts:    db.DrilldownOptions{First: 101},
			field:   "first",
			message: "First is 101: ask for 1 to 100 rows.",
		},
		{
			name:    "negative rows",
			opts:    db.DrilldownOptions{First: -1},
			field:   "first",
			message: "First is -1: ask for 1 to 100 rows.",
		},
		{
			name:    "long search",
			opts:    db.DrilldownOptions{Search: strings.Repeat("é", 201)},
			field:   "search",
			message: "Search has 201 characters, more than the maximum of 200: shorten it.",
		},
		{
			name:    "search with NUL",
			opts:    db.DrilldownOptions{Search: "a\x00b"},
			field:   "search",
			message: "Search contains the control character U+0000: remove it.",
		},
		{
			name:    "garbage cursor",
			opts:    db.DrilldownOptions{After: "not a cursor"},
			field:   "after",
			message: `Cursor "not a cursor" is invalid: pass the cursor of the previous page unchanged, or leave it out for the first page.`,
		},
		{
			name:    "cursor of other order",
			opts:    db.DrilldownOptions{Order: apitype.DrilldownByLastTriggered, After: countCursor},
			field:   "after",
			message: `Cursor "Y291bnQ6Mjo3" belongs to the order count, not last_triggered: use the same order for every page.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Store.EventDrilldown(context.Background(), f.Account, event.ID, days, tt.opts)
			verr, ok := errors.AsType[*apitype.ValidationError](err)
			if !ok {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q", verr.Field, tt.field)
			}
			if verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}

	// The same count cursor is accepted with its own order.
	if _, err := f.Store.EventDrilldown(context.Background(), f.Account, event.ID, days, db.DrilldownOptions{After: countCursor}); err != nil {
		t.Errorf("count cursor with the count order: %v", err)
	}
}

// TestEventDrilldownByCountLinks checks the count order where most contacts
// of the range have one occurrence, so the first page comes from the
// contact-day links and the pages that reach single occurrences come from
// the whole range.
func TestEventDrilldownByCountLinks(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")

	// Counts in the range 2026-03-25 to 2026-05-31:
	//   ann  3 on three days
	//   bob  4 on one day
	//   cat  1, with rows before and after the range
	//   dan  2 on one day, after a day whose occurrence retention deletes
	//   eve  2 on two days
	//   fay  4, two on each of two days
	//   s01 to s30  1 each
	recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-07T10:00:00Z"},
		{email: "cat@example.com", at: "2026-03-01T10:00:00Z"},
		{email: "dan@example.com", at: "2026-04-01T10:00:00Z"},
		{email: "eve@example.com", at: "2026-05-04T10:00:00Z"},
		{email: "fay@example.com", at: "2026-05-08T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-05T10:00:00Z"},
		{email: "ann@example.com", at: "2026-05-20T10:00:00Z"},
		{email: "bob@example.com", at: "2026-05-07T11:00:00Z"},
		{email: "bob@example.com", at: "2026-05-07T12:00:00Z"},
		{email: "bob@example.com", at: "2026-05-07T13:00:00Z"},
		{email: "cat@example.com", at: "2026-05-15T10:00:00Z"},
		{email: "cat@example.com", at: "2026-06-15T10:00:00Z"},
		{email: "dan@example.com", at: "2026-05-03T10:00:00Z"},
		{email: "dan@example.com", at: "2026-05-03T11:00:00Z"},
		{email: "eve@example.com", at: "2026-05-30T10:00:00Z"},
		{email: "fay@example.com", at: "2026-05-08T11:00:00Z"},
		{email: "fay@example.com", at: "2026-05-09T10:00:00Z"},
		{email: "fay@example.com", at: "2026-05-09T11:00:00Z"},
	})
	singles := make([]occurrence, 30)
	for i := range singles {
		singles[i] = occurrence{email: fmt.Sprintf("s%02d@example.com", i+1), at: fmt.Sprintf("2026-05-10T%02d:%02d:00Z", i/2, i%2*30)}
	}
	recordAll(t, f, "demo", singles)
	// With 25 months of retention, this deletes the occurrences before
	// 2026-04-02 12:00 UTC: cat's of 03-01 and dan's of 04-01, whose
	// rows stay with expired counts only.
	if _, err := f.Store.EnforceRetention(ctx, mustTime(t, "2028-05-02T12:00:00Z")); err != nil {
		t.Fatal(err)
	}

	days := mustRange(t, "2026-03-25", "2026-05-31")
	// Contact ids grow in the order of the first trigger, and ties put the
	// larger id first.
	want := []string{"fay", "bob", "ann", "eve", "dan"}
	for i := 30; i >= 1; i-- {
		want = append(want, fmt.Sprintf("s%02d", i))
	}
	want = append(want, "cat")
	wantCounts := map[string]int64{"fay": 4, "bob": 4, "ann": 3, "eve": 2, "dan": 2}
	wantReads := []string{"links", "range"}

	opts := db.DrilldownOptions{Order: apitype.DrilldownByCount, First: 3}
	var got []string
	for page := 1; ; page++ {
		rows, read, err := f.Store.EventDrilldownRead(ctx, f.Account, event.ID, days, opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if page <= len(wantReads) && read != wantReads[page-1] {
			t.Errorf("page %d read %q, want %q", page, read, wantReads[page-1])
		}
		for _, row := range rows.Rows {
			name, _, _ := strings.Cut(*row.Email, "@")
			got = append(got, name)
			count, ok := wantCounts[name]
			if !ok {
				count = 1
			}
			if row.TriggerCount != count {
				t.Errorf("%s: trigger count %d, want %d", name, row.TriggerCount, count)
			}
		}
		if rows.NextCursor == "" {
			break
		}
		opts.After = rows.NextCursor
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("contacts = %v, want %v", got, want)
	}

	opts = db.DrilldownOptions{Order: apitype.DrilldownByCount, First: 3}
	gotPages := drilldownPages(t, f, event.ID, days, opts, f.Store.EventDrilldown)
	wantPages := drilldownPages(t, f, event.ID, days, opts, f.Store.RawEventDrilldown)
	if !reflect.DeepEqual(gotPages, wantPages) {
		t.Errorf("drilldown from rollups =\n%s\nfrom occurrences =\n%s", pagesText(gotPages), pagesText(wantPages))
	}
	checkRollups(t, f)
}

// TestEventDrilldownByCountLinksSkipOnes checks that the links read leaves
// out the contacts that it counts at 1. x and y each have a row with
// expired occurrences alone and a row with one occurrence in the range, so
// each has a link there. Kept, they would fill a page ahead of s01 to
// s10, whose ids are larger, and those would be missing from every page.
func TestEventDrilldownByCountLinksSkipOnes(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	recordAll(t, f, "demo", []occurrence{
		{email: "x@example.com", at: "2026-04-01T10:00:00Z"},
		{email: "y@example.com", at: "2026-04-01T11:00:00Z"},
		{email: "x@example.com", at: "2026-05-02T10:00:00Z"},
		{email: "y@example.com", at: "2026-05-03T10:00:00Z"},
		{email: "a@example.com", at: "2026-05-04T10:00:00Z"},
		{email: "a@example.com", at: "2026-05-04T11:00:00Z"},
	})
	singles := make([]occurrence, 10)
	for i := range singles {
		singles[i] = occurrence{email: fmt.Sprintf("s%02d@example.com", i+1), at: fmt.Sprintf("2026-05-05T%02d:00:00Z", i+10)}
	}
	recordAll(t, f, "demo", singles)
	// With 25 months of retention, this deletes the occurrences before
	// 2026-04-02 12:00 UTC, so the rows of 04-01 keep expired counts only.
	if _, err := f.Store.EnforceRetention(ctx, mustTime(t, "2028-05-02T12:00:00Z")); err != nil {
		t.Fatal(err)
	}

	days := mustRange(t, "2026-03-25", "2026-05-31")
	for _, first := range []int{1, 2} {
		opts := db.DrilldownOptions{Order: apitype.DrilldownByCount, First: first}
		got := drilldownPages(t, f, event.ID, days, opts, f.Store.EventDrilldown)
		want := drilldownPages(t, f, event.ID, days, opts, f.Store.RawEventDrilldown)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("first %d: drilldown from rollups =\n%s\nfrom occurrences =\n%s", first, pagesText(got), pagesText(want))
		}
	}
	// The pages above compare equal only if the links read ran first.
	for _, first := range []int{1, 2} {
		_, scanRange, linksFirst, err := f.Store.DrilldownBound(ctx, f.Account, event.ID, days, db.DrilldownOptions{First: first})
		if err != nil {
			t.Fatal(err)
		}
		if !scanRange || !linksFirst {
			t.Errorf("first %d: scan range %t, links first %t, want both", first, scanRange, linksFirst)
		}
	}
}

// TestEventDrilldownByCountUnevenRange checks that the count order reads
// the whole range when most contact-day rows have more than one
// occurrence, because the links read would then read every row and more.
func TestEventDrilldownByCountUnevenRange(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	var occurrences []occurrence
	for i := 1; i <= 10; i++ {
		email := fmt.Sprintf("twice%02d@example.com", i)
		occurrences = append(occurrences,
			occurrence{email: email, at: fmt.Sprintf("2026-05-%02dT10:00:00Z", i)},
			occurrence{email: email, at: fmt.Sprintf("2026-05-%02dT11:00:00Z", i)})
	}
	for i := 1; i <= 5; i++ {
		occurrences = append(occurrences, occurrence{email: fmt.Sprintf("once%d@example.com", i), at: "2026-05-20T10:00:00Z"})
	}
	recordAll(t, f, "demo", occurrences)

	days := mustRange(t, "2026-05-01", "2026-05-31")
	opts := db.DrilldownOptions{Order: apitype.DrilldownByCount, First: 3}
	_, read, err := f.Store.EventDrilldownRead(ctx, f.Account, event.ID, days, opts)
	if err != nil {
		t.Fatal(err)
	}
	if read != "range" {
		t.Errorf("page 1 read %q, want range", read)
	}
	got := drilldownPages(t, f, event.ID, days, opts, f.Store.EventDrilldown)
	want := drilldownPages(t, f, event.ID, days, opts, f.Store.RawEventDrilldown)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("drilldown from rollups =\n%s\nfrom occurrences =\n%s", pagesText(got), pagesText(want))
	}
	if len(got) != 5 {
		t.Errorf("%d pages, want 5", len(got))
	}
}
