package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"customevents/api"
	"customevents/db/dbtest"
)

func TestRequestLogLevels(t *testing.T) {
	f := dbtest.NewFixture(t)
	logs := &lockedBuffer{}
	handler := api.NewServer(api.Config{LogFormat: "text", Version: "test"}, f.Store,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		method, path string
		status       int
		level        string
	}{
		// A signed-out visit to the admin app requests its session first.
		{http.MethodGet, "/api/session", http.StatusUnauthorized, "DEBUG"},
		{http.MethodGet, "/api/contacts", http.StatusUnauthorized, "WARN"},
		{http.MethodDelete, "/api/session", http.StatusUnauthorized, "WARN"},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		want := "level=" + tc.level + " msg=request method=" + tc.method + " path=" + tc.path + " status=401"
		if !strings.Contains(logs.String(), want) {
			t.Errorf("%s %s: no log line with %q in:\n%s", tc.method, tc.path, want, logs.String())
		}
	}
}

// Rate-limited GraphQL requests log their request lines at Debug, and the
// GraphQL handler logs one Warn line for the burst.
func TestRateLimitedGraphQLLogLevels(t *testing.T) {
	f := dbtest.NewFixture(t)
	logs := &lockedBuffer{}
	// A limit of 0.001 requests per second gives a burst of 1, so every
	// request after the first is rejected.
	handler := api.NewServer(api.Config{LogFormat: "text", Version: "test", APIRateLimit: 0.001}, f.Store,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	for i := range 5 {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query": "{ customEvents { slug } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if i > 0 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Errorf("request %d: status = %d, want %d", i+1, resp.StatusCode, want)
		}
	}

	output := logs.String()
	if n := strings.Count(output, "level=DEBUG msg=request method=POST path=/graphql status=429"); n != 4 {
		t.Errorf("Debug request lines with status 429 = %d, want 4 in:\n%s", n, output)
	}
	if n := strings.Count(output, "level=WARN"); n != 1 {
		t.Errorf("Warn lines = %d, want 1 in:\n%s", n, output)
	}
	if n := strings.Count(output, `level=WARN msg="GraphQL requests rate limited"`); n != 1 {
		t.Errorf("rate limit summaries = %d, want 1 in:\n%s", n, output)
	}
}

// TestClientErrorWarnBudget sends client errors past the window's budget
// of Warn lines, then more in the next window, and checks which lines are
// at Warn and the counts of those held back at Debug.
func TestClientErrorWarnBudget(t *testing.T) {
	f := dbtest.NewFixture(t)
	logs := &lockedBuffer{}
	handler := api.NewServer(api.Config{LogFormat: "text", Version: "test"}, f.Store,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	start := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	handler.SetLimiterClock(func() time.Time { return time.Unix(0, clock.Load()) })
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	send := func(n int) {
		t.Helper()
		for range n {
			resp, err := http.Get(srv.URL + "/api/contacts")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", resp.StatusCode)
			}
		}
	}
	const warnLine = "level=WARN msg=request method=GET path=/api/contacts status=401"
	const debugLine = "level=DEBUG msg=request method=GET path=/api/contacts status=401"
	counts := func() (warn, debug int) {
		output := logs.String()
		return strings.Count(output, warnLine), strings.Count(output, debugLine)
	}

	send(62)
	if warn, debug := counts(); warn != 60 || debug != 2 {
		t.Errorf("first window: %d lines at Warn and %d at Debug, want 60 and 2", warn, debug)
	}
	if strings.Contains(logs.String(), "client errors logged at debug level") {
		t.Errorf("count logged before the window ended:\n%s", logs.String())
	}

	clock.Store(start.Add(time.Minute).UnixNano())
	send(61)
	if warn, debug := counts(); warn != 120 || debug != 3 {
		t.Errorf("after the second window: %d lines at Warn and %d at Debug, want 120 and 3", warn, debug)
	}
	handler.Close()

	output := logs.String()
	for _, want := range []string{
		`level=WARN msg="client errors logged at debug level" count=2 since=2026-12-05T10:00:00Z warn_lines_per_window=60 window=1m0s`,
		`level=WARN msg="client errors logged at debug level" count=1 since=2026-12-05T10:01:00Z warn_lines_per_window=60 window=1m0s`,
	} {
		if n := strings.Count(output, want); n != 1 {
			t.Errorf("lines %q = %d, want 1", want, n)
		}
	}
	if n := strings.Count(output, "client errors logged at debug level"); n != 2 {
		t.Errorf("count lines = %d, want 2", n)
	}
}
