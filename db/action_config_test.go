package db_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// createTestEvent stores a custom event definition and returns it.
func createTestEvent(t *testing.T, f *dbtest.Fixture, accountID int64, name, slug string) *db.CustomEvent {
	t.Helper()
	event, err := f.Store.CreateCustomEvent(context.Background(), accountID, apitype.CustomEventInput{Name: name, Slug: slug})
	if err != nil {
		t.Fatalf("create event %s: %v", slug, err)
	}
	return event
}

// createTestSet stores an action set that adds 5 to the lead score.
func createTestSet(t *testing.T, f *dbtest.Fixture, accountID int64, name string) *db.LinkedActionSet {
	t.Helper()
	set, err := f.Store.CreateActionSet(context.Background(), accountID, apitype.ActionSetInput{
		Name:    name,
		Actions: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 5}}},
	})
	if err != nil {
		t.Fatalf("create action set %s: %v", name, err)
	}
	return set
}

func createTestList(t *testing.T, f *dbtest.Fixture, accountID int64, name string) apitype.ContactList {
	t.Helper()
	list, err := f.Store.CreateContactList(context.Background(), accountID, apitype.ContactListInput{Name: name})
	if err != nil {
		t.Fatalf("create list %s: %v", name, err)
	}
	return list
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedActionColumns returns the action columns of a custom event as
// stored: mode, actions JSON and linked set id (0 for NULL).
func storedActionColumns(t *testing.T, f *dbtest.Fixture, id int64) (mode, actions string, setID int64) {
	t.Helper()
	err := f.Store.DB().NewRaw(`SELECT action_mode, actions::text, coalesce(action_set_id, 0) FROM custom_events WHERE id = ?`, id).
		Scan(context.Background(), &mode, &actions, &setID)
	if err != nil {
		t.Fatal(err)
	}
	return mode, actions, setID
}

// onTheFlyList has a global action and a conditional one on a list.
func onTheFlyList(listID int64) apitype.ActionList {
	return apitype.ActionList{
		Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 10}},
		Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
				Kind:  apitype.ConditionGroup,
				Match: "all",
				Conditions: []apitype.Condition{
					{Kind: apitype.ConditionLeadScore, Op: "gt", Number: 50},
				},
			}},
			Actions: []apitype.Action{{Type: apitype.ActionAddToList, ListID: listID}},
		}},
	}
}

