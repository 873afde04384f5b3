package segment

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	"customevents/app/apitype"
)

// behaviourTable returns behaviour from fixed data and records
// the arguments it was called with.
type behaviourTable struct {
	counts map[string]int64 // by slug, for any days
	urls   []string
	calls  []string
}

func (b *behaviourTable) EventCount(slug string, days int) int64 {
	b.calls = append(b.calls, "count "+slug+" "+strconv.Itoa(days))
	return b.counts[slug]
}

func (b *behaviourTable) VisitedURL(part string, days int) bool {
	b.calls = append(b.calls, "url "+part+" "+strconv.Itoa(days))
	for _, u := range b.urls {
		if strings.Contains(Fold(u), Fold(part)) {
			return true
		}
	}
	return false
}

func tree(root apitype.Condition) apitype.Segment {
	return apitype.Segment{Version: apitype.SegmentVersion, Root: root}
}

func fieldCond(field, op, value string, values ...string) apitype.Condition {
	return apitype.Condition{Kind: apitype.ConditionField, Field: field, Op: op, Value: value, Values: values}
}

func group(match string, children ...apitype.Condition) apitype.Condition {
	return apitype.Condition{Kind: apitype.ConditionGroup, Match: match, Conditions: children}
}

func tagCond(op, tag string) apitype.Condition {
	return apitype.Condition{Kind: apitype.ConditionTag, Op: op, Value: tag}
}

