package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"customevents/app/apitype"
)

// graphQLReply is a decoded GraphQL response.
type graphQLReply struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

const customEventsQuery = "{ customEvents { slug } }"

// queryWithKey sends customEventsQuery with apiKey, checks the HTTP status
// and decodes the reply.
func queryWithKey(t *testing.T, ts *testServer, apiKey string, wantStatus int) graphQLReply {
	t.Helper()
	status, body := postGraphQL(t, ts.URL, apiKey, customEventsQuery)
	if status != wantStatus {
		t.Fatalf("GraphQL status = %d, want %d; body %s", status, wantStatus, body)
	}
	var reply graphQLReply
	if err := json.Unmarshal(body, &reply); err != nil {
		t.Fatalf("decode GraphQL reply %s: %v", body, err)
	}
	return reply
}

// revokedKeyMessage is the GraphQL error message for an unknown or revoked
// API key.
const revokedKeyMessage = "API key is invalid or revoked: send a valid key as `Authorization: Bearer <API key>`."

func TestAdminAPIKeyLifecycle(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/api-keys", apitype.APIKeyInput{Name: "CRM integration"})
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, want 201; body %s", status, body)
	}
	var created apitype.CreatedAPIKey
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Key, "ce_") || len(created.Key) != 46 {
		t.Errorf("key = %q, want ce_ and 43 more characters", created.Key)
	}
	if created.APIKey.Name != "CRM integration" {
		t.Errorf("name = %q, want CRM integration", created.APIKey.Name)
	}
	if created.APIKey.Prefix != created.Key[:10] {
		t.Errorf("prefix = %q, want %q", created.APIKey.Prefix, created.Key[:10])
	}
	if created.APIKey.LastUsedAt != nil || created.APIKey.RevokedAt != nil {
		t.Errorf("lastUsedAt = %v, revokedAt = %v, want both null", created.APIKey.LastUsedAt, created.APIKey.RevokedAt)
	}
	if bytes.Contains(body, []byte("key_hash")) || bytes.Contains(body, []byte("keyHash")) {
		t.Errorf("create response contains the key hash: %s", body)
	}

	reply := queryWithKey(t, ts, created.Key, http.StatusOK)
	if len(reply.Errors) != 0 {
		t.Fatalf("query with the new key: errors %+v, want none", reply.Errors)
	}
	if got := string(reply.Data["customEvents"]); got != "[]" {
		t.Errorf("customEvents = %s, want []", got)
	}

	status, body = c.do(http.MethodGet, "/api/api-keys", nil)
	if status != http.StatusOK {
		t.Fatalf("list: status %d, body %s", status, body)
	}
	for _, secret := range []string{created.Key, ts.APIKey, "key_hash", "keyHash", `"key"`} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("list contains %q: %s", secret, body)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal(body, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("listed keys = %d, want 2; body %s", len(rows), body)
	}
	var fields []string
	for field := range rows[0] {
		fields = append(fields, field)
	}
	slices.Sort(fields)
	if got, want := strings.Join(fields, ","), "createdAt,id,lastUsedAt,name,prefix,revokedAt"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
	if rows[0]["name"] != "CRM integration" || rows[1]["name"] != "Initial key" {
		t.Errorf("names = %v, %v, want CRM integration then Initial key", rows[0]["name"], rows[1]["name"])
	}
	if rows[0]["lastUsedAt"] == nil {
		t.Error("lastUsedAt = null after a GraphQL request, want its time")
	}
	if rows[0]["revokedAt"] != nil {
		t.Errorf("revokedAt = %v, want null", rows[0]["revokedAt"])
	}

	path := "/api/api-keys/" + itoa(created.APIKey.ID)
	status, body = c.do(http.MethodDelete, path, nil)
	if status != http.StatusNoContent {
		t.Fatalf("revoke: status %d, want 204; body %s", status, body)
	}

	// The next request with the revoked key fails, and the initial key
	// keeps working.
	reply = queryWithKey(t, ts, created.Key, http.StatusUnauthorized)
	if len(reply.Errors) != 1 {
		t.Fatalf("query with revoked key: errors %+v, want 1", reply.Errors)
	}
	if got := reply.Errors[0].Extensions["code"]; got != apitype.CodeUnauthenticated {
		t.Errorf("code = %v, want UNAUTHENTICATED", got)
	}
	if got := reply.Errors[0].Message; got != revokedKeyMessage {
		t.Errorf("message = %q, want %q", got, revokedKeyMessage)
	}
	if reply := queryWithKey(t, ts, ts.APIKey, http.StatusOK); len(reply.Errors) != 0 {
		t.Errorf("query with initial key: errors %+v, want none", reply.Errors)
	}

	status, body = c.do(http.MethodGet, "/api/api-keys", nil)
	if status != http.StatusOK {
		t.Fatalf("list after revoke: status %d", status)
	}
	var listed []apitype.APIKey
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].ID != created.APIKey.ID || listed[0].RevokedAt == nil {
		t.Errorf("list after revoke = %s, want the revoked key first with revokedAt", body)
	}

	status, body = c.do(http.MethodDelete, path, nil)
	if status != http.StatusNotFound {
		t.Errorf("second revoke: status %d, want 404; body %s", status, body)
	}
	if got := decodeError(t, body).Code; got != apitype.CodeNotFound {
		t.Errorf("second revoke code = %q, want NOT_FOUND", got)
	}
}

