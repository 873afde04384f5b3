package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"customevents/db"
	"customevents/db/dbtest"
)

const contactDataQuery = `query($email: String!) { contactData(email: $email) {
	id email firstName lastName company createdAt
	visitors { id firstSeenAt }
	occurrences { eventSlug eventName occurredAt source pageUrl referrer channel utmSource utmMedium utmCampaign utmTerm utmContent metadata }
} }`

const eraseContactMutation = `mutation($email: String!) { eraseContact(email: $email) }`

// seedContact records two occurrences for ann@example.com and one for
// bob@example.com and returns Ann's contact id.
func seedContact(t *testing.T, api *testAPI, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	api.createEvent(t, "signed-up")
	first, err := api.Store.RecordEvent(ctx, db.Trigger{
		AccountID: api.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: at,
		PageURL: "https://www.example.com/pricing", Referrer: "https://www.google.com/", Channel: "ORGANIC_SEARCH",
		UTMSource: "google", UTMMedium: "organic", UTMCampaign: "spring", UTMTerm: "demo", UTMContent: "hero",
		Metadata: map[string]any{"plan": "pro", "seats": float64(5), "trial": false},
		Contact:  db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.RecordEvent(ctx, db.Trigger{AccountID: api.Account.ID, Slug: "signed-up", VisitorID: "0123456789abcdef0123456789abcdef", Source: db.SourceBeacon, OccurredAt: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.Identify(ctx, slog.New(slog.DiscardHandler), db.Identity{AccountID: api.Account.ID, VisitorID: "0123456789abcdef0123456789abcdef", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.RecordEvent(ctx, db.Trigger{AccountID: api.Account.ID, Slug: "signed-up", Email: "bob@example.com", Source: db.SourceAPI, OccurredAt: at}); err != nil {
		t.Fatal(err)
	}
	return first.ContactID
}

func TestContactDataFields(t *testing.T) {
	api := newTestAPI(t)
	at := time.Date(2026, 11, 5, 9, 30, 0, 0, time.UTC)
	contactID := seedContact(t, api, at)
	var createdAt, firstSeenAt time.Time
	if err := api.Store.DB().NewRaw("SELECT created_at FROM contacts WHERE id = ?", contactID).Scan(context.Background(), &createdAt); err != nil {
		t.Fatal(err)
	}
	if err := api.Store.DB().NewRaw("SELECT created_at FROM visitors WHERE contact_id = ?", contactID).Scan(context.Background(), &firstSeenAt); err != nil {
		t.Fatal(err)
	}

	resp := api.query(t, contactDataQuery, map[string]any{"email": " Ann@Example.com "})
	if len(resp.Errors) > 0 {
		t.Fatalf("errors = %+v, want none", resp.Errors)
	}
	want := `{"contactData":{"id":"` + strconv.FormatInt(contactID, 10) + `","email":"ann@example.com","firstName":"Ann","lastName":"Lee","company":"Acme",` +
		`"createdAt":"` + createdAt.UTC().Format(time.RFC3339Nano) + `",` +
		`"visitors":[{"id":"0123456789abcdef0123456789abcdef","firstSeenAt":"` + firstSeenAt.UTC().Format(time.RFC3339Nano) + `"}],` +
		`"occurrences":[` +
		`{"eventSlug":"signed-up","eventName":"Event signed-up","occurredAt":"2026-11-05T09:30:00Z","source":"api","pageUrl":"https://www.example.com/pricing","referrer":"https://www.google.com/","channel":"ORGANIC_SEARCH","utmSource":"google","utmMedium":"organic","utmCampaign":"spring","utmTerm":"demo","utmContent":"hero","metadata":{"plan":"pro","seats":5,"trial":false}},` +
		`{"eventSlug":"signed-up","eventName":"Event signed-up","occurredAt":"2026-11-05T09:31:00Z","source":"beacon","pageUrl":"","referrer":"","channel":"DIRECT","utmSource":"","utmMedium":"","utmCampaign":"","utmTerm":"","utmContent":"","metadata":{}}` +
		`]}}`
	if got := compactJSON(t, resp.Data); got != want {
		t.Errorf("data =\n%s\nwant\n%s", got, want)
	}

	entries, err := api.Store.PrivacyAudit(context.Background(), api.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("audit rows = %d, want 1", len(entries))
	}
	if entries[0].Action != db.AuditExport {
		t.Errorf("audit action = %q, want export", entries[0].Action)
	}
	if want := "api-key:" + api.APIKey[:10]; entries[0].Actor != want {
		t.Errorf("audit actor = %q, want %q", entries[0].Actor, want)
	}
}

// compactJSON returns raw without insignificant whitespace, keeping the
// field order of the response.
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		t.Fatalf("compact %s: %v", raw, err)
	}
	return out.String()
}

func TestEraseContactMutation(t *testing.T) {
	api := newTestAPI(t)
	seedContact(t, api, time.Now().Add(-time.Hour))

	resp := api.query(t, eraseContactMutation, map[string]any{"email": "ANN@example.com"})
	var data struct {
		EraseContact bool `json:"eraseContact"`
	}
	decodeData(t, resp, &data)
	if !data.EraseContact {
		t.Error("eraseContact = false, want true")
	}
	if n := api.count(t, "contacts WHERE email = 'ann@example.com'"); n != 0 {
		t.Errorf("contacts with the email = %d, want 0", n)
	}
	if n := api.count(t, "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want bob's 1", n)
	}
	if n := api.count(t, "visitors"); n != 0 {
		t.Errorf("visitors = %d, want 0", n)
	}
	if n := api.count(t, "privacy_audit WHERE action = 'erase' AND actor = 'api-key:"+api.APIKey[:10]+"'"); n != 1 {
		t.Errorf("erase audit rows of the key = %d, want 1", n)
	}

	// A second erasure finds nothing.
	resp = api.query(t, eraseContactMutation, map[string]any{"email": "ann@example.com"})
	wantError(t, resp, "NOT_FOUND", "email", `Contact with email "ann@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`)
}

func TestPrivacyFieldsRejectInput(t *testing.T) {
	api := newTestAPI(t)
	seedContact(t, api, time.Now().Add(-time.Hour))
	documents := map[string]string{"eraseContact": eraseContactMutation, "contactData": contactDataQuery}

	for name, document := range documents {
		t.Run(name+" malformed email", func(t *testing.T) {
			resp := api.query(t, document, map[string]any{"email": "not-an-email"})
			wantError(t, resp, "BAD_USER_INPUT", "email", `Email "not-an-email" is not a valid address: use the form name@example.com.`)
		})
		t.Run(name+" unknown email", func(t *testing.T) {
			resp := api.query(t, document, map[string]any{"email": "nobody@example.com"})
			wantError(t, resp, "NOT_FOUND", "email", `Contact with email "nobody@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`)
		})
		t.Run(name+" without key", func(t *testing.T) {
			resp := api.queryWithAuth(t, "", document, map[string]any{"email": "ann@example.com"})
			wantError(t, resp, "UNAUTHENTICATED", "", missingKeyMessage)
		})
		t.Run(name+" wrong key", func(t *testing.T) {
			resp := api.queryWithAuth(t, "Bearer "+db.NewAPIKey(), document, map[string]any{"email": "ann@example.com"})
			wantError(t, resp, "UNAUTHENTICATED", "", invalidKeyMessage)
		})
	}

	if n := api.count(t, "contacts"); n != 2 {
		t.Errorf("contacts = %d, want both kept", n)
	}
	if n := api.count(t, "privacy_audit"); n != 0 {
		t.Errorf("audit rows = %d, want 0", n)
	}
}

func TestEraseContactOtherAccountKey(t *testing.T) {
	api := newTestAPI(t)
	seedContact(t, api, time.Now().Add(-time.Hour))
	ctx := context.Background()
	var otherID int64
	if err := api.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id").Scan(ctx, &otherID); err != nil {
		t.Fatal(err)
	}
	otherKey := db.NewAPIKey()
	if err := api.Store.CreateAPIKey(ctx, otherID, "other", otherKey); err != nil {
		t.Fatal(err)
	}

	resp := api.queryWithAuth(t, "Bearer "+otherKey, eraseContactMutation, map[string]any{"email": "ann@example.com"})
	wantError(t, resp, "NOT_FOUND", "email", `Contact with email "ann@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`)
	if n := dbtest.Count(t, api.Store.DB(), "contacts WHERE email = 'ann@example.com'"); n != 1 {
		t.Errorf("contacts with the email = %d, want 1 kept", n)
	}
}

// A contact stored with an email that the current rules reject, such as a
// domain with an underscore, can still be exported and erased.
func TestEraseContactStoredUnderOlderRules(t *testing.T) {
	api := newTestAPI(t)
	if _, err := api.Store.DB().NewRaw("INSERT INTO contacts (account_id, email) VALUES (?, 'cy@x_y.example')", api.Account.ID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	var data struct {
		ContactData struct {
			Email string `json:"email"`
		} `json:"contactData"`
	}
	decodeData(t, api.query(t, contactDataQuery, map[string]any{"email": "CY@x_y.example"}), &data)
	if data.ContactData.Email != "cy@x_y.example" {
		t.Errorf("contactData email = %q, want cy@x_y.example", data.ContactData.Email)
	}
	var erased struct {
		EraseContact bool `json:"eraseContact"`
	}
	decodeData(t, api.query(t, eraseContactMutation, map[string]any{"email": "cy@x_y.example"}), &erased)
	if !erased.EraseContact {
		t.Error("eraseContact = false, want true")
	}
	if n := api.count(t, "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}
}
