package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// adminClient is a signed-in browser stand-in: it keeps the session cookie
// and sends the CSRF token.
type adminClient struct {
	t       *testing.T
	base    string
	http    *http.Client
	session apitype.Session
}

func signIn(t *testing.T, ts *testServer) *adminClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &adminClient{t: t, base: ts.URL, http: &http.Client{Jar: jar}}
	status, body := c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: ts.AdminEmail, Password: ts.AdminPassword})
	if status != http.StatusOK {
		t.Fatalf("sign in: status %d, body %s", status, body)
	}
	if err := json.Unmarshal(body, &c.session); err != nil {
		t.Fatalf("decode session: %v", err)
	}
	return c
}

// do sends a JSON request and returns the status and body.
func (c *adminClient) do(method, path string, in any) (int, []byte) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.session.CSRFToken != "" {
		req.Header.Set("X-CSRF-Token", c.session.CSRFToken)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func decodeError(t *testing.T, body []byte) apitype.ErrorBody {
	t.Helper()
	var e apitype.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode error body %s: %v", body, err)
	}
	return e.Error
}

func TestAdminSignInWrongPassword(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Post(ts.URL+"/api/session", "application/json", strings.NewReader(`{"email":"admin@example.com","password":"wrong"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", resp.StatusCode)
	}
	if got := decodeError(t, body); got.Message != "Email or password is incorrect." || got.Code != apitype.CodeUnauthenticated {
		t.Errorf("error = %+v", got)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("cookies = %v, want none", resp.Cookies())
	}
}

func TestAdminSessionCookieFlags(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Post(ts.URL+"/api/session", "application/json", strings.NewReader(`{"email":"ADMIN@example.com","password":"`+ts.AdminPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %d, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "ce_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie = %+v, want ce_session, HttpOnly, SameSite=Lax, Path=/", c)
	}
}

func TestAdminRequiresSession(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/api/custom-events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func TestAdminRejectsMissingCSRFToken(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	c.session.CSRFToken = ""
	status, body := c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: "Demo", Slug: "demo"})
	if status != http.StatusForbidden {
		t.Fatalf("status = %d, want 403; body %s", status, body)
	}
	if got := decodeError(t, body).Code; got != apitype.CodeForbidden {
		t.Errorf("code = %q, want FORBIDDEN", got)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "custom_events"); n != 0 {
		t.Errorf("custom events = %d, want 0", n)
	}
}

func TestAdminCustomEventLifecycle(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{
		Name: "Watched Demo Video", Slug: "watched-demo-video", Description: "Played the tour", IsConversion: true,
	})
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", status, body)
	}
	var created apitype.CustomEvent
	json.Unmarshal(body, &created)
	if created.Slug != "watched-demo-video" || !created.IsConversion || created.Description != "Played the tour" {
		t.Errorf("created = %+v", created)
	}

	status, body = c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: "Again", Slug: "watched-demo-video"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "slug" || got.Message != apitype.SlugTakenError("watched-demo-video").Message {
		t.Errorf("duplicate error = %+v", got)
	}

	status, body = c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: "Impression", Slug: "impression"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("reserved: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "slug" || got.Code != apitype.CodeBadUserInput {
		t.Errorf("reserved error = %+v", got)
	}

	path := "/api/custom-events/" + itoa(created.ID)
	status, body = c.do(http.MethodPut, path, apitype.CustomEventInput{Name: "Watched Video", Slug: "watched-video"})
	if status != http.StatusOK {
		t.Fatalf("update: status %d, body %s", status, body)
	}
	var updated apitype.CustomEvent
	json.Unmarshal(body, &updated)
	if updated.Name != "Watched Video" || updated.Slug != "watched-video" || updated.IsConversion || updated.Description != "" {
		t.Errorf("updated = %+v", updated)
	}

	status, _ = c.do(http.MethodDelete, path, nil)
	if status != http.StatusNoContent {
		t.Fatalf("delete: status %d, want 204", status)
	}
	status, body = c.do(http.MethodGet, "/api/custom-events", nil)
	if status != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("list after delete: status %d, body %s, want []", status, body)
	}
	status, _ = c.do(http.MethodDelete, path, nil)
	if status != http.StatusNotFound {
		t.Errorf("second delete: status %d, want 404", status)
	}

	// A deleted event's slug is free again.
	status, body = c.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: "Watched Video", Slug: "watched-video"})
	if status != http.StatusCreated {
		t.Errorf("reuse slug: status %d, body %s", status, body)
	}
}

