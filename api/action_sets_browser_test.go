package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"customevents/app/apitype"
)

// typeAndCommit types text into a control and moves the focus away, so
// the page receives the change event as from a user who leaves the field.
func typeAndCommit(t *testing.T, ctx context.Context, selector, text string) {
	t.Helper()
	typeInto(t, ctx, selector, text)
	evaluate(t, ctx, fmt.Sprintf(`(() => { document.querySelector(%q).blur(); return true })()`, selector))
}

// TestActionSetLinkedAndDeleteRefused creates an action set with a global
// and a conditional action in the admin app. It links the set to an event
// that had on-the-fly actions, after confirming their replacement, and
// reloads the event's Actions view. Then it tries to delete the set.
func TestActionSetLinkedAndDeleteRefused(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Booked Demo", Slug: "booked-demo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Store.SetEventActions(ctx, ts.Account.ID, event.ID, apitype.EventActions{
		Mode:      apitype.ActionModeOnTheFly,
		OnTheFly:  apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 5}}},
		Frequency: apitype.FrequencyEveryTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two contacts, one of them tagged vip, for the live count.
	_, err = ts.Store.DB().NewRaw(`
		WITH c AS (INSERT INTO contacts (account_id, email) VALUES (?0, 'ann@example.com'), (?0, 'bob@example.com') RETURNING id, email)
		INSERT INTO contact_tags (account_id, contact_id, tag) SELECT ?0, id, 'vip' FROM c WHERE email = 'ann@example.com'`, ts.Account.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}

	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/automations/action-sets")
	waitFor(t, browser, "navigation item", `!!document.querySelector('a[href="/automations/action-sets"][aria-current="page"]')`)
	waitFor(t, browser, "empty list", `!!document.getElementById("action-sets-empty")`)

	// A set with one global and one conditional action.
	typeInto(t, browser, "#set-name", "Onboarding")
	typeInto(t, browser, "#set-description", "Welcome new trials")
	click(t, browser, "#as-global-add")
	waitFor(t, browser, "global action focused", `document.activeElement && document.activeElement.id === "as-global-0-type"`)
	typeAndCommit(t, browser, "#as-global-0-delta", "15")

	// A webhook with a short secret is refused next to the secret, and
	// removing the action moves the focus to the add button.
	click(t, browser, "#as-global-add")
	waitFor(t, browser, "second global action", `!!document.getElementById("as-global-1-type")`)
	selectOption(t, browser, "#as-global-1-type", apitype.ActionWebhook)
	waitFor(t, browser, "webhook controls", `!!document.getElementById("as-global-1-secret")`)
	typeAndCommit(t, browser, "#as-global-1-url", "https://hooks.example.com/ce")
	typeAndCommit(t, browser, "#as-global-1-secret", "short")
	click(t, browser, "#action-set-submit")
	waitFor(t, browser, "secret error", textIs("#as-global-1-secret-error",
		"Secret is 5 characters long: use 16 to 200, such as a random string from a password generator."))
	waitFor(t, browser, "secret marked invalid", `document.getElementById("as-global-1-secret").getAttribute("aria-invalid") === "true"`)
	waitFor(t, browser, "form error", textIs("#action-set-form-error", "The action set was not saved: correct the marked field and save again."))
	click(t, browser, `button[aria-label="Remove action 2"]`)
	waitFor(t, browser, "focus after remove", `document.activeElement && document.activeElement.id === "as-global-add" && !document.getElementById("as-global-1-type")`)
	click(t, browser, "#as-conditional-add")
	waitFor(t, browser, "condition focused", `document.activeElement && document.activeElement.id === "as-conditional-0-condition-root-conditions-0-kind"`)
	typeAndCommit(t, browser, "#as-conditional-0-condition-root-conditions-0-value", " VIP ")
	waitFor(t, browser, "tag in lowercase", `document.getElementById("as-conditional-0-condition-root-conditions-0-value").value === "vip"`)
	waitFor(t, browser, "live count", textIs("#as-conditional-0-count", "1 contact matches now"))
	typeAndCommit(t, browser, "#as-conditional-0-actions-0-value", "priority")
	saveScreenshot(t, browser, "action-set-editor")
	click(t, browser, "#action-set-submit")
	waitFor(t, browser, "created notice", textIs("#action-sets-notice", "Created “Onboarding”."))
	waitFor(t, browser, "listed set", textIs("#action-sets-table tbody tr td.runs", "1 global action, 1 conditional entry"))
	waitFor(t, browser, "form reset", `document.getElementById("set-name").value === "" && !document.getElementById("as-global-0-type")`)

	// The API finds the duplicate name, and the page shows it at the name.
	typeInto(t, browser, "#set-name", "ONBOARDING")
	click(t, browser, "#action-set-submit")
	waitFor(t, browser, "name conflict", textIs("#set-name-error", `Name "ONBOARDING" is already used by another action set in this account: choose another.`))

	sets, err := ts.Store.ActionSets(ctx, ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 {
		t.Fatalf("stored sets = %d, want 1", len(sets))
	}
	set := sets[0]
	if set.Name != "Onboarding" || set.Description != "Welcome new trials" {
		t.Errorf("stored set = %q, %q; want Onboarding, Welcome new trials", set.Name, set.Description)
	}
	actions, _ := json.Marshal(set.Actions)
	wantActions := `{"global":[{"type":"adjust_score","delta":15}],"conditional":[{"condition":{"version":1,"root":{"kind":"group","match":"all","conditions":[{"kind":"tag","op":"has","value":"vip"}]}},"actions":[{"type":"add_tag","value":"priority"}]}]}`
	if string(actions) != wantActions {
		t.Errorf("stored actions = %s\nwant %s", actions, wantActions)
	}
	setID := strconv.FormatInt(set.ID, 10)

	// Link the set to the event, which replaces its on-the-fly action.
	actionsURL := ts.URL + "/automations/custom-events?event=booked-demo&view=actions"
	navigate(t, browser, actionsURL)
	waitFor(t, browser, "on-the-fly mode", `!!document.getElementById("action-mode-on_the_fly") && document.getElementById("action-mode-on_the_fly").checked`)
	waitFor(t, browser, "on-the-fly action", `document.getElementById("ot-global-0-delta").value === "5"`)
	click(t, browser, "#action-mode-action_set")
	waitFor(t, browser, "replace confirmation", textIs("#replace-confirm-text",
		"This event has 1 on-the-fly action. An action set replaces them: they are deleted when you save."))
	waitFor(t, browser, "mode unchanged before confirming", `document.getElementById("action-mode-on_the_fly").checked && !document.getElementById("action-mode-action_set").checked`)
	waitFor(t, browser, "confirm button focused", `document.activeElement && document.activeElement.id === "confirm-replace"`)
	click(t, browser, "#confirm-replace")
	waitFor(t, browser, "set picker focused", `document.activeElement && document.activeElement.id === "action-set-select"`)
	click(t, browser, "#event-actions-save")
	waitFor(t, browser, "set required", textIs("#action-set-select-error", "Action set is required for mode action_set: choose one."))
	selectOption(t, browser, "#action-set-select", setID)
	// The chosen set's description moves the save button down.
	waitFor(t, browser, "chosen set described", textIs("#action-set-description", "Welcome new trials"))
	click(t, browser, "#event-actions-save")
	waitFor(t, browser, "saved notice", textIs("#event-actions-notice", "Saved the actions of “Booked Demo”."))

	stored, err := ts.Store.EventActions(ctx, ts.Account.ID, event.ID)
	if err != nil {
		t.Fatal(err)
	}
	storedJSON, _ := json.Marshal(stored)
	wantStored := `{"mode":"action_set","onTheFly":{"global":[],"conditional":[]},"actionSetId":` + setID + `,"frequency":"every_time"}`
	if string(storedJSON) != wantStored {
		t.Errorf("stored event actions = %s, want %s", storedJSON, wantStored)
	}

	// The saved state survives a reload.
	navigate(t, browser, actionsURL)
	waitFor(t, browser, "action set mode after reload", `!!document.getElementById("action-mode-action_set") && document.getElementById("action-mode-action_set").checked`)
	waitFor(t, browser, "chosen set after reload", fmt.Sprintf(`document.getElementById("action-set-select").value === %q`, setID))
	waitFor(t, browser, "set description", textIs("#action-set-description", "Welcome new trials"))
	waitFor(t, browser, "set summary", textIs("#action-set-summary", "Runs 1 global action and 1 conditional entry. Manage action sets"))
	waitFor(t, browser, "actions view pressed", `document.getElementById("view-actions").getAttribute("aria-pressed") === "true"`)
	saveScreenshot(t, browser, "event-actions-linked-set")

	// The linked set cannot be deleted, and the page names the event
	// that uses it.
	navigate(t, browser, ts.URL+"/automations/action-sets")
	waitFor(t, browser, "linked event listed", textIs("#action-sets-table tbody tr td.linked a", "Booked Demo"))
	click(t, browser, `button[aria-label="Delete Onboarding"]`)
	click(t, browser, "#confirm-delete-set")
	waitFor(t, browser, "refusal", textIs("#action-sets-error",
		`“Onboarding” was not deleted. Action set "Onboarding" is used by the custom event "Booked Demo" (booked-demo). Choose other actions for them under Automations → Custom Events, then delete the set.`))
	waitFor(t, browser, "set still listed", textIs("#action-sets-table tbody tr td.name strong", "Onboarding"))
	saveScreenshot(t, browser, "action-set-delete-refused")
	if sets, err := ts.Store.ActionSets(ctx, ts.Account.ID); err != nil || len(sets) != 1 {
		t.Errorf("sets after refused delete = %d (%v), want 1", len(sets), err)
	}
}

