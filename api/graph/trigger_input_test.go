package graph

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

const triggerVars = `mutation($input: TriggerCustomEventInput!) { triggerCustomEvent(input: $input) }`

// batchItemResult is one item of the triggerCustomEvents result.
type batchItemResult struct {
	Index        int     `json:"index"`
	Accepted     bool    `json:"accepted"`
	OccurrenceID *string `json:"occurrenceId"`
	Error        *struct {
		Code    string  `json:"code"`
		Message string  `json:"message"`
		Field   *string `json:"field"`
	} `json:"error"`
}

func TestTriggerStoresFullInput(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	occurredAt := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Microsecond)

	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
		"slug":        "signed-up",
		"email":       "ann@example.com",
		"pageUrl":     "https://www.example.com/pricing",
		"metadata":    map[string]any{"plan": "pro", "seats": 3, "trial": false},
		"occurredAt":  occurredAt.Format(time.RFC3339Nano),
		"channel":     "PAID_SOCIAL",
		"utmSource":   "facebook",
		"utmMedium":   "cpc",
		"utmCampaign": "spring",
		"utmTerm":     "crm",
		"utmContent":  "video-ad",
		"firstName":   "Ann",
		"lastName":    "Lee",
		"company":     "Acme",
	}})
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)

	var o db.EventOccurrence
	if err := api.Store.DB().NewSelect().Model(&o).Where("id = ?", data.TriggerCustomEvent).Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !o.OccurredAt.Equal(occurredAt) {
		t.Errorf("occurred at = %s, want %s", o.OccurredAt, occurredAt)
	}
	if o.Channel != "PAID_SOCIAL" {
		t.Errorf("channel = %q, want PAID_SOCIAL", o.Channel)
	}
	if fmt.Sprint(o.Metadata) != "map[plan:pro seats:3 trial:false]" {
		t.Errorf("metadata = %v, want plan pro, seats 3, trial false", o.Metadata)
	}
	utm := [5]string{o.UTMSource, o.UTMMedium, o.UTMCampaign, o.UTMTerm, o.UTMContent}
	if utm != [5]string{"facebook", "cpc", "spring", "crm", "video-ad"} {
		t.Errorf("UTM = %v", utm)
	}
	if o.PageURL != "https://www.example.com/pricing" {
		t.Errorf("page URL = %q", o.PageURL)
	}
	var c db.Contact
	if err := api.Store.DB().NewSelect().Model(&c).Where("id = ?", o.ContactID).Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Ann" || c.LastName != "Lee" || c.Company != "Acme" {
		t.Errorf("contact = %q %q of %q, want Ann Lee of Acme", c.FirstName, c.LastName, c.Company)
	}
}

func TestTriggerDerivesChannelFromUTM(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
		"slug": "signed-up", "email": "ann@example.com", "utmSource": "newsletter", "utmMedium": "email",
	}})
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)
	var channel string
	if err := api.Store.DB().NewRaw("SELECT channel FROM event_occurrences WHERE id = ?", data.TriggerCustomEvent).Scan(t.Context(), &channel); err != nil {
		t.Fatal(err)
	}
	if channel != "EMAIL" {
		t.Errorf("channel = %q, want EMAIL", channel)
	}
}

func TestTriggerOccurredAtBounds(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	now := time.Now().UTC()
	tests := []struct {
		name    string
		at      time.Time
		message string
	}{
		{"31 days ago", now.Add(-31 * 24 * time.Hour), "occurredAt %s is more than 30 days ago: record events within 30 days of when they happened."},
		{"10 minutes ahead", now.Add(10 * time.Minute), "occurredAt %s is in the future: send the time the event happened, and check the sender's clock."},
		// Go's zero time.Time, which db.Trigger reads as "not set".
		{"first instant of year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "occurredAt %s is more than 30 days ago: record events within 30 days of when they happened."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at.Truncate(time.Second)
			resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
				"slug": "signed-up", "email": "ann@example.com", "occurredAt": at.Format(time.RFC3339),
			}})
			wantError(t, resp, "BAD_USER_INPUT", "occurredAt", fmt.Sprintf(tt.message, at.Format(time.RFC3339)))
		})
	}
	// The message quotes the time as sent, with its offset.
	for _, tt := range []struct{ at, message string }{
		{"9999-12-31T23:59:59-23:59", "is in the future: send the time the event happened, and check the sender's clock."},
		{"0001-01-01T00:00:00+23:59", "is more than 30 days ago: record events within 30 days of when they happened."},
		{"2000-01-01T10:00:00.5+02:00", "is more than 30 days ago: record events within 30 days of when they happened."},
	} {
		resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
			"slug": "signed-up", "email": "ann@example.com", "occurredAt": tt.at,
		}})
		wantError(t, resp, "BAD_USER_INPUT", "occurredAt", "occurredAt "+tt.at+" "+tt.message)
	}
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}

	for _, at := range []string{
		now.Add(-29 * 24 * time.Hour).Format(time.RFC3339),
		now.Add(4 * time.Minute).Format(time.RFC3339),
		// RFC 3339 allows a lowercase t and z.
		strings.ToLower(now.Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)),
	} {
		resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
			"slug": "signed-up", "email": "ann@example.com", "occurredAt": at,
		}})
		if len(resp.Errors) != 0 {
			t.Errorf("occurredAt %s: errors %+v, want none", at, resp.Errors)
		}
	}

	if got := api.count(t, "event_occurrences"); got != 3 {
		t.Errorf("occurrences = %d, want 3", got)
	}
	var lowercase time.Time
	if err := api.Store.DB().NewRaw("SELECT occurred_at FROM event_occurrences ORDER BY id DESC LIMIT 1").
		Scan(t.Context(), &lowercase); err != nil {
		t.Fatal(err)
	}
	if want := now.Add(-time.Hour).Truncate(time.Second); !lowercase.Equal(want) {
		t.Errorf("occurred_at of the lowercase time = %v, want %v", lowercase, want)
	}
}

