package graph

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

const reportQuery = `query($slug: String!, $from: Date!, $to: Date!) {
	customEventStats(slug: $slug, from: $from, to: $to) {
		from to eventsTriggered uniqueContacts
		previousFrom previousTo previousEventsTriggered previousUniqueContacts
		byDay { date count uniqueContacts }
	}
}`

type dayCountJSON struct {
	Date           string `json:"date"`
	Count          int    `json:"count"`
	UniqueContacts int    `json:"uniqueContacts"`
}

type reportJSON struct {
	From                    string         `json:"from"`
	To                      string         `json:"to"`
	EventsTriggered         int            `json:"eventsTriggered"`
	UniqueContacts          int            `json:"uniqueContacts"`
	PreviousFrom            string         `json:"previousFrom"`
	PreviousTo              string         `json:"previousTo"`
	PreviousEventsTriggered int            `json:"previousEventsTriggered"`
	PreviousUniqueContacts  int            `json:"previousUniqueContacts"`
	ByDay                   []dayCountJSON `json:"byDay"`
}

func TestCustomEventStatsReport(t *testing.T) {
	api := newTestAPI(t)
	seedStats(t, api)

	resp := api.query(t, reportQuery, map[string]any{"slug": "demo", "from": "2026-03-01", "to": "2026-03-04"})
	var data struct {
		CustomEventStats reportJSON `json:"customEventStats"`
	}
	decodeData(t, resp, &data)
	want := reportJSON{
		From:                    "2026-03-01",
		To:                      "2026-03-04",
		EventsTriggered:         5,
		UniqueContacts:          4,
		PreviousFrom:            "2026-02-25",
		PreviousTo:              "2026-02-28",
		PreviousEventsTriggered: 1,
		PreviousUniqueContacts:  1,
		ByDay: []dayCountJSON{
			{"2026-03-01", 3, 2},
			{"2026-03-02", 0, 0},
			{"2026-03-03", 1, 1},
			{"2026-03-04", 1, 1},
		},
	}
	if !reflect.DeepEqual(data.CustomEventStats, want) {
		t.Errorf("customEventStats =\n%+v\nwant\n%+v", data.CustomEventStats, want)
	}
}

const drilldownQuery = `query($slug: String!, $from: Date!, $to: Date!, $day: Date, $first: Int, $after: String, $search: String, $orderBy: DrilldownOrder) {
	customEventStats(slug: $slug, from: $from, to: $to) {
		drilldown(day: $day, first: $first, after: $after, search: $search, orderBy: $orderBy) {
			nodes {
				contactId name email anonymous company triggerCount
				firstTriggeredAt lastTriggeredAt pageUrl channel
				utmSource utmMedium utmCampaign utmTerm utmContent conversion
			}
			pageInfo { hasNextPage endCursor }
		}
	}
}`

type drilldownRowJSON struct {
	ContactID        string  `json:"contactId"`
	Name             string  `json:"name"`
	Email            *string `json:"email"`
	Anonymous        bool    `json:"anonymous"`
	Company          string  `json:"company"`
	TriggerCount     int     `json:"triggerCount"`
	FirstTriggeredAt string  `json:"firstTriggeredAt"`
	LastTriggeredAt  string  `json:"lastTriggeredAt"`
	PageURL          string  `json:"pageUrl"`
	Channel          string  `json:"channel"`
	UTMSource        string  `json:"utmSource"`
	UTMMedium        string  `json:"utmMedium"`
	UTMCampaign      string  `json:"utmCampaign"`
	UTMTerm          string  `json:"utmTerm"`
	UTMContent       string  `json:"utmContent"`
	Conversion       bool    `json:"conversion"`
}

