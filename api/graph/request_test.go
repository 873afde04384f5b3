package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestRequestErrorsCarryCode(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		message     string
	}{
		{
			name:        "text body",
			contentType: "text/plain",
			body:        `{"query":"{ customEvents { slug } }"}`,
			status:      http.StatusUnsupportedMediaType,
			message:     `Content-Type "text/plain" is not supported: send the request as application/json, such as {"query": "{ customEvents { slug } }"}.`,
		},
		{
			name:        "truncated JSON",
			contentType: "application/json",
			body:        `{"query":"secret-looking text`,
			status:      http.StatusBadRequest,
			message:     `Request body is not valid JSON: send an object such as {"query": "{ customEvents { slug } }"}.`,
		},
		{
			name:        "body over 1 MiB",
			contentType: "application/json; charset=utf-8",
			body:        `{"query":"` + strings.Repeat("a", 1<<20) + `"}`,
			status:      http.StatusRequestEntityTooLarge,
			message:     "Request body is larger than 1048576 bytes: send fewer inputs per call.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, api.URL, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set("Authorization", "Bearer "+api.APIKey)
			resp := api.do(t, req)
			if resp.Status != tt.status {
				t.Errorf("status = %d, want %d", resp.Status, tt.status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
		})
	}
}

func TestGetMutationRejectedWithCode(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	query := url.Values{"query": {`mutation { triggerCustomEvent(input: {slug: "signed-up", email: "a@example.com"}) }`}}
	req, err := http.NewRequest(http.MethodGet, api.URL+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.APIKey)
	resp := api.do(t, req)
	if resp.Status != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("status = %d with Allow %q, want 405 with Allow POST", resp.Status, resp.Header.Get("Allow"))
	}
	wantError(t, resp, "BAD_USER_INPUT", "", "Mutations cannot be sent with GET: send them with POST and a JSON body.")
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

// TestFragmentExpansionRejected sends 1 KB of 22 fragments that each
// spread the one before twice, 8 million fields expanded. The size check
// rejects it before the complexity limit walks every spread, also when the
// fragments only read the schema and the request has no key.
func TestFragmentExpansionRejected(t *testing.T) {
	api := newTestAPI(t)
	const message = "Operation selects more than 5000 fields once its fragments are expanded: select fewer fields, or spread fewer fragments."
	documents := map[string]string{
		"Bearer " + api.APIKey: doublingFragments("{ ...F22 }", "Query", "customEvents { slug }"),
		"":                     doublingFragments("{ __schema { ...F22 } }", "__Schema", "types { name }"),
	}
	for authorization, document := range documents {
		resp := api.queryWithAuth(t, authorization, document, nil)
		if resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("status = %d, want 422", resp.Status)
		}
		wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", message)
	}
}

// doublingFragments returns operation followed by fragments F0 to F22 on
// typeName, where F0 selects selection and each other one spreads the one
// before twice.
func doublingFragments(operation, typeName, selection string) string {
	var doc strings.Builder
	fmt.Fprintf(&doc, "%s\nfragment F0 on %s { %s }\n", operation, typeName, selection)
	for i := 1; i <= 22; i++ {
		fmt.Fprintf(&doc, "fragment F%d on %s { ...F%d ...F%d }\n", i, typeName, i-1, i-1)
	}
	return doc.String()
}

// TestIntrospectionQueryFitsLimits runs the introspection query that
// GraphQL tools send, which spreads its fragments many times.
func TestIntrospectionQueryFitsLimits(t *testing.T) {
	api := newTestAPI(t)
	resp := api.query(t, introspectionQuery, nil)
	var data struct {
		Schema struct {
			Types []struct {
				Name string `json:"name"`
			} `json:"types"`
		} `json:"__schema"`
	}
	decodeData(t, resp, &data)
	found := false
	for _, typ := range data.Schema.Types {
		found = found || typ.Name == "TriggerCustomEventInput"
	}
	if !found {
		t.Errorf("introspection types do not include TriggerCustomEventInput")
	}
}