func TestTriggerRejectsOversizedMetadata(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	metadata := map[string]any{}
	for i := range 51 {
		metadata["k"+strconv.Itoa(i)] = i
	}
	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
		"slug": "signed-up", "email": "ann@example.com", "metadata": metadata,
	}})
	if len(resp.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", resp.Errors)
	}
	if resp.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "metadata" {
		t.Errorf("extensions = %v, want BAD_USER_INPUT on metadata", resp.Errors[0].Extensions)
	}
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

// TestTriggerMetadataTotalAndNesting sends metadata of exactly 8,192
// bytes as compact JSON, which is stored, one of 8,193 and one with a
// list value, which are rejected.
func TestTriggerMetadataTotalAndNesting(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	// Seven keys k0 to k6 of 1,024 bytes each and k7 of n bytes make
	// 7,233 + n bytes as compact JSON.
	ofSize := func(n int) map[string]any {
		m := map[string]any{"k7": strings.Repeat("b", n)}
		for i := range 7 {
			m["k"+strconv.Itoa(i)] = strings.Repeat("a", 1024)
		}
		return m
	}
	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
		"slug": "signed-up", "email": "ann@example.com", "metadata": ofSize(959),
	}})
	if len(resp.Errors) != 0 {
		t.Fatalf("8,192 bytes: errors = %+v, want none", resp.Errors)
	}
	for _, tc := range []struct {
		name     string
		metadata map[string]any
		message  string
	}{
		{"8,193 bytes", ofSize(960), "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{"list value", map[string]any{"tags": []any{"a", "b"}}, "Metadata key \"tags\" contains an array: use a string, number or boolean, because nested values are not supported."},
	} {
		resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{
			"slug": "signed-up", "email": "bob@example.com", "metadata": tc.metadata,
		}})
		if len(resp.Errors) != 1 {
			t.Fatalf("%s: errors = %+v, want one", tc.name, resp.Errors)
		}
		wantError(t, resp, "BAD_USER_INPUT", "metadata", tc.message)
	}
	if got := api.count(t, "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
}

func TestTriggerIdempotencyKey(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	input := map[string]any{"slug": "signed-up", "email": "ann@example.com", "idempotencyKey": "order-1001", "metadata": map[string]any{"plan": "pro"}}

	var first, second struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": input}), &first)
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": input}), &second)
	if second.TriggerCustomEvent != first.TriggerCustomEvent {
		t.Errorf("retry returned %s, want %s", second.TriggerCustomEvent, first.TriggerCustomEvent)
	}

	input["metadata"] = map[string]any{"plan": "basic"}
	resp := api.query(t, triggerVars, map[string]any{"input": input})
	wantError(t, resp, "CONFLICT", "idempotencyKey", `Idempotency key "order-1001" was already used for a different trigger in the last 7 days: send the same input to retry it, or use a new key.`)
	if got := api.count(t, "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
}

// TestTriggerIdempotencyKeyConcurrent sends the same keyed trigger on
// several connections at once.
func TestTriggerIdempotencyKeyConcurrent(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	input := map[string]any{"slug": "signed-up", "email": "race@example.com", "idempotencyKey": "race-1"}

	const callers = 10
	ids := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var data struct {
				TriggerCustomEvent string `json:"triggerCustomEvent"`
			}
			resp := api.query(t, triggerVars, map[string]any{"input": input})
			if len(resp.Errors) == 0 {
				if err := json.Unmarshal(resp.Data, &data); err == nil {
					ids[i] = data.TriggerCustomEvent
				}
			}
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if id == "" || id != ids[0] {
			t.Errorf("caller %d got %q, want %q", i, id, ids[0])
		}
	}
	if got := api.count(t, "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
}

func TestTriggerBatchReportsEachInput(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const batch = `mutation($inputs: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $inputs) { index accepted occurrenceId error { code message field } }
	}`
	resp := api.query(t, batch, map[string]any{"inputs": []any{
		map[string]any{"slug": "signed-up", "email": "a@example.com"},
		map[string]any{"slug": "no-such-event", "email": "b@example.com"},
		map[string]any{"slug": "signed-up", "email": "not-an-email"},
		map[string]any{"slug": "signed-up", "email": "c@example.com"},
	}})
	var data struct {
		TriggerCustomEvents []batchItemResult `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &data)

	results := data.TriggerCustomEvents
	if len(results) != 4 {
		t.Fatalf("results = %d, want 4", len(results))
	}
	for i, r := range results {
		if r.Index != i {
			t.Errorf("result %d index = %d", i, r.Index)
		}
	}

	if !results[0].Accepted || results[0].OccurrenceID == nil || results[0].Error != nil {
		t.Errorf("result 0 = %+v, want accepted", results[0])
	}
	if !results[3].Accepted || results[3].OccurrenceID == nil {
		t.Errorf("result 3 = %+v, want accepted", results[3])
	}
	if results[1].Accepted || results[1].Error == nil || results[1].Error.Code != "NOT_FOUND" {
		t.Errorf("result 1 = %+v, want NOT_FOUND", results[1])
	}
	if results[2].Accepted || results[2].Error == nil || results[2].Error.Code != "BAD_USER_INPUT" || results[2].Error.Field == nil || *results[2].Error.Field != "email" {
		t.Errorf("result 2 = %+v, want BAD_USER_INPUT on email", results[2])
	} else if want := `Email "not-an-email" is not a valid address: use the form name@example.com.`; results[2].Error.Message != want {
		t.Errorf("result 2 message = %q, want %q", results[2].Error.Message, want)
	}

	if got := api.count(t, "event_occurrences"); got != 2 {
		t.Errorf("occurrences = %d, want 2", got)
	}
}

func TestTriggerBatchRejectsTooMany(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	inputs := make([]any, 1001)
	for i := range inputs {
		inputs[i] = map[string]any{"slug": "signed-up", "email": "a@example.com"}
	}
	resp := api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { accepted } }`, map[string]any{"inputs": inputs})
	wantError(t, resp, "BAD_USER_INPUT", "inputs", "inputs has 1001 items, more than the maximum of 1000: split them into several calls.")
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

func TestTriggerBatchOfThousand(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	inputs := make([]any, 1000)
	for i := range inputs {
		inputs[i] = map[string]any{"slug": "signed-up", "email": fmt.Sprintf("c%d@example.com", i%300)}
	}
	resp := api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { index accepted } }`, map[string]any{"inputs": inputs})
	var data struct {
		TriggerCustomEvents []struct {
			Index    int  `json:"index"`
			Accepted bool `json:"accepted"`
		} `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &data)

	accepted := 0
	for i, r := range data.TriggerCustomEvents {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
		if r.Accepted {
			accepted++
		}
	}
	if accepted != 1000 {
		t.Errorf("accepted = %d, want 1000", accepted)
	}

	if got := api.count(t, "event_occurrences"); got != 1000 {
		t.Errorf("occurrences = %d, want 1000", got)
	}
	if got := api.count(t, "contacts"); got != 300 {
		t.Errorf("contacts = %d, want 300", got)
	}
}

