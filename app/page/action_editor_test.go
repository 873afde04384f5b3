package page

import (
	"encoding/json"
	"strings"
	"testing"

	"customevents/app/apitype"
)

func TestParseFieldPath(t *testing.T) {
	valid := []string{
		"global[0].delta",
		"conditional[12].condition.root.conditions[3].conditions[0].value",
		"onTheFly",
		"to[9999]",
	}
	for _, path := range valid {
		steps, ok := parseFieldPath(path)
		if !ok {
			t.Errorf("parse %q: rejected, want accepted", path)
			continue
		}
		if got := formatFieldPath(steps); got != path {
			t.Errorf("format(parse(%q)) = %q", path, got)
		}
	}
	invalid := []string{
		"", ".", "global.", ".global", "global[]", "global[-1]", "global[01]", "global[10000]",
		"global[1", "global[1]x", "global[1][2]", "glo bal", "global[a]", "gl-obal", "é",
	}
	for _, path := range invalid {
		if _, ok := parseFieldPath(path); ok {
			t.Errorf("parse %q: accepted, want rejected", path)
		}
	}
}

func FuzzParseFieldPath(f *testing.F) {
	for _, seed := range []string{"global[0].delta", "conditional[1].condition.root.conditions[0].value", "a[", "[0]", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		steps, ok := parseFieldPath(path)
		if !ok {
			return
		}
		if got := formatFieldPath(steps); got != path {
			t.Fatalf("format(parse(%q)) = %q", path, got)
		}
		id := controlID("x", path)
		if strings.ContainsAny(id, " .[]\"'") {
			t.Fatalf("controlID(%q) = %q, want letters, digits and hyphens", path, id)
		}
	})
}

func TestControlID(t *testing.T) {
	cases := map[string]string{
		"global[0].delta": "ot-global-0-delta",
		"conditional[1].condition.root.conditions[2].kind": "ot-conditional-1-condition-root-conditions-2-kind",
		"global-add": "ot-global-add",
	}
	for path, want := range cases {
		if got := controlID("ot", path); got != want {
			t.Errorf("controlID(%q) = %q, want %q", path, got, want)
		}
	}
}

// editorWith returns an editor over list with one contact list and one
// event for the pickers.
func editorWith(list apitype.ActionList) *actionEditor {
	ed := &actionEditor{
		id:     "ot",
		lists:  []apitype.ContactList{{ID: 7, Name: "Hot leads", Members: 2}},
		events: []apitype.CustomEvent{{ID: 3, Name: "Booked Demo", Slug: "booked-demo"}},
	}
	ed.setList(list)
	return ed
}

func listJSON(t *testing.T, list apitype.ActionList) string {
	t.Helper()
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestActionEditorSetAndGet(t *testing.T) {
	ed := editorWith(apitype.ActionList{
		Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 10}},
		Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: 1, Root: apitype.Condition{Kind: apitype.ConditionGroup, Match: "all",
				Conditions: []apitype.Condition{{Kind: apitype.ConditionTag, Op: "has", Value: "vip"}}}},
			Actions: []apitype.Action{{Type: apitype.ActionAddTag, Value: "trial"}},
		}},
	})
	sets := []struct{ path, value string }{
		{"global[0].delta", "-7"},
		{"conditional[0].condition.root.match", "any"},
		{"conditional[0].condition.root.conditions[0].value", "  Gold "},
		{"conditional[0].actions[0].type", apitype.ActionSetField},
		{"conditional[0].actions[0].field", "custom."},
		{"conditional[0].actions[0].customField", " plan "},
		{"conditional[0].actions[0].value", "pro"},
	}
	for _, s := range sets {
		if !ed.set(s.path, s.value) {
			t.Fatalf("set %s: rejected", s.path)
		}
	}
	want := `{"global":[{"type":"adjust_score","delta":-7}],"conditional":[{"condition":{"version":1,"root":{"kind":"group","match":"any","conditions":[{"kind":"tag","op":"has","value":"gold"}]}},"actions":[{"type":"set_field","field":"custom.plan","value":"pro"}]}]}`
	if got := listJSON(t, ed.list); got != want {
		t.Errorf("list = %s\nwant %s", got, want)
	}

	gets := map[string]string{
		"global[0].delta": "-7",
		"conditional[0].condition.root.conditions[0].value": "gold",
		"conditional[0].actions[0].field":                   "custom.",
		"conditional[0].actions[0].customField":             "plan",
	}
	for path, want := range gets {
		if got, ok := ed.get(path); !ok || got != want {
			t.Errorf("get %s = %q, %v; want %q", path, got, ok, want)
		}
	}

	for _, path := range []string{"global[1].delta", "global[0].nope", "global[0]", "conditional[0].condition.root.conditions[4].value", "conditional[0].condition.value", "global"} {
		if ed.set(path, "1") {
			t.Errorf("set %s: accepted, want rejected", path)
		}
	}
}

