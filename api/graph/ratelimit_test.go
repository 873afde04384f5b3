package graph

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"customevents/db/dbtest"
)

func TestRateLimitPerAccount(t *testing.T) {
	fixture := dbtest.NewFixture(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// A bucket of two that refills once in 1000 seconds: the third request
	// in a row is over the limit however slow the machine is.
	server := httptest.NewServer(NewHandler(fixture.Store, log, Options{RateLimit: 0.001, RateBurst: 2}))
	t.Cleanup(server.Close)
	api := &testAPI{Fixture: fixture, URL: server.URL, Logs: &logBuffer{}}

	for i := range 2 {
		resp := api.query(t, `{ customEvents { slug } }`, nil)
		if resp.Status != 200 || len(resp.Errors) != 0 {
			t.Fatalf("request %d: status %d, errors %+v, want 200 and none", i+1, resp.Status, resp.Errors)
		}
	}
	resp := api.query(t, `{ customEvents { slug } }`, nil)
	if resp.Status != 429 {
		t.Errorf("status = %d, want 429", resp.Status)
	}
	wantError(t, resp, "RATE_LIMITED", "", "Too many requests for this account: wait 1 second and retry, or send events in batches with triggerCustomEvents.")

	// A request without a valid key is not counted against the account.
	resp = api.queryWithAuth(t, "Bearer wrong", `{ customEvents { slug } }`, nil)
	if resp.Status != 401 || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("wrong key: status %d, errors %+v, want 401 UNAUTHENTICATED", resp.Status, resp.Errors)
	}
}