func TestSetEventActionsModeSwitch(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createTestEvent(t, f, f.Account.ID, "Watched Demo", "watched-demo")
	set := createTestSet(t, f, f.Account.ID, "Onboarding")
	list := createTestList(t, f, f.Account.ID, "Hot leads")

	// A new event runs nothing.
	got, err := f.Store.EventActions(ctx, f.Account.ID, event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"mode":"none","onTheFly":{"global":[],"conditional":[]},"frequency":"every_time"}`; jsonText(t, got) != want {
		t.Errorf("new event actions = %s, want %s", jsonText(t, got), want)
	}

	onTheFly := apitype.EventActions{
		Mode:          apitype.ActionModeOnTheFly,
		OnTheFly:      onTheFlyList(list.ID),
		Frequency:     apitype.FrequencyOncePerDays,
		FrequencyDays: 7,
	}
	saved, err := f.Store.SetEventActions(ctx, f.Account.ID, event.ID, onTheFly)
	if err != nil {
		t.Fatal(err)
	}
	if jsonText(t, saved) != jsonText(t, onTheFly) {
		t.Errorf("saved on-the-fly = %s, want %s", jsonText(t, saved), jsonText(t, onTheFly))
	}
	got, err = f.Store.EventActions(ctx, f.Account.ID, event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if jsonText(t, got) != jsonText(t, onTheFly) {
		t.Errorf("read on-the-fly = %s, want %s", jsonText(t, got), jsonText(t, onTheFly))
	}

	// Linking a set empties the stored on-the-fly list.
	linked := apitype.EventActions{
		Mode:        apitype.ActionModeActionSet,
		ActionSetID: set.ID,
		Frequency:   apitype.FrequencyOncePerContact,
	}
	saved, err = f.Store.SetEventActions(ctx, f.Account.ID, event.ID, linked)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"mode":"action_set","onTheFly":{"global":[],"conditional":[]},"actionSetId":%d,"frequency":"once_per_contact"}`, set.ID)
	if jsonText(t, saved) != want {
		t.Errorf("saved action set mode = %s, want %s", jsonText(t, saved), want)
	}
	mode, actions, setID := storedActionColumns(t, f, event.ID)
	if mode != "action_set" || actions != `{"global": [], "conditional": []}` || setID != set.ID {
		t.Errorf("stored = %s, %s, %d; want action_set, empty lists, %d", mode, actions, setID, set.ID)
	}

	// Switching back to on-the-fly clears the link.
	if _, err := f.Store.SetEventActions(ctx, f.Account.ID, event.ID, onTheFly); err != nil {
		t.Fatal(err)
	}
	mode, _, setID = storedActionColumns(t, f, event.ID)
	if mode != "on_the_fly" || setID != 0 {
		t.Errorf("stored after switching back = %s, set %d; want on_the_fly, no set", mode, setID)
	}

	// Mode none keeps neither side.
	for _, in := range []apitype.EventActions{linked, {Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime}} {
		if _, err := f.Store.SetEventActions(ctx, f.Account.ID, event.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	mode, actions, setID = storedActionColumns(t, f, event.ID)
	if mode != "none" || actions != `{"global": [], "conditional": []}` || setID != 0 {
		t.Errorf("stored after none = %s, %s, %d; want none, empty lists, 0", mode, actions, setID)
	}
}

func TestSetEventActionsOtherAccountIDs(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := createAccount(t, f, "Other Company")
	event := createTestEvent(t, f, f.Account.ID, "Watched Demo", "watched-demo")
	otherEvent := createTestEvent(t, f, other, "Secret", "secret")
	otherSet := createTestSet(t, f, other, "Theirs")
	otherList := createTestList(t, f, other, "Their list")

	_, err := f.Store.SetEventActions(ctx, f.Account.ID, otherEvent.ID, apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime})
	want := fmt.Sprintf(`Custom event with id "%d" was not found in this account. It may have been deleted: reload the list of custom events.`, otherEvent.ID)
	assertNotFound(t, "other account's event", err, want, "")
	if _, err := f.Store.EventActions(ctx, f.Account.ID, otherEvent.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("read other account's event: error = %v, want not found", err)
	}

	_, err = f.Store.SetEventActions(ctx, f.Account.ID, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeActionSet, ActionSetID: otherSet.ID, Frequency: apitype.FrequencyEveryTime,
	})
	want = fmt.Sprintf(`Action set with id "%d" was not found in this account. It may have been deleted: reload the list of action sets.`, otherSet.ID)
	assertNotFound(t, "other account's set", err, want, "actionSetId")

	_, err = f.Store.SetEventActions(ctx, f.Account.ID, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, OnTheFly: onTheFlyList(otherList.ID), Frequency: apitype.FrequencyEveryTime,
	})
	want = fmt.Sprintf(`Contact list with id "%d" was not found in this account. It may have been deleted: pick another list.`, otherList.ID)
	assertNotFound(t, "other account's list", err, want, "onTheFly.conditional[0].actions[0].listId")

	mode, actions, setID := storedActionColumns(t, f, event.ID)
	if mode != "none" || actions != `{"global": [], "conditional": []}` || setID != 0 {
		t.Errorf("stored after rejected writes = %s, %s, %d; want the defaults", mode, actions, setID)
	}
}

func assertNotFound(t *testing.T, what string, err error, message, field string) {
	t.Helper()
	nf, ok := errors.AsType[*db.NotFoundError](err)
	if !ok {
		t.Errorf("%s: error = %v, want *db.NotFoundError", what, err)
		return
	}
	if nf.Error() != message {
		t.Errorf("%s: message = %q, want %q", what, nf.Error(), message)
	}
	if nf.Field != field {
		t.Errorf("%s: field = %q, want %q", what, nf.Field, field)
	}
}

func assertConflict(t *testing.T, what string, err error, message, field string) {
	t.Helper()
	cerr, ok := errors.AsType[*db.ConflictError](err)
	if !ok {
		t.Errorf("%s: error = %v, want *db.ConflictError", what, err)
		return
	}
	if cerr.Message != message {
		t.Errorf("%s: message = %q, want %q", what, cerr.Message, message)
	}
	if cerr.Field != field {
		t.Errorf("%s: field = %q, want %q", what, cerr.Field, field)
	}
}

