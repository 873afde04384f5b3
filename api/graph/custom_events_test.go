package graph

import (
	"context"
	"strconv"
	"testing"
	"time"

	"customevents/app/apitype"
)

const customEventFields = `id name slug description isConversion createdAt updatedAt`

type customEventJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	Description  string `json:"description"`
	IsConversion bool   `json:"isConversion"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

func parseRFC3339(t *testing.T, name, value string) time.Time {
	t.Helper()
	parsed, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		t.Fatalf("%s = %q, want RFC 3339: %v", name, value, err)
	}
	return parsed
}

func TestCustomEventLifecycle(t *testing.T) {
	api := newTestAPI(t)
	before := time.Now().Add(-time.Minute)

	// Create.
	resp := api.query(t, `mutation($input: CustomEventInput!) { createCustomEvent(input: $input) { `+customEventFields+` } }`, map[string]any{
		"input": map[string]any{
			"name":         "  Watched Demo Video ",
			"slug":         "watched-demo-video",
			"description":  "Played the product demo to the end.",
			"isConversion": true,
		},
	})
	var created struct {
		CreateCustomEvent customEventJSON `json:"createCustomEvent"`
	}
	decodeData(t, resp, &created)
	event := created.CreateCustomEvent
	stored, err := api.Store.CustomEventBySlug(context.Background(), api.Account.ID, "watched-demo-video")
	if err != nil {
		t.Fatalf("find created event: %v", err)
	}
	if event.ID != strconv.FormatInt(stored.ID, 10) {
		t.Errorf("id = %q, want %d", event.ID, stored.ID)
	}
	if event.Name != "Watched Demo Video" {
		t.Errorf("name = %q, want trimmed Watched Demo Video", event.Name)
	}
	if event.Slug != "watched-demo-video" {
		t.Errorf("slug = %q, want watched-demo-video", event.Slug)
	}
	if event.Description != "Played the product demo to the end." {
		t.Errorf("description = %q", event.Description)
	}
	if !event.IsConversion {
		t.Errorf("isConversion = false, want true")
	}
	createdAt := parseRFC3339(t, "createdAt", event.CreatedAt)
	if !createdAt.Equal(stored.CreatedAt) {
		t.Errorf("createdAt = %s, want %s", createdAt, stored.CreatedAt)
	}
	if createdAt.Before(before) {
		t.Errorf("createdAt = %s, want after %s", createdAt, before)
	}
	if createdAt.Location() != time.UTC {
		t.Errorf("createdAt = %q, want UTC", event.CreatedAt)
	}
	parseRFC3339(t, "updatedAt", event.UpdatedAt)

	// Read one and list.
	resp = api.query(t, `{ customEvent(slug: "watched-demo-video") { `+customEventFields+` } }`, nil)
	var one struct {
		CustomEvent *customEventJSON `json:"customEvent"`
	}
	decodeData(t, resp, &one)
	if one.CustomEvent == nil || *one.CustomEvent != event {
		t.Errorf("customEvent = %+v, want %+v", one.CustomEvent, event)
	}

	api.createEvent(t, "a-first-by-name")
	resp = api.query(t, `{ customEvents { slug name } }`, nil)
	var list struct {
		CustomEvents []customEventJSON `json:"customEvents"`
	}
	decodeData(t, resp, &list)
	if len(list.CustomEvents) != 2 {
		t.Fatalf("customEvents = %+v, want 2 events", list.CustomEvents)
	}
	if list.CustomEvents[0].Name != "Event a-first-by-name" {
		t.Errorf("first name = %q, want Event a-first-by-name", list.CustomEvents[0].Name)
	}
	if list.CustomEvents[1].Name != "Watched Demo Video" {
		t.Errorf("second name = %q, want Watched Demo Video", list.CustomEvents[1].Name)
	}

	// Update replaces every field, so the left-out ones take their defaults.
	resp = api.query(t, `mutation { updateCustomEvent(slug: "watched-demo-video", input: {name: "Demo Video Watched", slug: "demo-video-watched"}) { `+customEventFields+` } }`, nil)
	var updated struct {
		UpdateCustomEvent customEventJSON `json:"updateCustomEvent"`
	}
	decodeData(t, resp, &updated)
	if updated.UpdateCustomEvent.ID != event.ID {
		t.Errorf("updated id = %q, want %q", updated.UpdateCustomEvent.ID, event.ID)
	}
	if updated.UpdateCustomEvent.Slug != "demo-video-watched" {
		t.Errorf("updated slug = %q, want demo-video-watched", updated.UpdateCustomEvent.Slug)
	}
	if updated.UpdateCustomEvent.Name != "Demo Video Watched" {
		t.Errorf("updated name = %q, want Demo Video Watched", updated.UpdateCustomEvent.Name)
	}
	if updated.UpdateCustomEvent.Description != "" {
		t.Errorf("updated description = %q, want empty", updated.UpdateCustomEvent.Description)
	}
	if updated.UpdateCustomEvent.IsConversion {
		t.Errorf("updated isConversion = true, want false")
	}
	if updated.UpdateCustomEvent.CreatedAt != event.CreatedAt {
		t.Errorf("updated createdAt = %q, want %q", updated.UpdateCustomEvent.CreatedAt, event.CreatedAt)
	}
	if !parseRFC3339(t, "updatedAt", updated.UpdateCustomEvent.UpdatedAt).After(parseRFC3339(t, "updatedAt", event.UpdatedAt)) {
		t.Errorf("updatedAt = %q, want after %q", updated.UpdateCustomEvent.UpdatedAt, event.UpdatedAt)
	}

	resp = api.query(t, `{ customEvent(slug: "watched-demo-video") { id } }`, nil)
	decodeData(t, resp, &one)
	if one.CustomEvent != nil {
		t.Errorf("customEvent by old slug = %+v, want null", one.CustomEvent)
	}

	// Delete.
	resp = api.query(t, `mutation { deleteCustomEvent(slug: "demo-video-watched") }`, nil)
	var deleted struct {
		DeleteCustomEvent bool `json:"deleteCustomEvent"`
	}
	decodeData(t, resp, &deleted)
	if !deleted.DeleteCustomEvent {
		t.Errorf("deleteCustomEvent = false, want true")
	}
	resp = api.query(t, `{ customEvents { slug } }`, nil)
	decodeData(t, resp, &list)
	if len(list.CustomEvents) != 1 || list.CustomEvents[0].Slug != "a-first-by-name" {
		t.Errorf("customEvents after delete = %+v, want only a-first-by-name", list.CustomEvents)
	}
	resp = api.query(t, `{ customEvent(slug: "demo-video-watched") { id } }`, nil)
	decodeData(t, resp, &one)
	if one.CustomEvent != nil {
		t.Errorf("customEvent after delete = %+v, want null", one.CustomEvent)
	}
}

func TestCustomEventMutationsReject(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		code    string
		field   string
		message string
	}{
		{
			name:    "reserved slug",
			query:   `mutation { createCustomEvent(input: {name: "Impression", slug: "impression"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: `Slug "impression" is reserved for a built-in event: choose another.`,
		},
		{
			name:    "duplicate slug",
			query:   `mutation { createCustomEvent(input: {name: "Again", slug: "watched-demo-video"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: `Slug "watched-demo-video" is already used by another custom event in this account: choose another.`,
		},
		{
			name:    "uppercase slug",
			query:   `mutation { createCustomEvent(input: {name: "Signup", slug: "Signup"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: `Slug must be lowercase: replace 'S' with 's'.`,
		},
		{
			name:    "empty name",
			query:   `mutation { createCustomEvent(input: {name: " ", slug: "signup"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "name",
			message: "Name is required, such as Watched Demo Video.",
		},
		{
			name:    "update to taken slug",
			query:   `mutation { updateCustomEvent(slug: "signup", input: {name: "Signup", slug: "watched-demo-video"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: `Slug "watched-demo-video" is already used by another custom event in this account: choose another.`,
		},
		{
			name:    "update to reserved slug",
			query:   `mutation { updateCustomEvent(slug: "signup", input: {name: "Signup", slug: "form-submission"}) { id } }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: `Slug "form-submission" is reserved for a built-in event: choose another.`,
		},
		{
			name:    "update unknown slug",
			query:   `mutation { updateCustomEvent(slug: "no-such-event", input: {name: "X", slug: "x"}) { id } }`,
			code:    "NOT_FOUND",
			field:   "slug",
			message: `Custom event "no-such-event" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
		},
		{
			name:    "delete unknown slug",
			query:   `mutation { deleteCustomEvent(slug: "no-such-event") }`,
			code:    "NOT_FOUND",
			field:   "slug",
			message: `Custom event "no-such-event" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
		},
		{
			name:    "delete empty slug",
			query:   `mutation { deleteCustomEvent(slug: "") }`,
			code:    "BAD_USER_INPUT",
			field:   "slug",
			message: "Slug is required, such as watched-demo-video.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			first := api.createEvent(t, "watched-demo-video")
			second := api.createEvent(t, "signup")

			resp := api.query(t, tt.query, nil)

			wantError(t, resp, tt.code, tt.field, tt.message)
			if got := api.count(t, "custom_events"); got != 2 {
				t.Errorf("custom events = %d, want 2", got)
			}
			for _, want := range []string{first.Slug, second.Slug} {
				event, err := api.Store.CustomEventBySlug(context.Background(), api.Account.ID, want)
				if err != nil {
					t.Errorf("find %q after rejected mutation: %v", want, err)
					continue
				}
				if event.Name != "Event "+want {
					t.Errorf("name of %q = %q, want unchanged", want, event.Name)
				}
			}
		})
	}
}

func TestCustomEventsOfOtherAccountHidden(t *testing.T) {
	api := newTestAPI(t)
	ctx := context.Background()
	var otherAccountID int64
	err := api.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES ('Other Company', 'other-site-key') RETURNING id").Scan(ctx, &otherAccountID)
	if err != nil {
		t.Fatalf("insert other account: %v", err)
	}
	if _, err := api.Store.CreateCustomEvent(ctx, otherAccountID, apitype.CustomEventInput{Name: "Other", Slug: "other-event"}); err != nil {
		t.Fatalf("create other account's event: %v", err)
	}

	resp := api.query(t, `{ customEvents { slug } customEvent(slug: "other-event") { id } }`, nil)
	var data struct {
		CustomEvents []customEventJSON `json:"customEvents"`
		CustomEvent  *customEventJSON  `json:"customEvent"`
	}
	decodeData(t, resp, &data)
	if len(data.CustomEvents) != 0 {
		t.Errorf("customEvents = %+v, want none", data.CustomEvents)
	}
	if data.CustomEvent != nil {
		t.Errorf("customEvent = %+v, want null", data.CustomEvent)
	}

	resp = api.query(t, `mutation { deleteCustomEvent(slug: "other-event") }`, nil)
	wantError(t, resp, "NOT_FOUND", "slug", `Custom event "other-event" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`)
	if _, err := api.Store.CustomEventBySlug(ctx, otherAccountID, "other-event"); err != nil {
		t.Errorf("other account's event after delete attempt: %v", err)
	}
}
