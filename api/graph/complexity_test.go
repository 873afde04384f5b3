package graph

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"customevents/db"
)

const triggerInputsMessage = "Operation sends %d trigger inputs, more than the maximum of 1000 in one request: send the others in another request."

const complexityMessage = "Operation has a complexity of %d, more than the maximum of 200: select fewer fields, or split the operation into several requests. Each field counts 1, triggerCustomEvents counts 1 for every 5 inputs, and contactData counts 100."

// aliasedBatches returns a mutation that sends the variable $i to
// triggerCustomEvents under n aliases, each selecting selection.
func aliasedBatches(n int, selection string) string {
	var doc strings.Builder
	doc.WriteString("mutation($i: [TriggerCustomEventInput!]!) {\n")
	for a := range n {
		fmt.Fprintf(&doc, "  a%d: triggerCustomEvents(inputs: $i) { %s }\n", a, selection)
	}
	doc.WriteString("}")
	return doc.String()
}

func triggerInputs(n int) []any {
	inputs := make([]any, n)
	for i := range inputs {
		inputs[i] = map[string]any{"slug": "signed-up", "email": fmt.Sprintf("c%d@example.com", i%50)}
	}
	return inputs
}

// wantLimitError checks that resp is a 422 with one error of code and
// message, and that nothing was stored.
func wantLimitError(t *testing.T, api *testAPI, resp gqlResponse, code, message string) {
	t.Helper()
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("status = %d, want 422", resp.Status)
	}
	wantError(t, resp, code, "", message)
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

func TestTriggerInputsCountedAcrossAliases(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")

	resp := api.query(t, aliasedBatches(20, "accepted"), map[string]any{"i": triggerInputs(1000)})
	wantLimitError(t, api, resp, "COMPLEXITY_LIMIT_EXCEEDED", fmt.Sprintf(triggerInputsMessage, 20000))

	mixed := `mutation($i: [TriggerCustomEventInput!]!) {
		triggerCustomEvents(inputs: $i) { accepted }
		triggerCustomEvent(input: {slug: "signed-up", email: "ann@example.com"})
	}`
	resp = api.query(t, mixed, map[string]any{"i": triggerInputs(1000)})
	wantLimitError(t, api, resp, "COMPLEXITY_LIMIT_EXCEEDED", fmt.Sprintf(triggerInputsMessage, 1001))
}

// TestTriggerInputsAtLimit sends 1,000 inputs in two aliases of 500 with
// every result field selected, which fits the limit.
func TestTriggerInputsAtLimit(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")

	resp := api.query(t, aliasedBatches(2, "index accepted occurrenceId error { code message field }"), map[string]any{"i": triggerInputs(500)})
	var data map[string][]struct {
		Accepted bool `json:"accepted"`
	}
	decodeData(t, resp, &data)
	for _, alias := range []string{"a0", "a1"} {
		accepted := 0
		for _, result := range data[alias] {
			if result.Accepted {
				accepted++
			}
		}
		if accepted != 500 {
			t.Errorf("%s accepted = %d, want 500", alias, accepted)
		}
	}
	if got := api.count(t, "event_occurrences"); got != 1000 {
		t.Errorf("occurrences = %d, want 1000", got)
	}
}

// TestComplexityLimitRejected checks that an operation over the complexity
// limit gets 422, as the other request limits do, and a message that names
// the limit.
func TestComplexityLimitRejected(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")

	var singles strings.Builder
	singles.WriteString("mutation {\n")
	for a := range 201 {
		fmt.Fprintf(&singles, "  t%d: triggerCustomEvent(input: {slug: \"signed-up\", email: \"ann@example.com\"})\n", a)
	}
	singles.WriteString("}")
	resp := api.query(t, singles.String(), nil)
	wantLimitError(t, api, resp, "COMPLEXITY_LIMIT_EXCEEDED", fmt.Sprintf(complexityMessage, 201))

	var lists strings.Builder
	lists.WriteString("{\n")
	for a := range 101 {
		fmt.Fprintf(&lists, "  c%d: customEvents { slug }\n", a)
	}
	lists.WriteString("}")
	resp = api.query(t, lists.String(), nil)
	wantLimitError(t, api, resp, "COMPLEXITY_LIMIT_EXCEEDED", fmt.Sprintf(complexityMessage, 202))
}

// TestContactDataComplexity checks that one request reads at most two
// contacts with contactData, which returns every occurrence at once.
func TestContactDataComplexity(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	if _, err := api.Store.RecordEvent(t.Context(), db.Trigger{AccountID: api.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	field := func(alias string) string {
		return alias + `: contactData(email: "ann@example.com") { email occurrences { eventSlug } }`
	}

	resp := api.query(t, "{ "+field("a")+" "+field("b")+" }", nil)
	want := `{"a":{"email":"ann@example.com","occurrences":[{"eventSlug":"signed-up"}]},"b":{"email":"ann@example.com","occurrences":[{"eventSlug":"signed-up"}]}}`
	if resp.Status != http.StatusOK || string(resp.Data) != want {
		t.Errorf("two contacts: status %d, data %s, errors %+v, want 200 and %s", resp.Status, resp.Data, resp.Errors, want)
	}

	resp = api.query(t, "{ "+field("a")+" "+field("b")+" "+field("c")+" }", nil)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("three contacts: status = %d, want 422", resp.Status)
	}
	wantError(t, resp, "COMPLEXITY_LIMIT_EXCEEDED", "", fmt.Sprintf(complexityMessage, 300))
}