func TestActionSetNameConflict(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createTestSet(t, f, f.Account.ID, "Onboarding")
	second := createTestSet(t, f, f.Account.ID, "Nurture")

	_, err := f.Store.CreateActionSet(ctx, f.Account.ID, apitype.ActionSetInput{Name: "  ONBOARDING "})
	assertConflict(t, "create", err, `Name "ONBOARDING" is already used by another action set in this account: choose another.`, "name")
	_, err = f.Store.UpdateActionSet(ctx, f.Account.ID, second.ID, apitype.ActionSetInput{Name: "onboarding"})
	assertConflict(t, "rename", err, `Name "onboarding" is already used by another action set in this account: choose another.`, "name")
	if n := dbtest.Count(t, f.Store.DB(), "action_sets"); n != 2 {
		t.Errorf("action sets = %d, want 2", n)
	}

	// Names are unique per account only.
	other := createAccount(t, f, "Other Company")
	if _, err := f.Store.CreateActionSet(ctx, other, apitype.ActionSetInput{Name: "Onboarding"}); err != nil {
		t.Errorf("same name in another account: %v", err)
	}
	// A set may keep its own name in another case.
	renamed, err := f.Store.UpdateActionSet(ctx, f.Account.ID, second.ID, apitype.ActionSetInput{Name: "NURTURE", Description: " Slow drip "})
	if err != nil {
		t.Fatal(err)
	}
	if renamed.Name != "NURTURE" || renamed.Description != "Slow drip" {
		t.Errorf("renamed = %q, %q; want NURTURE, Slow drip", renamed.Name, renamed.Description)
	}
	if got := jsonText(t, renamed.Actions); got != `{"global":[],"conditional":[]}` {
		t.Errorf("renamed actions = %s, want empty lists", got)
	}
}

func TestActionSetInvalidName(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		message string
	}{
		{"   ", "Name is required, such as Onboarding."},
		{strings.Repeat("a", 201), "Name is too long: use at most 200 characters."},
		{"Sale\u202e", "Name contains the invisible character U+202E: remove it."},
	}
	for _, c := range cases {
		_, err := f.Store.CreateActionSet(ctx, f.Account.ID, apitype.ActionSetInput{Name: c.name})
		verr, ok := errors.AsType[*apitype.ValidationError](err)
		if !ok {
			t.Errorf("name %q: error = %v, want a validation error", c.name, err)
			continue
		}
		if verr.Field != "name" || verr.Message != c.message {
			t.Errorf("name %q: error = %s: %s, want name: %s", c.name, verr.Field, verr.Message, c.message)
		}
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_sets"); n != 0 {
		t.Errorf("action sets = %d, want 0", n)
	}
}

func TestActionSetsListLinkedEvents(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	onboarding := createTestSet(t, f, f.Account.ID, "onboarding")
	createTestSet(t, f, f.Account.ID, "Alerts")
	trial := createTestEvent(t, f, f.Account.ID, "Started Trial", "started-trial")
	demo := createTestEvent(t, f, f.Account.ID, "Booked Demo", "booked-demo")
	gone := createTestEvent(t, f, f.Account.ID, "Gone", "gone")
	for _, e := range []*db.CustomEvent{trial, demo, gone} {
		link(t, f, e.ID, onboarding.ID)
	}
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, gone.ID); err != nil {
		t.Fatal(err)
	}

	sets, err := f.Store.ActionSets(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 {
		t.Fatalf("sets = %d, want 2", len(sets))
	}
	if sets[0].Name != "Alerts" || jsonText(t, sets[0].LinkedEvents) != "[]" {
		t.Errorf("first set = %s linked to %s, want Alerts linked to []", sets[0].Name, jsonText(t, sets[0].LinkedEvents))
	}
	want := fmt.Sprintf(`[{"id":%d,"name":"Booked Demo","slug":"booked-demo"},{"id":%d,"name":"Started Trial","slug":"started-trial"}]`, demo.ID, trial.ID)
	if sets[1].Name != "onboarding" || jsonText(t, sets[1].LinkedEvents) != want {
		t.Errorf("second set = %s linked to %s, want onboarding linked to %s", sets[1].Name, jsonText(t, sets[1].LinkedEvents), want)
	}
	if got := jsonText(t, sets[1].Actions); got != `{"global":[{"type":"adjust_score","delta":5}],"conditional":[]}` {
		t.Errorf("actions = %s", got)
	}

	one, err := f.Store.ActionSet(ctx, f.Account.ID, onboarding.ID)
	if err != nil {
		t.Fatal(err)
	}
	if jsonText(t, one.LinkedEvents) != want {
		t.Errorf("one set linked to %s, want %s", jsonText(t, one.LinkedEvents), want)
	}
}

// link makes custom event eventID run action set setID.
func link(t *testing.T, f *dbtest.Fixture, eventID, setID int64) {
	t.Helper()
	_, err := f.Store.SetEventActions(context.Background(), f.Account.ID, eventID, apitype.EventActions{
		Mode: apitype.ActionModeActionSet, ActionSetID: setID, Frequency: apitype.FrequencyEveryTime,
	})
	if err != nil {
		t.Fatalf("link event %d to set %d: %v", eventID, setID, err)
	}
}

