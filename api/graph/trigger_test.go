package graph

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"customevents/db"
)

// triggerDocument is the documented example request, kept byte for byte.
const triggerDocument = `mutation {
triggerCustomEvent(input: {
slug: "watched-demo-video"
email: "contact@example.com"
})
}`

// The mutation on one line, with the input's fields separated by a space
// and no comma, as integrators copy it, works as written.
func TestTriggerOneLineDocument(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const document = `mutation { triggerCustomEvent(input: { slug: "s" email: "a@b.c" }) }`
	body, err := json.Marshal(map[string]string{"query": document})
	if err != nil {
		t.Fatal(err)
	}
	resp := api.postBody(t, "Bearer "+api.APIKey, string(body))
	if resp.Status != 200 {
		t.Errorf("status = %d, want 200", resp.Status)
	}
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %+v, want none", resp.Errors)
	}
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)

	occurrences := storedOccurrences(t, api)
	if len(occurrences) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(occurrences))
	}
	contacts := storedContacts(t, api)
	if len(contacts) != 1 {
		t.Fatalf("contacts = %d, want 1", len(contacts))
	}
	if data.TriggerCustomEvent != strconv.FormatInt(occurrences[0].ID, 10) {
		t.Errorf("triggerCustomEvent = %q, want occurrence id %d", data.TriggerCustomEvent, occurrences[0].ID)
	}
	if contacts[0].Email == nil || *contacts[0].Email != "a@b.c" {
		t.Errorf("contact email = %v, want a@b.c", contacts[0].Email)
	}
	if occurrences[0].ContactID != contacts[0].ID {
		t.Errorf("occurrence contact = %d, want %d", occurrences[0].ContactID, contacts[0].ID)
	}
}

func storedOccurrences(t *testing.T, api *testAPI) []db.EventOccurrence {
	t.Helper()
	var occurrences []db.EventOccurrence
	if err := api.Store.DB().NewSelect().Model(&occurrences).Order("id").Scan(context.Background()); err != nil {
		t.Fatalf("select occurrences: %v", err)
	}
	return occurrences
}

func storedContacts(t *testing.T, api *testAPI) []db.Contact {
	t.Helper()
	var contacts []db.Contact
	if err := api.Store.DB().NewSelect().Model(&contacts).Order("id").Scan(context.Background()); err != nil {
		t.Fatalf("select contacts: %v", err)
	}
	return contacts
}

func TestTriggerDocumentStoresOccurrence(t *testing.T) {
	api := newTestAPI(t)
	event := api.createEvent(t, "watched-demo-video")

	body, err := json.Marshal(map[string]string{"query": triggerDocument})
	if err != nil {
		t.Fatal(err)
	}
	resp := api.postBody(t, "Bearer "+api.APIKey, string(body))
	if resp.Status != 200 {
		t.Errorf("status = %d, want 200", resp.Status)
	}
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)

	occurrences := storedOccurrences(t, api)
	if len(occurrences) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(occurrences))
	}
	occurrence := occurrences[0]
	if data.TriggerCustomEvent != strconv.FormatInt(occurrence.ID, 10) {
		t.Errorf("triggerCustomEvent = %q, want occurrence id %d", data.TriggerCustomEvent, occurrence.ID)
	}
	if occurrence.CustomEventID != event.ID {
		t.Errorf("custom event id = %d, want %d", occurrence.CustomEventID, event.ID)
	}
	if occurrence.AccountID != api.Account.ID {
		t.Errorf("account id = %d, want %d", occurrence.AccountID, api.Account.ID)
	}
	if occurrence.Source != db.SourceAPI {
		t.Errorf("source = %q, want %q", occurrence.Source, db.SourceAPI)
	}
	if occurrence.PageURL != "" {
		t.Errorf("page URL = %q, want empty", occurrence.PageURL)
	}

	contacts := storedContacts(t, api)
	if len(contacts) != 1 {
		t.Fatalf("contacts = %d, want 1", len(contacts))
	}
	if contacts[0].Email == nil || *contacts[0].Email != "contact@example.com" {
		t.Errorf("contact email = %v, want contact@example.com", contacts[0].Email)
	}
	if occurrence.ContactID != contacts[0].ID {
		t.Errorf("occurrence contact id = %d, want %d", occurrence.ContactID, contacts[0].ID)
	}

	// The same contact in other letter case gets a second occurrence and
	// no new contact.
	mixedCase := strings.Replace(triggerDocument, "contact@example.com", "Contact@Example.COM", 1)
	body, err = json.Marshal(map[string]string{"query": mixedCase})
	if err != nil {
		t.Fatal(err)
	}
	resp = api.postBody(t, "Bearer "+api.APIKey, string(body))
	decodeData(t, resp, &data)

	occurrences = storedOccurrences(t, api)
	if len(occurrences) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(occurrences))
	}
	if data.TriggerCustomEvent != strconv.FormatInt(occurrences[1].ID, 10) {
		t.Errorf("second triggerCustomEvent = %q, want occurrence id %d", data.TriggerCustomEvent, occurrences[1].ID)
	}
	if occurrences[1].ContactID != contacts[0].ID {
		t.Errorf("second occurrence contact id = %d, want %d", occurrences[1].ContactID, contacts[0].ID)
	}
	if got := api.count(t, "contacts"); got != 1 {
		t.Errorf("contacts = %d, want 1", got)
	}
}