// TestTriggerWrongValueType sends values that do not convert to their
// GraphQL types. Each call stores nothing and returns one BAD_USER_INPUT
// error that names the value and the fix, also for one input of a batch.
func TestTriggerWrongValueType(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const single = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	const batch = `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { index accepted } }`
	const timeFix = `use a date and time in RFC 3339 form, such as "2026-01-31T09:30:00Z" or "2026-01-31T10:30:00+01:00".`
	const metadataFix = `send a JSON object of string, number and boolean values, such as {"plan": "pro"}.`
	// Yesterday, so that time.Parse's lenient reading of the forms below
	// would be within the accepted range.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	tests := []struct {
		name      string
		query     string
		variables map[string]any
		field     string
		message   string
	}{
		{"word as time", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": "yesterday"}},
			"occurredAt", "Variable $i.occurredAt has a value of the wrong type or form: " + timeFix},
		{"day without time", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": "2026-12-05"}},
			"occurredAt", "Variable $i.occurredAt has a value of the wrong type or form: " + timeFix},
		{"number as time", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": 1700000000}},
			"occurredAt", "Variable $i.occurredAt has a value of the wrong type or form: " + timeFix},
		{"time in the query", `mutation { triggerCustomEvent(input: {slug: "signed-up", email: "a@example.com", occurredAt: "yesterday"}) }`, nil,
			"occurredAt", "input.occurredAt has a value of the wrong type or form, so nothing was stored: " + timeFix},
		{"empty time", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": ""}},
			"occurredAt", "Variable $i.occurredAt is empty: leave it out to record the time of the call, or " + timeFix},
		{"empty time in the query", `mutation { triggerCustomEvent(input: {slug: "signed-up", email: "a@example.com", occurredAt: ""}) }`, nil,
			"occurredAt", "input.occurredAt is empty, so nothing was stored: leave it out to record the time of the call, or " + timeFix},
		{"offset of 24 hours", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": time.Now().Format("2006-01-02T15:04:05") + "+24:00"}},
			"occurredAt", "Variable $i.occurredAt has a time zone offset beyond ±23:59: " + timeFix},
		{"one-digit hour", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": yesterday + "T9:30:00Z"}},
			"occurredAt", "Variable $i.occurredAt has a one-digit hour: " + timeFix},
		{"time without zone", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": yesterday + "T09:30:00"}},
			"occurredAt", "Variable $i.occurredAt has no Z or time zone offset at its end: " + timeFix},
		{"comma before fraction", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": yesterday + "T09:30:00,5Z"}},
			"occurredAt", "Variable $i.occurredAt has a comma before the fraction of a second: " + timeFix},
		{"second 60 outside a leap second", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "occurredAt": yesterday + "T09:30:60Z"}},
			"occurredAt", "Variable $i.occurredAt has second 60, which is valid only for a leap second, at 23:59:60 UTC on the last day of a month: " + timeFix},
		{"string as metadata", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "metadata": "hello"}},
			"metadata", "Variable $i.metadata has a value of the wrong type or form: " + metadataFix},
		{"list as metadata", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "metadata": []any{1, 2}}},
			"metadata", "Variable $i.metadata has a value of the wrong type or form: " + metadataFix},
		{"lowercase channel", single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "channel": "email"}},
			"channel", `Variable $i.channel is the string "email", not a MarketingChannel: use one of DIRECT, ORGANIC_SEARCH, PAID_SEARCH, ORGANIC_SOCIAL, PAID_SOCIAL, EMAIL, REFERRAL, DISPLAY, AFFILIATE, VIDEO, SMS, OTHER, as a string in capitals.`},
		{"one input of a batch", batch, map[string]any{"inputs": []any{
			map[string]any{"slug": "signed-up", "email": "a@example.com"},
			map[string]any{"slug": "signed-up", "email": "b@example.com", "occurredAt": "yesterday"},
		}}, "occurredAt", "Variable $inputs[1].occurredAt has a value of the wrong type or form: " + timeFix},
		{"empty time in a batch", batch, map[string]any{"inputs": []any{
			map[string]any{"slug": "signed-up", "email": "a@example.com"},
			map[string]any{"slug": "signed-up", "email": "b@example.com", "occurredAt": ""},
		}}, "occurredAt", "Variable $inputs[1].occurredAt is empty: leave it out to record the time of the call, or " + timeFix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, tt.variables)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", tt.field, tt.message)
		})
	}
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
	if got := api.count(t, "contacts"); got != 0 {
		t.Errorf("contacts = %d, want 0", got)
	}
	if logs := api.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("errors in the log for client input: %s", logs)
	}
}