// introspectionQuery is the query that GraphiQL and similar tools send.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestRequestNotARequestObject sends valid JSON that is not a GraphQL
// request object. Each reply names what is wrong and does not repeat the
// body.
func TestRequestNotARequestObject(t *testing.T) {
	api := newTestAPI(t)
	const example = `{"query": "{ customEvents { slug } }"}`
	tests := []struct {
		name    string
		body    string
		message string
	}{
		{"batch in an array", `[{"query":"{ customEvents { slug } }"}]`,
			"Request body is a JSON array, not an object: send one request as an object such as " + example + ", because batches of requests are not supported."},
		{"1 MB array", `["` + strings.Repeat("a", 1<<20-10) + `"]`,
			"Request body is a JSON array, not an object: send one request as an object such as " + example + ", because batches of requests are not supported."},
		{"string", `"x"`, "Request body is a JSON string, not an object: send the request as an object such as " + example + "."},
		{"null", ` null `, "Request body is a JSON null, not an object: send the request as an object such as " + example + "."},
		{"number as query", `{"query":5}`, "query is a JSON number, not a string: send the GraphQL document as a string, such as " + example + "."},
		{"object as query", `{"query":{"text":"{ customEvents { slug } }"}}`, "query is a JSON object, not a string: send the GraphQL document as a string, such as " + example + "."},
		{"missing query", `{"variables":{}}`, "query is missing or empty: send the GraphQL document as a string, such as " + example + "."},
		{"blank query", `{"query":"  "}`, "query is missing or empty: send the GraphQL document as a string, such as " + example + "."},
		{"boolean as operationName", `{"query":"{ customEvents { slug } }","operationName":true}`,
			"operationName is a JSON boolean, not a string: send the name of an operation in the query, or leave it out."},
		{"string as variables", `{"query":"{ customEvents { slug } }","variables":"{\"slug\":\"a\"}"}`,
			`variables is a JSON string, not an object: send the variables as an object such as {"slug": "watched-demo-video"}, or leave them out.`},
		{"array as extensions", `{"query":"{ customEvents { slug } }","extensions":[]}`,
			"extensions is a JSON array, not an object: send it as an object, or leave it out."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.postBody(t, "Bearer "+api.APIKey, tt.body)
			if resp.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
			if resp.Size > 1024 {
				t.Errorf("response has %d bytes, want at most 1024", resp.Size)
			}
		})
	}
}

func TestGetBadParametersRejected(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name     string
		rawQuery string
		message  string
	}{
		{"variables not JSON", "query=" + url.QueryEscape("query($s: String!) { customEvent(slug: $s) { id } }") + "&variables=" + url.QueryEscape("{bad"),
			`variables is not valid JSON: send a percent-encoded JSON object such as {"slug": "watched-demo-video"}, or leave it out.`},
		{"variables an array", "query=" + url.QueryEscape("{ customEvents { slug } }") + "&variables=" + url.QueryEscape("[1]"),
			`variables is a JSON array, not an object: send the variables as an object such as {"slug": "watched-demo-video"}, or leave them out.`},
		{"extensions not JSON", "query=" + url.QueryEscape("{ customEvents { slug } }") + "&extensions=x",
			"extensions is not valid JSON: send a percent-encoded JSON object, or leave it out."},
		{"bad percent-encoding", "query=%zz", "URL query string is not valid: percent-encode the values of query, operationName and variables."},
		{"no query", "variables=%7B%7D", `query is missing or empty: send the GraphQL document as a string, such as {"query": "{ customEvents { slug } }"}.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, api.URL+"?"+tt.rawQuery, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+api.APIKey)
			resp := api.do(t, req)
			if resp.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
		})
	}
}

// TestGetQueryWithVariables checks that a GET query with variables still
// runs after the parameter checks.
func TestGetQueryWithVariables(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	params := url.Values{
		"query":     {"query($s: String!) { customEvent(slug: $s) { slug } }"},
		"variables": {`{"s": "signed-up"}`},
	}
	req, err := http.NewRequest(http.MethodGet, api.URL+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.APIKey)
	resp := api.do(t, req)
	if string(resp.Data) != `{"customEvent":{"slug":"signed-up"}}` {
		t.Errorf("data = %s, errors %+v, want the event", resp.Data, resp.Errors)
	}
}

// An operationName that selects no operation of the document gets a
// message that lists the document's operation names.
func TestOperationNameNotFound(t *testing.T) {
	api := newTestAPI(t)
	const two = `query Events { customEvents { slug } } query Names { customEvents { name } }`
	tests := []struct {
		name          string
		query         string
		operationName string
		message       string
	}{
		{"missing with two operations", two, "",
			"Document has 2 operations, so operationName must say which one to run: set operationName to one of Events, Names."},
		{"unknown name", two, "Slugs",
			`operationName "Slugs" is not the name of an operation in the document: set operationName to one of Events, Names.`},
		{"name for an anonymous operation", `{ customEvents { slug } }`, "Events",
			`operationName "Events" is not the name of an operation in the document: leave operationName out to run the document's only operation, which has no name.`},
		{"long name", two, strings.Repeat("x", 100),
			`operationName "` + strings.Repeat("x", 64) + `…" is not the name of an operation in the document: set operationName to one of Events, Names.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"query": %q, "operationName": %q}`, tt.query, tt.operationName)
			resp := api.postBody(t, "Bearer "+api.APIKey, body)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.Status)
			}
			wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", tt.message)
		})
	}

	var query strings.Builder
	for i := range 12 {
		fmt.Fprintf(&query, "query Q%d { customEvents { slug } } ", i)
	}
	resp := api.query(t, query.String(), nil)
	wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "",
		"Document has 12 operations, so operationName must say which one to run: set operationName to one of Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9 (and 2 more).")
}