type drilldownJSON struct {
	Nodes    []drilldownRowJSON `json:"nodes"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

// seedDrilldown stores occurrences of the conversion event "trial" in an
// account on New York time and returns the contact ids as GraphQL IDs. Ann
// has 3 occurrences (the last on 2026-03-03 local), an anonymous visitor 2
// (the last on 2026-03-02) and Bob 1 (on 2026-03-01).
func seedDrilldown(t *testing.T, api *testAPI) map[string]string {
	t.Helper()
	ctx := context.Background()
	if _, err := api.Store.CreateCustomEvent(ctx, api.Account.ID, apitype.CustomEventInput{Name: "Trial", Slug: "trial", IsConversion: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.DB().ExecContext(ctx, "UPDATE accounts SET time_zone = 'America/New_York' WHERE id = ?", api.Account.ID); err != nil {
		t.Fatalf("set time zone: %v", err)
	}
	const visitor = "0123456789abcdef0123456789abcdef"
	triggers := []db.Trigger{
		{Email: "ann@example.com", OccurredAt: parseTime(t, "2026-03-01T15:00:00Z"), Contact: db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"}},
		{Email: "bob@example.com", OccurredAt: parseTime(t, "2026-03-01T16:00:00Z"), Contact: db.ContactFields{FirstName: "Bob"}},
		{VisitorID: visitor, OccurredAt: parseTime(t, "2026-03-02T10:00:00Z"), PageURL: "https://example.com/a"},
		{VisitorID: visitor, OccurredAt: parseTime(t, "2026-03-02T11:00:00Z"), PageURL: "https://example.com/b"},
		{Email: "ann@example.com", OccurredAt: parseTime(t, "2026-03-02T12:00:00Z")},
		{
			Email: "ann@example.com", OccurredAt: parseTime(t, "2026-03-04T04:59:59Z"), // 2026-03-03 local
			PageURL: "https://example.com/pricing?utm_source=newsletter", Channel: "EMAIL",
			UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring",
			UTMTerm: "event tracking", UTMContent: "footer <a>",
		},
	}
	ids := map[string]string{}
	for i, trigger := range triggers {
		trigger.AccountID = api.Account.ID
		trigger.Slug = "trial"
		trigger.Source = db.SourceAPI
		if trigger.VisitorID != "" {
			trigger.Source = db.SourceBeacon
		}
		occ, err := api.Store.RecordEvent(ctx, trigger)
		if err != nil {
			t.Fatalf("record trigger %d: %v", i, err)
		}
		name := strings.TrimSuffix(trigger.Email, "@example.com")
		if name == "" {
			name = "anonymous"
		}
		ids[name] = strconv.FormatInt(occ.ContactID, 10)
	}
	return ids
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func queryDrilldown(t *testing.T, api *testAPI, variables map[string]any) drilldownJSON {
	t.Helper()
	vars := map[string]any{"slug": "trial", "from": "2026-03-01", "to": "2026-03-03"}
	for k, v := range variables {
		vars[k] = v
	}
	resp := api.query(t, drilldownQuery, vars)
	var data struct {
		CustomEventStats struct {
			Drilldown drilldownJSON `json:"drilldown"`
		} `json:"customEventStats"`
	}
	decodeData(t, resp, &data)
	return data.CustomEventStats.Drilldown
}

func contactIDs(d drilldownJSON) []string {
	ids := []string{}
	for _, row := range d.Nodes {
		ids = append(ids, row.ContactID)
	}
	return ids
}

func TestCustomEventStatsDrilldownRows(t *testing.T) {
	api := newTestAPI(t)
	ids := seedDrilldown(t, api)

	got := queryDrilldown(t, api, nil)
	annEmail, bobEmail := "ann@example.com", "bob@example.com"
	want := []drilldownRowJSON{
		{
			ContactID: ids["ann"], Name: "Ann Lee", Email: &annEmail, Company: "Acme", TriggerCount: 3,
			FirstTriggeredAt: "2026-03-01T15:00:00Z", LastTriggeredAt: "2026-03-04T04:59:59Z",
			PageURL: "https://example.com/pricing?utm_source=newsletter", Channel: "EMAIL",
			UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring",
			UTMTerm: "event tracking", UTMContent: "footer <a>", Conversion: true,
		},
		{
			ContactID: ids["anonymous"], Anonymous: true, TriggerCount: 2,
			FirstTriggeredAt: "2026-03-02T10:00:00Z", LastTriggeredAt: "2026-03-02T11:00:00Z",
			PageURL: "https://example.com/b", Channel: "DIRECT", Conversion: true,
		},
		{
			ContactID: ids["bob"], Name: "Bob", Email: &bobEmail, TriggerCount: 1,
			FirstTriggeredAt: "2026-03-01T16:00:00Z", LastTriggeredAt: "2026-03-01T16:00:00Z",
			Channel: "DIRECT", Conversion: true,
		},
	}
	if !reflect.DeepEqual(got.Nodes, want) {
		t.Errorf("nodes =\n%+v\nwant\n%+v", got.Nodes, want)
	}
	if got.PageInfo.HasNextPage {
		t.Error("hasNextPage = true, want false")
	}
	if got.PageInfo.EndCursor != nil {
		t.Errorf("endCursor = %q, want null", *got.PageInfo.EndCursor)
	}
}

func TestCustomEventStatsDrilldownOptions(t *testing.T) {
	api := newTestAPI(t)
	ids := seedDrilldown(t, api)

	tests := []struct {
		name      string
		variables map[string]any
		want      []string
	}{
		{"one day", map[string]any{"day": "2026-03-02"}, []string{ids["anonymous"], ids["ann"]}},
		{"last local day", map[string]any{"day": "2026-03-03"}, []string{ids["ann"]}},
		{"by last trigger", map[string]any{"orderBy": "LAST_TRIGGERED"}, []string{ids["ann"], ids["anonymous"], ids["bob"]}},
		{"search company", map[string]any{"search": "ACME"}, []string{ids["ann"]}},
		{"search email", map[string]any{"search": "bob@"}, []string{ids["bob"]}},
		{"explicit nulls", map[string]any{"day": nil, "first": nil, "after": nil, "search": nil, "orderBy": nil}, []string{ids["ann"], ids["anonymous"], ids["bob"]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := queryDrilldown(t, api, tt.variables)
			if ids := contactIDs(got); !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("contact ids = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestCustomEventStatsDrilldownPages(t *testing.T) {
	api := newTestAPI(t)
	ids := seedDrilldown(t, api)

	var pages [][]string
	variables := map[string]any{"first": 2}
	for len(pages) < 5 {
		got := queryDrilldown(t, api, variables)
		pages = append(pages, contactIDs(got))
		if !got.PageInfo.HasNextPage {
			if got.PageInfo.EndCursor != nil {
				t.Errorf("last page endCursor = %q, want null", *got.PageInfo.EndCursor)
			}
			break
		}
		if got.PageInfo.EndCursor == nil {
			t.Fatal("endCursor = null on a page with hasNextPage")
		}
		variables["after"] = *got.PageInfo.EndCursor
	}
	want := [][]string{{ids["ann"], ids["anonymous"]}, {ids["bob"]}}
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
}

func TestCustomEventStatsDrilldownRejects(t *testing.T) {
	api := newTestAPI(t)
	seedDrilldown(t, api)
	lastCursor := queryDrilldown(t, api, map[string]any{"first": 1, "orderBy": "LAST_TRIGGERED"}).PageInfo.EndCursor
	if lastCursor == nil {
		t.Fatal("no cursor for the second page")
	}

	tests := []struct {
		name      string
		variables map[string]any
		field     string
		message   string
	}{
		{"zero rows", map[string]any{"first": 0}, "first", "First is 0: ask for 1 to 100 rows."},
		{"too many rows", map[string]any{"first": 101}, "first", "First is 101: ask for 1 to 100 rows."},
		{"day outside range", map[string]any{"day": "2026-03-04"}, "day", "Day 2026-03-04 is outside the range 2026-03-01 to 2026-03-03: pick a day in the range."},
		{"invalid day", map[string]any{"day": "2026-02-30"}, "day", `Date "2026-02-30" is invalid: use YYYY-MM-DD, such as 2026-01-31.`},
		{"long search", map[string]any{"search": strings.Repeat("a", 201)}, "search", "Search has 201 characters, more than the maximum of 200: shorten it."},
		{"invalid cursor", map[string]any{"after": "abc"}, "after", `Cursor "abc" is invalid: pass the cursor of the previous page unchanged, or leave it out for the first page.`},
		{"cursor of other order", map[string]any{"after": *lastCursor}, "after", `Cursor "` + *lastCursor + `" belongs to the order last_triggered, not count: use the same order for every page.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]any{"slug": "trial", "from": "2026-03-01", "to": "2026-03-03"}
			for k, v := range tt.variables {
				vars[k] = v
			}
			resp := api.query(t, drilldownQuery, vars)
			wantError(t, resp, "BAD_USER_INPUT", tt.field, tt.message)
		})
	}
}

// Reports of a deleted definition are not served: its slug is no longer
// found, although its occurrences stay in the database.
func TestCustomEventStatsDeletedDefinition(t *testing.T) {
	api := newTestAPI(t)
	seedStats(t, api)
	event, err := api.Store.CustomEventBySlug(context.Background(), api.Account.ID, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Store.DeleteCustomEvent(context.Background(), api.Account.ID, event.ID); err != nil {
		t.Fatal(err)
	}

	resp := api.query(t, reportQuery, map[string]any{"slug": "demo", "from": "2026-03-01", "to": "2026-03-04"})
	wantError(t, resp, "NOT_FOUND", "slug", `Custom event "demo" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`)
}
