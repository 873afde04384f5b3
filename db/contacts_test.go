package db_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// seedContacts records one event for each of five contacts of the fixture's
// account, in this order, and one for a contact of another account, and
// returns the fixture account's contact ids by name.
func seedContacts(t *testing.T, f *dbtest.Fixture) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	createEvent(t, f, "signup")
	other := createAccount(t, f, "Other Company")
	if _, err := f.Store.CreateCustomEvent(ctx, other, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}

	ids := map[string]int64{}
	record := func(name string, trigger db.Trigger) {
		t.Helper()
		if trigger.AccountID == 0 {
			trigger.AccountID = f.Account.ID
		}
		trigger.Slug = "signup"
		trigger.Source = db.SourceAPI
		occurrence, err := f.Store.RecordEvent(ctx, trigger)
		if err != nil {
			t.Fatalf("record event of %s: %v", name, err)
		}
		if trigger.AccountID == f.Account.ID {
			ids[name] = occurrence.ContactID
		}
	}
	record("ann", db.Trigger{Email: "ann@example.com", OccurredAt: mustTime(t, "2026-05-01T08:00:00Z"),
		Contact: db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"}})
	record("bob", db.Trigger{Email: "bob@example.com", OccurredAt: mustTime(t, "2026-05-02T08:00:00Z"),
		Contact: db.ContactFields{FirstName: "Bob", LastName: "Stone", Company: "Globex"}})
	record("carol", db.Trigger{Email: "carol@example.com", OccurredAt: mustTime(t, "2026-05-03T08:00:00Z"),
		Contact: db.ContactFields{FirstName: "Carol", Company: "50% Off_Shop"}})
	record("anonymous", db.Trigger{VisitorID: "0123456789abcdef0123456789abcdef", OccurredAt: mustTime(t, "2026-05-04T08:00:00Z")})
	record("dave", db.Trigger{Email: "dave@example.com", OccurredAt: mustTime(t, "2026-05-05T08:00:00Z")})
	record("other", db.Trigger{AccountID: other, Email: "zed@example.com", Contact: db.ContactFields{Company: "Acme"}})
	return ids
}

func contactIDs(rows []db.ContactSummary) []int64 {
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	return ids
}

func TestContactsPagesNewestFirst(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)

	var pages [][]int64
	after := ""
	for range 5 {
		page, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{First: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, contactIDs(page.Rows))
		if page.NextCursor == "" {
			break
		}
		after = page.NextCursor
	}
	want := [][]int64{{ids["dave"], ids["anonymous"]}, {ids["carol"], ids["bob"]}, {ids["ann"]}}
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
}

func TestContactsRowFields(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: mustTime(t, "2026-06-01T10:00:00.5Z")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.DB().NewRaw("UPDATE contacts SET lead_score = 40, lifecycle_stage = 'mql', job_title = 'CTO' WHERE id = ?", ids["ann"]).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	page, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: "ann@"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 1 {
		t.Fatalf("rows = %+v, want Ann only", page.Rows)
	}
	row := page.Rows[0]
	email := "ann@example.com"
	lastEvent := mustTime(t, "2026-06-01T10:00:00.5Z")
	want := db.ContactSummary{
		ID: ids["ann"], Email: &email, FirstName: "Ann", LastName: "Lee", Company: "Acme", JobTitle: "CTO",
		LifecycleStage: "mql", LeadScore: 40, Events: 2, LastEventAt: &lastEvent, CreatedAt: row.CreatedAt,
	}
	if !reflect.DeepEqual(row, want) {
		t.Errorf("row = %+v, want %+v", row, want)
	}
	if row.CreatedAt.Location() != time.UTC || time.Since(row.CreatedAt) > time.Minute {
		t.Errorf("created at = %v, want a moment ago in UTC", row.CreatedAt)
	}
	if page.NextCursor != "" {
		t.Errorf("next cursor = %q, want none", page.NextCursor)
	}
}

func TestContactsSearch(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)
	anonymous := strconv.FormatInt(ids["anonymous"], 10)

	tests := []struct {
		search string
		want   []string
	}{
		{"", []string{"dave", "anonymous", "carol", "bob", "ann"}},
		// The other account's contact of Acme is never listed.
		{"acme", []string{"ann"}},
		{"  LEE ", []string{"ann"}},
		{"ann lee", []string{"ann"}},
		{"stone", []string{"bob"}},
		{"globex", []string{"bob"}},
		{"example.com", []string{"dave", "carol", "bob", "ann"}},
		// % and _ match themselves.
		{"%", []string{"carol"}},
		{"f_s", []string{"carol"}},
		{"#" + anonymous, []string{"anonymous"}},
		{anonymous, []string{"anonymous"}},
		{"zed", nil},
		{"nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.search, func(t *testing.T) {
			page, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: tt.search})
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, name := range tt.want {
				want = append(want, ids[name])
			}
			if got := contactIDs(page.Rows); !slices.Equal(got, want) {
				t.Errorf("search %q = %v, want %v (%v)", tt.search, got, want, tt.want)
			}
		})
	}
}