// A number beyond the range of float64 in the variables reaches the check
// of the argument that it is in, which names the field.
func TestVariablesNumberBeyondFloat64(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	body := `{"query": "mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }",
		"variables": {"i": {"slug": "s", "email": "t@x.com", "metadata": {"a": 1e400}}}}`
	resp := api.postBody(t, "Bearer "+api.APIKey, body)
	if resp.Status != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.Status)
	}
	wantError(t, resp, "BAD_USER_INPUT", "metadata",
		`Metadata key "a" has number 1e400, which is outside the range of a 64-bit float: use a smaller number.`)
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
}

func TestRequestBodyNestedTooDeep(t *testing.T) {
	api := newTestAPI(t)
	deep := strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000)
	body := `{"query": "{ customEvents { slug } }", "variables": {"a": ` + deep + `}}`
	resp := api.postBody(t, "Bearer "+api.APIKey, body)
	if resp.Status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.Status)
	}
	wantError(t, resp, "BAD_USER_INPUT", "",
		"Request body nests arrays and objects more than 10000 levels deep, which the server does not decode: send variables with fewer levels, such as metadata as one flat object.")

	// Invalid JSON that is not too deep keeps the general message.
	resp = api.postBody(t, "Bearer "+api.APIKey, `{"query": "{ customEvents { slug } }", "variables": {"a": [[`)
	wantError(t, resp, "BAD_USER_INPUT", "", `Request body is not valid JSON: send an object such as {"query": "{ customEvents { slug } }"}.`)
}

func TestExceedsJSONDepth(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"at the limit", `{"a":[1]}`, false},
		{"over the limit", `{"a":[[1]]}`, true},
		{"brackets in a string", `{"a":"[[[{{{"}`, false},
		{"escaped quote in a string", `{"a":"\"[[[","b":1}`, false},
		{"escaped backslash before the closing quote", `{"a":"\\","b":[[1]]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exceedsJSONDepth([]byte(tt.text), 2); got != tt.want {
				t.Errorf("exceedsJSONDepth(%s, 2) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

// A key that appears twice in one object of the body or of GET variables
// is rejected, instead of the decoder keeping the last value.
func TestRequestDuplicateKeyRejected(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const mutation = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	tests := []struct {
		name    string
		body    string
		message string
	}{
		{"email twice", `{"query": "` + mutation + `", "variables": {"i": {"slug": "s", "email": "a@x.com", "email": "b@x.com"}}}`,
			`Request body has the key "email" twice in variables.i: send each key once, because only one of the values could be used.`},
		{"metadata key twice", `{"query": "` + mutation + `", "variables": {"i": {"slug": "s", "email": "a@x.com", "metadata": {"a": 1, "\u0061": 2}}}}`,
			`Request body has the key "a" twice in variables.i.metadata: send each key once, because only one of the values could be used.`},
		{"query twice", `{"query": "` + mutation + `", "query": "{ customEvents { slug } }"}`,
			`Request body has the key "query" twice at its top level: send each key once, because only one of the values could be used.`},
		{"query in two cases", `{"query": "{ customEvents { slug } }", "Query": "` + mutation + `", "variables": {"i": {"slug": "s", "email": "a@x.com"}}}`,
			`Request body has the key "query" twice at its top level: send each key once, because only one of the values could be used.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.postBody(t, "Bearer "+api.APIKey, tt.body)
			if resp.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
		})
	}

	params := url.Values{"query": {mutation}, "variables": {`{"i": {"slug": "s", "slug": "t", "email": "a@x.com"}}`}}
	req, err := http.NewRequest(http.MethodGet, api.URL+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.APIKey)
	resp := api.do(t, req)
	wantError(t, resp, "BAD_USER_INPUT", "",
		`variables has the key "slug" twice in i: send each key once, because only one of the values could be used.`)

	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := api.count(t, "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}
}