func TestAdminOtherAccountEventNotFound(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	var otherID int64
	err := ts.Store.DB().NewRaw(`
		WITH a AS (INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id)
		INSERT INTO custom_events (account_id, name, slug) SELECT id, 'Secret', 'secret' FROM a RETURNING id`).Scan(t.Context(), &otherID)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		status, body := c.do(method, "/api/custom-events/"+itoa(otherID), apitype.CustomEventInput{Name: "Mine", Slug: "mine"})
		if status != http.StatusNotFound {
			t.Errorf("%s on another account's event: status %d, want 404", method, status)
		}
		want := fmt.Sprintf("Custom event with id %q was not found in this account. It may have been deleted: reload the list of custom events.", itoa(otherID))
		if got := decodeError(t, body).Message; got != want {
			t.Errorf("%s message = %q, want %q", method, got, want)
		}
	}
	status, _ := c.do(http.MethodGet, "/api/custom-events/"+itoa(otherID)+"/stats", nil)
	if status != http.StatusNotFound {
		t.Errorf("stats of another account's event: status %d, want 404", status)
	}
}

func TestAdminBeaconSnippet(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	status, body := c.do(http.MethodGet, "/api/beacon", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var b apitype.Beacon
	json.Unmarshal(body, &b)
	if b.SiteKey != ts.Account.SiteKey {
		t.Errorf("site key = %q, want %q", b.SiteKey, ts.Account.SiteKey)
	}
	for _, want := range []string{`"` + ts.URL + `"`, `"` + ts.Account.SiteKey + `"`, `u+"/ma.js"`} {
		if !strings.Contains(b.Snippet, want) {
			t.Errorf("snippet lacks %s:\n%s", want, b.Snippet)
		}
	}
}

func TestHealthz(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("healthz = %d %s", resp.StatusCode, body)
	}

	ts.Store.DB().Close()
	resp, err = http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed = %d, want 503", resp.StatusCode)
	}
}

