package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/api"
	"customevents/app/apitype"
)

// newClient returns a browser stand-in without a session.
func newClient(t *testing.T, ts *testServer) *adminClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &adminClient{t: t, base: ts.URL, http: &http.Client{Jar: jar}}
}

// signInAs signs in with email and password.
func signInAs(t *testing.T, ts *testServer, email, password string) *adminClient {
	t.Helper()
	c := newClient(t, ts)
	status, body := c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: email, Password: password})
	if status != http.StatusOK {
		t.Fatalf("sign in as %s: status %d, body %s", email, status, body)
	}
	c.setSession(body)
	return c
}

// setSession stores the session of a response body, whose CSRF token
// later requests send.
func (c *adminClient) setSession(body []byte) {
	c.t.Helper()
	if err := json.Unmarshal(body, &c.session); err != nil {
		c.t.Fatalf("decode session %s: %v", body, err)
	}
}

// decodeInto decodes a JSON response body into out.
func decodeInto(t *testing.T, body []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// tokenOf returns the token query parameter of an invite or reset link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

// sentMail is one email that recordingMailer received.
type sentMail struct {
	to, subject, body string
}

// recordingMailer stands in for an SMTP server: it keeps each message.
type recordingMailer struct {
	mu   sync.Mutex
	mail []sentMail
}

func (m *recordingMailer) SendMail(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mail = append(m.mail, sentMail{to, subject, body})
	return nil
}

// waitMail polls until the mailer has received n messages and returns them.
func (m *recordingMailer) waitMail(t *testing.T, n int) []sentMail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		got := append([]sentMail(nil), m.mail...)
		m.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("emails = %d, want %d", len(got), n)
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// linkIn returns the line of an email body that starts with the server's
// address.
func linkIn(t *testing.T, ts *testServer, body string) string {
	t.Helper()
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, ts.URL+"/") {
			return line
		}
	}
	t.Fatalf("email has no link to %s:\n%s", ts.URL, body)
	return ""
}

