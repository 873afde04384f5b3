package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"customevents/app/apitype"
)

// doRaw sends body as it is, for requests that are not valid JSON.
func (c *adminClient) doRaw(method, path, body string) (int, []byte) {
	c.t.Helper()
	return c.doRawType(method, path, "application/json", body)
}

// doRawType sends body as it is with the given Content-Type.
func (c *adminClient) doRawType(method, path, contentType, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-CSRF-Token", c.session.CSRFToken)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// expectError checks the status and the error body of a response.
func expectError(t *testing.T, what string, status int, body []byte, wantStatus int, wantCode, wantField, wantMessage string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d (body %s)", what, status, wantStatus, body)
		return
	}
	got := decodeError(t, body)
	if got.Code != wantCode {
		t.Errorf("%s: code %q, want %q", what, got.Code, wantCode)
	}
	if got.Field != wantField {
		t.Errorf("%s: field %q, want %q", what, got.Field, wantField)
	}
	if got.Message != wantMessage {
		t.Errorf("%s: message %q, want %q", what, got.Message, wantMessage)
	}
}

// expectJSON checks the status and the exact body of a response.
func expectJSON(t *testing.T, what string, status int, body []byte, wantStatus int, want string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d (body %s)", what, status, wantStatus, body)
		return
	}
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("%s: body\n%s\nwant\n%s", what, got, want)
	}
}

// createEventID creates a custom event through the API and returns its id.
func createEventID(t *testing.T, c *adminClient, name, slug string) int64 {
	t.Helper()
	status, body := c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: name, Slug: slug})
	if status != http.StatusCreated {
		t.Fatalf("create event %s: status %d, body %s", slug, status, body)
	}
	var event apitype.CustomEvent
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatal(err)
	}
	return event.ID
}