func TestTriggerStoresPageURL(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "watched-demo-video")

	resp := api.query(t, `mutation($input: TriggerCustomEventInput!) { triggerCustomEvent(input: $input) }`, map[string]any{
		"input": map[string]any{
			"slug":    "watched-demo-video",
			"email":   " Ann@Example.com ",
			"pageUrl": " https://example.com/demo?utm_source=mail ",
		},
	})
	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)

	occurrences := storedOccurrences(t, api)
	if len(occurrences) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(occurrences))
	}
	if occurrences[0].PageURL != "https://example.com/demo?utm_source=mail" {
		t.Errorf("page URL = %q, want https://example.com/demo?utm_source=mail", occurrences[0].PageURL)
	}
	contacts := storedContacts(t, api)
	if len(contacts) != 1 {
		t.Fatalf("contacts = %d, want 1", len(contacts))
	}
	if contacts[0].Email == nil || *contacts[0].Email != "ann@example.com" {
		t.Errorf("contact email = %v, want ann@example.com", contacts[0].Email)
	}
}

func TestTriggerRejectsAndStoresNothing(t *testing.T) {
	const triggerMutation = `mutation($input: TriggerCustomEventInput!) { triggerCustomEvent(input: $input) }`
	const missingKey = "Authorization header is missing or malformed: send the API key as `Authorization: Bearer <API key>`."
	const invalidKey = "API key is invalid or revoked: send a valid key as `Authorization: Bearer <API key>`."

	validInput := map[string]any{"slug": "watched-demo-video", "email": "contact@example.com"}
	tests := []struct {
		name          string
		authorization string // "key" sends the fixture's valid key
		revokeKey     bool
		input         map[string]any
		code          string
		field         string
		message       string
	}{
		{
			name:          "unknown slug",
			authorization: "key",
			input:         map[string]any{"slug": "no-such-event", "email": "contact@example.com"},
			code:          "NOT_FOUND",
			field:         "slug",
			message:       `Custom event "no-such-event" was not found in this account. Check the slug, or create the event under Settings → Custom Events.`,
		},
		{
			name:          "empty slug",
			authorization: "key",
			input:         map[string]any{"slug": "  ", "email": "contact@example.com"},
			code:          "BAD_USER_INPUT",
			field:         "slug",
			message:       "Slug is required, such as watched-demo-video.",
		},
		{
			name:          "malformed email",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": "contact.example.com"},
			code:          "BAD_USER_INPUT",
			field:         "email",
			message:       `Email "contact.example.com" is not a valid address: use the form name@example.com.`,
		},
		{
			name:          "empty email",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": ""},
			code:          "BAD_USER_INPUT",
			field:         "email",
			message:       "Email is required, such as contact@example.com.",
		},
		{
			name:          "relative page URL",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": "contact@example.com", "pageUrl": "/pricing"},
			code:          "BAD_USER_INPUT",
			field:         "pageUrl",
			message:       `Page URL "/pricing" is invalid: use an absolute http or https URL, such as https://example.com/pricing.`,
		},
		{
			name:          "javascript page URL",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": "contact@example.com", "pageUrl": "javascript:alert(1)"},
			code:          "BAD_USER_INPUT",
			field:         "pageUrl",
			message:       `Page URL "javascript:alert(1)" is invalid: use an absolute http or https URL, such as https://example.com/pricing.`,
		},
		{
			name:          "page URL with a password",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": "contact@example.com", "pageUrl": "https://ann:secret@example.com/pricing"},
			code:          "BAD_USER_INPUT",
			field:         "pageUrl",
			message:       "Page URL contains a user name or password before the host, which must not be stored: remove them, as in https://example.com/pricing.",
		},
		{
			name:          "too long page URL",
			authorization: "key",
			input:         map[string]any{"slug": "watched-demo-video", "email": "contact@example.com", "pageUrl": "https://example.com/" + strings.Repeat("a", 2029)},
			code:          "BAD_USER_INPUT",
			field:         "pageUrl",
			message:       "Page URL is too long: use at most 2048 characters.",
		},
		{
			name:    "missing key",
			input:   validInput,
			code:    "UNAUTHENTICATED",
			message: missingKey,
		},
		{
			name:          "basic scheme",
			authorization: "Basic dXNlcjpwYXNz",
			input:         validInput,
			code:          "UNAUTHENTICATED",
			message:       missingKey,
		},
		{
			name:          "bearer without key",
			authorization: "Bearer ",
			input:         validInput,
			code:          "UNAUTHENTICATED",
			message:       missingKey,
		},
		{
			name:          "wrong key",
			authorization: "Bearer " + db.NewAPIKey(),
			input:         validInput,
			code:          "UNAUTHENTICATED",
			message:       invalidKey,
		},
		{
			name:          "revoked key",
			authorization: "key",
			revokeKey:     true,
			input:         validInput,
			code:          "UNAUTHENTICATED",
			message:       invalidKey,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			api.createEvent(t, "watched-demo-video")
			if tt.revokeKey {
				if _, err := api.Store.DB().ExecContext(context.Background(), "UPDATE api_keys SET revoked_at = now()"); err != nil {
					t.Fatalf("revoke key: %v", err)
				}
			}
			authorization := tt.authorization
			if authorization == "key" {
				authorization = "Bearer " + api.APIKey
			}

			resp := api.queryWithAuth(t, authorization, triggerMutation, map[string]any{"input": tt.input})

			wantError(t, resp, tt.code, tt.field, tt.message)
			if string(resp.Data) != "null" {
				t.Errorf("data = %s, want null", resp.Data)
			}
			if got := api.count(t, "event_occurrences"); got != 0 {
				t.Errorf("occurrences = %d, want 0", got)
			}
			if got := api.count(t, "contacts"); got != 0 {
				t.Errorf("contacts = %d, want 0", got)
			}
			if strings.Contains(api.Logs.String(), api.APIKey) {
				t.Errorf("logs contain the API key:\n%s", api.Logs.String())
			}
		})
	}
}

