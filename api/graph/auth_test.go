package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"customevents/db"
	"customevents/db/dbtest"
)

// TestRequestWithoutKeyRejectedFirst sends documents that would take long
// to validate, or that do not even parse, without a valid key. Each gets
// 401 UNAUTHENTICATED, which shows that the server replied before gqlgen
// parsed the document, because a parse or validation error would come
// first otherwise.
func TestRequestWithoutKeyRejectedFirst(t *testing.T) {
	api := newTestAPI(t)
	sameField := "{ customEvents { " + strings.Repeat("slug ", 9900) + "} }"
	tests := []struct {
		name          string
		authorization string
		document      string
		message       string
		challenge     string
	}{
		{"9,900 fields", "", sameField, missingKeyMessage, "Bearer"},
		{"9,900 fields with a wrong key", "Bearer " + db.NewAPIKey(), sameField, invalidKeyMessage, `Bearer error="invalid_token"`},
		{"syntax error", "", "{ customEvents { slug", missingKeyMessage, "Bearer"},
		{"introspection beside data", "", "{ __typename customEvents { slug } }", missingKeyMessage, "Bearer"},
		{"introspection in a mutation", "", "mutation { __typename }", missingKeyMessage, "Bearer"},
		{"introspection over the token limit", "", "{ __schema { " + strings.Repeat("__typename ", 1000) + "} }", missingKeyMessage, "Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.queryWithAuth(t, tt.authorization, tt.document, nil)
			if resp.Status != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.Status)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			wantError(t, resp, "UNAUTHENTICATED", "", tt.message)
			if string(resp.Data) != "null" {
				t.Errorf("data = %s, want null", resp.Data)
			}
		})
	}
}

func TestGetWithoutKeyRejected(t *testing.T) {
	api := newTestAPI(t)
	query := url.Values{"query": {"{ customEvents { slug } }"}}
	req, err := http.NewRequest(http.MethodGet, api.URL+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := api.do(t, req)
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.Status)
	}
	wantError(t, resp, "UNAUTHENTICATED", "", missingKeyMessage)
}

// TestIntrospectionWithoutKey reads the schema without a key, as GraphQL
// tools do before the user enters one.
func TestIntrospectionWithoutKey(t *testing.T) {
	api := newTestAPI(t)
	for name, document := range map[string]string{"introspection": introspectionQuery, "full introspection": fullIntrospectionQuery} {
		t.Run(name, func(t *testing.T) {
			resp := api.queryWithAuth(t, "", document, nil)
			if resp.Status != http.StatusOK {
				t.Errorf("status = %d, want 200", resp.Status)
			}
			var data struct {
				Schema struct {
					MutationType struct {
						Name string `json:"name"`
					} `json:"mutationType"`
				} `json:"__schema"`
			}
			decodeData(t, resp, &data)
			if data.Schema.MutationType.Name != "Mutation" {
				t.Errorf("mutationType.name = %q, want Mutation", data.Schema.MutationType.Name)
			}
		})
	}

	resp := api.queryWithAuth(t, "", `{ __type(name: "TriggerCustomEventInput") { name } __typename }`, nil)
	if string(resp.Data) != `{"__type":{"name":"TriggerCustomEventInput"},"__typename":"Query"}` {
		t.Errorf("data = %s, errors %+v, want the type and Query", resp.Data, resp.Errors)
	}
}

// TestIntrospectionWithWrongKey checks that a request that sends a key
// has it checked also for introspection, so that a client testing its
// credentials with { __typename } learns that they are wrong.
func TestIntrospectionWithWrongKey(t *testing.T) {
	api := newTestAPI(t)
	for _, tt := range []struct{ header, message string }{
		{"Bearer " + db.NewAPIKey(), invalidKeyMessage},
		{"Bearer garbage", invalidKeyMessage},
		{"Basic YTpi", missingKeyMessage},
	} {
		resp := api.queryWithAuth(t, tt.header, `{ __typename }`, nil)
		if resp.Status != http.StatusUnauthorized || string(resp.Data) != "null" {
			t.Errorf("%s: status %d, data %s, want 401 and null", tt.header, resp.Status, resp.Data)
		}
		wantError(t, resp, "UNAUTHENTICATED", "", tt.message)
	}
}

// TestSelectionLimit checks that a document of more than 300 selections is
// rejected before validation, and that one of 300 passes on to the later
// checks.
func TestSelectionLimit(t *testing.T) {
	api := newTestAPI(t)
	const message = "Document has more than 300 selections (fields, fragment spreads and inline fragments) before its fragments are expanded: select fewer fields, or send the operations in separate requests."

	resp := api.query(t, "{ customEvents { "+strings.Repeat("slug ", 9900)+"} }", nil)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("9,900 fields: status = %d, want 422", resp.Status)
	}
	wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", message)

	// customEvents and 300 fields below it, across a fragment.
	resp = api.query(t, "{ customEvents { ...F } } fragment F on CustomEvent { "+strings.Repeat("slug ", 299)+"}", nil)
	wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", message)

	// 300 selections: the selection check passes and the complexity limit
	// rejects the 1 + 299 fields.
	resp = api.query(t, "{ customEvents { "+strings.Repeat("slug ", 299)+"} }", nil)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("300 selections: status = %d, want 422", resp.Status)
	}
	wantError(t, resp, "COMPLEXITY_LIMIT_EXCEEDED", "",
		"Operation has a complexity of 300, more than the maximum of 200: select fewer fields, or split the operation into several requests. Each field counts 1, triggerCustomEvents counts 1 for every 5 inputs, and contactData counts 100.")
}

// BenchmarkRejectLargeDocument measures how long the handler takes to
// reject a 50 KB document of 9,900 fields of one name, which took seconds to
// validate, without a key (401) and with one (422).
func BenchmarkRejectLargeDocument(b *testing.B) {
	fixture := dbtest.NewFixture(b)
	handler := NewHandler(fixture.Store, slog.New(slog.DiscardHandler), Options{})
	body, err := json.Marshal(map[string]string{"query": "{ customEvents { " + strings.Repeat("slug ", 9900) + "} }"})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name          string
		authorization string
		status        int
	}{
		{"without key", "", http.StatusUnauthorized},
		{"with key", "Bearer " + fixture.APIKey, http.StatusUnprocessableEntity},
	}
	// The reference: what validating the document costs, which a request
	// paid before the selection limit and the key check came first.
	b.Run("validation alone", func(b *testing.B) {
		schema := NewExecutableSchema(Config{Resolvers: &Resolver{}}).Schema()
		query := "{ customEvents { " + strings.Repeat("slug ", 9900) + "} }"
		for b.Loop() {
			doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, 20000)
			if err != nil {
				b.Fatal(err)
			}
			if errs := validator.Validate(schema, doc); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				if c.authorization != "" {
					req.Header.Set("Authorization", c.authorization)
				}
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != c.status {
					b.Fatalf("status = %d, want %d: %s", rec.Code, c.status, rec.Body)
				}
			}
		})
	}
}

// fullIntrospectionQuery reads every field of the introspection types,
// with the arguments that ask for deprecated items too.
const fullIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}

fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`