// createID posts in to path, expects 201 and returns the id in the response.
func createID(t *testing.T, c *adminClient, path string, in any) int64 {
	t.Helper()
	status, body := c.do(http.MethodPost, path, in)
	if status != http.StatusCreated {
		t.Fatalf("POST %s: status %d, body %s", path, status, body)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.ID
}

// otherAccountRows creates a second account with a custom event, an
// action set and a contact list, and returns their ids.
func otherAccountRows(t *testing.T, ts *testServer) (eventID, setID, listID int64) {
	t.Helper()
	err := ts.Store.DB().NewRaw(`
		WITH a AS (INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id),
		e AS (INSERT INTO custom_events (account_id, name, slug) SELECT id, 'Secret', 'secret' FROM a RETURNING id),
		s AS (INSERT INTO action_sets (account_id, name) SELECT id, 'Theirs' FROM a RETURNING id),
		l AS (INSERT INTO contact_lists (account_id, name) SELECT id, 'Their list' FROM a RETURNING id)
		SELECT e.id, s.id, l.id FROM e, s, l`).Scan(t.Context(), &eventID, &setID, &listID)
	if err != nil {
		t.Fatal(err)
	}
	return eventID, setID, listID
}

func TestAdminEventActionsSaveAndSwitch(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	eventID := createEventID(t, c, "Booked Demo", "booked-demo")
	listID := createID(t, c, "/api/lists", apitype.ContactListInput{Name: "Hot leads"})
	setID := createID(t, c, "/api/action-sets", apitype.ActionSetInput{Name: "Onboarding"})
	path := "/api/custom-events/" + itoa(eventID) + "/actions"

	status, body := c.do(http.MethodGet, path, nil)
	expectJSON(t, "new event", status, body, http.StatusOK,
		`{"mode":"none","onTheFly":{"global":[],"conditional":[]},"frequency":"every_time"}`)

	onTheFly := fmt.Sprintf(`{"mode":"on_the_fly","onTheFly":{"global":[{"type":"adjust_score","delta":10}],`+
		`"conditional":[{"condition":{"version":1,"root":{"kind":"group","match":"any","conditions":[{"kind":"tag","op":"has","value":"vip"}]}},`+
		`"actions":[{"type":"add_to_list","listId":%d}]}]},"frequency":"once_per_days","frequencyDays":30}`, listID)
	status, body = c.doRaw(http.MethodPut, path, onTheFly)
	expectJSON(t, "save on-the-fly", status, body, http.StatusOK, onTheFly)
	status, body = c.do(http.MethodGet, path, nil)
	expectJSON(t, "read on-the-fly", status, body, http.StatusOK, onTheFly)

	// Linking a set drops the stored on-the-fly actions.
	want := fmt.Sprintf(`{"mode":"action_set","onTheFly":{"global":[],"conditional":[]},"actionSetId":%d,"frequency":"every_time"}`, setID)
	status, body = c.doRaw(http.MethodPut, path, fmt.Sprintf(`{"mode":"action_set","actionSetId":%d,"frequency":"every_time"}`, setID))
	expectJSON(t, "link set", status, body, http.StatusOK, want)
	status, body = c.do(http.MethodGet, path, nil)
	expectJSON(t, "read linked", status, body, http.StatusOK, want)

	status, body = c.do(http.MethodGet, "/api/action-sets/"+itoa(setID), nil)
	if status != http.StatusOK {
		t.Fatalf("get set: status %d", status)
	}
	var set apitype.ActionSet
	json.Unmarshal(body, &set)
	if got, want := fmt.Sprint(set.LinkedEvents), fmt.Sprintf("[{%d Booked Demo booked-demo}]", eventID); got != want {
		t.Errorf("linked events = %s, want %s", got, want)
	}

	// Switching away clears the link.
	status, body = c.doRaw(http.MethodPut, path, `{"mode":"none","frequency":"every_time"}`)
	expectJSON(t, "switch to none", status, body, http.StatusOK,
		`{"mode":"none","onTheFly":{"global":[],"conditional":[]},"frequency":"every_time"}`)
}

func TestAdminEventActionsRejects(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	eventID := createEventID(t, c, "Booked Demo", "booked-demo")
	otherEvent, otherSet, otherList := otherAccountRows(t, ts)
	path := "/api/custom-events/" + itoa(eventID) + "/actions"

	status, body := c.doRaw(http.MethodPut, path, `{"mode":`)
	expectError(t, "truncated JSON", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "body",
		"Request body must be a JSON object with mode, onTheFly, actionSetId, frequency and frequencyDays.")
	status, body = c.doRaw(http.MethodPut, path, `{"mode":"on_the_fly","onTheFly":{"global":[{"type":"adjust_score","delta":"ten"}]}}`)
	expectError(t, "delta as text", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "onTheFly.global.delta",
		"Field onTheFly.global.delta must be a whole number, not a JSON string.")
	status, body = c.doRaw(http.MethodPut, path, `{"mode":"none","frequencyDays":true}`)
	expectError(t, "days as boolean", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "frequencyDays",
		"Field frequencyDays must be a whole number, not a JSON bool.")
	status, body = c.doRaw(http.MethodPut, "/api/custom-events/x/actions", `{}`)
	expectError(t, "id not a number", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "id",
		"Id in the path must be a whole number from 1 to 9223372036854775807.")

	notFound := fmt.Sprintf("Custom event with id %q was not found in this account. It may have been deleted: reload the list of custom events.", itoa(otherEvent))
	status, body = c.do(http.MethodGet, "/api/custom-events/"+itoa(otherEvent)+"/actions", nil)
	expectError(t, "get other account's event", status, body, http.StatusNotFound, apitype.CodeNotFound, "", notFound)
	status, body = c.do(http.MethodPut, "/api/custom-events/"+itoa(otherEvent)+"/actions",
		apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime})
	expectError(t, "put other account's event", status, body, http.StatusNotFound, apitype.CodeNotFound, "", notFound)

	status, body = c.do(http.MethodPut, path, apitype.EventActions{Mode: apitype.ActionModeActionSet, ActionSetID: otherSet, Frequency: apitype.FrequencyEveryTime})
	expectError(t, "other account's set", status, body, http.StatusNotFound, apitype.CodeNotFound, "actionSetId",
		fmt.Sprintf("Action set with id %q was not found in this account. It may have been deleted: reload the list of action sets.", itoa(otherSet)))
	status, body = c.do(http.MethodPut, path, apitype.EventActions{
		Mode:      apitype.ActionModeOnTheFly,
		OnTheFly:  apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddToList, ListID: otherList}}},
		Frequency: apitype.FrequencyEveryTime,
	})
	expectError(t, "other account's list", status, body, http.StatusNotFound, apitype.CodeNotFound, "onTheFly.global[0].listId",
		fmt.Sprintf("Contact list with id %q was not found in this account. It may have been deleted: pick another list.", itoa(otherList)))

	// A write without the CSRF token changes nothing.
	token := c.session.CSRFToken
	c.session.CSRFToken = ""
	status, _ = c.do(http.MethodPut, path, apitype.EventActions{Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyEveryTime})
	c.session.CSRFToken = token
	if status != http.StatusForbidden {
		t.Errorf("without CSRF token: status %d, want 403", status)
	}
	status, body = c.do(http.MethodGet, path, nil)
	expectJSON(t, "after rejected writes", status, body, http.StatusOK,
		`{"mode":"none","onTheFly":{"global":[],"conditional":[]},"frequency":"every_time"}`)
}