func TestContactsSearchUnicodeForms(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	// Stored forms are NFC, as NormalizeEmail and ContactField return them.
	occurrence, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceAPI,
		Email: "j\u00f6rg@example.com", Contact: db.ContactFields{Company: "Caf\u00e9 Zo\u00eb"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, search := range []string{"jo\u0308rg", "j\u00f6rg", "Cafe\u0301", "zoe\u0308"} {
		page, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: search})
		if err != nil {
			t.Fatal(err)
		}
		if got := contactIDs(page.Rows); !slices.Equal(got, []int64{occurrence.ContactID}) {
			t.Errorf("search %+q = %v, want [%d]", search, got, occurrence.ContactID)
		}
	}
}

// TestSearchFoldsNonASCIILetters checks that the contact and drilldown
// searches fold letters beyond A-Z, also where LC_CTYPE is C.
func TestSearchFoldsNonASCIILetters(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signup")
	days := mustRange(t, "2026-05-01", "2026-05-01")
	var ids []int64
	for _, c := range []struct {
		email  string
		fields db.ContactFields
	}{
		{"jos\u00e9@b\u00fccher.example", db.ContactFields{FirstName: "Jos\u00e9", LastName: "M\u00fcller", Company: "\u00c9clair \u0394elta"}},
		{"jose@example.com", db.ContactFields{FirstName: "Jose", LastName: "Muller", Company: "Eclair"}},
	} {
		occ, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceAPI,
			Email: c.email, OccurredAt: mustTime(t, "2026-05-01T10:00:00Z"), Contact: c.fields})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, occ.ContactID)
	}
	tests := []struct {
		search string
		want   []int64
	}{
		{"JOS\u00c9", []int64{ids[0]}},
		{"jos\u00e9 M\u00dcLLER", []int64{ids[0]}},
		{"B\u00dcCHER", []int64{ids[0]}},
		{"\u00e9CLAIR \u03b4ELTA", []int64{ids[0]}},
		{"JOSE", []int64{ids[1]}},
		{"JOS\u00c8", nil},
	}
	for _, tt := range tests {
		page, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: tt.search})
		if err != nil {
			t.Fatal(err)
		}
		if got := contactIDs(page.Rows); !slices.Equal(got, tt.want) {
			t.Errorf("contacts, search %q = %v, want %v", tt.search, got, tt.want)
		}
		for _, order := range []apitype.DrilldownOrder{apitype.DrilldownByCount, apitype.DrilldownByLastTriggered} {
			for name, list := range map[string]drilldownFunc{"rollups": f.Store.EventDrilldown, "occurrences": f.Store.RawEventDrilldown} {
				page, err := list(ctx, f.Account, event.ID, days, db.DrilldownOptions{Order: order, Search: tt.search})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, row := range page.Rows {
					got = append(got, row.ContactID)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("drilldown from %s, order %s, search %q = %v, want %v", name, order, tt.search, got, tt.want)
				}
			}
		}
	}
}

func TestContactsSearchPages(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)

	first, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: "example.com", First: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := contactIDs(first.Rows), []int64{ids["dave"], ids["carol"], ids["bob"]}; !slices.Equal(got, want) {
		t.Fatalf("first page = %v, want %v", got, want)
	}
	second, err := f.Store.Contacts(ctx, f.Account.ID, db.ContactListOptions{Search: "example.com", First: 3, After: first.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := contactIDs(second.Rows), []int64{ids["ann"]}; !slices.Equal(got, want) {
		t.Errorf("second page = %v, want %v", got, want)
	}
	if second.NextCursor != "" {
		t.Errorf("second page cursor = %q, want none", second.NextCursor)
	}
}

func TestContactsRejectsInvalidOptions(t *testing.T) {
	f := dbtest.NewFixture(t)
	tests := []struct {
		name    string
		opts    db.ContactListOptions
		field   string
		message string
	}{
		{"page too large", db.ContactListOptions{First: 101}, "first", "First is 101: ask for 1 to 100 contacts."},
		{"negative page", db.ContactListOptions{First: -1}, "first", "First is -1: ask for 1 to 100 contacts."},
		{"foreign cursor", db.ContactListOptions{After: "bm9wZQ"}, "after", `Cursor "bm9wZQ" is invalid: pass the cursor of the previous page unchanged, or leave it out for the first page.`},
		{"NUL in search", db.ContactListOptions{Search: "a\x00"}, "search", "Search contains the control character U+0000: remove it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Store.Contacts(context.Background(), f.Account.ID, tt.opts)
			var verr *apitype.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error = %v, want a validation error", err)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q", verr.Field, tt.field)
			}
			if verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}
}

