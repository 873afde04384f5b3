package graph

import (
	"context"
	"fmt"
	"testing"

	"customevents/app/apitype"
)

func TestCustomEventActionsField(t *testing.T) {
	api := newTestAPI(t)
	ctx := context.Background()
	linked, err := api.Store.CreateCustomEvent(ctx, api.Account.ID, apitype.CustomEventInput{Name: "Booked Demo", Slug: "booked-demo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.CreateCustomEvent(ctx, api.Account.ID, apitype.CustomEventInput{Name: "Opened Email", Slug: "opened-email"}); err != nil {
		t.Fatal(err)
	}
	set, err := api.Store.CreateActionSet(ctx, api.Account.ID, apitype.ActionSetInput{Name: "Onboarding", Description: "New trials"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.Store.SetEventActions(ctx, api.Account.ID, linked.ID, apitype.EventActions{
		Mode: apitype.ActionModeActionSet, ActionSetID: set.ID, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 14,
	})
	if err != nil {
		t.Fatal(err)
	}

	resp := api.query(t, `{ customEvents { slug actions { mode frequency frequencyDays actionSet { id name description } } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatalf("errors = %+v, want none", resp.Errors)
	}
	want := fmt.Sprintf(`{"customEvents":[`+
		`{"slug":"booked-demo","actions":{"mode":"ACTION_SET","frequency":"ONCE_PER_DAYS","frequencyDays":14,"actionSet":{"id":"%d","name":"Onboarding","description":"New trials"}}},`+
		`{"slug":"opened-email","actions":{"mode":"NONE","frequency":"EVERY_TIME","frequencyDays":0,"actionSet":null}}]}`, set.ID)
	if string(resp.Data) != want {
		t.Errorf("data = %s\nwant %s", resp.Data, want)
	}
}