// TestTriggerNULCharacters sends NUL characters, which PostgreSQL text
// cannot contain. A slug with one is not found, and a field with one fails
// its own input only, also in a batch.
func TestTriggerNULCharacters(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const single = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`

	resp := api.query(t, single, map[string]any{"i": map[string]any{"slug": "signed-up\x00", "email": "a@example.com"}})
	wantError(t, resp, "NOT_FOUND", "slug", `Custom event "signed-up\x00" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`)

	resp = api.query(t, `query($s: String!) { customEvent(slug: $s) { id } }`, map[string]any{"s": "signed-up\x00"})
	var lookup struct {
		CustomEvent *struct{ ID string } `json:"customEvent"`
	}
	decodeData(t, resp, &lookup)
	if lookup.CustomEvent != nil {
		t.Errorf("customEvent = %+v, want null", lookup.CustomEvent)
	}

	resp = api.query(t, single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "firstName": "A\x00n"}})
	wantError(t, resp, "BAD_USER_INPUT", "firstName", "firstName contains the control character U+0000: remove it.")

	resp = api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $inputs) { index accepted error { code field message } }
	}`, map[string]any{"inputs": []any{
		map[string]any{"slug": "signed-up", "email": "b@example.com", "utmSource": "x\x00"},
		map[string]any{"slug": "signed-up", "email": "c@example.com"},
	}})
	var batch struct {
		TriggerCustomEvents []struct {
			Accepted bool `json:"accepted"`
			Error    *struct {
				Code    string `json:"code"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &batch)
	if len(batch.TriggerCustomEvents) != 2 {
		t.Fatalf("results = %+v, want 2", batch.TriggerCustomEvents)
	}
	first, second := batch.TriggerCustomEvents[0], batch.TriggerCustomEvents[1]
	if first.Accepted || first.Error == nil || first.Error.Code != "BAD_USER_INPUT" || first.Error.Field != "utmSource" ||
		first.Error.Message != "utmSource contains the control character U+0000: remove it." {
		t.Errorf("result 0 = %+v (error %+v), want BAD_USER_INPUT on utmSource", first, first.Error)
	}
	if !second.Accepted {
		t.Errorf("result 1 = %+v (error %+v), want accepted", second, second.Error)
	}

	if got := api.count(t, "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
	if logs := api.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("errors in the log for client input: %s", logs)
	}
}

// TestPageURLLimitCountsCharacters checks that the pageUrl limit counts
// characters, as its error message states, and not the bytes of multibyte
// ones.
func TestPageURLLimitCountsCharacters(t *testing.T) {
	atLimit := "https://e.com/" + strings.Repeat("é", 2034)
	if got, verr := normalizePageURL(&atLimit); verr != nil || got != atLimit {
		t.Errorf("URL of 2048 characters (%d bytes): %q, %v; want it accepted", len(atLimit), got, verr)
	}
	over := atLimit + "é"
	if _, verr := normalizePageURL(&over); verr == nil || verr.Message != "Page URL is too long: use at most 2048 characters." {
		t.Errorf("URL of 2049 characters: %v, want the length error", verr)
	}
}

func TestPageURLRejectsHiddenCharactersAndBadPorts(t *testing.T) {
	tests := []struct {
		in      string
		message string
	}{
		{"https://exa\u202emple.com/", "Page URL contains the invisible character U+202E: percent-encode it, or remove it."},
		{"https://example.com/a\u2028b", "Page URL contains the line or paragraph separator U+2028: percent-encode it, or remove it."},
		{"https://example.com/a\u200bb", "Page URL contains the invisible character U+200B: percent-encode it, or remove it."},
		{"https://example.com:99999/", "Page URL has the port 99999, which is not a port number: use a port from 1 to 65535, or none."},
		{"https://example.com:0/", "Page URL has the port 0, which is not a port number: use a port from 1 to 65535, or none."},
	}
	for _, tt := range tests {
		_, verr := normalizePageURL(&tt.in)
		if verr == nil || verr.Field != "pageUrl" || verr.Message != tt.message {
			t.Errorf("normalizePageURL(%q) = %v, want %q", tt.in, verr, tt.message)
		}
	}
	for _, in := range []string{"https://example.com:8443/a%E2%80%AEb", "https://bücher.example/ä?q=ü"} {
		if got, verr := normalizePageURL(&in); verr != nil || got != in {
			t.Errorf("normalizePageURL(%q) = %q, %v, want it unchanged", in, got, verr)
		}
	}
}

// TestTriggerUnknownLongSlug checks that a not-found error repeats at most
// 64 characters of the slug, for one trigger, for one input of a batch and
// for the statistics.
func TestTriggerUnknownLongSlug(t *testing.T) {
	api := newTestAPI(t)
	slug := strings.Repeat("é", 64) + strings.Repeat("x", 100_000)
	want := `Custom event "` + strings.Repeat("é", 64) + `…" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`

	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{"slug": slug, "email": "ann@example.com"}})
	wantError(t, resp, "NOT_FOUND", "slug", want)

	resp = api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $inputs) { error { code field message } }
	}`, map[string]any{"inputs": []any{map[string]any{"slug": slug, "email": "ann@example.com"}}})
	var data struct {
		TriggerCustomEvents []struct {
			Error struct {
				Code    string `json:"code"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &data)
	if len(data.TriggerCustomEvents) != 1 {
		t.Fatalf("results = %+v, want 1", data.TriggerCustomEvents)
	}
	if got := data.TriggerCustomEvents[0].Error; got.Code != "NOT_FOUND" || got.Field != "slug" || got.Message != want {
		t.Errorf("batch error = %+v, want NOT_FOUND on slug with %q", got, want)
	}

	resp = api.query(t, `query($s: String!, $from: Date!) { customEventStats(slug: $s, from: $from, to: $from) { eventsTriggered } }`,
		map[string]any{"s": slug, "from": "2026-01-31"})
	wantError(t, resp, "NOT_FOUND", "slug", want)
}

// TestTriggerBatchIdempotencyConflict checks that an input of a batch that
// reuses an idempotency key with a different input names the key's field.
func TestTriggerBatchIdempotencyConflict(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	first := map[string]any{"slug": "signed-up", "email": "ann@example.com", "idempotencyKey": "order-1001"}
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": first}), &struct{}{})

	second := map[string]any{"slug": "signed-up", "email": "bob@example.com", "idempotencyKey": "order-1001"}
	resp := api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $inputs) { accepted error { code field message } }
	}`, map[string]any{"inputs": []any{second}})
	var data struct {
		TriggerCustomEvents []struct {
			Accepted bool `json:"accepted"`
			Error    struct {
				Code    string `json:"code"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &data)
	if len(data.TriggerCustomEvents) != 1 {
		t.Fatalf("results = %+v, want 1", data.TriggerCustomEvents)
	}
	result := data.TriggerCustomEvents[0]
	if result.Accepted {
		t.Errorf("accepted = true, want false")
	}
	if result.Error.Code != "CONFLICT" {
		t.Errorf("code = %q, want CONFLICT", result.Error.Code)
	}
	if result.Error.Field != "idempotencyKey" {
		t.Errorf("field = %q, want idempotencyKey", result.Error.Field)
	}
	if want := `Idempotency key "order-1001" was already used for a different trigger in the last 7 days: send the same input to retry it, or use a new key.`; result.Error.Message != want {
		t.Errorf("message = %q, want %q", result.Error.Message, want)
	}
	if got := api.count(t, "event_occurrences"); got != 1 {
		t.Errorf("occurrences = %d, want 1", got)
	}
}

// Contact fields follow the rules of identify on the beacon: no control
// characters or text-direction overrides.
func TestTriggerContactFieldInvisibleCharacter(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const single = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	resp := api.query(t, single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "firstName": "A\u0007nn"}})
	wantError(t, resp, "BAD_USER_INPUT", "firstName", "firstName contains the control character U+0007: remove it.")
	resp = api.query(t, single, map[string]any{"i": map[string]any{"slug": "signed-up", "email": "a@example.com", "company": "Ac\u202eme"}})
	wantError(t, resp, "BAD_USER_INPUT", "company", "company contains the invisible character U+202E: remove it.")
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
}

// Variables that do not match their declared types get BAD_USER_INPUT
// with the variable's path, the field and the fix.
func TestTriggerVariableOfWrongType(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const single = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	tests := []struct {
		input   any
		field   string
		message string
	}{
		{
			input:   map[string]any{"slug": "signed-up", "email": true},
			field:   "email",
			message: "Variable $i.email is a Boolean, not a String: send a JSON string, in quotes.",
		},
		{
			input:   map[string]any{"email": "a@example.com"},
			field:   "slug",
			message: "Variable $i.slug must be defined: send a value for it; the schema, which introspection returns, lists the required input fields.",
		},
		{
			input:   nil,
			field:   "i",
			message: "Variable $i cannot be null: send a value for it; the schema, which introspection returns, lists the required input fields.",
		},
		{
			input:   map[string]any{"slug": "signed-up", "email": "a@example.com", "emial": "b@example.com"},
			field:   "emial",
			message: "Variable $i.emial is not a field of its input type: remove it, or correct its name; the schema, which introspection returns, lists every input field.",
		},
	}
	for _, tt := range tests {
		resp := api.query(t, single, map[string]any{"i": tt.input})
		if resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status = %d, want 422", tt.field, resp.Status)
		}
		wantError(t, resp, "BAD_USER_INPUT", tt.field, tt.message)
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
}

// Literals in the document that do not match their types get
// BAD_USER_INPUT with the literal's path, the field and the fix, as
// variables do.
func TestTriggerLiteralOfWrongType(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	const required = "send a value for it; the schema, which introspection returns, lists the required input fields."
	tests := []struct {
		name    string
		query   string
		path    []any
		field   string
		message string
	}{
		{
			name:    "boolean as email",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: true }) }`,
			path:    []any{"triggerCustomEvent", "input", "email"},
			field:   "email",
			message: "input.email is the Boolean true, not a String, so nothing was stored: write a string in double quotes.",
		},
		{
			name:    "20-digit integer in metadata",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", metadata: {seats: 12345678901234567890} }) }`,
			path:    []any{"triggerCustomEvent", "input", "metadata"},
			field:   "metadata",
			message: "input.metadata has the integer 12345678901234567890, which is outside the 64-bit range, so nothing was stored: write it with a decimal point, as in 12345678901234567890.0, to send it as a float.",
		},
		{
			name:    "enum value in metadata",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", metadata: {plan: pro} }) }`,
			path:    []any{"triggerCustomEvent", "input", "metadata"},
			field:   "metadata",
			message: `input.metadata has the enum value pro, a name without quotes, which is not a string, number or boolean, so nothing was stored: write it in double quotes, as in "pro", to send it as a string.`,
		},
		{
			name:    "enum value beside a variable in metadata",
			query:   `mutation($n: Int) { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", metadata: {n: $n, plan: pro} }) }`,
			path:    []any{"triggerCustomEvent", "input", "metadata"},
			field:   "metadata",
			message: `input.metadata has the enum value pro, a name without quotes, which is not a string, number or boolean, so nothing was stored: write it in double quotes, as in "pro", to send it as a string.`,
		},
		{
			name:    "integer as slug in a batch",
			query:   `mutation { triggerCustomEvents(inputs: [{slug: "signed-up", email: "a@example.com"}, {slug: 5, email: "b@example.com"}]) { index } }`,
			path:    []any{"triggerCustomEvents", "inputs", 1.0, "slug"},
			field:   "slug",
			message: "inputs[1].slug is the integer 5, not a String, so nothing was stored: write a string in double quotes.",
		},
		{
			name:    "string as enum",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", channel: "EMAIL" }) }`,
			path:    []any{"triggerCustomEvent", "input", "channel"},
			field:   "channel",
			message: `input.channel is the string "EMAIL", not a MarketingChannel, so nothing was stored: use one of DIRECT, ORGANIC_SEARCH, PAID_SEARCH, ORGANIC_SOCIAL, PAID_SOCIAL, EMAIL, REFERRAL, DISPLAY, AFFILIATE, VIDEO, SMS, OTHER, without quotes.`,
		},
		{
			name:    "null email",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: null }) }`,
			path:    []any{"triggerCustomEvent", "input", "email"},
			field:   "email",
			message: "input.email cannot be null, so nothing was stored: " + required,
		},
		{
			name:    "missing slug",
			query:   `mutation { triggerCustomEvent(input: { email: "a@example.com" }) }`,
			path:    []any{"triggerCustomEvent", "input", "slug"},
			field:   "slug",
			message: "input.slug is missing, so nothing was stored: " + required,
		},
		{
			name:    "unknown field",
			query:   `mutation { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", mail: "b@example.com" }) }`,
			path:    []any{"triggerCustomEvent", "input", "mail"},
			field:   "mail",
			message: "input.mail is not a field of TriggerCustomEventInput, so nothing was stored: remove it, or correct its name; the schema, which introspection returns, lists every input field.",
		},
		{
			name:    "query argument",
			query:   `query { contactData(email: 5) { email } }`,
			path:    []any{"contactData", "email"},
			field:   "email",
			message: "email is the integer 5, not a String: write a string in double quotes.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, nil)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", tt.field, tt.message)
			if got := resp.Errors[0].Path; !reflect.DeepEqual(got, tt.path) {
				t.Errorf("path = %v, want %v", got, tt.path)
			}
		})
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}

	// The fix that the metadata message gives is accepted.
	resp := api.query(t, `mutation { triggerCustomEvent(input: { slug: "signed-up", email: "a@example.com", metadata: {seats: 12345678901234567890.0} }) }`, nil)
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)
	occurrences := storedOccurrences(t, api)
	if len(occurrences) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(occurrences))
	}
	if got := occurrences[0].Metadata["seats"]; got != 12345678901234567890.0 {
		t.Errorf("metadata seats = %v, want 1.2345678901234567e19", got)
	}
}