func TestEvaluateField(t *testing.T) {
	ann := Facts{
		Email:        "ann@example.com",
		FirstName:    "Ann",
		LastName:     "Lee",
		Company:      "ACME Corp",
		JobTitle:     "Head of Growth",
		CustomFields: map[string]string{"plan": "Pro", "city": "Zürich", "blank": " \t\u00a0"},
	}
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
	}{
		{"email equals ignores case", fieldCond(FieldEmail, OpEquals, "ANN@example.com"), true},
		{"first name equals", fieldCond(FieldFirstName, OpEquals, "ann"), true},
		{"last name equals other", fieldCond(FieldLastName, OpEquals, "Li"), false},
		{"company equals whole value only", fieldCond(FieldCompany, OpEquals, "acme"), false},
		{"equals does not trim", fieldCond(FieldFirstName, OpEquals, "Ann "), false},
		{"job title contains", fieldCond(FieldJobTitle, OpContains, "OF GROW"), true},
		{"contains missing text", fieldCond(FieldJobTitle, OpContains, "sales"), false},
		{"company starts with", fieldCond(FieldCompany, OpStartsWith, "acme c"), true},
		{"starts with is not contains", fieldCond(FieldCompany, OpStartsWith, "corp"), false},
		{"custom field equals", fieldCond("custom.plan", OpEquals, "pro"), true},
		{"custom field non-ASCII case", fieldCond("custom.city", OpEquals, "ZÜRICH"), true},
		{"custom field contains non-ASCII", fieldCond("custom.city", OpContains, "üri"), true},
		{"missing custom field equals", fieldCond("custom.size", OpEquals, "large"), false},
		{"missing custom field is empty", fieldCond("custom.size", OpIsEmpty, ""), true},
		{"white space custom field is empty", fieldCond("custom.blank", OpIsEmpty, ""), true},
		{"filled field is not empty", fieldCond(FieldCompany, OpIsEmpty, ""), false},
		{"in list matches one", fieldCond(FieldCompany, OpInList, "", "Initech", "acme corp"), true},
		{"in list matches none", fieldCond(FieldCompany, OpInList, "", "Initech", "Acme"), false},
		{"unknown field", fieldCond("phone", OpIsEmpty, ""), false},
		{"unknown operator", fieldCond(FieldCompany, "ends_with", "corp"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), ann); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

// Stored emails are in NFC, so a condition value with a combining accent
// must match the one-character form.
func TestEvaluateEmailUnicodeForms(t *testing.T) {
	jorg := Facts{Email: "j\u00f6rg@example.com", FirstName: "J\u00f6rg"}
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
	}{
		{"equals precomposed", fieldCond(FieldEmail, OpEquals, "j\u00f6rg@example.com"), true},
		{"equals decomposed", fieldCond(FieldEmail, OpEquals, "JO\u0308RG@example.com"), true},
		{"contains decomposed", fieldCond(FieldEmail, OpContains, "o\u0308rg@"), true},
		{"starts with decomposed", fieldCond(FieldEmail, OpStartsWith, "jo\u0308"), true},
		{"in list decomposed", fieldCond(FieldEmail, OpInList, "", "ann@example.com", "jo\u0308rg@example.com"), true},
		{"plain o does not match", fieldCond(FieldEmail, OpEquals, "jorg@example.com"), false},
		// Names are stored in NFC too.
		{"first name decomposed", fieldCond(FieldFirstName, OpEquals, "Jo\u0308rg"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), jorg); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateAnonymousContact(t *testing.T) {
	anon := Facts{}
	if !Evaluate(tree(fieldCond(FieldEmail, OpIsEmpty, "")), anon) {
		t.Error("email is_empty = false for a contact without email, want true")
	}
	if Evaluate(tree(fieldCond(FieldEmail, OpContains, "@")), anon) {
		t.Error("email contains @ = true for a contact without email, want false")
	}
	if Evaluate(tree(fieldCond("custom.plan", OpInList, "", "pro")), anon) {
		t.Error("custom field in_list = true with no custom fields, want false")
	}
}

func TestEvaluateLeadScore(t *testing.T) {
	score := func(op string, n, n2 int64) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionLeadScore, Op: op, Number: n, Number2: n2}
	}
	tests := []struct {
		name  string
		cond  apitype.Condition
		score int64
		want  bool
	}{
		{"eq equal", score(OpEq, 10, 0), 10, true},
		{"eq other", score(OpEq, 10, 0), 11, false},
		{"eq zero", score(OpEq, 0, 0), 0, true},
		{"lt below", score(OpLt, 10, 0), 9, true},
		{"lt equal", score(OpLt, 10, 0), 10, false},
		{"gt above", score(OpGt, 10, 0), 11, true},
		{"gt equal", score(OpGt, 10, 0), 10, false},
		{"gt negative", score(OpGt, -5, 0), -4, true},
		{"between start included", score(OpBetween, 10, 20), 10, true},
		{"between end included", score(OpBetween, 10, 20), 20, true},
		{"between inside", score(OpBetween, 10, 20), 15, true},
		{"between below", score(OpBetween, 10, 20), 9, false},
		{"between above", score(OpBetween, 10, 20), 21, false},
		{"between one point", score(OpBetween, 7, 7), 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), Facts{LeadScore: tt.score}); got != tt.want {
				t.Errorf("Evaluate with score %d = %v, want %v", tt.score, got, tt.want)
			}
		})
	}
}

func TestEvaluateLifecycleStage(t *testing.T) {
	stage := func(op, value string, values ...string) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: op, Value: value, Values: values}
	}
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
	}{
		{"equals same", stage(OpEquals, "mql"), true},
		{"equals other", stage(OpEquals, "sql"), false},
		{"in list", stage(OpInList, "", "lead", "mql"), true},
		{"not in list", stage(OpInList, "", "lead", "customer"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), Facts{LifecycleStage: "mql"}); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateListAndTag(t *testing.T) {
	f := Facts{ListIDs: []int64{3, 8}, Tags: []string{"vip", "trial user"}}
	list := func(op string, id int64) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionList, Op: op, ListID: id}
	}
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
	}{
		{"member of list", list(OpMember, 8), true},
		{"member of other list", list(OpMember, 5), false},
		{"not member of list", list(OpNotMember, 3), false},
		{"not member of other list", list(OpNotMember, 5), true},
		{"has tag", tagCond(OpHas, "vip"), true},
		{"has tag with space", tagCond(OpHas, "trial user"), true},
		{"has other tag", tagCond(OpHas, "churned"), false},
		{"not has tag", tagCond(OpNotHas, "vip"), false},
		{"not has other tag", tagCond(OpNotHas, "churned"), true},
		{"unknown list operator", list("in", 3), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), f); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
	if Evaluate(tree(list(OpMember, 3)), Facts{}) {
		t.Error("member with no lists = true, want false")
	}
	if !Evaluate(tree(tagCond(OpNotHas, "vip")), Facts{}) {
		t.Error("not_has with no tags = false, want true")
	}
}

