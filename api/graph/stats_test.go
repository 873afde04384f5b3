package graph

import (
	"context"
	"net/http"
	"testing"
	"time"

	"customevents/db"
)

const statsQuery = `query($slug: String!, $from: Date!, $to: Date!) {
	customEventStats(slug: $slug, from: $from, to: $to) { from to eventsTriggered uniqueContacts }
}`

type statsJSON struct {
	From            string `json:"from"`
	To              string `json:"to"`
	EventsTriggered int    `json:"eventsTriggered"`
	UniqueContacts  int    `json:"uniqueContacts"`
}

// seedStats stores occurrences of "demo" and "signup" in an account on
// New York time, where 2026-03-01 runs from 05:00 UTC to 05:00 UTC the next
// day.
func seedStats(t *testing.T, api *testAPI) {
	t.Helper()
	ctx := context.Background()
	api.createEvent(t, "demo")
	api.createEvent(t, "signup")
	if _, err := api.Store.DB().ExecContext(ctx, "UPDATE accounts SET time_zone = 'America/New_York' WHERE id = ?", api.Account.ID); err != nil {
		t.Fatalf("set time zone: %v", err)
	}

	occurrences := []struct {
		slug  string
		email string
		at    string
	}{
		{"demo", "a@example.com", "2026-03-01T04:59:59Z"}, // 2026-02-28 local
		{"demo", "b@example.com", "2026-03-01T05:00:00Z"}, // 2026-03-01 local
		{"demo", "b@example.com", "2026-03-01T18:30:00Z"},
		{"demo", "c@example.com", "2026-03-02T04:59:59Z"}, // 2026-03-01 local
		{"demo", "a@example.com", "2026-03-03T12:00:00Z"},
		{"demo", "d@example.com", "2026-03-04T05:00:00Z"}, // 2026-03-04 local
		{"signup", "e@example.com", "2026-03-01T12:00:00Z"},
	}
	for _, o := range occurrences {
		at, err := time.Parse(time.RFC3339, o.at)
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.Store.RecordEvent(ctx, db.Trigger{AccountID: api.Account.ID, Slug: o.slug, Email: o.email, Source: db.SourceAPI, OccurredAt: at})
		if err != nil {
			t.Fatalf("record %s at %s: %v", o.slug, o.at, err)
		}
	}
}

func TestCustomEventStatsCounts(t *testing.T) {
	api := newTestAPI(t)
	seedStats(t, api)

	tests := []struct {
		name string
		from string
		to   string
		want statsJSON
	}{
		{"one local day", "2026-03-01", "2026-03-01", statsJSON{"2026-03-01", "2026-03-01", 3, 2}},
		{"day before", "2026-02-28", "2026-02-28", statsJSON{"2026-02-28", "2026-02-28", 1, 1}},
		{"three days", "2026-03-01", "2026-03-03", statsJSON{"2026-03-01", "2026-03-03", 4, 3}},
		{"whole range", "2026-02-01", "2026-03-31", statsJSON{"2026-02-01", "2026-03-31", 6, 4}},
		{"no occurrences", "2025-01-01", "2025-12-31", statsJSON{"2025-01-01", "2025-12-31", 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, statsQuery, map[string]any{"slug": "demo", "from": tt.from, "to": tt.to})
			var data struct {
				CustomEventStats statsJSON `json:"customEventStats"`
			}
			decodeData(t, resp, &data)
			if data.CustomEventStats != tt.want {
				t.Errorf("customEventStats = %+v, want %+v", data.CustomEventStats, tt.want)
			}
		})
	}
}

func TestCustomEventStatsLiteralDates(t *testing.T) {
	api := newTestAPI(t)
	seedStats(t, api)

	resp := api.query(t, `{ customEventStats(slug: "signup", from: "2026-03-01", to: "2026-03-01") { from to eventsTriggered uniqueContacts } }`, nil)
	var data struct {
		CustomEventStats statsJSON `json:"customEventStats"`
	}
	decodeData(t, resp, &data)
	want := statsJSON{"2026-03-01", "2026-03-01", 1, 1}
	if data.CustomEventStats != want {
		t.Errorf("customEventStats = %+v, want %+v", data.CustomEventStats, want)
	}
}

func TestCustomEventStatsRejects(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "demo")

	tests := []struct {
		name      string
		query     string
		variables map[string]any
		code      string
		field     string
		message   string
		// status is 422 for a Date that does not read, which stops the
		// request before execution, and 200 for the resolver's errors.
		status int
	}{
		{
			name:      "impossible day",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": "2026-02-30", "to": "2026-03-01"},
			code:      "BAD_USER_INPUT",
			field:     "from",
			message:   `Date "2026-02-30" is invalid: use YYYY-MM-DD, such as 2026-01-31.`,
			status:    http.StatusUnprocessableEntity,
		},
		{
			name:      "US form",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": "2026-03-01", "to": "03/01/2026"},
			code:      "BAD_USER_INPUT",
			field:     "to",
			message:   `Date "03/01/2026" is invalid: use YYYY-MM-DD, such as 2026-01-31.`,
			status:    http.StatusUnprocessableEntity,
		},
		{
			name:      "year zero",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": "0000-12-31", "to": "2026-03-01"},
			code:      "BAD_USER_INPUT",
			field:     "from",
			message:   `Date "0000-12-31" is out of range: use a year from 0001 to 9999.`,
			status:    http.StatusUnprocessableEntity,
		},
		{
			name:      "number",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": 20260301, "to": "2026-03-01"},
			code:      "BAD_USER_INPUT",
			field:     "from",
			message:   `Date must be a string in the form YYYY-MM-DD, such as "2026-01-31".`,
			status:    http.StatusUnprocessableEntity,
		},
		{
			name:    "number literal",
			query:   `{ customEventStats(slug: "demo", from: 20260301, to: "2026-03-01") { eventsTriggered } }`,
			code:    "BAD_USER_INPUT",
			field:   "from",
			message: `Date must be a string in the form YYYY-MM-DD, such as "2026-01-31".`,
			status:  http.StatusUnprocessableEntity,
		},
		{
			name:    "literal with time",
			query:   `{ customEventStats(slug: "demo", from: "2026-03-01", to: "2026-03-01T00:00:00Z") { eventsTriggered } }`,
			code:    "BAD_USER_INPUT",
			field:   "to",
			message: `Date "2026-03-01T00:00:00Z" is invalid: use YYYY-MM-DD, such as 2026-01-31.`,
			status:  http.StatusUnprocessableEntity,
		},
		{
			name:      "end before start",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": "2026-03-02", "to": "2026-03-01"},
			code:      "BAD_USER_INPUT",
			field:     "to",
			message:   "Range end 2026-03-01 is before its start 2026-03-02: swap them.",
			status:    http.StatusOK,
		},
		{
			name:      "range too long",
			query:     statsQuery,
			variables: map[string]any{"slug": "demo", "from": "2000-01-01", "to": "2026-03-01"},
			code:      "BAD_USER_INPUT",
			field:     "to",
			message:   "Range of 9557 days is too long: use at most 3660 days.",
			status:    http.StatusOK,
		},
		{
			name:      "unknown slug",
			query:     statsQuery,
			variables: map[string]any{"slug": "no-such-event", "from": "2026-03-01", "to": "2026-03-01"},
			code:      "NOT_FOUND",
			field:     "slug",
			message:   `Custom event "no-such-event" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
			status:    http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, tt.variables)
			if resp.Status != tt.status {
				t.Errorf("status = %d, want %d", resp.Status, tt.status)
			}
			wantError(t, resp, tt.code, tt.field, tt.message)
		})
	}
}