// A body that is not Unicode text is rejected, because the decoder would
// store U+FFFD in place of each bad byte or lone surrogate, and two
// different idempotency keys would then be one.
func TestRequestNotUnicodeRejected(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const mutation = `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	body := func(key string) string {
		return `{"query": "` + mutation + `", "variables": {"i": {"slug": "s", "email": "a@x.com", "idempotencyKey": "` + key + `"}}}`
	}
	tests := []struct {
		name    string
		body    string
		message string
	}{
		{"byte 0xff", body("order-\xff"), "Request body is not valid UTF-8: send the text in UTF-8."},
		{"lone high surrogate", body(`order-\ud800`),
			`Request body has the escape \ud800, half of a UTF-16 surrogate pair, without its other half: send the character itself, or both halves such as \ud83d\ude00.`},
		{"high surrogate before another escape", body(`order-\uD83D\n`),
			`Request body has the escape \uD83D, half of a UTF-16 surrogate pair, without its other half: send the character itself, or both halves such as \ud83d\ude00.`},
		{"lone low surrogate", body(`order-\ude00`),
			`Request body has the escape \ude00, half of a UTF-16 surrogate pair, without its other half: send the character itself, or both halves such as \ud83d\ude00.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := api.postBody(t, "Bearer "+api.APIKey, tt.body)
			if resp.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.Status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
		})
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}

	// A pair of escapes is one character, and an escaped backslash
	// before u starts no escape.
	for _, key := range []string{`order-\ud83d\ude00`, `order-\\ud800`} {
		if resp := api.postBody(t, "Bearer "+api.APIKey, body(key)); resp.Status != http.StatusOK || len(resp.Errors) != 0 {
			t.Errorf("key %s: status %d, errors %+v, want it stored", key, resp.Status, resp.Errors)
		}
	}
	var keys []string
	if err := api.Store.DB().NewRaw("SELECT key FROM idempotency_keys ORDER BY occurrence_id").Scan(context.Background(), &keys); err != nil {
		t.Fatal(err)
	}
	if want := []string{"order-\U0001F600", `order-\ud800`}; !slices.Equal(keys, want) {
		t.Errorf("stored keys = %q, want %q", keys, want)
	}
}

func TestRequestCharsetOtherThanUTF8Rejected(t *testing.T) {
	api := newTestAPI(t)
	req, err := http.NewRequest(http.MethodPost, api.URL, strings.NewReader(`{"query": "{ customEvents { slug } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=latin1")
	req.Header.Set("Authorization", "Bearer "+api.APIKey)
	resp := api.do(t, req)
	if resp.Status != http.StatusUnsupportedMediaType {
		t.Errorf("status = %d, want 415", resp.Status)
	}
	wantError(t, resp, "BAD_USER_INPUT", "", `Content-Type charset "latin1" is not supported: send the body in UTF-8, with charset=utf-8 or no charset.`)

	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	if resp := api.do(t, req); resp.Status != http.StatusOK || len(resp.Errors) != 0 {
		t.Errorf("charset=UTF-8: status %d, errors %+v, want 200", resp.Status, resp.Errors)
	}
}

// A number with a fraction or an exponent for an Int variable gets a
// message that names the problem and the range.
func TestIntVariableWithFraction(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const query = `query($f: Int) { customEventStats(slug: "s", from: "2026-12-01", to: "2026-12-05") { drilldown(first: $f) { pageInfo { hasNextPage } } } }`
	for _, value := range []any{1.5, 1e300} {
		resp := api.query(t, query, map[string]any{"f": value})
		if resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("%v: status = %d, want 422", value, resp.Status)
		}
		wantError(t, resp, "BAD_USER_INPUT", "f",
			"Variable $f is not a whole number: send a whole number from -2147483648 to 2147483647, without a fraction or an exponent.")
	}
}

// A request error has the members of a resolver's error in the same
// order, and keeps < and > as they are.
func TestRequestErrorBody(t *testing.T) {
	api := newTestAPI(t)
	resp := api.postBody(t, "", `{"query": "{ customEvents { slug } }"}`)

	if resp.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.Status)
	}
	want := `{"errors":[{"message":"Authorization header is missing or malformed: send the API key as ` +
		"`Authorization: Bearer <API key>`" + `.","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}` + "\n"
	if string(resp.Body) != want {
		t.Errorf("body\n%s\nwant\n%s", resp.Body, want)
	}
}

// A document that does not parse gets the parser's finding with the fix,
// and the place in the document.
func TestParseErrorGivesFix(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		query, message string
		locations      []gqlLocation
	}{
		{"{ customEvents { slug }", "Expected Name, found <EOF>: correct the document's syntax at the line and column that locations gives.", []gqlLocation{{Line: 1, Column: 24}}},
		{"{ " + strings.Repeat("__typename ", 10_000) + "}", "Document has more than 10000 tokens: send fewer fields or inputs per request, or pass large values as variables.", nil},
	}
	for _, tt := range tests {
		resp := api.query(t, tt.query, nil)
		if resp.Status != http.StatusUnprocessableEntity || len(resp.Errors) != 1 {
			t.Fatalf("status %d, errors %+v, want 422 with one error", resp.Status, resp.Errors)
		}
		got := resp.Errors[0]
		if got.Message != tt.message || got.Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
			t.Errorf("error %q with code %v, want %q with GRAPHQL_PARSE_FAILED", got.Message, got.Extensions["code"], tt.message)
		}
		if tt.locations != nil && !slices.Equal(got.Locations, tt.locations) {
			t.Errorf("locations %+v, want %+v", got.Locations, tt.locations)
		}
	}
}
