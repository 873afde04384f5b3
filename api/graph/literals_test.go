package graph

import (
	"net/http"
	"reflect"
	"testing"
)

// Literals in fragments and in nested fields get their response path, and
// the arguments of directives keep gqlparser's error, with what to do.
func TestLiteralErrorPaths(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name    string
		query   string
		code    string
		path    []any
		field   string
		message string
	}{
		{
			name:    "fragment",
			query:   `query { ...Contact } fragment Contact on Query { contact: contactData(email: 5) { email } }`,
			code:    "BAD_USER_INPUT",
			path:    []any{"contact", "email"},
			field:   "email",
			message: "email is the integer 5, not a String: write a string in double quotes.",
		},
		{
			name:    "nested field",
			query:   `query { customEventStats(slug: "s", from: "2026-01-01", to: "2026-01-31") { drilldown(first: "10") { pageInfo { hasNextPage } } } }`,
			code:    "BAD_USER_INPUT",
			path:    []any{"customEventStats", "drilldown", "first"},
			field:   "first",
			message: `drilldown.first is the string "10", not an Int: write a whole number from -2147483648 to 2147483647, without quotes.`,
		},
		{
			name:    "directive",
			query:   `query { contactData(email: "a@example.com") @skip(if: "no") { email } }`,
			code:    "GRAPHQL_VALIDATION_FAILED",
			message: `Boolean cannot represent a non boolean value: "no": write a value of the type that the argument or input field takes; introspection and docs/graphql.md list every type, field and argument.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.query(t, tt.query, nil)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, tt.code, tt.field, tt.message)
			if got := resp.Errors[0].Path; !reflect.DeepEqual(got, tt.path) {
				t.Errorf("path = %v, want %v", got, tt.path)
			}
		})
	}
}
