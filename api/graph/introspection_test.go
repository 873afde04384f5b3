package graph

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestIntrospectionListsByKind reads every type's member lists and checks
// that each is a list only on the kinds that have it, and null on the
// others, as the GraphQL specification requires.
func TestIntrospectionListsByKind(t *testing.T) {
	api := newTestAPI(t)
	const query = `{ __schema { types { name kind
		fields(includeDeprecated: true) { name }
		interfaces { name }
		possibleTypes { name }
		enumValues(includeDeprecated: true) { name }
		inputFields { name }
	} } }`
	resp := api.queryWithAuth(t, "", query, nil)
	var data struct {
		Schema struct {
			Types []map[string]json.RawMessage `json:"types"`
		} `json:"__schema"`
	}
	decodeData(t, resp, &data)

	kinds := map[string][]string{
		"fields":        {"OBJECT", "INTERFACE"},
		"interfaces":    {"OBJECT", "INTERFACE"},
		"possibleTypes": {"INTERFACE", "UNION"},
		"enumValues":    {"ENUM"},
		"inputFields":   {"INPUT_OBJECT"},
	}
	seen := map[string]bool{}
	for _, typ := range data.Schema.Types {
		var name, kind string
		if err := json.Unmarshal(typ["name"], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(typ["kind"], &kind); err != nil {
			t.Fatal(err)
		}
		seen[kind] = true
		for list, has := range kinds {
			isNull := string(typ[list]) == "null"
			if slices.Contains(has, kind) == isNull {
				t.Errorf("%s (%s) %s = %s, want null only for kinds other than %v", name, kind, list, typ[list], has)
			}
		}
	}
	for _, kind := range []string{"OBJECT", "ENUM", "INPUT_OBJECT", "SCALAR"} {
		if !seen[kind] {
			t.Errorf("no type of kind %s in the schema, want at least one", kind)
		}
	}
}

// TestIntrospectionEnumType reads one enum through __type: its values are
// listed and its fields are null.
func TestIntrospectionEnumType(t *testing.T) {
	api := newTestAPI(t)
	resp := api.queryWithAuth(t, "", `{ __type(name: "MarketingChannel") { fields { name } inputFields { name } enumValues { name } } }`, nil)
	const want = `{"__type":{"fields":null,"inputFields":null,"enumValues":[` +
		`{"name":"DIRECT"},{"name":"ORGANIC_SEARCH"},{"name":"PAID_SEARCH"},{"name":"ORGANIC_SOCIAL"},` +
		`{"name":"PAID_SOCIAL"},{"name":"EMAIL"},{"name":"REFERRAL"},{"name":"DISPLAY"},` +
		`{"name":"AFFILIATE"},{"name":"VIDEO"},{"name":"SMS"},{"name":"OTHER"}]}}`
	if string(resp.Data) != want {
		t.Errorf("data = %s, errors %+v\nwant %s", resp.Data, resp.Errors, want)
	}
}
