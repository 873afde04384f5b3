package graph

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDuplicateKey(t *testing.T) {
	var manyKeys strings.Builder
	for i := range 20 {
		fmt.Fprintf(&manyKeys, `"k%d": %d, `, i, i)
	}
	tests := []struct {
		body string
		path string
		key  string // empty: no duplicate
	}{
		{`{"m": {` + manyKeys.String() + `"k3": 0}}`, "m", "k3"},
		{`{"m": {` + manyKeys.String() + `"k20": 0}}`, "", ""},
		{`{"a\"b": 1, "a\u0022b": 2}`, "", `a"b`},
		{` [ [ ] , { } , [ { "x" : [ 1 , { "y" : 1 , "y" : 2 } ] } ] ] `, "2.0.x.1", "y"},
		{`{"query": "q", "variables": {"i": {"email": "a@example.com"}}}`, "", ""},
		{`{"query": "q", "query": "r"}`, "", "query"},
		{`{"query": "q", "variables": {"i": {"email": "a@example.com", "email": "b@example.com"}}}`, "variables.i", "email"},
		{`{"variables": {"i": {"metadata": {"a": 1, "\u0061": 2}}}}`, "variables.i.metadata", "a"},
		{`{"variables": {"inputs": [{"slug": "s"}, {"slug": "s", "slug": "t"}]}}`, "variables.inputs.1", "slug"},
		{`{"a": {"x": 1}, "b": {"x": 1}}`, "", ""},
		{`[{"a": 1}, {"a": 1}]`, "", ""},
		{`"text"`, "", ""},
		{`{"A": 1, "a": 2}`, "", ""},
		{`{"inner": {"A": 1, "a": 2}}`, "", ""},
		// encoding/json fills a request member from a key in any case.
		{`{"query": "a", "Query": "b"}`, "", "query"},
		{`{"variables": {}, "variable\u017f": {}}`, "", "variables"},
		{`{"OperationName": "A", "operationname": "B"}`, "", "operationName"},
		// Deeper than maxScanDepth, values are stepped over.
		{strings.Repeat(`{"a": `, 34) + `{"b": 1, "b": 2}` + strings.Repeat("}", 34), "", ""},
		{strings.Repeat(`{"a": `, 32) + `{"b": 1, "b": 2}` + strings.Repeat("}", 32), strings.TrimSuffix(strings.Repeat("a.", 32), "."), "b"},
	}
	for _, tt := range tests {
		path, key, ok := duplicateKey([]byte(tt.body))
		if ok != (tt.key != "") || path != tt.path || key != tt.key {
			t.Errorf("duplicateKey(%s) = %q, %q, %v, want %q, %q", tt.body, path, key, ok, tt.path, tt.key)
		}
	}
}

// FuzzDuplicateKey checks duplicateKey against a decode into maps, which
// keeps one entry per key: a body without duplicates decodes to as many
// entries as the body names.
func FuzzDuplicateKey(f *testing.F) {
	for _, seed := range []string{`{"a": 1, "a": 2}`, `{"a": {"b": [1, {"c": 1, "c": 2}]}}`, `{"\u0061": 1, "a": 2}`, `[]`, `{"a": 1, "b": 2}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !json.Valid([]byte(body)) {
			return
		}
		if exceedsJSONDepth([]byte(body), maxScanDepth) {
			return
		}
		path, key, ok := duplicateKey([]byte(body))
		var value any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("valid JSON did not decode: %v", err)
		}
		repeated := countKeys(value) < countKeyTokens(body)
		// A request member repeated in another case decodes to two map
		// entries but to one struct field.
		member := ok && path == "" && slices.ContainsFunc(requestMembers, func(m []byte) bool { return string(m) == key })
		if repeated && !ok || ok && !repeated && !member {
			t.Fatalf("duplicateKey(%q) = %q, %q, %v, but the decoded value has %d keys of %d", body, path, key, ok, countKeys(value), countKeyTokens(body))
		}
	})
}

// countKeys counts the object keys in a decoded value.
func countKeys(value any) int {
	switch v := value.(type) {
	case map[string]any:
		n := len(v)
		for _, item := range v {
			n += countKeys(item)
		}
		return n
	case []any:
		n := 0
		for _, item := range v {
			n += countKeys(item)
		}
		return n
	}
	return 0
}

// countKeyTokens counts the object keys that body writes, duplicates
// included.
func countKeyTokens(body string) int {
	dec := json.NewDecoder(strings.NewReader(body))
	// A stack of whether each open container is an object, and whether
	// its next string is a key.
	var objects, expectKey []bool
	n := 0
	for {
		token, err := dec.Token()
		if err != nil {
			return n
		}
		_, isString := token.(string)
		if isString && len(objects) > 0 && objects[len(objects)-1] && expectKey[len(expectKey)-1] {
			n++
			expectKey[len(expectKey)-1] = false
			continue
		}
		if len(objects) > 0 && objects[len(objects)-1] {
			// A value starts, so the string after it is a key again.
			expectKey[len(expectKey)-1] = true
		}
		switch token {
		case json.Delim('{'):
			objects = append(objects, true)
			expectKey = append(expectKey, true)
		case json.Delim('['):
			objects = append(objects, false)
			expectKey = append(expectKey, false)
		case json.Delim('}'), json.Delim(']'):
			objects = objects[:len(objects)-1]
			expectKey = expectKey[:len(expectKey)-1]
		}
	}
}

func BenchmarkDuplicateKey(b *testing.B) {
	body := []byte(`{"query":"mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }","variables":{"i":{"slug":"bench","email":"c1234@example.com","metadata":{"plan":"pro","seats":5}}}}`)
	for b.Loop() {
		if _, _, found := duplicateKey(body); found {
			b.Fatal("found a duplicate")
		}
	}
}
