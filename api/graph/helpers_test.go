package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// logBuffer collects log output from concurrent request goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testAPI is a GraphQL endpoint on a real HTTP server and a fresh database.
type testAPI struct {
	*dbtest.Fixture
	URL  string
	Logs *logBuffer
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	fixture := dbtest.NewFixture(t)
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server := httptest.NewServer(NewHandler(fixture.Store, log, Options{}))
	t.Cleanup(server.Close)
	return &testAPI{Fixture: fixture, URL: server.URL, Logs: logs}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Locations  []gqlLocation  `json:"locations"`
	Extensions map[string]any `json:"extensions"`
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type gqlResponse struct {
	Status int
	Header http.Header
	// Size is the length of the response body in bytes, and Body the
	// body as received.
	Size   int
	Body   []byte          `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// postBody sends body as a JSON POST with the given Authorization header,
// which is left out when empty.
func (api *testAPI) postBody(t *testing.T, authorization, body string) gqlResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, api.URL, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return api.do(t, req)
}

func (api *testAPI) do(t *testing.T, req *http.Request) gqlResponse {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("send request: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	resp := gqlResponse{Status: res.StatusCode, Header: res.Header, Size: len(raw), Body: raw}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("decode response %q: %v", raw, err)
	}
	return resp
}

// query sends query and variables with the fixture's API key.
func (api *testAPI) query(t *testing.T, query string, variables map[string]any) gqlResponse {
	t.Helper()
	return api.queryWithAuth(t, "Bearer "+api.APIKey, query, variables)
}

func (api *testAPI) queryWithAuth(t *testing.T, authorization, query string, variables map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return api.postBody(t, authorization, string(body))
}

// createEvent stores a custom event definition through the Store.
func (api *testAPI) createEvent(t *testing.T, slug string) *db.CustomEvent {
	t.Helper()
	event, err := api.Store.CreateCustomEvent(context.Background(), api.Account.ID, apitype.CustomEventInput{
		Name: "Event " + slug,
		Slug: slug,
	})
	if err != nil {
		t.Fatalf("create event %q: %v", slug, err)
	}
	return event
}

func (api *testAPI) count(t *testing.T, table string) int {
	t.Helper()
	return dbtest.Count(t, api.Store.DB(), table)
}

// decodeData decodes resp.Data into out and fails on any GraphQL error.
func decodeData(t *testing.T, resp gqlResponse, out any) {
	t.Helper()
	if len(resp.Errors) > 0 {
		t.Fatalf("errors = %+v, want none", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		t.Fatalf("decode data %s: %v", resp.Data, err)
	}
}

// wantError checks that resp has exactly one error with the given code,
// field (empty for none) and message.
func wantError(t *testing.T, resp gqlResponse, code, field, message string) {
	t.Helper()
	if len(resp.Errors) != 1 {
		t.Fatalf("errors = %+v, want exactly one", resp.Errors)
	}
	got := resp.Errors[0]
	if got.Extensions["code"] != code {
		t.Errorf("extensions.code = %v, want %s", got.Extensions["code"], code)
	}
	gotField, hasField := got.Extensions["field"]
	if field == "" && hasField {
		t.Errorf("extensions.field = %v, want none", gotField)
	}
	if field != "" && gotField != field {
		t.Errorf("extensions.field = %v, want %s", gotField, field)
	}
	if got.Message != message {
		t.Errorf("message = %q, want %q", got.Message, message)
	}
}
