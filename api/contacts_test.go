package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// hostileMetadata is metadata as a hostile website could send it: markup
// in keys and values, a value longer than a timeline shows, and more keys
// than a timeline lists.
func hostileMetadata() map[string]any {
	m := map[string]any{
		"<b>key</b>": `<img src=x onerror="window.__pwned=1">`,
		"long":       strings.Repeat("é", 300),
		"seats":      3.0,
		"trial":      true,
	}
	for i := range 20 {
		m["zz"+strconv.Itoa(10+i)] = "x"
	}
	return m
}

// seedAdminContacts records events for Ann, Bob and an anonymous visitor
// and returns their contact ids and Ann's occurrence ids, oldest first.
func seedAdminContacts(t *testing.T, ts *testServer) (ann, bob, anonymous int64, annEvents []int64) {
	t.Helper()
	ctx := context.Background()
	createEvent(t, ts, "signup")
	createEvent(t, ts, "started-trial")
	record := func(trigger db.Trigger) *db.EventOccurrence {
		t.Helper()
		trigger.AccountID = ts.Account.ID
		if trigger.Source == "" {
			trigger.Source = db.SourceAPI
		}
		occurrence, err := ts.Store.RecordEvent(ctx, trigger)
		if err != nil {
			t.Fatal(err)
		}
		return occurrence
	}
	first := record(db.Trigger{Slug: "signup", Email: "ann@example.com", OccurredAt: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC),
		Contact: db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"}})
	second := record(db.Trigger{
		Slug: "started-trial", Email: "ann@example.com", OccurredAt: time.Date(2026, 5, 2, 9, 30, 0, 0, time.UTC),
		PageURL: "https://example.com/pricing", Referrer: "https://www.google.com/", Channel: "PAID_SEARCH",
		UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand", Metadata: hostileMetadata(),
	})
	bob = record(db.Trigger{Slug: "signup", Email: "bob@example.com", Contact: db.ContactFields{FirstName: "Bob", Company: "Globex"}}).ContactID
	anonymous = record(db.Trigger{Slug: "signup", VisitorID: collectVisitorID, Source: db.SourceBeacon}).ContactID
	return first.ContactID, bob, anonymous, []int64{first.ID, second.ID}
}

func TestAdminContactsSearchAndPaging(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ann, bob, anonymous, _ := seedAdminContacts(t, ts)

	var ids []int64
	path := "/api/contacts?first=2"
	for range 3 {
		status, body := c.do(http.MethodGet, path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d, body %s", path, status, body)
		}
		var page apitype.ContactPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, row := range page.Rows {
			ids = append(ids, row.ID)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/contacts?first=2&after=" + page.NextCursor
	}
	if want := []int64{anonymous, bob, ann}; !reflect.DeepEqual(ids, want) {
		t.Errorf("contacts = %v, want %v", ids, want)
	}

	status, body := c.do(http.MethodGet, "/api/contacts?search=ACME", nil)
	if status != http.StatusOK {
		t.Fatalf("search: status %d, body %s", status, body)
	}
	var page apitype.ContactPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	email := "ann@example.com"
	lastEvent := time.Date(2026, 5, 2, 9, 30, 0, 0, time.UTC)
	if len(page.Rows) != 1 {
		t.Fatalf("rows = %+v, want Ann only", page.Rows)
	}
	want := apitype.ContactSummary{
		ID: ann, Email: &email, FirstName: "Ann", LastName: "Lee", Company: "Acme", LifecycleStage: "subscriber",
		Events: 2, LastEventAt: &lastEvent, CreatedAt: page.Rows[0].CreatedAt,
	}
	if !reflect.DeepEqual(page.Rows[0], want) {
		t.Errorf("row = %+v, want %+v", page.Rows[0], want)
	}
	if page.NextCursor != "" {
		t.Errorf("next cursor = %q, want none", page.NextCursor)
	}

	status, body = c.do(http.MethodGet, "/api/contacts?first=0", nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("first=0: status %d, want 422", status)
	}
	if e := decodeError(t, body); e.Field != "first" || e.Message != `First "0" is invalid: ask for 1 to 100 rows.` {
		t.Errorf("error = %+v", e)
	}
	status, body = c.do(http.MethodGet, "/api/contacts?after=bogus", nil)
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Field != "after" {
		t.Errorf("bad cursor: status %d, body %s, want 422 on after", status, body)
	}
}

func TestAdminContactAndTimeline(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ann, _, _, annEvents := seedAdminContacts(t, ts)
	if _, err := ts.Store.DB().NewRaw("INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'vip')", ts.Account.ID, ann).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	status, body := c.do(http.MethodGet, "/api/contacts/"+itoa(ann), nil)
	if status != http.StatusOK {
		t.Fatalf("GET contact: status %d, body %s", status, body)
	}
	var contact apitype.ContactDetail
	if err := json.Unmarshal(body, &contact); err != nil {
		t.Fatal(err)
	}
	if contact.ID != ann || *contact.Email != "ann@example.com" || contact.Company != "Acme" || contact.Events != 2 {
		t.Errorf("contact = %+v, want Ann of Acme with 2 events", contact)
	}
	if !reflect.DeepEqual(contact.Tags, []string{"vip"}) || len(contact.Lists) != 0 || len(contact.CustomFields) != 0 {
		t.Errorf("tags %v, lists %v, custom fields %v, want [vip] and two empty values", contact.Tags, contact.Lists, contact.CustomFields)
	}
	if want := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC); contact.FirstEventAt == nil || !contact.FirstEventAt.Equal(want) {
		t.Errorf("first event = %v, want %v", contact.FirstEventAt, want)
	}

	status, body = c.do(http.MethodGet, "/api/contacts/"+itoa(ann)+"/timeline", nil)
	if status != http.StatusOK {
		t.Fatalf("GET timeline: status %d, body %s", status, body)
	}
	var timeline apitype.TimelinePage
	if err := json.Unmarshal(body, &timeline); err != nil {
		t.Fatal(err)
	}
	if len(timeline.Events) != 2 || timeline.Events[0].OccurrenceID != annEvents[1] || timeline.Events[1].OccurrenceID != annEvents[0] {
		t.Fatalf("timeline = %+v, want occurrences %d then %d", timeline.Events, annEvents[1], annEvents[0])
	}

	// Metadata comes back as text, in key order, cut and counted.
	latest := timeline.Events[0]
	wantMetadata := []apitype.MetadataEntry{
		{Key: "<b>key</b>", Value: `<img src=x onerror="window.__pwned=1">`},
		{Key: "long", Value: strings.Repeat("é", 199) + "…", Truncated: true},
		{Key: "seats", Value: "3"},
		{Key: "trial", Value: "true"},
	}
	for i := range 16 {
		wantMetadata = append(wantMetadata, apitype.MetadataEntry{Key: "zz" + strconv.Itoa(10+i), Value: "x"})
	}
	if !reflect.DeepEqual(latest.Metadata, wantMetadata) {
		t.Errorf("metadata = %+v\nwant %+v", latest.Metadata, wantMetadata)
	}
	if latest.MetadataOmitted != 4 {
		t.Errorf("metadata omitted = %d, want 4", latest.MetadataOmitted)
	}
	// Echo's JSON encoder escapes markup, so the body holds no raw tag.
	if strings.Contains(string(body), "<img") {
		t.Error("timeline body contains a raw <img tag")
	}
	wantLatest := apitype.TimelineEvent{
		OccurrenceID: annEvents[1], EventName: "started-trial", EventSlug: "started-trial",
		OccurredAt: time.Date(2026, 5, 2, 9, 30, 0, 0, time.UTC), Source: "api",
		PageURL: "https://example.com/pricing", Referrer: "https://www.google.com/", Channel: apitype.ChannelPaidSearch,
		UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand",
		Metadata: latest.Metadata, MetadataOmitted: 4,
	}
	if !reflect.DeepEqual(latest, wantLatest) {
		t.Errorf("event = %+v\nwant %+v", latest, wantLatest)
	}

	// Paging one event at a time gives the same order.
	status, body = c.do(http.MethodGet, "/api/contacts/"+itoa(ann)+"/timeline?first=1", nil)
	if status != http.StatusOK {
		t.Fatalf("first page: status %d", status)
	}
	var first apitype.TimelinePage
	json.Unmarshal(body, &first)
	status, body = c.do(http.MethodGet, "/api/contacts/"+itoa(ann)+"/timeline?first=1&before="+first.NextCursor, nil)
	if status != http.StatusOK {
		t.Fatalf("second page: status %d, body %s", status, body)
	}
	var second apitype.TimelinePage
	json.Unmarshal(body, &second)
	if len(first.Events) != 1 || first.Events[0].OccurrenceID != annEvents[1] || len(second.Events) != 1 || second.Events[0].OccurrenceID != annEvents[0] || second.NextCursor != "" {
		t.Errorf("pages = %+v then %+v, want %d then %d", first, second, annEvents[1], annEvents[0])
	}
}

func TestAdminContactOfOtherAccountNotFound(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ctx := context.Background()
	var otherAccount, otherContact int64
	if err := ts.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id").Scan(ctx, &otherAccount); err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.DB().NewRaw("INSERT INTO contacts (account_id, email) VALUES (?, 'zed@example.com') RETURNING id", otherAccount).Scan(ctx, &otherContact); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{"/api/contacts/" + itoa(otherContact), "/api/contacts/" + itoa(otherContact) + "/timeline"} {
		status, body := c.do(http.MethodGet, path, nil)
		if status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, status)
			continue
		}
		if e := decodeError(t, body); e.Code != apitype.CodeNotFound || !strings.HasPrefix(e.Message, `Contact with id "`+itoa(otherContact)+`" was not found in this account.`) {
			t.Errorf("GET %s: error %+v", path, e)
		}
	}
	status, body := c.do(http.MethodGet, "/api/contacts?search=zed", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"rows":[]`) {
		t.Errorf("search for the other account's contact: status %d, body %s, want no rows", status, body)
	}
	if status, _ := c.do(http.MethodGet, "/api/contacts/abc", nil); status != http.StatusUnprocessableEntity {
		t.Errorf("GET /api/contacts/abc: status %d, want 422", status)
	}
}

func TestAdminContactsRequireSession(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/contacts", "/api/contacts/1", "/api/contacts/1/timeline", "/api/live-events", "/api/beacon/status", "/api/graphql-endpoint"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: status %d, want 401", path, resp.StatusCode)
		}
	}
}
