package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"customevents/app/apitype"
)

func TestValidateAcceptsEveryKindAndOperator(t *testing.T) {
	conditions := []apitype.Condition{
		fieldCond(FieldEmail, OpEquals, "ann@example.com"),
		fieldCond(FieldFirstName, OpContains, "an"),
		fieldCond(FieldLastName, OpStartsWith, "Le"),
		fieldCond(FieldCompany, OpIsEmpty, ""),
		fieldCond(FieldJobTitle, OpInList, "", "CEO", "CTO"),
		fieldCond("custom.plan_2", OpEquals, "pro"),
		fieldCond("custom."+strings.Repeat("a", MaxCustomFieldNameLength), OpIsEmpty, ""),
		{Kind: apitype.ConditionLeadScore, Op: OpEq, Number: 0},
		{Kind: apitype.ConditionLeadScore, Op: OpLt, Number: -MaxScoreNumber},
		{Kind: apitype.ConditionLeadScore, Op: OpGt, Number: MaxScoreNumber},
		{Kind: apitype.ConditionLeadScore, Op: OpBetween, Number: 5, Number2: 5},
		{Kind: apitype.ConditionLifecycleStage, Op: OpEquals, Value: "customer"},
		{Kind: apitype.ConditionLifecycleStage, Op: OpInList, Values: apitype.LifecycleStages},
		{Kind: apitype.ConditionList, Op: OpMember, ListID: 1},
		{Kind: apitype.ConditionList, Op: OpNotMember, ListID: 99},
		tagCond(OpHas, "vip"),
		tagCond(OpNotHas, "trial user"),
		{Kind: apitype.ConditionEventCount, Event: "watched-demo-video", Number: 1, Days: 1},
		{Kind: apitype.ConditionEventCount, Event: "a", Number: MaxEventCount, Days: MaxDays},
		{Kind: apitype.ConditionVisitedURL, Value: "/pricing", Days: 30},
		group(MatchAny, tagCond(OpHas, "a")),
	}
	for i, c := range conditions {
		t.Run(fmt.Sprintf("%d %s %s", i, c.Kind, c.Op), func(t *testing.T) {
			if verr := Validate(tree(c)); verr != nil {
				t.Errorf("Validate as root = %v, want valid", verr)
			}
			if verr := Validate(tree(group(MatchAll, c))); verr != nil {
				t.Errorf("Validate inside a group = %v, want valid", verr)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	valid := tagCond(OpHas, "vip")
	tests := []struct {
		name    string
		seg     apitype.Segment
		field   string
		message string // empty: not checked
	}{
		{
			name:    "version zero",
			seg:     apitype.Segment{Root: valid},
			field:   "condition.version",
			message: "Condition version 0 is not supported: set version to 1.",
		},
		{
			name:    "missing kind",
			seg:     tree(apitype.Condition{}),
			field:   "condition.root.kind",
			message: "Condition kind is required: use one of group, field, lead_score, lifecycle_stage, list, tag, event_count or visited_url.",
		},
		{
			name:  "unknown kind in group",
			seg:   tree(group(MatchAll, valid, apitype.Condition{Kind: "page"})),
			field: "condition.root.conditions[1].kind",
		},
		{
			name:    "group match missing",
			seg:     tree(group("", valid)),
			field:   "condition.root.match",
			message: `Group match "" is invalid: use all (every condition must match) or any (one is enough).`,
		},
		{
			name:    "empty group",
			seg:     tree(group(MatchAny)),
			field:   "condition.root.conditions",
			message: "Group has no conditions: add at least one, or remove the group.",
		},
		{
			name:    "group with operator",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionGroup, Match: MatchAll, Op: OpEquals, Conditions: []apitype.Condition{valid}}),
			field:   "condition.root.op",
			message: "op does not apply to group conditions with operator equals: remove it.",
		},
		{
			name:    "unknown contact field",
			seg:     tree(fieldCond("phone", OpEquals, "1")),
			field:   "condition.root.field",
			message: `Field "phone" is not a contact field: use email, first_name, last_name, company, job_title, or custom.NAME where NAME is 1 to 64 characters from a-z, 0-9 and _.`,
		},
		{name: "custom field without name", seg: tree(fieldCond("custom.", OpIsEmpty, "")), field: "condition.root.field"},
		{name: "custom field uppercase", seg: tree(fieldCond("custom.Plan", OpIsEmpty, "")), field: "condition.root.field"},
		{name: "custom field with hyphen", seg: tree(fieldCond("custom.my-plan", OpIsEmpty, "")), field: "condition.root.field"},
		{name: "custom field too long", seg: tree(fieldCond("custom."+strings.Repeat("a", MaxCustomFieldNameLength+1), OpIsEmpty, "")), field: "condition.root.field"},
		{
			name:    "field operator missing",
			seg:     tree(fieldCond(FieldCompany, "", "acme")),
			field:   "condition.root.op",
			message: "Operator is required for a field condition: use one of equals, contains, starts_with, is_empty or in_list.",
		},
		{
			name:    "score operator on field",
			seg:     tree(fieldCond(FieldCompany, OpGt, "acme")),
			field:   "condition.root.op",
			message: `Operator "gt" does not apply to field conditions: use one of equals, contains, starts_with, is_empty or in_list.`,
		},
		{
			name:    "equals without value",
			seg:     tree(fieldCond(FieldCompany, OpEquals, "")),
			field:   "condition.root.value",
			message: "Value is required for equals. To match an empty field, use is_empty.",
		},
		{name: "contains without value", seg: tree(fieldCond(FieldCompany, OpContains, "")), field: "condition.root.value"},
		{name: "starts with without value", seg: tree(fieldCond(FieldCompany, OpStartsWith, "")), field: "condition.root.value"},
		{
			name:    "is empty with value",
			seg:     tree(fieldCond(FieldCompany, OpIsEmpty, "x")),
			field:   "condition.root.value",
			message: "value does not apply to field conditions with operator is_empty: remove it.",
		},
		{name: "equals with values", seg: tree(fieldCond(FieldCompany, OpEquals, "a", "b")), field: "condition.root.values"},
		{name: "in list with value", seg: tree(fieldCond(FieldCompany, OpInList, "a", "b")), field: "condition.root.value"},
		{
			name:    "in list without values",
			seg:     tree(fieldCond(FieldCompany, OpInList, "")),
			field:   "condition.root.values",
			message: "Values are required for in_list: add at least one.",
		},
		{
			name:    "in list with empty value",
			seg:     tree(fieldCond(FieldCompany, OpInList, "", "a", "")),
			field:   "condition.root.values[1]",
			message: "Value is empty: remove it. To match an empty field, use is_empty.",
		},
		{
			name:    "value too long",
			seg:     tree(fieldCond(FieldCompany, OpContains, strings.Repeat("é", MaxValueLength+1))),
			field:   "condition.root.value",
			message: "Value is 501 characters long: use at most 500.",
		},
		{
			name:    "value with NUL",
			seg:     tree(fieldCond(FieldCompany, OpContains, "a\x00b")),
			field:   "condition.root.value",
			message: "Value contains the control character U+0000: remove it.",
		},
		{name: "value with bidi override", seg: tree(fieldCond(FieldCompany, OpContains, "a\u202eb")), field: "condition.root.value"},
		{name: "value not UTF-8", seg: tree(fieldCond(FieldCompany, OpContains, "a\xffb")), field: "condition.root.value"},
		{
			name:    "list value not UTF-8",
			seg:     tree(fieldCond(FieldCompany, OpInList, "", "a", "b", "\xff")),
			field:   "condition.root.values[2]",
			message: "Value is not valid UTF-8: send text encoded as UTF-8.",
		},
		{
			name:    "too many list values",
			seg:     tree(fieldCond(FieldCompany, OpInList, "", make([]string, MaxListValues+1)...)),
			field:   "condition.root.values",
			message: "Values has 101 entries, over the limit of 100: remove some.",
		},
		{
			name:    "score operator missing",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLeadScore, Number: 3}),
			field:   "condition.root.op",
			message: "Operator is required for a lead_score condition: use one of eq, lt, gt or between.",
		},
		{
			name:    "score between reversed",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: OpBetween, Number: 10, Number2: 5}),
			field:   "condition.root.number2",
			message: "Range end 5 is below its start 10: swap them.",
		},
		{
			name:    "score number2 without between",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: OpGt, Number: 10, Number2: 5}),
			field:   "condition.root.number2",
			message: "number2 does not apply to lead_score conditions with operator gt: remove it.",
		},
		{
			name:    "score out of range",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: OpLt, Number: MaxScoreNumber + 1}),
			field:   "condition.root.number",
			message: "Lead score 1000000001 is out of range: use a number from -1000000000 to 1000000000.",
		},
		{name: "score number2 out of range", seg: tree(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: OpBetween, Number2: -MaxScoreNumber - 1}), field: "condition.root.number2"},
		{
			name:    "unknown stage",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: OpEquals, Value: "Lead"}),
			field:   "condition.root.value",
			message: `Lifecycle stage "Lead" is unknown: use one of subscriber, lead, mql, sql, opportunity, customer, evangelist or other.`,
		},
		{name: "stage contains", seg: tree(apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: OpContains, Value: "lead"}), field: "condition.root.op"},
		{name: "stage list empty", seg: tree(apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: OpInList}), field: "condition.root.values"},
		{name: "stage list unknown", seg: tree(apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: OpInList, Values: []string{"lead", "hot"}}), field: "condition.root.values[1]"},
		{
			name:    "stage listed twice",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: OpInList, Values: []string{"lead", "mql", "lead"}}),
			field:   "condition.root.values[2]",
			message: `Lifecycle stage "lead" is listed twice: remove one.`,
		},
		{
			name:    "list without id",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionList, Op: OpMember}),
			field:   "condition.root.listId",
			message: "List id is required: choose a list.",
		},
		{name: "list negative id", seg: tree(apitype.Condition{Kind: apitype.ConditionList, Op: OpNotMember, ListID: -1}), field: "condition.root.listId"},
		{name: "list has operator", seg: tree(apitype.Condition{Kind: apitype.ConditionList, Op: OpHas, ListID: 1}), field: "condition.root.op"},
		{name: "tag missing", seg: tree(tagCond(OpHas, "")), field: "condition.root.value", message: "Tag is required, such as vip."},
		{name: "tag blank", seg: tree(tagCond(OpHas, "  ")), field: "condition.root.value", message: "Tag is required, such as vip."},
		{
			name:    "tag uppercase",
			seg:     tree(tagCond(OpNotHas, "VIP")),
			field:   "condition.root.value",
			message: `Tag "VIP" must be lowercase with no spaces at either end: use "vip".`,
		},
		{name: "tag padded", seg: tree(tagCond(OpHas, " vip")), field: "condition.root.value"},
		{name: "tag too long", seg: tree(tagCond(OpHas, strings.Repeat("t", MaxTagLength+1))), field: "condition.root.value"},
		{name: "tag member operator", seg: tree(tagCond(OpMember, "vip")), field: "condition.root.op"},
		{
			name:    "event count without event",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionEventCount, Number: 1, Days: 7}),
			field:   "condition.root.event",
			message: "Event is required: give the slug of a custom event, such as watched-demo-video.",
		},
		{
			name:    "event count bad slug",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "Demo", Number: 1, Days: 7}),
			field:   "condition.root.event",
			message: "Slug must be lowercase: replace 'D' with 'd'.",
		},
		{
			name:    "event count zero",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "demo", Days: 7}),
			field:   "condition.root.number",
			message: "Event count 0 is out of range: use at least 1 and at most 1000000.",
		},
		{name: "event count too high", seg: tree(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "demo", Number: MaxEventCount + 1, Days: 7}), field: "condition.root.number"},
		{
			name:    "event count no days",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "demo", Number: 1}),
			field:   "condition.root.days",
			message: "Days 0 is out of range: use 1 to 3650.",
		},
		{name: "event count too many days", seg: tree(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "demo", Number: 1, Days: MaxDays + 1}), field: "condition.root.days"},
		{
			name:    "event count with operator",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionEventCount, Op: OpGt, Event: "demo", Number: 1, Days: 1}),
			field:   "condition.root.op",
			message: "op does not apply to event_count conditions with operator gt: remove it.",
		},
		{
			name:    "visited url without value",
			seg:     tree(apitype.Condition{Kind: apitype.ConditionVisitedURL, Days: 7}),
			field:   "condition.root.value",
			message: "URL part is required, such as /pricing.",
		},
		{name: "visited url no days", seg: tree(apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: "/"}), field: "condition.root.days"},
		{name: "visited url with list id", seg: tree(apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: "/", Days: 1, ListID: 4}), field: "condition.root.listId"},
		{name: "visited url control character", seg: tree(apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: "/a\nb", Days: 1}), field: "condition.root.value"},
		{
			name:  "deep path",
			seg:   tree(group(MatchAll, valid, group(MatchAny, valid, valid, fieldCond(FieldCompany, OpContains, "")))),
			field: "condition.root.conditions[1].conditions[2].value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := Validate(tt.seg)
			if verr == nil {
				t.Fatal("Validate = valid, want an error")
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
			if tt.message != "" && verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}
}

