package graph

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vektah/gqlparser/v2/validator/rules"

	"customevents/app/apitype"
	"customevents/db"
)

// TestClassifyIngestErrors checks the code and message of two ingest
// errors, each wrapped twice:
//   - a trigger that the database may have stored without confirming it
//     is an internal error whose message warns that a resend may record
//     the event twice;
//   - a trigger that was not stored because too many events of its
//     account wait for a rebuild is RATE_LIMITED, so that the client
//     sends it again later.
func TestClassifyIngestErrors(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		wantCode    string
		wantMessage string
	}{
		{"unconfirmed", fmt.Errorf("write event batch: %w", fmt.Errorf("wrapped: %w", db.ErrUnconfirmed)),
			apitype.CodeInternal, unconfirmedMessage},
		{"account busy", fmt.Errorf("write event: %w", fmt.Errorf("%w: 10000 events of account 1 wait", db.ErrAccountBusy)),
			apitype.CodeRateLimited, accountBusyMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, message, field, ok := classify(tc.err)
			if !ok {
				t.Fatalf("classify did not recognize %v", tc.err)
			}
			if code != tc.wantCode {
				t.Errorf("code = %q, want %q", code, tc.wantCode)
			}
			if message != tc.wantMessage {
				t.Errorf("message = %q, want %q", message, tc.wantMessage)
			}
			if field != "" {
				t.Errorf("field = %q, want none", field)
			}
		})
	}
}

// gqlparser's validation errors name the problem, and the server adds
// what to do.
func TestValidationErrorsIncludeFix(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name, query, message string
	}{
		{
			name:    "missing argument",
			query:   `mutation { triggerCustomEvent }`,
			message: `Field "triggerCustomEvent" argument "input" of type "TriggerCustomEventInput!" is required, but it was not provided: pass the argument with a value of its type, as in triggerCustomEvent(input: {slug: "watched-demo-video", email: "ann@example.com"}).`,
		},
		{
			name:    "no selection on an object",
			query:   `{ customEvents }`,
			message: `Field "customEvents" of type "[CustomEvent!]!" must have a selection of subfields. Did you mean "customEvents { ... }"? Else select subfields of a field whose type is an object, and none of a field whose type is a scalar or enum.`,
		},
		{
			name:    "undefined variable",
			query:   `mutation { triggerCustomEvent(input: $i) }`,
			message: `Variable "$i" is not defined: declare the variable in the operation, as in mutation($i: TriggerCustomEventInput!), or write the value in its place.`,
		},
		{
			name:    "repeated input field",
			query:   `mutation { triggerCustomEvent(input: {slug: "s", email: "a@example.com", email: "b@example.com"}) }`,
			message: `There can be only one input field named "email": write each input field once.`,
		},
		{
			name:    "unknown field",
			query:   `{ customEvents { colour } }`,
			message: `Cannot query field "colour" on type "CustomEvent": select only fields that the type has; introspection and docs/graphql.md list every type, field and argument.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, nil)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", tt.message)
		})
	}
}

// Every validation rule that gqlparser runs by default has a fix, so a
// rule renamed in a later gqlparser version fails here instead of losing
// its fix.
func TestValidationFixForEveryRule(t *testing.T) {
	for name := range rules.NewDefaultRules().GetInner() {
		if got := validationErrorMessage(name, "Problem."); got == "Problem." {
			t.Errorf("rule %s has no fix in validationFixes", name)
		}
	}
}