func TestActionEditorTypeChangeResets(t *testing.T) {
	ed := editorWith(apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "vip"}}})
	ed.set("global[0].type", apitype.ActionAddToList)
	if got := listJSON(t, ed.list); got != `{"global":[{"type":"add_to_list","listId":7}],"conditional":null}` {
		t.Errorf("after type change = %s", got)
	}
	ed.set("global[0].type", apitype.ActionAddToList)
	ed.set("global[0].listId", "9")
	if ed.list.Global[0].ListID != 9 {
		t.Errorf("list id = %d, want 9 kept when the type stays", ed.list.Global[0].ListID)
	}
}

func TestActionEditorAddAndRemove(t *testing.T) {
	ed := editorWith(apitype.ActionList{})
	steps := []struct {
		path, kind, want string
	}{
		{"global", "", "global[0]"},
		{"conditional", "", "conditional[0]"},
		{"conditional[0].actions", "", "conditional[0].actions[1]"},
		{"conditional[0].condition.root", apitype.ConditionGroup, "conditional[0].condition.root.conditions[1]"},
		{"conditional[0].condition.root.conditions[1]", apitype.ConditionEventCount, "conditional[0].condition.root.conditions[1].conditions[1]"},
	}
	for _, s := range steps {
		got, ok := ed.add(s.path, s.kind)
		if !ok || got != s.want {
			t.Errorf("add %s = %q, %v; want %q", s.path, got, ok, s.want)
		}
	}
	if _, ok := ed.add("conditional[0].condition.root.conditions[0]", apitype.ConditionTag); ok {
		t.Error("add to a test: accepted, want rejected")
	}
	want := `{"global":[{"type":"adjust_score","delta":10}],"conditional":[{"condition":{"version":1,"root":{"kind":"group","match":"all","conditions":[` +
		`{"kind":"tag","op":"has"},` +
		`{"kind":"group","match":"all","conditions":[{"kind":"tag","op":"has"},{"kind":"event_count","number":1,"event":"booked-demo","days":30}]}]}},` +
		`"actions":[{"type":"add_tag"},{"type":"add_tag"}]}]}`
	if got := listJSON(t, ed.list); got != want {
		t.Errorf("after adds = %s\nwant %s", got, want)
	}
	if len(ed.counts) != 1 {
		t.Errorf("counts = %d, want 1 per entry", len(ed.counts))
	}

	for _, path := range []string{
		"conditional[0].condition.root.conditions[1].conditions[0]",
		"conditional[0].actions[0]",
		"global[0]",
	} {
		if !ed.remove(path) {
			t.Errorf("remove %s: rejected", path)
		}
	}
	want = `{"global":[],"conditional":[{"condition":{"version":1,"root":{"kind":"group","match":"all","conditions":[` +
		`{"kind":"tag","op":"has"},` +
		`{"kind":"group","match":"all","conditions":[{"kind":"event_count","number":1,"event":"booked-demo","days":30}]}]}},` +
		`"actions":[{"type":"add_tag"}]}]}`
	if got := listJSON(t, ed.list); got != want {
		t.Errorf("after removes = %s\nwant %s", got, want)
	}
	for _, path := range []string{"conditional[0].condition.root", "global[3]", "conditional[0].condition"} {
		if ed.remove(path) {
			t.Errorf("remove %s: accepted, want rejected", path)
		}
	}
	if !ed.remove("conditional[0]") || len(ed.list.Conditional) != 0 || len(ed.counts) != 0 {
		t.Errorf("remove entry: %d entries and %d counts left, want 0 and 0", len(ed.list.Conditional), len(ed.counts))
	}
}

