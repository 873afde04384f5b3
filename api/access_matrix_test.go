package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

// publicRoutes are the admin API routes that need no session.
var publicRoutes = map[string]bool{
	"POST /api/session":                true,
	"POST /api/invites/lookup":         true,
	"POST /api/invites/accept":         true,
	"POST /api/password-reset":         true,
	"POST /api/password-reset/lookup":  true,
	"POST /api/password-reset/confirm": true,
}

// matrixMember is a user who sends requests in the access matrix.
type matrixMember struct {
	name      string
	userID    int64
	accountID int64
	role      string
}

// matrix is account A, whose data the requests act on, with one member per
// role, and account B, whose owner must not reach A's data.
type matrix struct {
	ts       *testServer
	owner    db.Actor
	eventID  int64
	members  []matrixMember
	outsider matrixMember
	// markers are strings of account A that no response to the outsider
	// may contain.
	markers []string
	// serial makes the names that requests create unique.
	serial int
}

func (m *matrix) next() int {
	m.serial++
	return m.serial
}

// accessCase is one row of the access matrix: an admin route, the minimum
// role it needs, and how to build a request that this role completes.
type accessCase struct {
	minRole string
	// request returns the path and body of one request. It may create
	// rows in account A for the request to act on.
	request func(t *testing.T, m *matrix, as matrixMember) (path string, body any)
	// status is the status of a request by a member with the minimum role or
	// a higher one.
	status int
	// refersToA is true when the path or body names rows of account A, so
	// a member of another account must get 404.
	refersToA bool
}

func staticPath(path string) func(*testing.T, *matrix, matrixMember) (string, any) {
	return func(*testing.T, *matrix, matrixMember) (string, any) { return path, nil }
}