func TestAdminActionSetLifecycle(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	eventID := createEventID(t, c, "Booked Demo", "booked-demo")

	status, body := c.doRaw(http.MethodPost, "/api/action-sets",
		`{"name":" Onboarding ","description":"New trials","actions":{"global":[{"type":"add_tag","value":"trial"}]}}`)
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", status, body)
	}
	var created apitype.ActionSet
	json.Unmarshal(body, &created)
	if created.Name != "Onboarding" || created.Description != "New trials" {
		t.Errorf("created = %q, %q; want Onboarding, New trials", created.Name, created.Description)
	}
	if got, _ := json.Marshal(created.Actions); string(got) != `{"global":[{"type":"add_tag","value":"trial"}],"conditional":[]}` {
		t.Errorf("created actions = %s", got)
	}
	if created.LinkedEvents == nil || len(created.LinkedEvents) != 0 {
		t.Errorf("created linked events = %#v, want empty", created.LinkedEvents)
	}
	setPath := "/api/action-sets/" + itoa(created.ID)

	status, body = c.do(http.MethodPost, "/api/action-sets", apitype.ActionSetInput{Name: "ONBOARDING"})
	expectError(t, "duplicate name", status, body, http.StatusConflict, apitype.CodeConflict, "name",
		`Name "ONBOARDING" is already used by another action set in this account: choose another.`)
	status, body = c.do(http.MethodPost, "/api/action-sets", apitype.ActionSetInput{Name: " "})
	expectError(t, "empty name", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "name",
		"Name is required, such as Onboarding.")
	status, body = c.doRaw(http.MethodPost, "/api/action-sets", `["Onboarding"]`)
	expectError(t, "array body", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "body",
		"Request body must be a JSON object with name, description and actions.")

	status, body = c.do(http.MethodPut, setPath, apitype.ActionSetInput{
		Name:    "Onboarding v2",
		Actions: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionSetStage, Value: "lead"}}},
	})
	if status != http.StatusOK {
		t.Fatalf("update: status %d, body %s", status, body)
	}
	var updated apitype.ActionSet
	json.Unmarshal(body, &updated)
	if updated.Name != "Onboarding v2" || updated.Description != "" || !updated.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("updated = %q, %q at %v; want Onboarding v2, no description, after %v", updated.Name, updated.Description, updated.UpdatedAt, created.UpdatedAt)
	}

	status, body = c.do(http.MethodPut, "/api/custom-events/"+itoa(eventID)+"/actions",
		apitype.EventActions{Mode: apitype.ActionModeActionSet, ActionSetID: created.ID, Frequency: apitype.FrequencyEveryTime})
	if status != http.StatusOK {
		t.Fatalf("link: status %d, body %s", status, body)
	}
	status, body = c.do(http.MethodGet, "/api/action-sets", nil)
	if status != http.StatusOK {
		t.Fatalf("list: status %d", status)
	}
	var sets []apitype.ActionSet
	json.Unmarshal(body, &sets)
	if len(sets) != 1 || sets[0].Name != "Onboarding v2" || fmt.Sprint(sets[0].LinkedEvents) != fmt.Sprintf("[{%d Booked Demo booked-demo}]", eventID) {
		t.Errorf("list = %+v, want Onboarding v2 linked to Booked Demo", sets)
	}

	status, body = c.do(http.MethodDelete, setPath, nil)
	expectError(t, "delete linked", status, body, http.StatusConflict, apitype.CodeConflict, "",
		`Action set "Onboarding v2" is used by the custom event "Booked Demo" (booked-demo). Choose other actions for them under Automations → Custom Events, then delete the set.`)

	status, _ = c.do(http.MethodPut, "/api/custom-events/"+itoa(eventID)+"/actions",
		apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime})
	if status != http.StatusOK {
		t.Fatalf("unlink: status %d", status)
	}
	status, _ = c.do(http.MethodDelete, setPath, nil)
	if status != http.StatusNoContent {
		t.Fatalf("delete: status %d, want 204", status)
	}
	status, body = c.do(http.MethodGet, setPath, nil)
	expectError(t, "get deleted", status, body, http.StatusNotFound, apitype.CodeNotFound, "",
		fmt.Sprintf("Action set with id %q was not found in this account. It may have been deleted: reload the list of action sets.", itoa(created.ID)))
	status, body = c.do(http.MethodGet, "/api/action-sets", nil)
	expectJSON(t, "list after delete", status, body, http.StatusOK, "[]")
}