func TestCollectIgnoresUnknownSiteKey(t *testing.T) {
	ts := newTestServer(t)
	if _, err := ts.Store.CreateCustomEvent(t.Context(), ts.Account.ID, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	body := `{"k":"site_unknown","v":"0123456789abcdef0123456789abcdef","e":"signup","u":"https://example.com/"}`
	resp, err := http.Post(ts.URL+"/collect", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status = %d, want 204", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestAdminRejectsLargeBody(t *testing.T) {
	ts := newTestServer(t)
	body := `{"email":"` + strings.Repeat("a", 70_000) + `","password":"x"}`
	resp, err := http.Post(ts.URL+"/api/session", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", resp.StatusCode)
	}
	raw, _ := io.ReadAll(resp.Body)
	if got := decodeError(t, raw); got.Code != "BAD_USER_INPUT" {
		t.Errorf("code = %q, want BAD_USER_INPUT", got.Code)
	}
}

func TestHeadProbes(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/healthz", "/ma.js"} {
		resp, err := http.Head(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s = %d, want 200", path, resp.StatusCode)
		}
	}
}

func TestAdminReportAndDrilldown(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ctx := t.Context()
	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, tr := range []struct {
		email               string
		at                  string
		utmTerm, utmContent string
	}{
		{"ann@example.com", "2026-11-02T10:00:00Z", "", ""},
		{"ann@example.com", "2026-11-03T10:00:00Z", "crm tool", "ad-2"},
		{"bob@example.com", "2026-11-03T11:00:00Z", "", ""},
		{"cy@example.com", "2026-10-31T11:00:00Z", "", ""},
	} {
		trigger := db.Trigger{
			AccountID: ts.Account.ID, Slug: "signed-up", Email: tr.email, Source: db.SourceAPI, OccurredAt: day(tr.at),
			UTMTerm: tr.utmTerm, UTMContent: tr.utmContent,
		}
		if _, err := ts.Store.RecordEvent(ctx, trigger); err != nil {
			t.Fatal(err)
		}
	}

	status, body := c.do(http.MethodGet, "/api/custom-events/"+itoa(event.ID)+"/stats?from=2026-11-01&to=2026-11-03", nil)
	if status != http.StatusOK {
		t.Fatalf("stats status = %d, body %s", status, body)
	}
	var report apitype.EventReport
	if err := json.Unmarshal(body, &report); err != nil {
		t.Fatal(err)
	}
	if report.EventsTriggered != 3 || report.UniqueContacts != 2 {
		t.Errorf("cards = %d events, %d contacts, want 3 and 2", report.EventsTriggered, report.UniqueContacts)
	}
	if report.PreviousFrom != "2026-10-29" || report.PreviousTo != "2026-10-31" || report.PreviousEventsTriggered != 1 || report.PreviousUniqueContacts != 1 {
		t.Errorf("previous period = %s..%s with %d events, %d contacts, want 2026-10-29..2026-10-31 with 1 and 1",
			report.PreviousFrom, report.PreviousTo, report.PreviousEventsTriggered, report.PreviousUniqueContacts)
	}
	gotDays := fmt.Sprint(report.ByDay)
	if want := "[{2026-11-01 0 0} {2026-11-02 1 1} {2026-11-03 2 2}]"; gotDays != want {
		t.Errorf("by day = %s, want %s", gotDays, want)
	}

	status, body = c.do(http.MethodGet, "/api/custom-events/"+itoa(event.ID)+"/drilldown?from=2026-11-01&to=2026-11-03&order=count", nil)
	if status != http.StatusOK {
		t.Fatalf("drilldown status = %d, body %s", status, body)
	}
	var page apitype.DrilldownPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 2 {
		t.Fatalf("rows = %d, want 2", len(page.Rows))
	}
	if page.Rows[0].Email == nil || *page.Rows[0].Email != "ann@example.com" || page.Rows[0].TriggerCount != 2 {
		t.Errorf("row 0 = %+v, want ann@example.com with 2 triggers", page.Rows[0])
	}
	if page.NextCursor != "" {
		t.Errorf("next cursor = %q, want none", page.NextCursor)
	}
	// Decoding without apitype checks the JSON keys that clients read.
	var keyed struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(body, &keyed); err != nil {
		t.Fatal(err)
	}
	for i, want := range []map[string]any{
		{"utmTerm": "crm tool", "utmContent": "ad-2"},
		{"utmTerm": "", "utmContent": ""},
	} {
		for key, value := range want {
			if got, ok := keyed.Rows[i][key]; !ok || got != value {
				t.Errorf("row %d %s = %#v (present: %t), want %q", i, key, got, ok, value)
			}
		}
	}

	status, body = c.do(http.MethodGet, "/api/custom-events/"+itoa(event.ID)+"/drilldown?order=size", nil)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad order status = %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "order" {
		t.Errorf("bad order field = %q, want order", got.Field)
	}
}

func TestAdminSignInRateLimited(t *testing.T) {
	ts := newTestServer(t)
	jar, _ := cookiejar.New(nil)
	c := &adminClient{t: t, base: ts.URL, http: &http.Client{Jar: jar}}
	// Five failures for one email are allowed; the sixth attempt is
	// refused before the password is checked, even the right one.
	for i := range 5 {
		status, _ := c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: ts.AdminEmail, Password: "wrong password"})
		if status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, status)
		}
	}
	status, body := c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: strings.ToUpper(ts.AdminEmail), Password: ts.AdminPassword})
	if status != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d, want 429", status)
	}
	got := decodeError(t, body)
	if got.Code != "RATE_LIMITED" || got.Message != "Too many failed sign-in attempts: wait a minute, then try again." {
		t.Errorf("error = %+v, want RATE_LIMITED with the wait message", got)
	}

	// Another email from the same address still has failures left.
	status, _ = c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: "other@example.com", Password: "wrong password"})
	if status != http.StatusUnauthorized {
		t.Errorf("other email: status %d, want 401", status)
	}
}