func (m *matrix) newEvent(t *testing.T) int64 {
	t.Helper()
	n := m.next()
	event, err := m.ts.Store.CreateCustomEvent(context.Background(), m.ts.Account.ID, apitype.CustomEventInput{Name: fmt.Sprintf("Matrix %d", n), Slug: fmt.Sprintf("matrix-%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	return event.ID
}

func (m *matrix) newContact(t *testing.T) string {
	t.Helper()
	email := fmt.Sprintf("contact%d@a.test", m.next())
	_, err := m.ts.Store.RecordEvent(context.Background(), db.Trigger{AccountID: m.ts.Account.ID, Slug: "secret-launch", Email: email, Source: db.SourceAPI, OccurredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return email
}

// newOccurrence records an event for a new contact of account A.
func (m *matrix) newOccurrence(t *testing.T) *db.EventOccurrence {
	t.Helper()
	email := fmt.Sprintf("runs%d@a.test", m.next())
	occurrence, err := m.ts.Store.RecordEvent(context.Background(), db.Trigger{AccountID: m.ts.Account.ID, Slug: "secret-launch", Email: email, Source: db.SourceAPI, OccurredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return occurrence
}

func (m *matrix) newViewer(t *testing.T) int64 {
	t.Helper()
	return m.ts.AddMember(t, m.ts.Account.ID, fmt.Sprintf("member%d@a.test", m.next()), "member password", apitype.RoleViewer)
}

// accessMatrix lists every admin route with its minimum role. A route that
// the server registers but this table lacks fails TestAccessMatrix.
var accessMatrix = map[string]accessCase{
	"GET /api/session":    {minRole: apitype.RoleViewer, request: staticPath("/api/session"), status: http.StatusOK},
	"DELETE /api/session": {minRole: apitype.RoleViewer, request: staticPath("/api/session"), status: http.StatusNoContent},
	"POST /api/session/account": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/session/account", apitype.SwitchAccountRequest{AccountID: m.ts.Account.ID}
		}},
	"DELETE /api/sessions": {minRole: apitype.RoleViewer, request: staticPath("/api/sessions"), status: http.StatusNoContent},
	"GET /api/accounts":    {minRole: apitype.RoleViewer, request: staticPath("/api/accounts"), status: http.StatusOK},
	"POST /api/accounts": {minRole: apitype.RoleOwner, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/accounts", apitype.AccountInput{Name: fmt.Sprintf("Workspace %d", m.next()), TimeZone: "Europe/Berlin"}
		}},
	"GET /api/custom-events": {minRole: apitype.RoleViewer, request: staticPath("/api/custom-events"), status: http.StatusOK},
	"POST /api/custom-events": {minRole: apitype.RoleEditor, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			n := m.next()
			return "/api/custom-events", apitype.CustomEventInput{Name: fmt.Sprintf("Created %d", n), Slug: fmt.Sprintf("created-%d", n)}
		}},
	"PUT /api/custom-events/:id": {minRole: apitype.RoleEditor, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			n := m.next()
			return fmt.Sprintf("/api/custom-events/%d", m.newEvent(t)), apitype.CustomEventInput{Name: fmt.Sprintf("Renamed %d", n), Slug: fmt.Sprintf("renamed-%d", n)}
		}},
	"DELETE /api/custom-events/:id": {minRole: apitype.RoleEditor, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d", m.newEvent(t)), nil
		}},
	"GET /api/custom-events/:id/stats": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d/stats", m.eventID), nil
		}},
	"GET /api/custom-events/:id/drilldown": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d/drilldown", m.eventID), nil
		}},
	"GET /api/contacts/:id/action-runs": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/contacts/%d/action-runs", m.newOccurrence(t).ContactID), nil
		}},
	"GET /api/custom-events/:id/occurrences/:occurrenceId/action-runs": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			o := m.newOccurrence(t)
			return fmt.Sprintf("/api/custom-events/%d/occurrences/%d/action-runs", o.CustomEventID, o.ID), nil
		}},
	"GET /api/beacon":   {minRole: apitype.RoleEditor, request: staticPath("/api/beacon"), status: http.StatusOK},
	"GET /api/contacts": {minRole: apitype.RoleViewer, request: staticPath("/api/contacts"), status: http.StatusOK},
	"GET /api/contacts/:id": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/contacts/%d", m.newOccurrence(t).ContactID), nil
		}},
	"GET /api/contacts/:id/timeline": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/contacts/%d/timeline", m.newOccurrence(t).ContactID), nil
		}},
	// The filter names a slug of account A, which account B lacks.
	"GET /api/live-events": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			event, err := m.ts.Store.CustomEvent(context.Background(), m.ts.Account.ID, m.newEvent(t))
			if err != nil {
				t.Fatal(err)
			}
			return "/api/live-events?event=" + event.Slug, nil
		}},
	"POST /api/custom-events/:id/test-event": {minRole: apitype.RoleEditor, status: http.StatusCreated, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d/test-event", m.eventID), nil
		}},
	"GET /api/beacon/status":    {minRole: apitype.RoleEditor, request: staticPath("/api/beacon/status"), status: http.StatusOK},
	"GET /api/graphql-endpoint": {minRole: apitype.RoleViewer, request: staticPath("/api/graphql-endpoint"), status: http.StatusOK},
	"POST /api/graphql": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(*testing.T, *matrix, matrixMember) (string, any) {
			return "/api/graphql", map[string]string{"query": "{ customEvents { slug } }"}
		}},
	"GET /api/account": {minRole: apitype.RoleAdmin, request: staticPath("/api/account"), status: http.StatusOK},
	"PUT /api/account": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			account, err := m.ts.Store.Account(context.Background(), as.accountID)
			if err != nil {
				t.Fatal(err)
			}
			return "/api/account", apitype.AccountInput{Name: account.Name, TimeZone: "Europe/Paris"}
		}},
	"GET /api/account/allowed-origins": {minRole: apitype.RoleAdmin, request: staticPath("/api/account/allowed-origins"), status: http.StatusOK},
	"PUT /api/account/allowed-origins": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/account/allowed-origins", map[string][]string{"allowedOrigins": {"https://www.example.com"}}
		}},
	"GET /api/account/consent-mode": {minRole: apitype.RoleAdmin, request: staticPath("/api/account/consent-mode"), status: http.StatusOK},
	"PUT /api/account/consent-mode": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/account/consent-mode", map[string]string{"consentMode": "wait"}
		}},
	"GET /api/account/identify-signing": {minRole: apitype.RoleAdmin, request: staticPath("/api/account/identify-signing"), status: http.StatusOK},
	"PUT /api/account/identify-signing": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/account/identify-signing", map[string]bool{"required": true}
		}},
	"POST /api/account/identify-signing/secret": {minRole: apitype.RoleAdmin, request: staticPath("/api/account/identify-signing/secret"), status: http.StatusOK},
	"POST /api/contacts/erase": {minRole: apitype.RoleAdmin, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/contacts/erase", apitype.ContactEmailRequest{Email: m.newContact(t)}
		}},
	"GET /api/contacts/export": {minRole: apitype.RoleAdmin, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/contacts/export?email=" + m.newContact(t), nil
		}},
	"GET /api/account/retention": {minRole: apitype.RoleAdmin, request: staticPath("/api/account/retention"), status: http.StatusOK},
	"PUT /api/account/retention": {minRole: apitype.RoleAdmin, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/account/retention", apitype.Retention{RetentionMonths: 13}
		}},
	"GET /api/api-keys": {minRole: apitype.RoleAdmin, request: staticPath("/api/api-keys"), status: http.StatusOK},
	"POST /api/api-keys": {minRole: apitype.RoleAdmin, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/api-keys", apitype.APIKeyInput{Name: fmt.Sprintf("Key %d", m.next())}
		}},
	"DELETE /api/api-keys/:id": {minRole: apitype.RoleAdmin, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			_, key, err := m.ts.Store.CreateNamedAPIKey(context.Background(), m.ts.Account.ID, fmt.Sprintf("Key %d", m.next()))
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/api-keys/%d", key.ID), nil
		}},
	"GET /api/members": {minRole: apitype.RoleAdmin, request: staticPath("/api/members"), status: http.StatusOK},
	"PUT /api/members/:id": {minRole: apitype.RoleAdmin, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/members/%d", m.newViewer(t)), apitype.MemberRoleInput{Role: apitype.RoleEditor}
		}},
	"DELETE /api/members/:id": {minRole: apitype.RoleAdmin, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/members/%d", m.newViewer(t)), nil
		}},
	"POST /api/members/:id/password-reset": {minRole: apitype.RoleAdmin, status: http.StatusCreated, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/members/%d/password-reset", m.newViewer(t)), nil
		}},
	"GET /api/invites": {minRole: apitype.RoleAdmin, request: staticPath("/api/invites"), status: http.StatusOK},
	"POST /api/invites": {minRole: apitype.RoleAdmin, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/invites", apitype.InviteInput{Email: fmt.Sprintf("invitee%d@example.com", m.next()), Role: apitype.RoleViewer}
		}},
	"DELETE /api/invites/:id": {minRole: apitype.RoleAdmin, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			_, invite, err := m.ts.Store.CreateInvite(context.Background(), m.ts.Account.ID, m.owner, apitype.InviteInput{Email: fmt.Sprintf("invitee%d@example.com", m.next()), Role: apitype.RoleViewer})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/invites/%d", invite.ID), nil
		}},
}