func TestDeleteActionSetRefusedWhileLinked(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	set := createTestSet(t, f, f.Account.ID, "Onboarding")
	trial := createTestEvent(t, f, f.Account.ID, "Started Trial", "started-trial")
	demo := createTestEvent(t, f, f.Account.ID, "Booked Demo", "booked-demo")
	gone := createTestEvent(t, f, f.Account.ID, "Gone", "gone")
	for _, e := range []*db.CustomEvent{trial, demo, gone} {
		link(t, f, e.ID, set.ID)
	}
	if err := f.Store.DeleteCustomEvent(ctx, f.Account.ID, gone.ID); err != nil {
		t.Fatal(err)
	}

	err := f.Store.DeleteActionSet(ctx, f.Account.ID, set.ID)
	assertConflict(t, "two links", err, `Action set "Onboarding" is used by the custom events "Booked Demo" (booked-demo) and "Started Trial" (started-trial). Choose other actions for them under Automations → Custom Events, then delete the set.`, "")

	if _, err := f.Store.SetEventActions(ctx, f.Account.ID, demo.ID, apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime}); err != nil {
		t.Fatal(err)
	}
	err = f.Store.DeleteActionSet(ctx, f.Account.ID, set.ID)
	assertConflict(t, "one link", err, `Action set "Onboarding" is used by the custom event "Started Trial" (started-trial). Choose other actions for them under Automations → Custom Events, then delete the set.`, "")
	if n := dbtest.Count(t, f.Store.DB(), "action_sets"); n != 1 {
		t.Fatalf("action sets after refusals = %d, want 1", n)
	}

	if _, err := f.Store.SetEventActions(ctx, f.Account.ID, trial.ID, apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime}); err != nil {
		t.Fatal(err)
	}
	// The deleted event still links the set, which does not stop the delete.
	if err := f.Store.DeleteActionSet(ctx, f.Account.ID, set.ID); err != nil {
		t.Fatalf("delete unlinked set: %v", err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_sets"); n != 0 {
		t.Errorf("action sets after delete = %d, want 0", n)
	}
	mode, _, setID := storedActionColumns(t, f, gone.ID)
	if mode != "none" || setID != 0 {
		t.Errorf("deleted event after delete = %s, set %d; want none, no set", mode, setID)
	}
	err = f.Store.DeleteActionSet(ctx, f.Account.ID, set.ID)
	assertNotFound(t, "delete again", err, fmt.Sprintf(`Action set with id "%d" was not found in this account. It may have been deleted: reload the list of action sets.`, set.ID), "")
}

func TestActionSetOtherAccountNotFound(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := createAccount(t, f, "Other Company")
	theirs := createTestSet(t, f, other, "Theirs")
	want := fmt.Sprintf(`Action set with id "%d" was not found in this account. It may have been deleted: reload the list of action sets.`, theirs.ID)

	_, err := f.Store.ActionSet(ctx, f.Account.ID, theirs.ID)
	assertNotFound(t, "get", err, want, "")
	_, err = f.Store.UpdateActionSet(ctx, f.Account.ID, theirs.ID, apitype.ActionSetInput{Name: "Mine"})
	assertNotFound(t, "update", err, want, "")
	err = f.Store.DeleteActionSet(ctx, f.Account.ID, theirs.ID)
	assertNotFound(t, "delete", err, want, "")

	sets, err := f.Store.ActionSets(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 0 {
		t.Errorf("sets listed = %d, want 0", len(sets))
	}
	kept, err := f.Store.ActionSet(ctx, other, theirs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Name != "Theirs" {
		t.Errorf("other account's set name = %q, want Theirs", kept.Name)
	}

	// A list of another account cannot go into a set either.
	theirList := createTestList(t, f, other, "Their list")
	_, err = f.Store.CreateActionSet(ctx, f.Account.ID, apitype.ActionSetInput{
		Name:    "Mine",
		Actions: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionRemoveFromList, ListID: theirList.ID}}},
	})
	want = fmt.Sprintf(`Contact list with id "%d" was not found in this account. It may have been deleted: pick another list.`, theirList.ID)
	assertNotFound(t, "set with their list", err, want, "actions.global[0].listId")
}

