package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

const unknownContactMessage = `Contact with email "nobody@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`

// seedPrivacyContact records one occurrence for ann@example.com and one
// for bob@example.com and returns Ann's contact id.
func seedPrivacyContact(t *testing.T, ts *testServer, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
		t.Fatal(err)
	}
	occ, err := ts.Store.RecordEvent(ctx, db.Trigger{
		AccountID: ts.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: at,
		PageURL: "https://www.example.com/pricing", Metadata: map[string]any{"plan": "pro"},
		Contact: db.ContactFields{FirstName: "Ann", Company: "Acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "signed-up", Email: "bob@example.com", Source: db.SourceAPI, OccurredAt: at}); err != nil {
		t.Fatal(err)
	}
	return occ.ContactID
}

func TestAdminEraseContact(t *testing.T) {
	ts := newTestServer(t)
	seedPrivacyContact(t, ts, time.Now().Add(-time.Hour))
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/contacts/erase", apitype.ContactEmailRequest{Email: " Ann@Example.com"})
	if status != http.StatusOK {
		t.Fatalf("erase: status %d, body %s", status, body)
	}
	var result apitype.ErasureResult
	if err := json.Unmarshal(body, &result); err != nil {
		t.Fatal(err)
	}
	if want := (apitype.ErasureResult{Occurrences: 1, Visitors: 0}); result != want {
		t.Errorf("result = %+v, want %+v", result, want)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = 'ann@example.com'"); n != 0 {
		t.Errorf("contacts with the email = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want bob's 1", n)
	}
	entries, err := ts.Store.PrivacyAudit(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("audit rows = %d, want 1", len(entries))
	}
	if entries[0].Action != db.AuditErase || entries[0].Actor != ts.AdminEmail {
		t.Errorf("audit = %+v, want an erase by %s", entries[0], ts.AdminEmail)
	}
}

func TestAdminEraseContactRejects(t *testing.T) {
	ts := newTestServer(t)
	seedPrivacyContact(t, ts, time.Now().Add(-time.Hour))
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/contacts/erase", apitype.ContactEmailRequest{Email: "nobody@example.com"})
	if status != http.StatusNotFound {
		t.Fatalf("unknown email: status %d, want 404; body %s", status, body)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeNotFound || got.Message != unknownContactMessage {
		t.Errorf("unknown email error = %+v", got)
	}

	status, body = c.do(http.MethodPost, "/api/contacts/erase", apitype.ContactEmailRequest{Email: "ann@"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed email: status %d, want 422; body %s", status, body)
	}
	if got := decodeError(t, body); got.Field != "email" || got.Message != `Email "ann@" is not a valid address: use the form name@example.com.` {
		t.Errorf("malformed email error = %+v", got)
	}

	c.session.CSRFToken = ""
	status, _ = c.do(http.MethodPost, "/api/contacts/erase", apitype.ContactEmailRequest{Email: "ann@example.com"})
	if status != http.StatusForbidden {
		t.Errorf("without CSRF token: status %d, want 403", status)
	}

	resp, err := http.Post(ts.URL+"/api/contacts/erase", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without session: status %d, want 401", resp.StatusCode)
	}

	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 2 {
		t.Errorf("contacts = %d, want both kept", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "privacy_audit"); n != 0 {
		t.Errorf("audit rows = %d, want 0", n)
	}
}

func TestAdminExportContact(t *testing.T) {
	ts := newTestServer(t)
	at := time.Date(2026, 11, 5, 9, 30, 0, 0, time.UTC)
	contactID := seedPrivacyContact(t, ts, at)
	var createdAt time.Time
	if err := ts.Store.DB().NewRaw("SELECT created_at FROM contacts WHERE id = ?", contactID).Scan(context.Background(), &createdAt); err != nil {
		t.Fatal(err)
	}
	c := signIn(t, ts)

	status, body := c.do(http.MethodGet, "/api/contacts/export?"+url.Values{"email": {"ANN@example.com"}}.Encode(), nil)
	if status != http.StatusOK {
		t.Fatalf("export: status %d, body %s", status, body)
	}
	var got apitype.ContactExport
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := apitype.ContactExport{
		ID: contactID, Email: "ann@example.com", FirstName: "Ann", Company: "Acme", CreatedAt: createdAt.UTC(),
		Visitors: []apitype.ContactVisitor{},
		Occurrences: []apitype.ContactOccurrence{{
			EventSlug: "signed-up", EventName: "Signed Up", OccurredAt: at, Source: "api",
			PageURL: "https://www.example.com/pricing", Channel: "DIRECT", Metadata: map[string]any{"plan": "pro"},
		}},
		DailyCounts: []apitype.ContactDailyCount{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("export =\n%+v\nwant\n%+v", got, want)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "privacy_audit WHERE action = 'export' AND actor = 'admin@example.com'"); n != 1 {
		t.Errorf("export audit rows = %d, want 1", n)
	}

	status, body = c.do(http.MethodGet, "/api/contacts/export?email=nobody@example.com", nil)
	if status != http.StatusNotFound {
		t.Fatalf("unknown email: status %d, want 404", status)
	}
	if got := decodeError(t, body); got.Message != unknownContactMessage {
		t.Errorf("unknown email message = %q, want %q", got.Message, unknownContactMessage)
	}
	status, body = c.do(http.MethodGet, "/api/contacts/export", nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("missing email: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "email" || got.Message != "Email is required, such as contact@example.com." {
		t.Errorf("missing email error = %+v", got)
	}
}

func TestAdminRetentionSetting(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodGet, "/api/account/retention", nil)
	if status != http.StatusOK || string(body) != "{\"retentionMonths\":25}\n" {
		t.Errorf("get: status %d, body %q, want 200 {\"retentionMonths\":25}", status, body)
	}

	status, body = c.do(http.MethodPut, "/api/account/retention", apitype.Retention{RetentionMonths: 13})
	if status != http.StatusOK || string(body) != "{\"retentionMonths\":13}\n" {
		t.Errorf("put 13: status %d, body %q", status, body)
	}
	months, err := ts.Store.RetentionMonths(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if months != 13 {
		t.Errorf("stored retention = %d, want 13", months)
	}

	for _, months := range []int{0, 121} {
		status, body = c.do(http.MethodPut, "/api/account/retention", apitype.Retention{RetentionMonths: months})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("put %d: status %d, want 422", months, status)
		}
		want := apitype.ValidateRetentionMonths(months).Message
		if got := decodeError(t, body); got.Field != "retentionMonths" || got.Message != want {
			t.Errorf("put %d error = %+v, want field retentionMonths and %q", months, got, want)
		}
	}
	status, body = c.do(http.MethodPut, "/api/account/retention", map[string]any{})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("put without value: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "retentionMonths" {
		t.Errorf("put without value error = %+v, want field retentionMonths", got)
	}

	c.session.CSRFToken = ""
	status, _ = c.do(http.MethodPut, "/api/account/retention", apitype.Retention{RetentionMonths: 2})
	if status != http.StatusForbidden {
		t.Errorf("put without CSRF token: status %d, want 403", status)
	}
	months, err = ts.Store.RetentionMonths(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if months != 13 {
		t.Errorf("stored retention after rejected requests = %d, want 13", months)
	}
}