func TestAdminAPIKeyCreateValidation(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodPost, "/api/api-keys", apitype.APIKeyInput{Name: " "})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422; body %s", status, body)
	}
	got := decodeError(t, body)
	if got.Field != "name" {
		t.Errorf("field = %q, want name", got.Field)
	}
	if got.Message != "Name is required, such as CRM integration." {
		t.Errorf("message = %q, want %q", got.Message, "Name is required, such as CRM integration.")
	}
	if got.Code != apitype.CodeBadUserInput {
		t.Errorf("code = %q, want BAD_USER_INPUT", got.Code)
	}
	if bytes.Contains(body, []byte("ce_")) {
		t.Errorf("error body contains a key: %s", body)
	}
}

func TestAdminAPIKeyRequiresCSRFToken(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	token := c.session.CSRFToken
	c.session.CSRFToken = ""

	status, body := c.do(http.MethodPost, "/api/api-keys", apitype.APIKeyInput{Name: "CRM integration"})
	if status != http.StatusForbidden {
		t.Errorf("create without token: status %d, want 403; body %s", status, body)
	}

	c.session.CSRFToken = token
	status, body = c.do(http.MethodGet, "/api/api-keys", nil)
	if status != http.StatusOK {
		t.Fatalf("list: status %d", status)
	}
	var listed []apitype.APIKey
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 {
		t.Errorf("keys = %d, want only the initial one", len(listed))
	}

	c.session.CSRFToken = ""
	status, _ = c.do(http.MethodDelete, "/api/api-keys/"+itoa(listed[0].ID), nil)
	if status != http.StatusForbidden {
		t.Errorf("revoke without token: status %d, want 403", status)
	}
	if reply := queryWithKey(t, ts, ts.APIKey, http.StatusOK); len(reply.Errors) != 0 {
		t.Errorf("initial key after rejected revoke: errors %+v, want none", reply.Errors)
	}
}

func TestAdminAPIKeyRevokeOtherAccount(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	var otherAccount int64
	err := ts.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES ('Other Company', 'site_other') RETURNING id").
		Scan(t.Context(), &otherAccount)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, other, err := ts.Store.CreateNamedAPIKey(t.Context(), otherAccount, "Other integration")
	if err != nil {
		t.Fatal(err)
	}

	status, body := c.do(http.MethodDelete, "/api/api-keys/"+itoa(other.ID), nil)
	if status != http.StatusNotFound {
		t.Errorf("revoke another account's key: status %d, want 404; body %s", status, body)
	}
	if reply := queryWithKey(t, ts, otherKey, http.StatusOK); len(reply.Errors) != 0 {
		t.Errorf("other account's key: errors %+v, want none", reply.Errors)
	}

	status, body = c.do(http.MethodGet, "/api/api-keys", nil)
	if status != http.StatusOK {
		t.Fatalf("list: status %d", status)
	}
	if bytes.Contains(body, []byte("Other integration")) {
		t.Errorf("list contains another account's key: %s", body)
	}
}