// A retry with an idempotency key gets its first occurrence after the
// trigger itself became invalid: its occurredAt now more than 30 days ago,
// or its slug renamed. Without the key, or with another input, the same
// calls fail as before.
func TestTriggerRetryAfterInputExpired(t *testing.T) {
	api := newTestAPI(t)
	event := api.createEvent(t, "signed-up")
	occurredAt := time.Now().UTC().Add(-31 * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	input := map[string]any{"slug": "signed-up", "email": "ann@example.com", "occurredAt": occurredAt, "idempotencyKey": "backfill-1"}

	// The first call is stored as if it came when occurredAt was within
	// 30 days, from the same input as the retry.
	parsed, err := time.Parse(time.RFC3339, occurredAt)
	if err != nil {
		t.Fatal(err)
	}
	key := "backfill-1"
	first, verr := newTrigger(api.Account, &model.TriggerCustomEventInput{Slug: "signed-up", Email: "ann@example.com", OccurredAt: &parsed, IdempotencyKey: &key})
	if verr != nil {
		t.Fatal(verr)
	}
	stored, err := api.Store.RecordEvent(t.Context(), first)
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatInt(stored.ID, 10)

	var single struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": input}), &single)
	if single.TriggerCustomEvent != want {
		t.Errorf("retry returned %s, want %s", single.TriggerCustomEvent, want)
	}

	const batch = `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { accepted occurrenceId error { field } } }`
	var batchData struct {
		TriggerCustomEvents []struct {
			Accepted     bool    `json:"accepted"`
			OccurrenceID *string `json:"occurrenceId"`
			Error        *struct {
				Field string `json:"field"`
			} `json:"error"`
		} `json:"triggerCustomEvents"`
	}
	withoutKey := map[string]any{"slug": "signed-up", "email": "ann@example.com", "occurredAt": occurredAt}
	decodeData(t, api.query(t, batch, map[string]any{"inputs": []any{input, withoutKey}}), &batchData)
	if got := batchData.TriggerCustomEvents; len(got) != 2 || !got[0].Accepted || got[0].OccurrenceID == nil || *got[0].OccurrenceID != want {
		t.Errorf("batch retry = %+v, want item 0 accepted as %s", got, want)
	} else if got[1].Accepted || got[1].Error == nil || got[1].Error.Field != "occurredAt" {
		t.Errorf("batch item without a key = %+v, want an error on occurredAt", got[1])
	}

	resp := api.query(t, triggerVars, map[string]any{"input": withoutKey})
	wantError(t, resp, "BAD_USER_INPUT", "occurredAt", fmt.Sprintf("occurredAt %s is more than 30 days ago: record events within 30 days of when they happened.", occurredAt))
	changed := map[string]any{"slug": "signed-up", "email": "bob@example.com", "occurredAt": occurredAt, "idempotencyKey": "backfill-1"}
	resp = api.query(t, triggerVars, map[string]any{"input": changed})
	wantError(t, resp, "BAD_USER_INPUT", "occurredAt", fmt.Sprintf("occurredAt %s is more than 30 days ago: record events within 30 days of when they happened.", occurredAt))

	// A recent trigger, then the event's slug changes.
	recent := map[string]any{"slug": "signed-up", "email": "ann@example.com", "idempotencyKey": "order-7"}
	var firstRecent, retried struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": recent}), &firstRecent)
	if _, err := api.Store.UpdateCustomEvent(t.Context(), api.Account.ID, event.ID, apitype.CustomEventInput{Name: event.Name, Slug: "registered"}); err != nil {
		t.Fatal(err)
	}
	decodeData(t, api.query(t, triggerVars, map[string]any{"input": recent}), &retried)
	if retried.TriggerCustomEvent != firstRecent.TriggerCustomEvent {
		t.Errorf("retry after the rename returned %s, want %s", retried.TriggerCustomEvent, firstRecent.TriggerCustomEvent)
	}
	resp = api.query(t, triggerVars, map[string]any{"input": map[string]any{"slug": "signed-up", "email": "ann@example.com"}})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("old slug without a key: errors %+v, want NOT_FOUND", resp.Errors)
	}

	if got := api.count(t, "event_occurrences"); got != 2 {
		t.Errorf("occurrences = %d, want 2", got)
	}
}