func TestAdminActionSetOtherAccount(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	_, otherSet, otherList := otherAccountRows(t, ts)
	path := "/api/action-sets/" + itoa(otherSet)
	want := fmt.Sprintf("Action set with id %q was not found in this account. It may have been deleted: reload the list of action sets.", itoa(otherSet))

	status, body := c.do(http.MethodGet, path, nil)
	expectError(t, "get", status, body, http.StatusNotFound, apitype.CodeNotFound, "", want)
	status, body = c.do(http.MethodPut, path, apitype.ActionSetInput{Name: "Mine"})
	expectError(t, "put", status, body, http.StatusNotFound, apitype.CodeNotFound, "", want)
	status, body = c.do(http.MethodDelete, path, nil)
	expectError(t, "delete", status, body, http.StatusNotFound, apitype.CodeNotFound, "", want)
	status, body = c.do(http.MethodGet, "/api/action-sets", nil)
	expectJSON(t, "list", status, body, http.StatusOK, "[]")

	status, body = c.do(http.MethodPost, "/api/action-sets", apitype.ActionSetInput{
		Name:    "Mine",
		Actions: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddToList, ListID: otherList}}},
	})
	expectError(t, "their list in my set", status, body, http.StatusNotFound, apitype.CodeNotFound, "actions.global[0].listId",
		fmt.Sprintf("Contact list with id %q was not found in this account. It may have been deleted: pick another list.", itoa(otherList)))
}