func TestAccountsListAndSwitch(t *testing.T) {
	ts := newTestServer(t)
	beta := ts.AddAccount(t, "Beta Shop")
	ts.AddMember(t, beta, ts.AdminEmail, "", apitype.RoleEditor)
	foreign := ts.AddAccount(t, "Foreign")
	c := signIn(t, ts)

	status, body := c.do(http.MethodGet, "/api/accounts", nil)
	if status != http.StatusOK {
		t.Fatalf("list: status %d, body %s", status, body)
	}
	want := fmt.Sprintf(`[{"id":%d,"name":"Beta Shop","role":"editor","current":false},{"id":%d,"name":"Test Company","role":"owner","current":true}]`, beta, ts.Account.ID)
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("accounts = %s, want %s", got, want)
	}

	status, body = c.do(http.MethodPost, "/api/session/account", apitype.SwitchAccountRequest{AccountID: foreign})
	if status != http.StatusNotFound {
		t.Fatalf("switch to a foreign account: status %d, want 404", status)
	}
	if got, want := decodeError(t, body).Message, fmt.Sprintf("Account %d was not found among your accounts: pick one that GET /api/accounts lists.", foreign); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}

	oldCSRF := c.session.CSRFToken
	status, body = c.do(http.MethodPost, "/api/session/account", apitype.SwitchAccountRequest{AccountID: beta})
	if status != http.StatusOK {
		t.Fatalf("switch: status %d, body %s", status, body)
	}
	c.setSession(body)
	if c.session.AccountID != beta || c.session.AccountName != "Beta Shop" || c.session.Role != apitype.RoleEditor {
		t.Errorf("session = %+v, want Beta Shop as editor", c.session)
	}
	if c.session.CSRFToken == oldCSRF {
		t.Error("CSRF token unchanged by the switch")
	}

	// The session now acts on Beta Shop with the editor role: it lists
	// Beta's events and cannot read Beta's API keys.
	if _, err := ts.Store.CreateCustomEvent(context.Background(), beta, apitype.CustomEventInput{Name: "Beta Event", Slug: "beta-event"}); err != nil {
		t.Fatal(err)
	}
	status, body = c.do(http.MethodGet, "/api/custom-events", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"slug":"beta-event"`) {
		t.Errorf("events after switch: status %d, body %s, want beta-event", status, body)
	}
	status, body = c.do(http.MethodGet, "/api/api-keys", nil)
	if status != http.StatusForbidden {
		t.Errorf("API keys as editor: status %d, want 403", status)
	}
	if got, want := decodeError(t, body).Message, `This needs the admin role or higher, and you are an editor in account "Beta Shop": ask an owner of the account to change your role.`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestSwitchAccountEndsOldSession(t *testing.T) {
	ts := newTestServer(t)
	beta := ts.AddAccount(t, "Beta Shop")
	ts.AddMember(t, beta, ts.AdminEmail, "", apitype.RoleViewer)
	c := signIn(t, ts)
	u, _ := url.Parse(ts.URL)
	oldCookies := c.http.Jar.Cookies(u)

	status, body := c.do(http.MethodPost, "/api/session/account", apitype.SwitchAccountRequest{AccountID: beta})
	if status != http.StatusOK {
		t.Fatalf("switch: status %d, body %s", status, body)
	}

	stale := newClient(t, ts)
	stale.http.Jar.SetCookies(u, oldCookies)
	status, _ = stale.do(http.MethodGet, "/api/session", nil)
	if status != http.StatusUnauthorized {
		t.Errorf("old cookie after switch: status %d, want 401", status)
	}
}

func TestCreateWorkspaceAsOwner(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/accounts", apitype.AccountInput{Name: "Acme Europe", TimeZone: "Europe/Berlin"})
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", status, body)
	}
	var created apitype.AccountSummary
	decodeInto(t, body, &created)
	if created.Name != "Acme Europe" || created.Role != apitype.RoleOwner || created.Current {
		t.Errorf("created = %+v, want Acme Europe as owner, not current", created)
	}
	account, err := ts.Store.Account(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if account.TimeZone != "Europe/Berlin" || account.SiteKey == ts.Account.SiteKey {
		t.Errorf("account = %+v, want Europe/Berlin with its own site key", account)
	}

	status, body = c.do(http.MethodPost, "/api/accounts", apitype.AccountInput{Name: "", TimeZone: "UTC"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("empty name: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "name" || got.Message != "Name is required, such as Acme Marketing." {
		t.Errorf("error = %+v", got)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	ts := newTestServer(t)
	laptop := signIn(t, ts)
	phone := signIn(t, ts)
	viewerID := ts.AddMember(t, ts.Account.ID, "viewer@example.com", "viewer password", apitype.RoleViewer)
	colleague := signInAs(t, ts, "viewer@example.com", "viewer password")

	status, _ := laptop.do(http.MethodDelete, "/api/sessions", nil)
	if status != http.StatusNoContent {
		t.Fatalf("sign out everywhere: status %d, want 204", status)
	}
	for name, c := range map[string]*adminClient{"laptop": laptop, "phone": phone} {
		status, _ := c.do(http.MethodGet, "/api/session", nil)
		if status != http.StatusUnauthorized {
			t.Errorf("%s after signing out everywhere: status %d, want 401", name, status)
		}
	}
	status, _ = colleague.do(http.MethodGet, "/api/session", nil)
	if status != http.StatusOK {
		t.Errorf("another user's session: status %d, want 200", status)
	}
	var n int
	if err := ts.Store.DB().NewRaw("SELECT count(*) FROM sessions WHERE user_id = ?", viewerID).Scan(context.Background(), &n); err != nil || n != 1 {
		t.Errorf("other user's sessions = %d (%v), want 1", n, err)
	}
}

func TestAccountSettingsSave(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodPut, "/api/account", apitype.AccountInput{Name: "Acme", TimeZone: "Mars/Base"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid zone: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "timeZone" || got.Message != `Time zone "Mars/Base" is not an IANA time zone: use a name such as Europe/Berlin or UTC.` {
		t.Errorf("error = %+v", got)
	}

	status, body = c.do(http.MethodPut, "/api/account", apitype.AccountInput{Name: " Acme ", TimeZone: "Asia/Tokyo"})
	if status != http.StatusOK {
		t.Fatalf("save: status %d, body %s", status, body)
	}
	want := fmt.Sprintf(`{"id":%d,"name":"Acme","timeZone":"Asia/Tokyo"}`, ts.Account.ID)
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("saved = %s, want %s", got, want)
	}
	status, body = c.do(http.MethodGet, "/api/session", nil)
	if status != http.StatusOK {
		t.Fatal(status)
	}
	c.setSession(body)
	if c.session.AccountName != "Acme" || c.session.TimeZone != "Asia/Tokyo" {
		t.Errorf("session = %+v, want Acme in Asia/Tokyo", c.session)
	}
}

func TestInviteAcceptNewUser(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)

	status, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "Vera@Example.com", Role: apitype.RoleViewer})
	if status != http.StatusCreated {
		t.Fatalf("invite: status %d, body %s", status, body)
	}
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)
	if created.Emailed {
		t.Error("emailed = true without a mailer")
	}
	if !strings.HasPrefix(created.Link, ts.URL+"/invite?token=") {
		t.Errorf("link = %q, want %s/invite?token=...", created.Link, ts.URL)
	}
	if created.Invite.Email != "vera@example.com" || created.Invite.Role != apitype.RoleViewer || created.Invite.InvitedBy != ts.AdminEmail {
		t.Errorf("invite = %+v", created.Invite)
	}
	token := tokenOf(t, created.Link)

	status, body = admin.do(http.MethodGet, "/api/invites", nil)
	var invites []apitype.Invite
	decodeInto(t, body, &invites)
	if status != http.StatusOK || len(invites) != 1 || invites[0].ID != created.Invite.ID {
		t.Errorf("open invites: status %d, %+v, want the new one", status, invites)
	}
	if strings.Contains(string(body), token) {
		t.Error("invite list contains the token")
	}

	vera := newClient(t, ts)
	status, body = vera.do(http.MethodPost, "/api/invites/lookup", apitype.TokenRequest{Token: token})
	if status != http.StatusOK {
		t.Fatalf("lookup: status %d, body %s", status, body)
	}
	var details apitype.InviteDetails
	decodeInto(t, body, &details)
	if details.AccountName != "Test Company" || details.Email != "vera@example.com" || details.Role != apitype.RoleViewer || details.UserExists {
		t.Errorf("details = %+v", details)
	}

	status, body = vera.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: "short"})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("short password: status %d, want 422", status)
	}
	if got := decodeError(t, body); got.Field != "password" || got.Message != "Password is too short: use at least 8 characters." {
		t.Errorf("error = %+v", got)
	}

	status, body = vera.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: "vera's password"})
	if status != http.StatusOK {
		t.Fatalf("accept: status %d, body %s", status, body)
	}
	vera.setSession(body)
	if vera.session.UserEmail != "vera@example.com" || vera.session.Role != apitype.RoleViewer || vera.session.AccountID != ts.Account.ID {
		t.Errorf("session = %+v, want vera@example.com as viewer", vera.session)
	}
	status, _ = vera.do(http.MethodGet, "/api/custom-events", nil)
	if status != http.StatusOK {
		t.Errorf("events as the new viewer: status %d, want 200", status)
	}
	status, _ = vera.do(http.MethodPost, "/api/custom-events", apitype.CustomEventInput{Name: "Nope", Slug: "nope"})
	if status != http.StatusForbidden {
		t.Errorf("create as the new viewer: status %d, want 403", status)
	}

	again := newClient(t, ts)
	status, body = again.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: "another password"})
	if status != http.StatusGone {
		t.Fatalf("reuse: status %d, want 410", status)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeGone || got.Message != "This invite was already used: sign in with your email and password instead." {
		t.Errorf("reuse error = %+v", got)
	}

	status, body = admin.do(http.MethodGet, "/api/members", nil)
	var members []apitype.Member
	decodeInto(t, body, &members)
	var got []string
	for _, m := range members {
		got = append(got, m.Email+":"+m.Role)
	}
	if status != http.StatusOK || strings.Join(got, ",") != "admin@example.com:owner,vera@example.com:viewer" {
		t.Errorf("members: status %d, %v", status, got)
	}
}

func TestInviteExpiredLink(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	status, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "late@example.com", Role: apitype.RoleEditor})
	if status != http.StatusCreated {
		t.Fatalf("invite: status %d, body %s", status, body)
	}
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)
	expiry := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if _, err := ts.Store.DB().ExecContext(context.Background(), "UPDATE invites SET expires_at = ? WHERE id = ?", expiry, created.Invite.ID); err != nil {
		t.Fatal(err)
	}

	c := newClient(t, ts)
	for _, path := range []string{"/api/invites/lookup", "/api/invites/accept"} {
		status, body := c.do(http.MethodPost, path, apitype.AcceptInviteRequest{Token: tokenOf(t, created.Link), Password: "late password"})
		if status != http.StatusGone {
			t.Errorf("%s: status %d, want 410", path, status)
		}
		if got := decodeError(t, body); got.Code != apitype.CodeGone || got.Message != "This invite expired on 2026-11-20 12:00 UTC: ask the person who invited you for a new link." {
			t.Errorf("%s: error = %+v", path, got)
		}
	}
	status, body = c.do(http.MethodPost, "/api/invites/lookup", apitype.TokenRequest{Token: "made-up"})
	if status != http.StatusNotFound || decodeError(t, body).Code != apitype.CodeNotFound {
		t.Errorf("unknown token: status %d, body %s, want 404 NOT_FOUND", status, body)
	}
}

func TestInviteAcceptExistingUser(t *testing.T) {
	ts := newTestServer(t)
	beta := ts.AddAccount(t, "Beta Shop")
	ts.AddMember(t, beta, "sam@example.com", "sam's password", apitype.RoleOwner)
	admin := signIn(t, ts)
	status, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "sam@example.com", Role: apitype.RoleEditor})
	if status != http.StatusCreated {
		t.Fatalf("invite: status %d, body %s", status, body)
	}
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)
	token := tokenOf(t, created.Link)

	// Signed in to Beta Shop, Sam accepts without typing the password.
	sam := signInAs(t, ts, "sam@example.com", "sam's password")
	status, body = sam.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token})
	if status != http.StatusOK {
		t.Fatalf("accept with session: status %d, body %s", status, body)
	}
	sam.setSession(body)
	if sam.session.AccountID != ts.Account.ID || sam.session.Role != apitype.RoleEditor {
		t.Errorf("session = %+v, want Test Company as editor", sam.session)
	}
	status, body = sam.do(http.MethodGet, "/api/accounts", nil)
	want := fmt.Sprintf(`[{"id":%d,"name":"Beta Shop","role":"owner","current":false},{"id":%d,"name":"Test Company","role":"editor","current":true}]`, beta, ts.Account.ID)
	if status != http.StatusOK || strings.TrimSpace(string(body)) != want {
		t.Errorf("accounts = %d %s, want %s", status, body, want)
	}
}

func TestInviteAcceptNeedsCSRFForSession(t *testing.T) {
	ts := newTestServer(t)
	ts.AddMember(t, ts.AddAccount(t, "Beta Shop"), "sam@example.com", "sam's password", apitype.RoleOwner)
	admin := signIn(t, ts)
	_, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "sam@example.com", Role: apitype.RoleEditor})
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)

	// Without the CSRF token, the session does not stand in for the
	// password, as for a request another site makes.
	sam := signInAs(t, ts, "sam@example.com", "sam's password")
	sam.session.CSRFToken = ""
	status, body := sam.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: tokenOf(t, created.Link)})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, body %s, want 422", status, body)
	}
	if got := decodeError(t, body); got.Message != "Password is required: enter the password you sign in with." {
		t.Errorf("error = %+v", got)
	}
}

func TestInviteWrongPasswordRateLimited(t *testing.T) {
	ts := newTestServer(t)
	ts.AddMember(t, ts.AddAccount(t, "Beta Shop"), "sam@example.com", "sam's password", apitype.RoleOwner)
	admin := signIn(t, ts)
	_, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "sam@example.com", Role: apitype.RoleEditor})
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)
	token := tokenOf(t, created.Link)

	c := newClient(t, ts)
	for i := range 5 {
		status, body := c.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: "guess"})
		if status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, body %s, want 401", i+1, status, body)
		}
	}
	status, body := c.do(http.MethodPost, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: "sam's password"})
	if status != http.StatusTooManyRequests {
		t.Fatalf("after 5 wrong passwords: status %d, want 429", status)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeRateLimited || got.Message != "Too many failed attempts: wait a minute, then try again." {
		t.Errorf("error = %+v", got)
	}
	// The sign-in form shares the email's limit.
	status, _ = c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: "sam@example.com", Password: "sam's password"})
	if status != http.StatusTooManyRequests {
		t.Errorf("sign in after the invite guesses: status %d, want 429", status)
	}
}

func TestInviteEmailedWithMailer(t *testing.T) {
	mailer := &recordingMailer{}
	ts := newTestServerWith(t, func(cfg *api.Config) { cfg.Mailer = mailer })
	admin := signIn(t, ts)
	status, body := admin.do(http.MethodPost, "/api/invites", apitype.InviteInput{Email: "ed@example.com", Role: apitype.RoleEditor})
	if status != http.StatusCreated {
		t.Fatalf("invite: status %d, body %s", status, body)
	}
	var created apitype.CreatedInvite
	decodeInto(t, body, &created)
	if !created.Emailed {
		t.Error("emailed = false, want true")
	}
	mail := mailer.waitMail(t, 1)
	if mail[0].to != "ed@example.com" || mail[0].subject != "You are invited to Test Company on Custom Events" {
		t.Errorf("mail = %s %q", mail[0].to, mail[0].subject)
	}
	if got := linkIn(t, ts, mail[0].body); got != created.Link {
		t.Errorf("mailed link = %q, want %q", got, created.Link)
	}
	if !strings.Contains(mail[0].body, "as an editor") {
		t.Errorf("mail body lacks the role:\n%s", mail[0].body)
	}
}

func TestPasswordResetWithoutMailer(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts)
	var first string
	for i, email := range []string{ts.AdminEmail, "nobody@example.com"} {
		status, body := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: email})
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d, want 202", email, status)
		}
		if i == 0 {
			first = string(body)
		} else if string(body) != first {
			t.Errorf("answer for an unknown email %s differs from a known one's %s", body, first)
		}
	}
	var started apitype.PasswordResetStarted
	decodeInto(t, []byte(first), &started)
	if want := "This server sends no email, so no link was sent: ask an admin of your account to make a password reset link for you under Settings → Members."; started.Message != want {
		t.Errorf("message = %q, want %q", started.Message, want)
	}
	if n := countRows(t, ts, "password_resets"); n != 0 {
		t.Errorf("password resets = %d, want 0", n)
	}
}

func countRows(t *testing.T, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.Store.DB().NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPasswordResetRateLimited(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts)
	for i := range 3 {
		status, _ := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: "nobody@example.com"})
		if status != http.StatusAccepted {
			t.Fatalf("request %d: status %d, want 202", i+1, status)
		}
	}
	status, body := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: "NOBODY@example.com"})
	if status != http.StatusTooManyRequests {
		t.Fatalf("fourth request: status %d, want 429", status)
	}
	if got := decodeError(t, body); got.Message != "Too many password reset requests: wait ten minutes, then try again." {
		t.Errorf("message = %q", got.Message)
	}
	// Two more emails use up the address's 5 requests.
	for _, email := range []string{"a@example.com", "b@example.com"} {
		if status, _ := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: email}); status != http.StatusAccepted {
			t.Fatalf("%s: status %d, want 202", email, status)
		}
	}
	if status, _ := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: "c@example.com"}); status != http.StatusTooManyRequests {
		t.Errorf("sixth request from one address: status %d, want 429", status)
	}
}

func TestPasswordResetByEmail(t *testing.T) {
	mailer := &recordingMailer{}
	ts := newTestServerWith(t, func(cfg *api.Config) { cfg.Mailer = mailer })
	other := signIn(t, ts)
	c := newClient(t, ts)

	status, body := c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: "nobody@example.com"})
	if status != http.StatusAccepted {
		t.Fatalf("unknown email: status %d", status)
	}
	unknownAnswer := string(body)
	status, body = c.do(http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: "Admin@Example.com"})
	if status != http.StatusAccepted {
		t.Fatalf("request: status %d, body %s", status, body)
	}
	if string(body) != unknownAnswer {
		t.Errorf("answers differ: %s and %s", body, unknownAnswer)
	}
	var started apitype.PasswordResetStarted
	decodeInto(t, body, &started)
	if started.Message != "If a user with this email exists, a link to reset the password is on its way. It works once, within an hour." {
		t.Errorf("message = %q", started.Message)
	}

	mail := mailer.waitMail(t, 1)
	if mail[0].to != ts.AdminEmail || mail[0].subject != "Reset your Custom Events password" {
		t.Errorf("mail = %s %q", mail[0].to, mail[0].subject)
	}
	link := linkIn(t, ts, mail[0].body)
	if !strings.HasPrefix(link, ts.URL+"/reset-password?token=") {
		t.Errorf("link = %q", link)
	}
	token := tokenOf(t, link)

	status, body = c.do(http.MethodPost, "/api/password-reset/lookup", apitype.TokenRequest{Token: token})
	var details apitype.PasswordResetDetails
	decodeInto(t, body, &details)
	if status != http.StatusOK || details.Email != ts.AdminEmail {
		t.Errorf("lookup: status %d, %+v", status, details)
	}

	status, body = c.do(http.MethodPost, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: token, Password: "short"})
	if status != http.StatusUnprocessableEntity || decodeError(t, body).Field != "password" {
		t.Errorf("short password: status %d, body %s, want 422 on password", status, body)
	}
	status, body = c.do(http.MethodPost, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: token, Password: "a brand new password"})
	if status != http.StatusOK {
		t.Fatalf("confirm: status %d, body %s", status, body)
	}
	c.setSession(body)
	if c.session.UserEmail != ts.AdminEmail {
		t.Errorf("session = %+v, want %s", c.session, ts.AdminEmail)
	}
	if status, _ := c.do(http.MethodGet, "/api/session", nil); status != http.StatusOK {
		t.Errorf("new session: status %d, want 200", status)
	}
	if status, _ := other.do(http.MethodGet, "/api/session", nil); status != http.StatusUnauthorized {
		t.Errorf("other session after the reset: status %d, want 401", status)
	}
	signInAs(t, ts, ts.AdminEmail, "a brand new password")

	status, body = c.do(http.MethodPost, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: token, Password: "yet another password"})
	if status != http.StatusGone {
		t.Fatalf("reuse: status %d, want 410", status)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeGone || got.Message != "This password reset link was already used or replaced by a newer password: ask for a new link if you still need one." {
		t.Errorf("reuse error = %+v", got)
	}
}

func TestMemberResetLink(t *testing.T) {
	ts := newTestServer(t)
	viewerID := ts.AddMember(t, ts.Account.ID, "viewer@example.com", "forgotten password", apitype.RoleViewer)
	admin := signIn(t, ts)

	status, body := admin.do(http.MethodPost, fmt.Sprintf("/api/members/%d/password-reset", viewerID), nil)
	if status != http.StatusCreated {
		t.Fatalf("reset link: status %d, body %s", status, body)
	}
	var link apitype.ResetLink
	decodeInto(t, body, &link)
	if !strings.HasPrefix(link.Link, ts.URL+"/reset-password?token=") {
		t.Errorf("link = %q", link.Link)
	}

	viewer := newClient(t, ts)
	status, body = viewer.do(http.MethodPost, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: tokenOf(t, link.Link), Password: "remembered password"})
	if status != http.StatusOK {
		t.Fatalf("confirm: status %d, body %s", status, body)
	}
	viewer.setSession(body)
	if viewer.session.UserEmail != "viewer@example.com" || viewer.session.Role != apitype.RoleViewer {
		t.Errorf("session = %+v", viewer.session)
	}

	status, body = admin.do(http.MethodPost, fmt.Sprintf("/api/members/%d/password-reset", ts.UserID(t, ts.AdminEmail)), nil)
	if status != http.StatusForbidden {
		t.Errorf("own reset link: status %d, want 403", status)
	}
	if got := decodeError(t, body).Message; got != "You cannot make a reset link for yourself: sign out and use Forgot password on the sign-in page." {
		t.Errorf("message = %q", got)
	}
}

func TestMemberRoleChanges(t *testing.T) {
	ts := newTestServer(t)
	ownerID := ts.UserID(t, ts.AdminEmail)
	viewerID := ts.AddMember(t, ts.Account.ID, "viewer@example.com", "viewer password", apitype.RoleViewer)
	ts.AddMember(t, ts.Account.ID, "admin2@example.com", "admin password", apitype.RoleAdmin)
	owner := signIn(t, ts)
	admin := signInAs(t, ts, "admin2@example.com", "admin password")

	status, body := admin.do(http.MethodPut, fmt.Sprintf("/api/members/%d", viewerID), apitype.MemberRoleInput{Role: apitype.RoleEditor})
	if status != http.StatusOK {
		t.Fatalf("admin makes an editor: status %d, body %s", status, body)
	}
	var member apitype.Member
	decodeInto(t, body, &member)
	if member.Role != apitype.RoleEditor || member.Email != "viewer@example.com" {
		t.Errorf("member = %+v", member)
	}

	status, body = admin.do(http.MethodPut, fmt.Sprintf("/api/members/%d", viewerID), apitype.MemberRoleInput{Role: apitype.RoleAdmin})
	if status != http.StatusForbidden {
		t.Fatalf("admin makes an admin: status %d, want 403", status)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeForbidden || got.Message != "Making a member an admin needs the owner role." {
		t.Errorf("error = %+v", got)
	}
	status, _ = admin.do(http.MethodDelete, fmt.Sprintf("/api/members/%d", ownerID), nil)
	if status != http.StatusForbidden {
		t.Errorf("admin removes the owner: status %d, want 403", status)
	}

	status, body = owner.do(http.MethodPut, fmt.Sprintf("/api/members/%d", ownerID), apitype.MemberRoleInput{Role: apitype.RoleAdmin})
	if status != http.StatusConflict {
		t.Fatalf("last owner steps down: status %d, want 409", status)
	}
	if got := decodeError(t, body); got.Code != apitype.CodeConflict || got.Message != "The last owner of an account cannot be made an admin: make another member an owner first." {
		t.Errorf("error = %+v", got)
	}
	status, _ = owner.do(http.MethodDelete, fmt.Sprintf("/api/members/%d", ownerID), nil)
	if status != http.StatusConflict {
		t.Errorf("last owner removed: status %d, want 409", status)
	}

	status, _ = owner.do(http.MethodDelete, fmt.Sprintf("/api/members/%d", viewerID), nil)
	if status != http.StatusNoContent {
		t.Fatalf("owner removes a member: status %d, want 204", status)
	}
	status, body = owner.do(http.MethodPut, fmt.Sprintf("/api/members/%d", viewerID), apitype.MemberRoleInput{Role: apitype.RoleViewer})
	if status != http.StatusNotFound {
		t.Errorf("removed member: status %d, body %s, want 404", status, body)
	}
}

func TestUnknownTokensRateLimited(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts)
	paths := []string{"/api/invites/lookup", "/api/password-reset/lookup"}
	for i := range 10 {
		path := paths[i%2]
		status, _ := c.do(http.MethodPost, path, apitype.TokenRequest{Token: fmt.Sprintf("guess-%d", i)})
		if status != http.StatusNotFound {
			t.Fatalf("guess %d at %s: status %d, want 404", i+1, path, status)
		}
	}
	status, body := c.do(http.MethodPost, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: "guess-11", Password: "a long password"})
	if status != http.StatusTooManyRequests {
		t.Fatalf("eleventh guess: status %d, want 429", status)
	}
	if got := decodeError(t, body); got.Message != "Too many failed attempts: wait a minute, then try again." {
		t.Errorf("message = %q", got.Message)
	}
	// The address's sign-in failures are used up too.
	status, _ = c.do(http.MethodPost, "/api/session", apitype.LoginRequest{Email: ts.AdminEmail, Password: ts.AdminPassword})
	if status != http.StatusTooManyRequests {
		t.Errorf("sign in after the guesses: status %d, want 429", status)
	}
}