// A batch of retries whose occurredAt is now out of bounds or whose slug
// was renamed gets each retry's first occurrence at its index, and looks
// up all their idempotency keys in one query.
func TestTriggerBatchRetriesOneLookup(t *testing.T) {
	fixture := dbtest.NewFixture(t)
	counter := &dbtest.QueryCounter{Table: "idempotency_keys"}
	fixture.Store.DB().AddQueryHook(counter)
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server := httptest.NewServer(NewHandler(fixture.Store, log, Options{}))
	t.Cleanup(server.Close)
	api := &testAPI{Fixture: fixture, URL: server.URL, Logs: logs}
	event := api.createEvent(t, "signed-up")

	// Backfilled triggers, stored as if they came when their occurredAt
	// was within 30 days.
	occurredAt := time.Now().UTC().Add(-31 * 24 * time.Hour).Truncate(time.Second)
	backfill := func(email, key string) map[string]any {
		return map[string]any{"slug": "signed-up", "email": email, "occurredAt": occurredAt.Format(time.RFC3339), "idempotencyKey": key}
	}
	storeBackfill := func(email, key string) string {
		t.Helper()
		first, verr := newTrigger(api.Account, &model.TriggerCustomEventInput{Slug: "signed-up", Email: email, OccurredAt: &occurredAt, IdempotencyKey: &key})
		if verr != nil {
			t.Fatal(verr)
		}
		stored, err := api.Store.RecordEvent(t.Context(), first)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(stored.ID, 10)
	}
	backfill1 := storeBackfill("ann@example.com", "backfill-1")
	backfill2 := storeBackfill("bob@example.com", "backfill-2")
	backfill3 := storeBackfill("cid@example.com", "backfill-3")

	// Recent triggers, then the event's slug changes.
	recent := func(email, key string) map[string]any {
		return map[string]any{"slug": "signed-up", "email": email, "idempotencyKey": key}
	}
	storeRecent := func(email, key string) string {
		t.Helper()
		var data struct {
			TriggerCustomEvent string `json:"triggerCustomEvent"`
		}
		decodeData(t, api.query(t, triggerVars, map[string]any{"input": recent(email, key)}), &data)
		return data.TriggerCustomEvent
	}
	order1 := storeRecent("dan@example.com", "order-1")
	order2 := storeRecent("eve@example.com", "order-2")
	if _, err := api.Store.UpdateCustomEvent(t.Context(), api.Account.ID, event.ID, apitype.CustomEventInput{Name: event.Name, Slug: "registered"}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		accepted     bool
		occurrenceID string // "new" for an occurrence that the batch stores
		code, field  string
	}
	items := []struct {
		name  string
		input map[string]any
		want  result
	}{
		{"renamed slug, second key", recent("eve@example.com", "order-2"), result{accepted: true, occurrenceID: order2}},
		{"backfill, third key", backfill("cid@example.com", "backfill-3"), result{accepted: true, occurrenceID: backfill3}},
		{"backfill, unknown key", backfill("ann@example.com", "backfill-9"), result{code: "BAD_USER_INPUT", field: "occurredAt"}},
		{"new trigger", map[string]any{"slug": "registered", "email": "fay@example.com"}, result{accepted: true, occurrenceID: "new"}},
		{"backfill, first key", backfill("ann@example.com", "backfill-1"), result{accepted: true, occurrenceID: backfill1}},
		{"renamed slug, first key", recent("dan@example.com", "order-1"), result{accepted: true, occurrenceID: order1}},
		{"backfill, second key with another input", backfill("gus@example.com", "backfill-2"), result{code: "BAD_USER_INPUT", field: "occurredAt"}},
		{"backfill, first key again", backfill("ann@example.com", "backfill-1"), result{accepted: true, occurrenceID: backfill1}},
		{"backfill without key", map[string]any{"slug": "signed-up", "email": "ann@example.com", "occurredAt": occurredAt.Format(time.RFC3339)}, result{code: "BAD_USER_INPUT", field: "occurredAt"}},
		{"renamed slug without key", map[string]any{"slug": "signed-up", "email": "hal@example.com"}, result{code: "NOT_FOUND", field: "slug"}},
		{"renamed slug, unknown key", recent("hal@example.com", "order-9"), result{code: "NOT_FOUND", field: "slug"}},
	}
	inputs := make([]any, len(items))
	for i, item := range items {
		inputs[i] = item.input
	}

	counter.Start()
	resp := api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $inputs) { index accepted occurrenceId error { code field } }
	}`, map[string]any{"inputs": inputs})
	keyQueries := counter.Stop()
	var data struct {
		TriggerCustomEvents []batchItemResult `json:"triggerCustomEvents"`
	}
	decodeData(t, resp, &data)

	if n := keyQueries; n != 1 {
		t.Errorf("queries on idempotency_keys = %d, want 1", n)
	}
	if len(data.TriggerCustomEvents) != len(items) {
		t.Fatalf("results = %d, want %d", len(data.TriggerCustomEvents), len(items))
	}
	earlier := map[string]bool{backfill1: true, backfill2: true, backfill3: true, order1: true, order2: true}
	for i, item := range items {
		got := data.TriggerCustomEvents[i]
		var gotResult result
		gotResult.accepted = got.Accepted
		if got.OccurrenceID != nil {
			gotResult.occurrenceID = *got.OccurrenceID
			if item.want.occurrenceID == "new" && !earlier[gotResult.occurrenceID] {
				gotResult.occurrenceID = "new"
			}
		}
		if got.Error != nil {
			gotResult.code = got.Error.Code
			if got.Error.Field != nil {
				gotResult.field = *got.Error.Field
			}
		}
		if got.Index != i {
			t.Errorf("%d %s: index = %d, want %d", i, item.name, got.Index, i)
		}
		if gotResult != item.want {
			t.Errorf("%d %s: result = %+v, want %+v", i, item.name, gotResult, item.want)
		}
	}
	if got := api.count(t, "event_occurrences"); got != 6 {
		t.Errorf("occurrences = %d, want 6", got)
	}
}

// UTM values from the API are stored as the beacon stores them: source and
// medium in lowercase, and read from the page URL when no UTM field is
// sent. Invisible characters are rejected.
func TestTriggerUTMMatchesBeacon(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	tests := []struct {
		name  string
		input map[string]any
		want  [6]string // source, medium, campaign, term, content, channel
	}{
		{"mixed case", map[string]any{"utmSource": " Google ", "utmMedium": "CPC", "utmCampaign": "Spring"},
			[6]string{"google", "cpc", "Spring", "", "", "PAID_SEARCH"}},
		{"from the page URL", map[string]any{"pageUrl": "https://www.example.com/p?utm_source=Google&utm_medium=CPC&utm_term=CRM"},
			[6]string{"google", "cpc", "", "CRM", "", "PAID_SEARCH"}},
		{"fields before the page URL", map[string]any{"pageUrl": "https://www.example.com/p?utm_source=google&utm_medium=cpc", "utmSource": "newsletter", "utmMedium": "email"},
			[6]string{"newsletter", "email", "", "", "", "EMAIL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := map[string]any{"slug": "signed-up", "email": "ann@example.com"}
			maps.Copy(input, tt.input)
			var data struct {
				TriggerCustomEvent string `json:"triggerCustomEvent"`
			}
			decodeData(t, api.query(t, triggerVars, map[string]any{"input": input}), &data)
			var o db.EventOccurrence
			if err := api.Store.DB().NewSelect().Model(&o).Where("id = ?", data.TriggerCustomEvent).Scan(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := [6]string{o.UTMSource, o.UTMMedium, o.UTMCampaign, o.UTMTerm, o.UTMContent, o.Channel}; got != tt.want {
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}

	resp := api.query(t, triggerVars, map[string]any{"input": map[string]any{"slug": "signed-up", "email": "ann@example.com", "utmCampaign": "a\u202eb"}})
	wantError(t, resp, "BAD_USER_INPUT", "utmCampaign", "utmCampaign contains the invisible character U+202E: remove it.")
	resp = api.query(t, triggerVars, map[string]any{"input": map[string]any{"slug": "signed-up", "email": "ann@example.com", "utmSource": strings.Repeat("s", 201)}})
	wantError(t, resp, "BAD_USER_INPUT", "utmSource", "utmSource is too long: use at most 200 bytes.")
	if got := api.count(t, "event_occurrences"); got != 3 {
		t.Errorf("occurrences = %d, want 3", got)
	}
}

// The bounds of occurredAt are inclusive: exactly 30 days ago and exactly
// 5 minutes ahead are accepted, and a nanosecond beyond either is not.
func TestCheckOccurredAtEdges(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		at     time.Time
		reject bool
	}{
		{now.AddDate(0, 0, -30), false},
		{now.AddDate(0, 0, -30).Add(-time.Nanosecond), true},
		{now.Add(5 * time.Minute), false},
		{now.Add(5*time.Minute + time.Nanosecond), true},
		// An offset names the same instant: 30 days ago at 14:00+02:00.
		{time.Date(2026, 3, 1, 14, 0, 0, 0, time.FixedZone("", 2*3600)), false},
		{time.Date(2026, 3, 1, 13, 59, 59, 0, time.FixedZone("", 2*3600)), true},
	}
	for _, tt := range tests {
		verr := checkOccurredAt(db.Trigger{OccurredAt: tt.at}, now)
		if (verr != nil) != tt.reject {
			t.Errorf("occurredAt %s: error %v, want rejected %t", tt.at.Format(time.RFC3339Nano), verr, tt.reject)
		}
		if verr != nil && verr.Field != "occurredAt" {
			t.Errorf("occurredAt %s: field %q, want occurredAt", tt.at.Format(time.RFC3339Nano), verr.Field)
		}
	}
}