// nested returns depth groups, each inside the one before, around leaf.
func nested(depth int, leaf apitype.Condition) apitype.Condition {
	c := leaf
	for range depth {
		c = group(MatchAll, c)
	}
	return c
}

func TestValidateLimits(t *testing.T) {
	leaf := tagCond(OpHas, "vip")
	leaves := func(n int) []apitype.Condition {
		out := make([]apitype.Condition, n)
		for i := range out {
			out[i] = leaf
		}
		return out
	}
	// Groups of at most MaxGroupConditions tests, n tests in all.
	spread := func(n int) apitype.Condition {
		var children []apitype.Condition
		for n > 0 {
			k := min(n, MaxGroupConditions)
			children = append(children, group(MatchAny, leaves(k)...))
			n -= k
		}
		return group(MatchAll, children...)
	}
	shortValues := make([]string, MaxListValues)
	longValues := make([]string, MaxListValues)
	for i := range longValues {
		shortValues[i] = fmt.Sprint("v", i)
		longValues[i] = strings.Repeat("v", MaxValueLength)
	}

	tests := []struct {
		name  string
		root  apitype.Condition
		field string // empty: valid
	}{
		{name: "max depth", root: nested(MaxGroupDepth, leaf)},
		{name: "over max depth", root: nested(MaxGroupDepth+1, leaf), field: "condition.root.conditions[0].conditions[0].conditions[0].conditions[0]"},
		{name: "max group conditions", root: group(MatchAll, leaves(MaxGroupConditions)...)},
		{name: "over max group conditions", root: group(MatchAll, leaves(MaxGroupConditions+1)...), field: "condition.root.conditions"},
		{name: "max tests", root: spread(MaxConditions)},
		{name: "over max tests", root: spread(MaxConditions + 1), field: "condition.root.conditions[2].conditions[10]"},
		{name: "max value length", root: fieldCond(FieldCompany, OpEquals, strings.Repeat("é", MaxValueLength))},
		{name: "max list values", root: fieldCond(FieldCompany, OpInList, "", shortValues...)},
		{name: "long values under max encoded size", root: fieldCond(FieldCompany, OpInList, "", longValues[:MaxListValues/2]...)},
		{name: "over max encoded size", root: fieldCond(FieldCompany, OpInList, "", longValues...), field: "condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := Validate(tree(tt.root))
			switch {
			case tt.field == "" && verr != nil:
				t.Errorf("Validate = %v, want valid", verr)
			case tt.field != "" && verr == nil:
				t.Errorf("Validate = valid, want an error on %s", tt.field)
			case tt.field != "" && verr.Field != tt.field:
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
		})
	}
}