func TestTriggerWrongKeyNotLogged(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "watched-demo-video")
	wrongKey := db.NewAPIKey()

	resp := api.queryWithAuth(t, "Bearer "+wrongKey, triggerDocument, nil)

	if len(resp.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", resp.Errors)
	}
	if strings.Contains(api.Logs.String(), wrongKey) {
		t.Errorf("logs contain the sent key:\n%s", api.Logs.String())
	}
}

// TestTriggerMetadataLiteralVariable sends a metadata literal with a
// variable in it: a sent variable stands for its value, and a variable
// that the request does not send leaves its key out.
func TestTriggerMetadataLiteralVariable(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	const document = `mutation ($plan: String) {
		triggerCustomEvent(input: {slug: "s", email: "ann@example.com", metadata: {plan: $plan, seats: 2}})
	}`
	for _, variables := range []map[string]any{{"plan": "pro"}, {}} {
		if resp := api.query(t, document, variables); len(resp.Errors) != 0 {
			t.Fatalf("variables %v: errors = %q", variables, errorSummary(resp))
		}
	}
	occurrences := storedOccurrences(t, api)
	if len(occurrences) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(occurrences))
	}
	want := []map[string]any{{"plan": "pro", "seats": 2.0}, {"seats": 2.0}}
	for i, o := range occurrences {
		if !reflect.DeepEqual(o.Metadata, want[i]) {
			t.Errorf("occurrence %d metadata = %v, want %v", i, o.Metadata, want[i])
		}
	}
}