func TestContactListsLifecycle(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	hot := createTestList(t, f, f.Account.ID, " Hot leads ")
	cold := createTestList(t, f, f.Account.ID, "cold leads")
	if hot.Name != "Hot leads" || hot.Members != 0 {
		t.Errorf("created = %+v, want Hot leads with 0 members", hot)
	}
	var contacts []int64
	err := f.Store.DB().NewRaw(`INSERT INTO contacts (account_id, email) VALUES (?0, 'a@example.com'), (?0, 'b@example.com') RETURNING id`, f.Account.ID).
		Scan(ctx, &contacts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		_, err := f.Store.DB().NewRaw(`INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?)`, f.Account.ID, hot.ID, c).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
	}

	_, err = f.Store.CreateContactList(ctx, f.Account.ID, apitype.ContactListInput{Name: "HOT LEADS"})
	assertConflict(t, "create", err, `Name "HOT LEADS" is already used by another contact list in this account: choose another.`, "name")
	_, err = f.Store.RenameContactList(ctx, f.Account.ID, cold.ID, apitype.ContactListInput{Name: "hot leads"})
	assertConflict(t, "rename", err, `Name "hot leads" is already used by another contact list in this account: choose another.`, "name")
	_, err = f.Store.CreateContactList(ctx, f.Account.ID, apitype.ContactListInput{Name: ""})
	if verr, ok := errors.AsType[*apitype.ValidationError](err); !ok || verr.Message != "Name is required, such as Newsletter subscribers." {
		t.Errorf("empty name: error = %v, want the required message", err)
	}

	renamed, err := f.Store.RenameContactList(ctx, f.Account.ID, hot.ID, apitype.ContactListInput{Name: "Warm leads"})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"id":%d,"name":"Warm leads","members":2}`, hot.ID); jsonText(t, renamed) != want {
		t.Errorf("renamed = %s, want %s", jsonText(t, renamed), want)
	}
	lists, err := f.Store.ContactLists(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`[{"id":%d,"name":"cold leads","members":0},{"id":%d,"name":"Warm leads","members":2}]`, cold.ID, hot.ID)
	if jsonText(t, lists) != want {
		t.Errorf("lists = %s, want %s", jsonText(t, lists), want)
	}

	if err := f.Store.DeleteContactList(ctx, f.Account.ID, hot.ID); err != nil {
		t.Fatal(err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contact_list_members"); n != 0 {
		t.Errorf("members after delete = %d, want 0", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 2 {
		t.Errorf("contacts after delete = %d, want 2 kept", n)
	}
}

func TestDeleteContactListRefusedWhileUsed(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	list := createTestList(t, f, f.Account.ID, "Hot leads")
	event := createTestEvent(t, f, f.Account.ID, "Booked Demo", "booked-demo")
	_, err := f.Store.SetEventActions(ctx, f.Account.ID, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, OnTheFly: onTheFlyList(list.ID), Frequency: apitype.FrequencyEveryTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The set names the list in a condition only.
	set, err := f.Store.CreateActionSet(ctx, f.Account.ID, apitype.ActionSetInput{
		Name: "Alerts",
		Actions: apitype.ActionList{Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
				Kind: apitype.ConditionGroup, Match: "any",
				Conditions: []apitype.Condition{{Kind: apitype.ConditionList, Op: "member", ListID: list.ID}},
			}},
			Actions: []apitype.Action{{Type: apitype.ActionAddTag, Value: "vip"}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	err = f.Store.DeleteContactList(ctx, f.Account.ID, list.ID)
	assertConflict(t, "used twice", err, `Contact list "Hot leads" is used by the actions or conditions of the custom event "Booked Demo" (booked-demo) and the action set "Alerts". Remove it from them first, then delete the list.`, "")

	if err := f.Store.DeleteActionSet(ctx, f.Account.ID, set.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.SetEventActions(ctx, f.Account.ID, event.ID, apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyEveryTime}); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.DeleteContactList(ctx, f.Account.ID, list.ID); err != nil {
		t.Fatalf("delete unused list: %v", err)
	}
}

func TestContactListOtherAccountNotFound(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := createAccount(t, f, "Other Company")
	theirs := createTestList(t, f, other, "Theirs")
	want := fmt.Sprintf(`Contact list with id "%d" was not found in this account. It may have been deleted: reload the lists.`, theirs.ID)

	_, err := f.Store.RenameContactList(ctx, f.Account.ID, theirs.ID, apitype.ContactListInput{Name: "Mine"})
	assertNotFound(t, "rename", err, want, "")
	err = f.Store.DeleteContactList(ctx, f.Account.ID, theirs.ID)
	assertNotFound(t, "delete", err, want, "")
	lists, err := f.Store.ContactLists(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) != 0 {
		t.Errorf("lists = %d, want 0", len(lists))
	}
	if n := dbtest.Count(t, f.Store.DB(), "contact_lists"); n != 1 {
		t.Errorf("lists stored = %d, want 1", n)
	}
}