func TestAdminContactLists(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	_, _, otherList := otherAccountRows(t, ts)

	status, body := c.do(http.MethodPost, "/api/lists", apitype.ContactListInput{Name: " Hot leads "})
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", status, body)
	}
	var hot apitype.ContactList
	json.Unmarshal(body, &hot)
	expectJSON(t, "created", status, body, http.StatusCreated, fmt.Sprintf(`{"id":%d,"name":"Hot leads","members":0}`, hot.ID))
	coldID := createID(t, c, "/api/lists", apitype.ContactListInput{Name: "Cold leads"})
	_, err := ts.Store.DB().NewRaw(`
		WITH c AS (INSERT INTO contacts (account_id, email) VALUES (?0, 'ann@example.com') RETURNING id)
		INSERT INTO contact_list_members (account_id, list_id, contact_id) SELECT ?0, ?1, id FROM c`, ts.Account.ID, hot.ID).Exec(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	status, body = c.do(http.MethodGet, "/api/lists", nil)
	expectJSON(t, "list", status, body, http.StatusOK,
		fmt.Sprintf(`[{"id":%d,"name":"Cold leads","members":0},{"id":%d,"name":"Hot leads","members":1}]`, coldID, hot.ID))

	status, body = c.do(http.MethodPost, "/api/lists", apitype.ContactListInput{Name: "hot LEADS"})
	expectError(t, "duplicate", status, body, http.StatusConflict, apitype.CodeConflict, "name",
		`Name "hot LEADS" is already used by another contact list in this account: choose another.`)
	status, body = c.doRaw(http.MethodPost, "/api/lists", `{"name":7}`)
	expectError(t, "number name", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "name",
		"Field name must be a string, not a JSON number.")
	status, body = c.do(http.MethodPut, "/api/lists/"+itoa(hot.ID), apitype.ContactListInput{Name: strings.Repeat("x", 201)})
	expectError(t, "long name", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "name",
		"Name is too long: use at most 200 characters.")

	status, body = c.do(http.MethodPut, "/api/lists/"+itoa(hot.ID), apitype.ContactListInput{Name: "Warm leads"})
	expectJSON(t, "rename", status, body, http.StatusOK, fmt.Sprintf(`{"id":%d,"name":"Warm leads","members":1}`, hot.ID))

	theirs := fmt.Sprintf("Contact list with id %q was not found in this account. It may have been deleted: reload the lists.", itoa(otherList))
	status, body = c.do(http.MethodPut, "/api/lists/"+itoa(otherList), apitype.ContactListInput{Name: "Mine"})
	expectError(t, "rename theirs", status, body, http.StatusNotFound, apitype.CodeNotFound, "", theirs)
	status, body = c.do(http.MethodDelete, "/api/lists/"+itoa(otherList), nil)
	expectError(t, "delete theirs", status, body, http.StatusNotFound, apitype.CodeNotFound, "", theirs)

	// A list that an action set adds to cannot be deleted.
	createID(t, c, "/api/action-sets", apitype.ActionSetInput{
		Name:    "Warm up",
		Actions: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddToList, ListID: hot.ID}}},
	})
	status, body = c.do(http.MethodDelete, "/api/lists/"+itoa(hot.ID), nil)
	expectError(t, "delete used", status, body, http.StatusConflict, apitype.CodeConflict, "",
		`Contact list "Warm leads" is used by the actions or conditions of the action set "Warm up". Remove it from them first, then delete the list.`)

	status, _ = c.do(http.MethodDelete, "/api/lists/"+itoa(coldID), nil)
	if status != http.StatusNoContent {
		t.Errorf("delete: status %d, want 204", status)
	}
	status, body = c.do(http.MethodGet, "/api/lists", nil)
	expectJSON(t, "list after delete", status, body, http.StatusOK, fmt.Sprintf(`[{"id":%d,"name":"Warm leads","members":1}]`, hot.ID))
}