func TestValidateDepthMessage(t *testing.T) {
	verr := Validate(tree(nested(MaxGroupDepth+1, tagCond(OpHas, "vip"))))
	want := "Groups nest more than 4 levels deep: move these conditions into a group further up."
	if verr == nil || verr.Message != want {
		t.Errorf("Validate = %v, want %q", verr, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		field   string // empty: valid
		message string // empty: not checked
	}{
		{name: "leaf root", json: `{"version": 1, "root": {"kind": "tag", "op": "has", "value": "vip"}}`},
		{
			name: "group",
			json: `{"version":1,"root":{"kind":"group","match":"any","conditions":[
				{"kind":"lead_score","op":"between","number":10,"number2":20},
				{"kind":"event_count","event":"watched-demo","number":2,"days":7}]}}`,
		},
		{name: "surrounding white space", json: " \n{\"version\":1,\"root\":{\"kind\":\"list\",\"op\":\"member\",\"listId\":4}}\n "},
		{
			name:    "unknown field",
			json:    `{"version": 1, "root": {"kind": "tag", "op": "has", "value": "vip", "negate": true}}`,
			field:   "condition",
			message: `Condition has the unknown field "negate": remove it, or check its spelling.`,
		},
		{
			name:    "string for number",
			json:    `{"version": 1, "root": {"kind": "list", "op": "member", "listId": "4"}}`,
			field:   "condition.root.listId",
			message: "Expected a whole number here, not a JSON string.",
		},
		{
			name:    "fraction for number",
			json:    `{"version": 1, "root": {"kind": "lead_score", "op": "gt", "number": 1.5}}`,
			field:   "condition.root.number",
			message: "Expected a whole number here, not a JSON number 1.5.",
		},
		{name: "object for values", json: `{"version": 1, "root": {"kind": "field", "field": "company", "op": "in_list", "values": {}}}`, field: "condition.root.values"},
		{name: "array for root", json: `[]`, field: "condition", message: "Expected an object here, not a JSON array."},
		{
			name:    "trailing data",
			json:    `{"version": 1, "root": {"kind": "tag", "op": "has", "value": "vip"}} {}`,
			field:   "condition",
			message: "Condition has more JSON after the object: send exactly one object.",
		},
		{
			name:    "syntax error",
			json:    `{"version": 1, "root": {"kind": "tag",}}`,
			field:   "condition",
			message: "Condition is not valid JSON: invalid character '}' looking for beginning of object key string at byte 39.",
		},
		{name: "empty", json: ``, field: "condition", message: "Condition is empty or cut short: send one complete JSON object."},
		{name: "cut short", json: `{"version": 1, "root": {`, field: "condition", message: "Condition is empty or cut short: send one complete JSON object."},
		{name: "null", json: `null`, field: "condition.version"},
		{name: "invalid tree", json: `{"version": 1, "root": {"kind": "tag", "op": "has"}}`, field: "condition.root.value"},
		{name: "not UTF-8", json: "{\"version\": 1, \"root\": {\"kind\": \"tag\", \"op\": \"has\", \"value\": \"\xff\"}}", field: "condition", message: "Condition is not valid UTF-8: send the JSON encoded as UTF-8."},
		{
			name:    "too large",
			json:    `{"version": 1, "root": {"kind": "tag", "op": "has", "value": "vip"}}` + strings.Repeat(" ", MaxSegmentBytes),
			field:   "condition",
			message: "Condition is 32836 bytes of JSON, over the limit of 32768: remove some tests or shorten their values.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg, verr := Parse([]byte(tt.json))
			if tt.field == "" {
				if verr != nil {
					t.Fatalf("Parse = %v, want valid", verr)
				}
				if seg.Version != 1 || seg.Root.Kind == "" {
					t.Errorf("Parse = %+v, want the decoded tree", seg)
				}
				return
			}
			if verr == nil {
				t.Fatalf("Parse = %+v, want an error on %s", seg, tt.field)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
			if tt.message != "" && verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}
}

// encode writes seg as compact JSON, the encoding whose size Validate caps.
func encode(t testing.TB, seg apitype.Segment) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(seg); err != nil {
		t.Fatalf("encode %+v: %v", seg, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func FuzzParseSegment(f *testing.F) {
	seeds := []string{
		`{"version":1,"root":{"kind":"tag","op":"has","value":"vip"}}`,
		`{"version":1,"root":{"kind":"group","match":"all","conditions":[{"kind":"field","field":"custom.plan","op":"in_list","values":["Pro","<Team>"]},{"kind":"group","match":"any","conditions":[{"kind":"lead_score","op":"between","number":-5,"number2":5},{"kind":"lifecycle_stage","op":"equals","value":"mql"}]}]}}`,
		`{"version":1,"root":{"kind":"event_count","event":"watched-demo","number":3,"days":30}}`,
		`{"version":1,"root":{"kind":"visited_url","value":"/pricing?a=1&b=2","days":7}}`,
		`{"version":1,"root":{"kind":"list","op":"not_member","listId":12}}`,
		`{"version":1,"root":{"kind":"field","field":"email","op":"is_empty"}}`,
		`{"version":1,"root":{"kind":"field","field":"company","op":"contains","value":"\u2028é"}}`,
		`{"version":2,"root":{}}`,
		`[{"version":1}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	facts := Facts{
		Email: "ann@example.com", Company: "Acme", CustomFields: map[string]string{"plan": "pro"},
		LeadScore: 3, LifecycleStage: "mql", ListIDs: []int64{12}, Tags: []string{"vip"},
		Behaviour: &behaviourTable{counts: map[string]int64{"watched-demo": 3}, urls: []string{"/pricing"}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seg, verr := Parse(data)
		if verr != nil {
			if verr.Field == "" || verr.Message == "" {
				t.Fatalf("Parse error %+v lacks a field or message", verr)
			}
			return
		}
		Evaluate(seg, facts)

		out := encode(t, seg)
		again, verr := Parse(out)
		if verr != nil {
			t.Fatalf("Parse of the re-encoded tree %s = %v, want valid", out, verr)
		}
		if verr := Validate(again); verr != nil {
			t.Fatalf("Validate of the re-parsed tree = %v, want valid", verr)
		}
		if out2 := encode(t, again); !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the tree:\n%s\n%s", out, out2)
		}
		if Evaluate(seg, facts) != Evaluate(again, facts) {
			t.Fatal("round trip changed the result of Evaluate")
		}
	})
}
