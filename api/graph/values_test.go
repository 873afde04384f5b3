package graph

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestScalarReadersCoverSchema(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	for name, def := range schema.Types {
		if def.Kind != ast.Scalar || def.BuiltIn || isBuiltinScalar(name) {
			continue
		}
		if _, ok := scalarReaders[name]; !ok {
			t.Errorf("scalar %s has no entry in scalarReaders", name)
		}
	}
	for name := range scalarReaders {
		if def := schema.Types[name]; def == nil || def.Kind != ast.Scalar {
			t.Errorf("scalarReaders has %s, which is not a scalar of the schema", name)
		}
	}
}

// Every argument value that cannot be read as its type gets HTTP status
// 422 before execution, whether it is a variable or a literal, and
// whether its type is built in, an enum or a custom scalar.
func TestUnreadableArgumentStatus(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const single = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	const channels = "DIRECT, ORGANIC_SEARCH, PAID_SEARCH, ORGANIC_SOCIAL, PAID_SOCIAL, EMAIL, REFERRAL, DISPLAY, AFFILIATE, VIDEO, SMS, OTHER"
	const timeFix = `use a date and time in RFC 3339 form, such as "2026-01-31T09:30:00Z" or "2026-01-31T10:30:00+01:00".`
	const metadataFix = `send a JSON object of string, number and boolean values, such as {"plan": "pro"}.`
	tests := []struct {
		name      string
		query     string
		variables map[string]any
		path      []any
		field     string
		message   string
	}{
		{
			name:      "variable enum",
			query:     single,
			variables: map[string]any{"i": map[string]any{"slug": "s", "email": "t@x.com", "channel": "email"}},
			path:      []any{"variable", "i", "channel"},
			field:     "channel",
			message:   `Variable $i.channel is the string "email", not a MarketingChannel: use one of ` + channels + ", as a string in capitals.",
		},
		{
			name:      "variable time",
			query:     single,
			variables: map[string]any{"i": map[string]any{"slug": "s", "email": "t@x.com", "occurredAt": "x"}},
			path:      []any{"variable", "i", "occurredAt"},
			field:     "occurredAt",
			message:   "Variable $i.occurredAt has a value of the wrong type or form: " + timeFix,
		},
		{
			name:      "variable metadata list",
			query:     single,
			variables: map[string]any{"i": map[string]any{"slug": "s", "email": "t@x.com", "metadata": []any{1}}},
			path:      []any{"variable", "i", "metadata"},
			field:     "metadata",
			message:   "Variable $i.metadata has a value of the wrong type or form: " + metadataFix,
		},
		{
			name:      "variable built-in",
			query:     single,
			variables: map[string]any{"i": map[string]any{"slug": "s", "email": true}},
			path:      []any{"variable", "i", "email"},
			field:     "email",
			message:   "Variable $i.email is a Boolean, not a String: send a JSON string, in quotes.",
		},
		{
			name:      "variable number for a String",
			query:     single,
			variables: map[string]any{"i": map[string]any{"slug": 123, "email": "t@x.com"}},
			path:      []any{"variable", "i", "slug"},
			field:     "slug",
			message:   `Variable $i.slug is a number, not a String: write it in quotes, as the JSON string "123".`,
		},
		{
			name:      "top-level variable number for a String",
			query:     statsQuery,
			variables: map[string]any{"slug": 7.5, "from": "2026-03-01", "to": "2026-03-02"},
			path:      []any{"variable", "slug"},
			field:     "slug",
			message:   `Variable $slug is a number, not a String: write it in quotes, as the JSON string "7.5".`,
		},
		{
			name: "variable string for an Int",
			query: `query($first: Int) { customEventStats(slug: "s", from: "2026-03-01", to: "2026-03-02") {
				drilldown(first: $first) { pageInfo { hasNextPage } } } }`,
			variables: map[string]any{"first": "42"},
			path:      []any{"variable", "first"},
			field:     "first",
			message:   `Variable $first is the string "42", not an Int: send a JSON number, without quotes, such as 42.`,
		},
		{
			name:    "variable default",
			query:   `mutation($t: Time = "x") { triggerCustomEvent(input: {slug: "s", email: "t@x.com", occurredAt: $t}) }`,
			path:    []any{"variable", "t"},
			field:   "t",
			message: "Variable $t has a value of the wrong type or form: " + timeFix,
		},
		{
			name:    "literal time",
			query:   `mutation { triggerCustomEvent(input: {slug: "s", email: "t@x.com", occurredAt: "x"}) }`,
			path:    []any{"triggerCustomEvent", "input", "occurredAt"},
			field:   "occurredAt",
			message: "input.occurredAt has a value of the wrong type or form, so nothing was stored: " + timeFix,
		},
		{
			name:    "literal metadata list",
			query:   `mutation { triggerCustomEvent(input: {slug: "s", email: "t@x.com", metadata: [1]}) }`,
			path:    []any{"triggerCustomEvent", "input", "metadata"},
			field:   "metadata",
			message: "input.metadata has a value of the wrong type or form, so nothing was stored: " + metadataFix,
		},
		{
			name:    "literal enum",
			query:   `mutation { triggerCustomEvent(input: {slug: "s", email: "t@x.com", channel: EMAILX}) }`,
			path:    []any{"triggerCustomEvent", "input", "channel"},
			field:   "channel",
			message: "input.channel is the enum value EMAILX, not a MarketingChannel, so nothing was stored: use one of " + channels + ", without quotes.",
		},
		{
			name:    "literal float out of range",
			query:   `mutation { triggerCustomEvent(input: {slug: "s", email: "t@x.com", metadata: {a: 1e400}}) }`,
			path:    []any{"triggerCustomEvent", "input", "metadata"},
			field:   "metadata",
			message: "input.metadata has the number 1e400, which is outside the range of a 64-bit float, so nothing was stored: use a smaller number.",
		},
		{
			name:      "variable date",
			query:     statsQuery,
			variables: map[string]any{"slug": "s", "from": "2026-02-30", "to": "2026-03-01"},
			path:      []any{"variable", "from"},
			field:     "from",
			message:   `Date "2026-02-30" is invalid: use YYYY-MM-DD, such as 2026-01-31.`,
		},
		{
			name:    "literal date",
			query:   `{ customEventStats(slug: "s", from: "2026-03-01", to: "2026-3-1") { eventsTriggered } }`,
			path:    []any{"customEventStats", "to"},
			field:   "to",
			message: `Date "2026-3-1" is invalid: use YYYY-MM-DD, such as 2026-01-31.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, tt.variables)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", tt.field, tt.message)
			if got := resp.Errors[0].Path; !reflect.DeepEqual(got, tt.path) {
				t.Errorf("path = %v, want %v", got, tt.path)
			}
			if string(resp.Data) != "null" && len(resp.Data) != 0 {
				t.Errorf("data = %s, want null", resp.Data)
			}
		})
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}

	// A value that reads as its type but breaks a rule reaches the
	// resolver, which rejects it with status 200.
	resp := api.query(t, single, map[string]any{"i": map[string]any{"slug": "s", "email": "not-an-address"}})
	if resp.Status != http.StatusOK {
		t.Errorf("invalid email: status = %d, want 200", resp.Status)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("invalid email: errors = %+v, want one BAD_USER_INPUT", resp.Errors)
	}
}

// A variable value that gqlparser rejects for its declared type, such as
// true for a String, points at the variable's definition in the document,
// as the errors of the server's own variable checks do.
func TestVariableTypeErrorHasLocation(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	for _, tt := range []struct {
		email   any
		message string
	}{
		{true, "Variable $i.email is a Boolean, not a String: send a JSON string, in quotes."},
		{map[string]any{"a": 1}, "Variable $i.email is an object, not a String: send a JSON string, in quotes."},
		{[]any{"a@b.c", "d@e.f"}, "Variable $i.email is a list, not a String: send a JSON string, in quotes."},
	} {
		resp := api.query(t, "mutation($i: TriggerCustomEventInput!) {\n  triggerCustomEvent(input: $i)\n}",
			map[string]any{"i": map[string]any{"slug": "s", "email": tt.email}})
		if resp.Status != http.StatusUnprocessableEntity || len(resp.Errors) != 1 {
			t.Fatalf("email %v: status %d, errors %+v, want 422 with one error", tt.email, resp.Status, resp.Errors)
		}
		got := resp.Errors[0]
		if got.Message != tt.message {
			t.Errorf("email %v: message %q, want %q", tt.email, got.Message, tt.message)
		}
		if want := []gqlLocation{{Line: 1, Column: 10}}; !reflect.DeepEqual(got.Locations, want) {
			t.Errorf("email %v: locations %+v, want %+v, the definition of $i", tt.email, got.Locations, want)
		}
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}

	// gqlgen reads a JSON number as json.Number, which gqlparser takes for
	// a string, so the message names no type for it.
	for _, value := range []any{1, "yes"} {
		resp := api.query(t, "query($b: Boolean!) { customEvents @include(if: $b) { slug } }", map[string]any{"b": value})
		want := "Variable $b is not a Boolean: send true or false, without quotes."
		if resp.Status != http.StatusUnprocessableEntity || len(resp.Errors) != 1 || resp.Errors[0].Message != want {
			t.Errorf("$b = %v: status %d, errors %+v, want 422 and %q", value, resp.Status, resp.Errors, want)
		}
	}
}
