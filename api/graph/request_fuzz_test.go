package graph

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// FuzzDecodeBody checks decodeBody against gqlgen's POST transport. A
// body that it accepts decodes there, to the same query. A body object
// that it rejects fails there too, and the message does not repeat the
// body.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{exampleRequest, `[{"query": "{ a }"}]`, `"x"`, `{"query": 5}`, `{"variables": []}`,
		`{"query": "{ a }", "operationName": null, "extensions": {"a": 1}}`, `null`, `{"query": "{ a }", "variables": "x"}`,
		`{"query": "{ a }", "variables": {"a": 1e400}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			// readJSONBody rejects it before decodeBody runs.
			return
		}
		if _, _, duplicate := duplicateKey(body); duplicate {
			// readJSONBody rejects a repeated key too.
			return
		}
		query, problem := decodeBody(body)
		// gqlgen's POST transport decodes with UseNumber.
		decoder := json.NewDecoder(bytes.NewReader(body))
		decoder.UseNumber()
		var params graphql.RawParams
		err := decoder.Decode(&params)
		if problem == "" {
			if err != nil {
				t.Fatalf("decodeBody accepted %q, which gqlgen cannot decode: %v", body, err)
			}
			if query != params.Query {
				t.Fatalf("decodeBody returned query %q from %q, want gqlgen's %q", query, body, params.Query)
			}
			return
		}
		if err == nil && jsonKind(body) == "object" {
			t.Fatalf("decodeBody rejected %q (%s), which gqlgen decodes", body, problem)
		}
		if len(body) > 40 && strings.Contains(problem, string(body)) {
			t.Fatalf("message %q repeats the body", problem)
		}
	})
}

// FuzzDecodeURLParams checks that GET parameters that decodeURLParams
// accepts decode as gqlgen's GET transport will decode them.
func FuzzDecodeURLParams(f *testing.F) {
	for _, seed := range []string{"query=%7B+a+%7D", "variables=%7Bbad", "variables=%5B%5D", "extensions=null", "query=%zz",
		"query=x&variables=%7B%22slug%22%3A%22a%22%7D"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		query, problem := decodeURLParams(rawQuery)
		if problem != "" {
			return
		}
		values, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("decodeURLParams accepted %q, which does not parse: %v", rawQuery, err)
		}
		if query != values.Get("query") {
			t.Fatalf("query = %q, want %q", query, values.Get("query"))
		}
		for _, name := range []string{"variables", "extensions"} {
			text := values.Get(name)
			if text == "" {
				continue
			}
			var decoded map[string]any
			if err := json.Unmarshal([]byte(text), &decoded); err != nil {
				t.Fatalf("decodeURLParams accepted %s %q, which gqlgen cannot decode: %v", name, text, err)
			}
		}
	})
}

// FuzzTextProblem checks textProblem against encoding/json: a valid JSON
// text that it accepts decodes to strings without U+FFFD, unless the text
// spells U+FFFD itself.
func FuzzTextProblem(f *testing.F) {
	for _, seed := range []string{`"a"`, `"\ud800"`, `"\ud83d\ude00"`, `"\\ud800"`, `{"k\udc00": 1}`, `["\ud800\n"]`, "\"\xff\"", `"\ud800\u0041"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		problem := textProblem("Body", text)
		if !json.Valid(text) || problem != "" || bytes.Contains(text, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(text), []byte(`\ufffd`)) {
			return
		}
		var value any
		if err := json.Unmarshal(text, &value); err != nil {
			t.Fatalf("valid JSON %q does not decode: %v", text, err)
		}
		if replaced := findReplacement(value); replaced != "" {
			t.Fatalf("textProblem accepted %q, which decodes to %q with U+FFFD", text, replaced)
		}
	})
}

// findReplacement returns the first key or string in a decoded JSON value
// that contains U+FFFD, or "".
func findReplacement(value any) string {
	switch v := value.(type) {
	case string:
		if strings.ContainsRune(v, '\uFFFD') {
			return v
		}
	case []any:
		for _, item := range v {
			if found := findReplacement(item); found != "" {
				return found
			}
		}
	case map[string]any:
		for key, item := range v {
			if strings.ContainsRune(key, '\uFFFD') {
				return key
			}
			if found := findReplacement(item); found != "" {
				return found
			}
		}
	}
	return ""
}