func TestEvaluateBehaviour(t *testing.T) {
	count := func(slug string, n int64, days int) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionEventCount, Event: slug, Number: n, Days: days}
	}
	visited := func(part string, days int) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: part, Days: days}
	}
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
		call string
	}{
		{"count reaches number", count("watched-demo", 3, 7), true, "count watched-demo 7"},
		{"count over number", count("watched-demo", 2, 30), true, "count watched-demo 30"},
		{"count under number", count("watched-demo", 4, 7), false, "count watched-demo 7"},
		{"event never triggered", count("signed-up", 1, 1), false, "count signed-up 1"},
		{"visited page", visited("/PRICING", 14), true, "url /PRICING 14"},
		{"not visited page", visited("/careers", 14), false, "url /careers 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &behaviourTable{counts: map[string]int64{"watched-demo": 3}, urls: []string{"https://example.com/pricing?plan=pro"}}
			if got := Evaluate(tree(tt.cond), Facts{Behaviour: b}); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
			if len(b.calls) != 1 || b.calls[0] != tt.call {
				t.Errorf("behaviour calls = %q, want [%q]", b.calls, tt.call)
			}
		})
	}
}

func TestEvaluateWithoutBehaviour(t *testing.T) {
	count := apitype.Condition{Kind: apitype.ConditionEventCount, Event: "signed-up", Number: 1, Days: 1}
	visited := apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: "/", Days: 1}
	if Evaluate(tree(count), Facts{}) {
		t.Error("event_count with nil Behaviour = true, want false")
	}
	if Evaluate(tree(visited), Facts{}) {
		t.Error("visited_url with nil Behaviour = true, want false")
	}
}

func TestEvaluateGroup(t *testing.T) {
	f := Facts{Tags: []string{"a", "b"}}
	has := func(tag string) apitype.Condition { return tagCond(OpHas, tag) }
	tests := []struct {
		name string
		cond apitype.Condition
		want bool
	}{
		{"all true", group(MatchAll, has("a"), has("b")), true},
		{"all with one false", group(MatchAll, has("a"), has("c")), false},
		{"any with one true", group(MatchAny, has("c"), has("b")), true},
		{"any all false", group(MatchAny, has("c"), has("d")), false},
		{"nested any in all", group(MatchAll, has("a"), group(MatchAny, has("c"), has("b"))), true},
		{"nested all in any", group(MatchAny, has("c"), group(MatchAll, has("a"), has("d"))), false},
		{"empty all", group(MatchAll), true},
		{"empty any", group(MatchAny), false},
		{"unknown match", group("most", has("a")), false},
		{"unknown kind", apitype.Condition{Kind: "score"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tree(tt.cond), f); got != tt.want {
				t.Errorf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateGroupStopsEarly(t *testing.T) {
	b := &behaviourTable{}
	count := apitype.Condition{Kind: apitype.ConditionEventCount, Event: "signed-up", Number: 1, Days: 1}
	if Evaluate(tree(group(MatchAll, tagCond(OpHas, "vip"), count)), Facts{Behaviour: b}) {
		t.Error("Evaluate = true, want false")
	}
	if len(b.calls) != 0 {
		t.Errorf("behaviour calls = %q, want none once a test of an all group failed", b.calls)
	}
}

func TestBlankIsUnicodeSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := strings.ContainsRune(Blank, r), unicode.IsSpace(r); got != want {
			t.Errorf("Blank contains %U = %v, want unicode.IsSpace = %v", r, got, want)
		}
	}
}