func TestSetConditionOp(t *testing.T) {
	cases := []struct {
		name string
		from apitype.Condition
		op   string
		want apitype.Condition
	}{
		{"value moves into values", apitype.Condition{Kind: "field", Field: "company", Op: "equals", Value: "Acme"}, "in_list",
			apitype.Condition{Kind: "field", Field: "company", Op: "in_list", Values: []string{"Acme"}}},
		{"first value moves back", apitype.Condition{Kind: "field", Field: "company", Op: "in_list", Values: []string{"Acme", "Beta"}}, "contains",
			apitype.Condition{Kind: "field", Field: "company", Op: "contains", Value: "Acme"}},
		{"is_empty clears", apitype.Condition{Kind: "field", Field: "company", Op: "equals", Value: "Acme"}, "is_empty",
			apitype.Condition{Kind: "field", Field: "company", Op: "is_empty"}},
		{"between end goes", apitype.Condition{Kind: "lead_score", Op: "between", Number: 10, Number2: 20}, "gt",
			apitype.Condition{Kind: "lead_score", Op: "gt", Number: 10}},
	}
	for _, c := range cases {
		got := c.from
		setConditionOp(&got, c.op)
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(c.want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: %s, want %s", c.name, gotJSON, wantJSON)
		}
	}
}

func TestToggleStageKeepsFunnelOrder(t *testing.T) {
	ed := editorWith(apitype.ActionList{Conditional: []apitype.ConditionalActions{{
		Condition: apitype.Segment{Version: 1, Root: apitype.Condition{Kind: "lifecycle_stage", Op: "in_list"}},
	}}})
	path := "conditional[0].condition.root.values"
	for _, stage := range []string{"customer", "lead", "mql"} {
		ed.toggleValue(path, stage, true)
	}
	ed.toggleValue(path, "mql", false)
	if got := strings.Join(ed.list.Conditional[0].Condition.Root.Values, ","); got != "lead,customer" {
		t.Errorf("values = %s, want lead,customer", got)
	}
}

func TestActionEditorErrorFor(t *testing.T) {
	ed := editorWith(apitype.ActionList{})
	ed.errs = map[string]string{"global[0].to[1]": "Recipient is invalid.", "global[1].url": "URL is required."}
	if got := ed.errorFor("global[0].to"); got != "Recipient is invalid." {
		t.Errorf("error for to = %q", got)
	}
	if got := ed.errorFor("global[1].url"); got != "URL is required." {
		t.Errorf("error for url = %q", got)
	}
	if got := ed.errorFor("global[0]"); got != "" {
		t.Errorf("error for the action = %q, want none", got)
	}
}

func TestActionEditorHasPlaceFor(t *testing.T) {
	ed := editorWith(apitype.ActionList{
		Global: []apitype.Action{{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com", "bad"}}},
		Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: 1, Root: apitype.Condition{Kind: apitype.ConditionGroup, Match: "all"}},
		}},
	})
	places := []string{
		"global", "conditional", "global[0]", "global[0].to", "global[0].to[1]", "global[0].subject",
		"conditional[0]", "conditional[0].actions", "conditional[0].condition",
		"conditional[0].condition.root", "conditional[0].condition.root.conditions", "conditional[0].condition.root.match",
	}
	for _, path := range places {
		if !ed.hasPlaceFor(path) {
			t.Errorf("no place for %s, want one", path)
		}
	}
	for _, path := range []string{"global[1]", "conditional[0].condition.version", "conditional[1].actions", "mode", ""} {
		if ed.hasPlaceFor(path) {
			t.Errorf("place for %s, want none", path)
		}
	}
}
