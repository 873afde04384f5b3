package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"customevents/db/dbtest"
)

// errorSummary formats each error of resp as "path: code: message".
func errorSummary(resp gqlResponse) []string {
	var lines []string
	for _, e := range resp.Errors {
		lines = append(lines, fmt.Sprintf("%v: %v: %s", e.Path, e.Extensions["code"], e.Message))
	}
	return lines
}

// notStored returns the message of a field that was not stored because
// the field named field failed.
func notStored(field string) string {
	return "Not stored, because the field " + field + " of this request failed, and the triggerCustomEvent fields of one request store their events all or none: fix " + field + " and send the whole request again."
}

// TestTriggerFieldsStoreAllOrNone sends requests with several
// triggerCustomEvent fields, one of them failing, and checks that none of
// them stores its event and each error names the failing field.
func TestTriggerFieldsStoreAllOrNone(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	tests := []struct {
		name     string
		document string
		want     []string
	}{
		{
			name: "invalid email second",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "s", email: "first@example.com", metadata: {tag: "first"}})
				b: triggerCustomEvent(input: {slug: "s", email: "not-an-email"})
			}`,
			want: []string{
				"[a]: BAD_USER_INPUT: " + notStored("b"),
				`[b]: BAD_USER_INPUT: Email "not-an-email" is not a valid address: use the form name@example.com.`,
			},
		},
		{
			name: "unknown slug first",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "nope", email: "first@example.com"})
				b: triggerCustomEvent(input: {slug: "s", email: "second@example.com"})
				c: triggerCustomEvent(input: {slug: "s", email: "third@example.com", occurredAt: "2000-01-01T00:00:00Z"})
			}`,
			want: []string{
				`[a]: NOT_FOUND: Custom event "nope" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
				"[b]: BAD_USER_INPUT: " + notStored("a"),
				"[c]: BAD_USER_INPUT: occurredAt 2000-01-01T00:00:00Z is more than 30 days ago: record events within 30 days of when they happened.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.document, nil)
			if resp.Status != http.StatusOK {
				t.Errorf("status = %d, want 200", resp.Status)
			}
			if string(resp.Data) != "null" {
				t.Errorf("data = %s, want null", resp.Data)
			}
			if got := errorSummary(resp); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("errors =\n%q\nwant\n%q", got, tt.want)
			}
			if n := len(storedOccurrences(t, api)); n != 0 {
				t.Errorf("occurrences = %d, want 0", n)
			}
		})
	}
}

// TestTriggerFieldsValidAllStored checks that several valid fields each
// store their event, and that a retry with a stored key passes the check.
func TestTriggerFieldsValidAllStored(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	resp := api.query(t, `mutation {
		a: triggerCustomEvent(input: {slug: "s", email: "first@example.com", idempotencyKey: "k1"})
		b: triggerCustomEvent(input: {slug: "s", email: "second@example.com"})
		__typename
	}`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %q, want none", errorSummary(resp))
	}
	if n := len(storedOccurrences(t, api)); n != 2 {
		t.Errorf("occurrences = %d, want 2", n)
	}
	var first struct{ A, B string }
	if err := json.Unmarshal(resp.Data, &first); err != nil || first.A == first.B || first.A == "" || first.B == "" {
		t.Fatalf("data = %s (%v), want two ids", resp.Data, err)
	}

	// The retry of a with its stored key returns its event, and c and the
	// second field with the key k2, which repeats c's input, store one.
	resp = api.query(t, `mutation {
		a: triggerCustomEvent(input: {slug: "s", email: "first@example.com", idempotencyKey: "k1"})
		c: triggerCustomEvent(input: {slug: "s", email: "third@example.com", idempotencyKey: "k2"})
		d: triggerCustomEvent(input: {slug: "s", email: "third@example.com", idempotencyKey: "k2"})
	}`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %q, want none", errorSummary(resp))
	}
	if string(resp.Data) != `{"a":"`+first.A+`","c":"3","d":"3"}` {
		t.Errorf("data = %s, want a's stored id and one id for c and d", resp.Data)
	}
	if n := len(storedOccurrences(t, api)); n != 3 {
		t.Errorf("occurrences = %d, want 3", n)
	}
}

// TestTriggerFieldsKeyedAllOrNone checks fields with idempotency keys
// that no earlier request claimed: they are checked as keyless fields
// are, and a key that two fields of the request claim for different
// inputs fails the second one.
func TestTriggerFieldsKeyedAllOrNone(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	if resp := api.query(t, `mutation { triggerCustomEvent(input: {slug: "s", email: "old@example.com", idempotencyKey: "used"}) }`, nil); len(resp.Errors) != 0 {
		t.Fatalf("first trigger: %q", errorSummary(resp))
	}
	tests := []struct {
		name     string
		document string
		want     []string
	}{
		{
			name: "new key, unknown slug",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "s", email: "a@example.com"})
				b: triggerCustomEvent(input: {slug: "nope", email: "b@example.com", idempotencyKey: "fresh"})
			}`,
			want: []string{
				"[a]: BAD_USER_INPUT: " + notStored("b"),
				`[b]: NOT_FOUND: Custom event "nope" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
			},
		},
		{
			name: "new key, occurredAt too early",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "s", email: "a@example.com"})
				b: triggerCustomEvent(input: {slug: "s", email: "b@example.com", idempotencyKey: "fresh", occurredAt: "2000-01-01T00:00:00Z"})
			}`,
			want: []string{
				"[a]: BAD_USER_INPUT: " + notStored("b"),
				"[b]: BAD_USER_INPUT: occurredAt 2000-01-01T00:00:00Z is more than 30 days ago: record events within 30 days of when they happened.",
			},
		},
		{
			name: "one new key, two inputs",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "s", email: "a@example.com", idempotencyKey: "twice"})
				b: triggerCustomEvent(input: {slug: "s", email: "b@example.com", idempotencyKey: "twice"})
			}`,
			want: []string{
				"[a]: BAD_USER_INPUT: " + notStored("b"),
				`[b]: CONFLICT: Idempotency key "twice" is also the key of the field a of this request, whose trigger differs: give each trigger its own key, or send the same input in both.`,
			},
		},
		{
			name: "key used by another input",
			document: `mutation {
				a: triggerCustomEvent(input: {slug: "s", email: "a@example.com"})
				b: triggerCustomEvent(input: {slug: "s", email: "b@example.com", idempotencyKey: "used"})
			}`,
			want: []string{
				"[a]: BAD_USER_INPUT: " + notStored("b"),
				`[b]: CONFLICT: Idempotency key "used" was already used for a different trigger in the last 7 days: send the same input to retry it, or use a new key.`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.document, nil)
			if got := errorSummary(resp); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("errors =\n%q\nwant\n%q", got, tt.want)
			}
			for _, e := range resp.Errors {
				if _, ok := e.Extensions["field"]; ok && e.Path[0] == "a" {
					t.Errorf("error of a has extensions.field %v, want none", e.Extensions["field"])
				}
			}
			if n := len(storedOccurrences(t, api)); n != 1 {
				t.Errorf("occurrences = %d, want only the first trigger's", n)
			}
		})
	}
}

// TestTriggerFieldsDatabaseFailureStoresNone makes the database reject the
// second field's event after the request passed the check, as a failure
// in the middle of the write would. The first field's event must not
// stay stored, and neither field blames the other's input.
func TestTriggerFieldsDatabaseFailureStoresNone(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	rejectMarkedEvents(t, api)

	resp := api.query(t, `mutation {
		a: triggerCustomEvent(input: {slug: "s", email: "first@example.com"})
		b: triggerCustomEvent(input: {slug: "s", email: "second@example.com", metadata: {reject: "yes"}})
	}`, nil)
	want := []string{
		"[a]: INTERNAL_SERVER_ERROR: Internal server error: try again, and contact support if it persists.",
		"[b]: INTERNAL_SERVER_ERROR: Internal server error: try again, and contact support if it persists.",
	}
	if got := errorSummary(resp); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors =\n%q\nwant\n%q", got, want)
	}
	if n := len(storedOccurrences(t, api)); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := dbtest.Count(t, api.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}

	// Without the rejected metadata, the same request stores both events.
	resp = api.query(t, `mutation {
		a: triggerCustomEvent(input: {slug: "s", email: "first@example.com"})
		b: triggerCustomEvent(input: {slug: "s", email: "second@example.com"})
	}`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %q, want none", errorSummary(resp))
	}
	if n := len(storedOccurrences(t, api)); n != 2 {
		t.Errorf("occurrences = %d, want 2", n)
	}
}

// rejectMarkedEvents makes the database reject every event whose metadata
// has reject: "yes", as a failure in the middle of a write would.
func rejectMarkedEvents(t *testing.T, api *testAPI) {
	t.Helper()
	_, err := api.Store.DB().ExecContext(t.Context(), `
		CREATE FUNCTION reject_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'event marked to fail'; END $$;
		CREATE TRIGGER reject_marked_event BEFORE INSERT ON event_occurrences
		FOR EACH ROW WHEN (NEW.metadata->>'reject' = 'yes') EXECUTE FUNCTION reject_marked_event()`)
	if err != nil {
		t.Fatal(err)
	}
}

// TestTriggerFieldsRetryLookedUpFirst makes the database reject any new
// claim of a stored key, so a retry field that wrote its key again after
// the other fields stored their events would fail, leaving those events
// stored under a reply with data null. The retry must get its event
// without a write, and the request must store only its new field.
func TestTriggerFieldsRetryLookedUpFirst(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	resp := api.query(t, `mutation { triggerCustomEvent(input: {slug: "s", email: "old@example.com", idempotencyKey: "k"}) }`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("first trigger: %q", errorSummary(resp))
	}
	_, err := api.Store.DB().ExecContext(t.Context(), `
		CREATE FUNCTION reject_key() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'key marked to fail'; END $$;
		CREATE TRIGGER reject_key BEFORE INSERT ON idempotency_keys
		FOR EACH ROW WHEN (NEW.key = 'k') EXECUTE FUNCTION reject_key()`)
	if err != nil {
		t.Fatal(err)
	}

	resp = api.query(t, `mutation {
		r: triggerCustomEvent(input: {slug: "s", email: "old@example.com", idempotencyKey: "k"})
		a: triggerCustomEvent(input: {slug: "s", email: "new@example.com"})
	}`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %q, want none", errorSummary(resp))
	}
	if string(resp.Data) != `{"r":"1","a":"2"}` {
		t.Errorf("data = %s, want the retry's stored id 1 and a's new id 2", resp.Data)
	}
	if n := len(storedOccurrences(t, api)); n != 2 {
		t.Errorf("occurrences = %d, want 2", n)
	}
}

// TestTriggerFieldsDatabaseFailureWithRetry fails the write of a request
// that also retries a stored key. The retry's input is not at fault
// either, so it gets the same internal error and no request to fix
// another field.
func TestTriggerFieldsDatabaseFailureWithRetry(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	resp := api.query(t, `mutation { triggerCustomEvent(input: {slug: "s", email: "old@example.com", idempotencyKey: "k"}) }`, nil)
	if len(resp.Errors) != 0 {
		t.Fatalf("first trigger: %q", errorSummary(resp))
	}
	rejectMarkedEvents(t, api)

	resp = api.query(t, `mutation {
		r: triggerCustomEvent(input: {slug: "s", email: "old@example.com", idempotencyKey: "k"})
		a: triggerCustomEvent(input: {slug: "s", email: "new@example.com", metadata: {reject: "yes"}})
	}`, nil)
	want := []string{
		"[r]: INTERNAL_SERVER_ERROR: Internal server error: try again, and contact support if it persists.",
		"[a]: INTERNAL_SERVER_ERROR: Internal server error: try again, and contact support if it persists.",
	}
	if got := errorSummary(resp); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors =\n%q\nwant\n%q", got, want)
	}
	if n := len(storedOccurrences(t, api)); n != 1 {
		t.Errorf("occurrences = %d, want only the first trigger's", n)
	}
}

// TestTriggerFieldsDatabaseFailureLoggedOnce fails the write of a request
// of three fields and checks that the failure is logged in one line, not
// in one per field.
func TestTriggerFieldsDatabaseFailureLoggedOnce(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	rejectMarkedEvents(t, api)

	resp := api.query(t, `mutation {
		a: triggerCustomEvent(input: {slug: "s", email: "a@example.com"})
		b: triggerCustomEvent(input: {slug: "s", email: "b@example.com"})
		c: triggerCustomEvent(input: {slug: "s", email: "c@example.com", metadata: {reject: "yes"}})
	}`, nil)
	if len(resp.Errors) != 3 {
		t.Fatalf("errors = %q, want one per field", errorSummary(resp))
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
			t.Errorf("%v: code = %v, want INTERNAL_SERVER_ERROR", e.Path, e.Extensions["code"])
		}
	}
	records := errorLogRecords(t, api)
	if len(records) != 1 {
		t.Fatalf("error log records = %d, want 1: %v", len(records), records)
	}
	if msg, _ := records[0]["error"].(string); !strings.Contains(msg, "event marked to fail") {
		t.Errorf("logged error = %q, want the database's message", msg)
	}
	if records[0]["fields"] != float64(3) {
		t.Errorf("logged fields = %v, want 3", records[0]["fields"])
	}
}