func TestContactDetailFields(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)
	ann := ids["ann"]
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := f.Store.DB().NewRaw(query, args...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE contacts SET job_title = 'CTO', lead_score = 15, lifecycle_stage = 'customer',
		custom_fields = '{"plan": "pro", "region": "EU"}' WHERE id = ?`, ann)
	var trialID, newsletterID int64
	if err := f.Store.DB().NewRaw("INSERT INTO contact_lists (account_id, name) VALUES (?, 'Trial users') RETURNING id", f.Account.ID).Scan(ctx, &trialID); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.DB().NewRaw("INSERT INTO contact_lists (account_id, name) VALUES (?, 'newsletter') RETURNING id", f.Account.ID).Scan(ctx, &newsletterID); err != nil {
		t.Fatal(err)
	}
	exec("INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?), (?, ?, ?)",
		f.Account.ID, trialID, ann, f.Account.ID, newsletterID, ann)
	exec("INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'vip'), (?, ?, 'beta')",
		f.Account.ID, ann, f.Account.ID, ann)
	exec("INSERT INTO visitors (account_id, id, contact_id) VALUES (?, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', ?)", f.Account.ID, ann)
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: mustTime(t, "2026-05-09T08:00:00Z")}); err != nil {
		t.Fatal(err)
	}

	contact, err := f.Store.Contact(ctx, f.Account.ID, ann)
	if err != nil {
		t.Fatal(err)
	}
	email := "ann@example.com"
	firstEvent, lastEvent := mustTime(t, "2026-05-01T08:00:00Z"), mustTime(t, "2026-05-09T08:00:00Z")
	want := &db.ContactDetail{
		ContactSummary: db.ContactSummary{
			ID: ann, Email: &email, FirstName: "Ann", LastName: "Lee", Company: "Acme", JobTitle: "CTO",
			LifecycleStage: "customer", LeadScore: 15, Events: 2, LastEventAt: &lastEvent, CreatedAt: contact.CreatedAt,
		},
		CustomFields: map[string]string{"plan": "pro", "region": "EU"},
		Lists:        []apitype.ContactListRef{{ID: newsletterID, Name: "newsletter"}, {ID: trialID, Name: "Trial users"}},
		Tags:         []string{"beta", "vip"},
		Visitors:     1,
		FirstEventAt: &firstEvent,
	}
	if !reflect.DeepEqual(contact, want) {
		t.Errorf("contact = %+v\nwant %+v", contact, want)
	}

	// A contact without lists, tags or custom fields gets empty values.
	bob, err := f.Store.Contact(ctx, f.Account.ID, ids["bob"])
	if err != nil {
		t.Fatal(err)
	}
	if bob.Lists == nil || len(bob.Lists) != 0 || bob.Tags == nil || len(bob.Tags) != 0 || bob.CustomFields == nil || len(bob.CustomFields) != 0 {
		t.Errorf("bob lists %v, tags %v, custom fields %v, want three empty non-nil values", bob.Lists, bob.Tags, bob.CustomFields)
	}
	if bob.LifecycleStage != "subscriber" {
		t.Errorf("bob lifecycle stage = %q, want subscriber", bob.LifecycleStage)
	}
}

func TestContactNotFoundInOtherAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	seedContacts(t, f)
	var otherContact int64
	if err := f.Store.DB().NewRaw("SELECT id FROM contacts WHERE email = 'zed@example.com'").Scan(ctx, &otherContact); err != nil {
		t.Fatal(err)
	}

	_, err := f.Store.Contact(ctx, f.Account.ID, otherContact)
	var nf *db.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("contact of other account: error = %v, want not found", err)
	}
	if want := `Contact with id "` + strconv.FormatInt(otherContact, 10) + `" was not found in this account. It may have been erased or merged into another contact: search the contacts list again.`; nf.Error() != want {
		t.Errorf("message = %q, want %q", nf.Error(), want)
	}
	if _, err := f.Store.ContactTimeline(ctx, f.Account.ID, otherContact, db.TimelineOptions{}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("timeline of other account's contact: error = %v, want not found", err)
	}
}

func TestContactTimelineOrderAndContent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	trial := createEvent(t, f, "started-trial")
	record := func(trigger db.Trigger) int64 {
		t.Helper()
		trigger.AccountID = f.Account.ID
		trigger.Email = "ann@example.com"
		if trigger.Source == "" {
			trigger.Source = db.SourceAPI
		}
		occurrence, err := f.Store.RecordEvent(ctx, trigger)
		if err != nil {
			t.Fatal(err)
		}
		return occurrence.ID
	}
	first := record(db.Trigger{Slug: "signup", OccurredAt: mustTime(t, "2026-05-01T08:00:00Z")})
	second := record(db.Trigger{
		Slug: "started-trial", OccurredAt: mustTime(t, "2026-05-02T09:30:00.123456Z"), Source: db.SourceBeacon,
		PageURL: "https://example.com/pricing?utm_source=google", Referrer: "https://www.google.com/",
		Channel: "PAID_SEARCH", UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand", UTMTerm: "events", UTMContent: "hero",
		Metadata: map[string]any{"plan": "pro", "seats": 3.0, "annual": true},
	})
	// Same time as the previous one but stored later, so it comes first.
	third := record(db.Trigger{Slug: "signup", OccurredAt: mustTime(t, "2026-05-02T09:30:00.123456Z")})
	fourth := record(db.Trigger{Slug: "signup", OccurredAt: mustTime(t, "2026-05-03T00:00:00Z")})
	// Another contact's event is not on Ann's timeline.
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	// A deleted definition keeps its occurrences on the timeline.
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, trial.ID); err != nil {
		t.Fatal(err)
	}
	var ann int64
	if err := f.Store.DB().NewRaw("SELECT id FROM contacts WHERE email = 'ann@example.com'").Scan(ctx, &ann); err != nil {
		t.Fatal(err)
	}

	var got []int64
	var entries []db.TimelineEntry
	before := ""
	for range 4 {
		page, err := f.Store.ContactTimeline(ctx, f.Account.ID, ann, db.TimelineOptions{First: 3, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			got = append(got, e.OccurrenceID)
		}
		entries = append(entries, page.Entries...)
		if page.NextCursor == "" {
			break
		}
		before = page.NextCursor
	}
	if want := []int64{fourth, third, second, first}; !slices.Equal(got, want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}

	wantSecond := db.TimelineEntry{
		OccurrenceID: second, EventName: "Event started-trial", EventSlug: "started-trial", EventDeleted: true,
		OccurredAt: mustTime(t, "2026-05-02T09:30:00.123456Z"), Source: db.SourceBeacon,
		PageURL: "https://example.com/pricing?utm_source=google", Referrer: "https://www.google.com/",
		Channel: "PAID_SEARCH", UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand", UTMTerm: "events", UTMContent: "hero",
		Metadata: map[string]any{"plan": "pro", "seats": 3.0, "annual": true},
	}
	if !reflect.DeepEqual(entries[2], wantSecond) {
		t.Errorf("entry = %+v\nwant %+v", entries[2], wantSecond)
	}
	wantFirst := db.TimelineEntry{
		OccurrenceID: first, EventName: "Event signup", EventSlug: "signup",
		OccurredAt: mustTime(t, "2026-05-01T08:00:00Z"), Source: db.SourceAPI, Channel: "DIRECT", Metadata: map[string]any{},
	}
	if !reflect.DeepEqual(entries[3], wantFirst) {
		t.Errorf("entry = %+v\nwant %+v", entries[3], wantFirst)
	}
}

func TestContactTimelineRejectsInvalidOptions(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)
	_, err := f.Store.ContactTimeline(ctx, f.Account.ID, ids["ann"], db.TimelineOptions{Before: "x"})
	var verr *apitype.ValidationError
	if !errors.As(err, &verr) || verr.Field != "before" {
		t.Fatalf("error = %v, want a validation error on before", err)
	}
	_, err = f.Store.ContactTimeline(ctx, f.Account.ID, ids["ann"], db.TimelineOptions{First: 101})
	if !errors.As(err, &verr) || verr.Field != "first" || verr.Message != "First is 101: ask for 1 to 100 events." {
		t.Fatalf("error = %v, want a validation error on first", err)
	}
}

func TestContactNames(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ids := seedContacts(t, f)
	var other int64
	if err := f.Store.DB().NewRaw("SELECT id FROM contacts WHERE email = 'zed@example.com'").Scan(ctx, &other); err != nil {
		t.Fatal(err)
	}
	names, err := f.Store.ContactNames(ctx, f.Account.ID, []int64{ids["ann"], ids["anonymous"], other, 999999})
	if err != nil {
		t.Fatal(err)
	}
	email := "ann@example.com"
	want := map[int64]db.ContactName{
		ids["ann"]:       {ID: ids["ann"], Email: &email, FirstName: "Ann", LastName: "Lee"},
		ids["anonymous"]: {ID: ids["anonymous"]},
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names = %+v, want %+v", names, want)
	}
}
