package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"customevents/api"
	"customevents/api/graph"
	"customevents/app/apitype"
)

// repositorySchema returns the GraphQL schema file of the repository
// without gqlgen's directives, as graph.SchemaText gives it, which the
// graph package's TestSchemaText checks against the served schema.
func repositorySchema(t *testing.T) string {
	t.Helper()
	schema := graph.SchemaText()
	if !strings.Contains(schema, "triggerCustomEvent(") {
		t.Fatalf("schema text of %d bytes has no triggerCustomEvent", len(schema))
	}
	if strings.Contains(schema, "@go") {
		t.Fatal("schema text has a gqlgen directive")
	}
	return schema
}

// getGraphQLEndpoint sends GET /api/graphql-endpoint to handler as the
// signed-in client, with the Host header host and extra headers.
func getGraphQLEndpoint(t *testing.T, c *adminClient, handler http.Handler, host string, header map[string]string) apitype.GraphQLEndpoint {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, c.base+"/api/graphql-endpoint", nil)
	req.Host = host
	base, err := url.Parse(c.base)
	if err != nil {
		t.Fatal(err)
	}
	for _, cookie := range c.http.Jar.Cookies(base) {
		req.AddCookie(cookie)
	}
	for name, value := range header {
		req.Header.Set(name, value)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/graphql-endpoint with Host %q: status %d, body %s", host, rec.Code, rec.Body)
	}
	var out apitype.GraphQLEndpoint
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGraphQLEndpointUsesRequestHost(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)

	status, body := c.do(http.MethodGet, "/api/graphql-endpoint", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d, body %s", status, body)
	}
	var endpoint apitype.GraphQLEndpoint
	if err := json.Unmarshal(body, &endpoint); err != nil {
		t.Fatal(err)
	}
	// The schema comes with the endpoint, as graph.SchemaText returns it.
	schema := repositorySchema(t)
	if want := (apitype.GraphQLEndpoint{URL: ts.URL + "/graphql", Schema: schema}); endpoint != want {
		t.Errorf("endpoint without events = %+v, want %+v", endpoint, want)
	}

	// The first event by name gives the slug.
	createEvent(t, ts, "watched-demo-video")
	createEvent(t, ts, "signed-up")
	got := getGraphQLEndpoint(t, c, ts.server, "admin.example.test:8443", map[string]string{
		"Origin":           "https://attacker.example",
		"Referer":          "https://attacker.example/page",
		"X-Forwarded-Host": "attacker.example",
	})
	if want := (apitype.GraphQLEndpoint{URL: "http://admin.example.test:8443/graphql", Slug: "signed-up", Schema: schema}); got != want {
		t.Errorf("endpoint = %+v, want %+v", got, want)
	}

	// A Host that is not a plain host and port falls back to the public
	// URL.
	for _, host := range []string{`evil.example/"x`, "evil.example:80:80", "user@evil.example"} {
		if got := getGraphQLEndpoint(t, c, ts.server, host, nil); got.URL != ts.URL+"/graphql" {
			t.Errorf("endpoint with Host %q = %q, want %q", host, got.URL, ts.URL+"/graphql")
		}
	}
}

func TestGraphQLEndpointPrefersPublicURL(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	createEvent(t, ts, "signed-up")
	cfg := api.Config{PublicURL: "https://events.example.com", PublicURLSet: true, Version: "test"}
	configured := api.NewServer(cfg, ts.Store, slog.New(slog.NewTextHandler(io.Discard, nil)))

	got := getGraphQLEndpoint(t, c, configured, "127.0.0.1:9999", nil)
	if want := (apitype.GraphQLEndpoint{URL: "https://events.example.com/graphql", Slug: "signed-up", Schema: repositorySchema(t)}); got != want {
		t.Errorf("endpoint = %+v, want %+v", got, want)
	}
}

// TestGraphQLGoExampleRuns compiles and runs the Go example, with a real
// key in place of the placeholder, against the test server.
func TestGraphQLGoExampleRuns(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signed-up")
	var code string
	for _, example := range apitype.GraphQLExamples(ts.URL+"/graphql", "signed-up") {
		if example.ID == "go" {
			code = strings.Replace(example.Code, apitype.ExampleAPIKey, ts.APIKey, 1)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go not found on PATH: the test runs the Go example with it")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "run", "main.go")
	cmd.Dir = dir
	// The example is a single file outside any module or workspace.
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GO111MODULE=on")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run example: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`^200 OK \{"data":\{"triggerCustomEvent":"[0-9]+"\}\}\n$`).Match(out) {
		t.Errorf("output = %q, want 200 OK and an occurrence id", out)
	}

	var slug string
	err = ts.Store.DB().NewRaw(`
		SELECT e.slug FROM event_occurrences o
		JOIN custom_events e ON e.id = o.custom_event_id
		JOIN contacts c ON c.id = o.contact_id
		WHERE o.account_id = ? AND c.email = ?`, ts.Account.ID, apitype.ExampleEmail).Scan(context.Background(), &slug)
	if err != nil {
		t.Fatalf("find the example's occurrence: %v", err)
	}
	if slug != "signed-up" {
		t.Errorf("slug = %q, want signed-up", slug)
	}
}
