package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"customevents/db/dbtest"
)

// A signed-in admin sends GraphQL requests through /api/graphql with the
// session and its CSRF token, for the session's account and without an
// API key.
func TestSignedInGraphQL(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "s")
	admin := signIn(t, ts)

	status, body := admin.do(http.MethodPost, "/api/graphql", map[string]string{
		"query": `mutation { triggerCustomEvent(input: { slug: "s" email: "a@b.c" }) }`,
	})
	if status != http.StatusOK {
		t.Fatalf("status = %d, body %s, want 200", status, body)
	}
	var resp struct {
		Data struct {
			TriggerCustomEvent string `json:"triggerCustomEvent"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("decode response %s: %v", body, err)
	}
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %v, want none", resp.Errors)
	}
	var stored struct {
		ID        int64  `bun:"id"`
		AccountID int64  `bun:"account_id"`
		Source    string `bun:"source"`
	}
	if err := ts.Store.DB().NewRaw("SELECT id, account_id, source FROM event_occurrences").Scan(context.Background(), &stored); err != nil {
		t.Fatal(err)
	}
	if resp.Data.TriggerCustomEvent != strconv.FormatInt(stored.ID, 10) {
		t.Errorf("triggerCustomEvent = %q, want occurrence id %d", resp.Data.TriggerCustomEvent, stored.ID)
	}
	if stored.AccountID != ts.Account.ID {
		t.Errorf("account id = %d, want the session's %d", stored.AccountID, ts.Account.ID)
	}
	if stored.Source != "api" {
		t.Errorf("source = %q, want api", stored.Source)
	}

	// The session cookie alone, without the CSRF token, is refused, so
	// another site cannot post GraphQL with an admin's cookie.
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/api/graphql", strings.NewReader(`{"query": "{ customEvents { slug } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	noToken, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	noToken.Body.Close()
	if noToken.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: status = %d, want 403", noToken.StatusCode)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want 1", n)
	}
}

// The explorer sends what /graphql accepts: a body over the admin API's 64
// KiB runs, and one over the GraphQL limit gets GraphQL's error shape.
func TestSignedInGraphQLBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "s")
	admin := signIn(t, ts)

	// 80 KB of metadata over 100 inputs, each within the caps.
	inputs := make([]map[string]any, 100)
	for i := range inputs {
		inputs[i] = map[string]any{"slug": "s", "email": "a@b.c", "metadata": map[string]any{"note": strings.Repeat("x", 800)}}
	}
	status, body := admin.do(http.MethodPost, "/api/graphql", map[string]any{
		"query":     `mutation($in: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $in) { accepted } }`,
		"variables": map[string]any{"in": inputs},
	})
	if status != http.StatusOK {
		t.Fatalf("80 KB body: status = %d, body %.300s, want 200", status, body)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 100 {
		t.Errorf("occurrences = %d, want 100", n)
	}

	status, body = admin.do(http.MethodPost, "/api/graphql", map[string]any{
		"query":     `{ customEvents { slug } }`,
		"variables": map[string]any{"pad": strings.Repeat("x", 1<<20)},
	})
	var resp graphQLErrors
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("decode response %.300s: %v", body, err)
	}
	const want = "Request body is larger than 1048576 bytes: send fewer inputs per call."
	if status != http.StatusRequestEntityTooLarge || !resp.only("BAD_USER_INPUT", want) {
		t.Errorf("1 MiB body: status %d, body %.300s, want 413 with the error %q", status, body, want)
	}
}

// A method other than GET and POST gets GraphQL's error format with the
// methods that /graphql takes, not the admin app's page for unknown paths.
// OPTIONS too: /graphql is for servers, and browsers' preflights fail.
func TestGraphQLOtherMethods(t *testing.T) {
	ts := newTestServer(t)
	for _, method := range []string{http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req, err := http.NewRequest(method, ts.URL+"/graphql", strings.NewReader(`{"query": "{ customEvents { slug } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ts.APIKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var resp graphQLErrors
		err = json.NewDecoder(res.Body).Decode(&resp)
		res.Body.Close()
		want := "Method " + method + " is not supported: send requests by POST with a JSON body, or queries by GET."
		if err != nil || res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, POST" || !resp.only("BAD_USER_INPUT", want) {
			t.Errorf("%s: status %d, Allow %q, errors %+v (decode error %v), want 405, GET, POST and %q",
				method, res.StatusCode, res.Header.Get("Allow"), resp.Errors, err, want)
		}
	}
	// HEAD gets the status and headers, without a body.
	res, err := http.Head(ts.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, POST" {
		t.Errorf("HEAD: status %d, Allow %q, want 405 and GET, POST", res.StatusCode, res.Header.Get("Allow"))
	}
}

// graphQLErrors is the part of a GraphQL reply that carries its errors.
type graphQLErrors struct {
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// only reports whether the reply has one error, with code and message.
func (r graphQLErrors) only(code, message string) bool {
	return len(r.Errors) == 1 && r.Errors[0].Message == message && r.Errors[0].Extensions.Code == code
}