func TestAdminSegmentCount(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	_, _, otherList := otherAccountRows(t, ts)
	listID := createID(t, c, "/api/lists", apitype.ContactListInput{Name: "Hot leads"})
	_, err := ts.Store.DB().NewRaw(`
		WITH c AS (
			INSERT INTO contacts (account_id, email, lead_score)
			VALUES (?0, 'ann@example.com', 80), (?0, 'bob@example.com', 20), (?0, 'cy@example.com', 90)
			RETURNING id, email)
		INSERT INTO contact_list_members (account_id, list_id, contact_id)
		SELECT ?0, ?1, id FROM c WHERE email <> 'cy@example.com'`, ts.Account.ID, listID).Exec(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	seg := apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
		Kind: apitype.ConditionGroup, Match: "all",
		Conditions: []apitype.Condition{
			{Kind: apitype.ConditionList, Op: "member", ListID: listID},
			{Kind: apitype.ConditionLeadScore, Op: "gt", Number: 50},
		},
	}}
	status, body := c.do(http.MethodPost, "/api/segments/count", seg)
	expectJSON(t, "count", status, body, http.StatusOK, `{"contacts":1}`)

	seg.Root.Conditions[0].ListID = otherList
	status, body = c.do(http.MethodPost, "/api/segments/count", seg)
	expectError(t, "their list", status, body, http.StatusNotFound, apitype.CodeNotFound, "condition.root.conditions[0].listId",
		fmt.Sprintf("Contact list with id %q was not found in this account. It may have been deleted: pick another list.", itoa(otherList)))
	status, body = c.doRaw(http.MethodPost, "/api/segments/count", `{"version":1,"root":[]}`)
	expectError(t, "root as array", status, body, http.StatusUnprocessableEntity, apitype.CodeBadUserInput, "root",
		"Field root must be an object, not a JSON array.")
}

func TestAdminActionsRejectInvalid(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	eventID := createEventID(t, c, "Booked Demo", "booked-demo")
	path := "/api/custom-events/" + itoa(eventID) + "/actions"
	bad := http.StatusUnprocessableEntity

	status, body := c.do(http.MethodPut, path, apitype.EventActions{Mode: "sometimes", Frequency: apitype.FrequencyEveryTime})
	expectError(t, "unknown mode", status, body, bad, apitype.CodeBadUserInput, "mode",
		`Mode "sometimes" is invalid: use one of none, on_the_fly or action_set.`)
	status, body = c.do(http.MethodPut, path, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyEveryTime,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore}}},
	})
	expectError(t, "score change missing", status, body, bad, apitype.CodeBadUserInput, "onTheFly.global[0].delta",
		"Score change is required: use a positive number to add points or a negative one to remove them.")
	status, body = c.do(http.MethodPut, path, apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerDays})
	expectError(t, "days missing", status, body, bad, apitype.CodeBadUserInput, "frequencyDays",
		"Frequency days 0 is out of range: use 1 to 3650.")
	status, body = c.do(http.MethodGet, path, nil)
	expectJSON(t, "after rejected writes", status, body, http.StatusOK,
		`{"mode":"none","onTheFly":{"global":[],"conditional":[]},"frequency":"every_time"}`)

	status, body = c.do(http.MethodPost, "/api/action-sets", apitype.ActionSetInput{
		Name: "Onboarding",
		Actions: apitype.ActionList{Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
				Kind: apitype.ConditionGroup, Match: "all",
				Conditions: []apitype.Condition{{Kind: apitype.ConditionTag, Op: "has", Value: "VIP"}},
			}},
			Actions: []apitype.Action{{Type: apitype.ActionAddTag, Value: "trial"}},
		}}},
	})
	expectError(t, "tag in capitals", status, body, bad, apitype.CodeBadUserInput, "actions.conditional[0].condition.root.conditions[0].value",
		`Tag "VIP" must be lowercase with no spaces at either end: use "vip".`)
	status, body = c.do(http.MethodGet, "/api/action-sets", nil)
	expectJSON(t, "sets after rejected create", status, body, http.StatusOK, "[]")

	status, body = c.do(http.MethodPost, "/api/segments/count", apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
		Kind: apitype.ConditionLeadScore, Op: "between", Number: 5, Number2: 1,
	}})
	expectError(t, "range reversed", status, body, bad, apitype.CodeBadUserInput, "condition.root.number2",
		"Range end 1 is below its start 5: swap them.")
	status, body = c.do(http.MethodPost, "/api/segments/count", apitype.Segment{Version: 2})
	expectError(t, "future version", status, body, bad, apitype.CodeBadUserInput, "condition.version",
		"Condition version 2 is not supported: set version to 1.")
}