// TestActionPagesReadOnlyForViewer checks that a viewer reads an event's
// actions in disabled controls without a save button, and the action sets
// without the controls that change them.
func TestActionPagesReadOnlyForViewer(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Booked Demo", Slug: "booked-demo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Store.SetEventActions(ctx, ts.Account.ID, event.ID, apitype.EventActions{
		Mode:      apitype.ActionModeOnTheFly,
		OnTheFly:  apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 5}}},
		Frequency: apitype.FrequencyEveryTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.CreateActionSet(ctx, ts.Account.ID, apitype.ActionSetInput{Name: "Onboarding"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.CreateContactList(ctx, ts.Account.ID, apitype.ContactListInput{Name: "Hot leads"}); err != nil {
		t.Fatal(err)
	}
	ts.AddMember(t, ts.Account.ID, "vic@example.com", "viewer password", apitype.RoleViewer)

	browser := newBrowser(t)
	path := "/automations/custom-events"
	navigate(t, browser, ts.URL+path+"?event=booked-demo&view=actions")
	waitFor(t, browser, "sign-in form", `location.pathname === "/login" && !!document.getElementById("login-email")`)
	typeInto(t, browser, "#login-email", "vic@example.com")
	typeInto(t, browser, "#login-password", "viewer password")
	click(t, browser, "#login-submit")
	waitFor(t, browser, "actions view", `location.pathname === "/automations/custom-events" && !!document.getElementById("event-actions")`)
	waitFor(t, browser, "read-only notice", textIs("#event-actions-read-only", "You can read what this event runs. Changing it needs the editor role."))
	waitFor(t, browser, "stored action shown", `document.getElementById("ot-global-0-delta").value === "5"`)
	for _, check := range []string{
		`document.querySelector("#event-actions fieldset.plain").disabled`,
		`document.getElementById("ot-global-0-delta").matches(":disabled")`,
		`document.getElementById("action-mode-none").matches(":disabled")`,
		`!document.getElementById("event-actions-save")`,
	} {
		if !evalValue[bool](t, browser, check) {
			t.Errorf("viewer's Actions view: %s is false", check)
		}
	}
	saveScreenshot(t, browser, "viewer-event-actions")

	navigate(t, browser, ts.URL+"/automations/action-sets")
	waitFor(t, browser, "sets listed", textIs("#action-sets-table tbody tr td.name strong", "Onboarding"))
	waitFor(t, browser, "lists listed", textIs("#lists-table tbody tr td.name span", "Hot leads"))
	waitFor(t, browser, "read-only notice on sets", textIs("#action-sets-read-only", "You can read the action sets and lists of this account. Changing them needs the editor role."))
	for _, selector := range []string{"#action-set-form", "#list-form", "button.edit", "button.delete", `button[aria-label="Rename Hot leads"]`} {
		if evalValue[bool](t, browser, fmt.Sprintf(`!!document.querySelector(%q)`, selector)) {
			t.Errorf("viewer's Action Sets page has %s, want none", selector)
		}
	}
}