// newMatrix seeds account A with a member of each role and some data of
// every kind, and account B with its owner.
func newMatrix(t *testing.T) *matrix {
	t.Helper()
	ts := newTestServer(t)
	ctx := context.Background()
	ownerID := ts.UserID(t, ts.AdminEmail)
	m := &matrix{ts: ts, owner: db.Actor{UserID: ownerID, Role: apitype.RoleOwner}}

	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Secret Launch", Slug: "secret-launch", Description: "Account A only"})
	if err != nil {
		t.Fatal(err)
	}
	m.eventID = event.ID
	if _, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "secret-launch", Email: "secret.contact@a.test", Source: db.SourceAPI, OccurredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Store.CreateNamedAPIKey(ctx, ts.Account.ID, "A secret key"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Store.CreateInvite(ctx, ts.Account.ID, m.owner, apitype.InviteInput{Email: "pending@a.test", Role: apitype.RoleEditor}); err != nil {
		t.Fatal(err)
	}

	m.members = []matrixMember{
		{"viewer", ts.AddMember(t, ts.Account.ID, "viewer@a.test", "member password", apitype.RoleViewer), ts.Account.ID, apitype.RoleViewer},
		{"editor", ts.AddMember(t, ts.Account.ID, "editor@a.test", "member password", apitype.RoleEditor), ts.Account.ID, apitype.RoleEditor},
		{"admin", ts.AddMember(t, ts.Account.ID, "admin@a.test", "member password", apitype.RoleAdmin), ts.Account.ID, apitype.RoleAdmin},
		{"owner", ownerID, ts.Account.ID, apitype.RoleOwner},
	}
	other := ts.AddAccount(t, "Other Company")
	m.outsider = matrixMember{"owner of another account", ts.AddMember(t, other, "owner@b.test", "member password", apitype.RoleOwner), other, apitype.RoleOwner}

	signing, err := ts.Store.IdentifySigning(ctx, ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.markers = []string{"Test Company", ts.Account.SiteKey, "Secret Launch", "secret-launch", "Account A only", "secret.contact@a.test",
		"A secret key", "pending@a.test", "viewer@a.test", "editor@a.test", "admin@a.test", ts.AdminEmail, signing.Secret}
	return m
}

// snapshot returns every row of account a: the account itself, each
// table with an account_id column, and the members' users and password
// resets, as JSON text.
func snapshot(t *testing.T, ts *testServer, accountID int64) string {
	t.Helper()
	ctx := context.Background()
	bdb := ts.Store.DB()
	var tables []string
	err := bdb.NewRaw(`
		SELECT table_name FROM information_schema.columns
		WHERE table_schema = 'public' AND column_name = 'account_id'
		ORDER BY table_name`).Scan(ctx, &tables)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"SELECT to_jsonb(x)::text FROM accounts x WHERE id = ?",
		`SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.id), '[]')::text FROM users x
			WHERE id IN (SELECT user_id FROM memberships WHERE account_id = ?)`,
		`SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.token_hash), '[]')::text FROM password_resets x
			WHERE user_id IN (SELECT user_id FROM memberships WHERE account_id = ?)`,
	}
	for _, table := range tables {
		queries = append(queries, fmt.Sprintf(`SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), '[]')::text FROM %s x WHERE account_id = ?`, table))
	}
	var out strings.Builder
	for _, query := range queries {
		var rows string
		if err := bdb.NewRaw(query, accountID).Scan(ctx, &rows); err != nil {
			t.Fatalf("snapshot: %s: %v", query, err)
		}
		out.WriteString(rows)
		out.WriteString("\n")
	}
	return out.String()
}

// memberSession is a session cookie with its CSRF token.
type memberSession struct {
	token string
	csrf  string
}

// openSession opens a new session of the member without a password.
func openSession(t *testing.T, ts *testServer, as matrixMember) *memberSession {
	t.Helper()
	token, info, err := ts.Store.OpenSession(context.Background(), as.userID, as.accountID)
	if err != nil {
		t.Fatalf("open session of %s: %v", as.name, err)
	}
	return &memberSession{token: token, csrf: info.Session.CSRFToken}
}

// send sends one admin API request with the session, or without one when
// session is nil.
func send(t *testing.T, ts *testServer, method, path string, body any, session *memberSession) (int, []byte) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, ts.URL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != nil {
		req.AddCookie(&http.Cookie{Name: "ce_session", Value: session.token})
		req.Header.Set("X-CSRF-Token", session.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		// A live event stream stays open: its first event is enough.
		out, err := bufio.NewReader(resp.Body).ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// forbiddenMessage is the message of a request that needs the role minRole
// from a member with role have in account "Test Company".
func forbiddenMessage(minRole, have string) string {
	need := map[string]string{
		apitype.RoleEditor: "the editor role or higher, and you are %s in account \"Test Company\": ask an admin of the account to change your role.",
		apitype.RoleAdmin:  "the admin role or higher, and you are %s in account \"Test Company\": ask an owner of the account to change your role.",
		apitype.RoleOwner:  "the owner role, and you are %s in account \"Test Company\": ask an owner of the account to change your role.",
	}[minRole]
	return "This needs " + fmt.Sprintf(need, apitype.RoleWithArticle(have))
}

// adminRoutes returns the server's admin API routes as "METHOD /path",
// leaving out the catch-alls that answer 404.
func adminRoutes(ts *testServer) []string {
	var routes []string
	for _, r := range ts.server.Routes() {
		if !strings.HasPrefix(r.Path, "/api") || r.Path == "/api" || r.Path == "/api/*" || r.Method == echo.RouteNotFound {
			continue
		}
		routes = append(routes, r.Method+" "+r.Path)
	}
	return routes
}

// TestAccessMatrix sends a request to every admin route registered on the
// server, as each role of account A, as the owner of account B and without
// a session. Roles below the route's minimum role get 403 with a message
// that names the role, and change nothing. The owner of B gets 404 for
// anything of A, and no response contains A's data.
func TestAccessMatrix(t *testing.T) {
	m := newMatrix(t)
	ts := m.ts
	routes := adminRoutes(ts)

	registered := map[string]bool{}
	for _, route := range routes {
		registered[route] = true
		if publicRoutes[route] {
			continue
		}
		if _, ok := accessMatrix[route]; !ok {
			t.Errorf("%s has no row in accessMatrix: add it with the minimum role it needs", route)
		}
	}
	for route := range accessMatrix {
		if !registered[route] {
			t.Errorf("accessMatrix lists %s, which the server does not register", route)
		}
	}
	for route := range publicRoutes {
		if !registered[route] {
			t.Errorf("publicRoutes lists %s, which the server does not register", route)
		}
	}
	if len(routes) < len(accessMatrix)+len(publicRoutes) {
		t.Fatalf("walked %d routes, want at least %d", len(routes), len(accessMatrix)+len(publicRoutes))
	}

	for _, route := range routes {
		tc, ok := accessMatrix[route]
		if !ok {
			continue
		}
		method, pattern, _ := strings.Cut(route, " ")
		t.Run(strings.ReplaceAll(route, "/", "_"), func(t *testing.T) {
			if minRole, ok := ts.server.MinRole(method, pattern); !ok || minRole != tc.minRole {
				t.Errorf("server's minimum role = %q (registered %v), want %q", minRole, ok, tc.minRole)
			}

			path, body := tc.request(t, m, m.members[0])
			before := snapshot(t, ts, ts.Account.ID)
			status, out := send(t, ts, method, path, body, nil)
			if status != http.StatusUnauthorized || decodeError(t, out).Code != apitype.CodeUnauthenticated {
				t.Errorf("without a session: status %d, body %s, want 401 UNAUTHENTICATED", status, out)
			}
			if after := snapshot(t, ts, ts.Account.ID); after != before {
				t.Errorf("without a session: account A changed")
			}

			for _, member := range m.members {
				path, body := tc.request(t, m, member)
				session := openSession(t, ts, member)
				before := snapshot(t, ts, ts.Account.ID)
				status, out := send(t, ts, method, path, body, session)
				if apitype.RoleAtLeast(member.role, tc.minRole) {
					if status != tc.status {
						t.Errorf("as %s: status %d, body %s, want %d", member.name, status, out, tc.status)
					}
					continue
				}
				if status != http.StatusForbidden {
					t.Errorf("as %s: status %d, body %s, want 403", member.name, status, out)
					continue
				}
				got := decodeError(t, out)
				if got.Code != apitype.CodeForbidden {
					t.Errorf("as %s: code %q, want FORBIDDEN", member.name, got.Code)
				}
				if want := forbiddenMessage(tc.minRole, member.role); got.Message != want {
					t.Errorf("as %s: message %q, want %q", member.name, got.Message, want)
				}
				if after := snapshot(t, ts, ts.Account.ID); after != before {
					t.Errorf("as %s: account A changed by a refused request:\nbefore %s\nafter  %s", member.name, before, after)
				}
			}

			outsider := m.outsider
			path, body = tc.request(t, m, outsider)
			before = snapshot(t, ts, ts.Account.ID)
			status, out = send(t, ts, method, path, body, openSession(t, ts, outsider))
			want := tc.status
			if tc.refersToA {
				want = http.StatusNotFound
			}
			if status != want {
				t.Errorf("as %s: status %d, body %s, want %d", outsider.name, status, out, want)
			}
			for _, marker := range m.markers {
				if strings.Contains(string(out), marker) {
					t.Errorf("as %s: response contains %q of account A: %s", outsider.name, marker, out)
				}
			}
			if after := snapshot(t, ts, ts.Account.ID); after != before {
				t.Errorf("as %s: account A changed:\nbefore %s\nafter  %s", outsider.name, before, after)
			}
		})
	}
}

// TestAccessRuleMissingRefused adds a route to the admin API without a
// minimum role: every role, the owner too, gets 403, and the handler never
// runs.
func TestAccessRuleMissingRefused(t *testing.T) {
	ts := newTestServer(t)
	ran := false
	ts.server.AddRouteWithoutRole(http.MethodGet, "/unruled", func(c echo.Context) error {
		ran = true
		return c.NoContent(http.StatusNoContent)
	})
	owner := matrixMember{"owner", ts.UserID(t, ts.AdminEmail), ts.Account.ID, apitype.RoleOwner}
	status, out := send(t, ts, http.MethodGet, "/api/unruled", nil, openSession(t, ts, owner))
	if status != http.StatusForbidden {
		t.Fatalf("status %d, body %s, want 403", status, out)
	}
	got := decodeError(t, out)
	if want := "This request has no access rule, so it is rejected for every role."; got.Message != want || got.Code != apitype.CodeForbidden {
		t.Errorf("error = %+v, want FORBIDDEN with %q", got, want)
	}
	if ran {
		t.Error("handler ran, want it refused before")
	}
}
