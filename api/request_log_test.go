package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
