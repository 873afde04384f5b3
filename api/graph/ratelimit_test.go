package graph

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"customevents/db"
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

// A burst over the limit logs one line per account and interval, with
// the number of rejected requests since the previous line.
func TestRateLimitLogsOncePerInterval(t *testing.T) {
	fixture := dbtest.NewFixture(t)
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	handler := NewHandler(fixture.Store, log, Options{RateLimit: 0.001, RateBurst: 1}).(*authHandler)
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	handler.limits.now = func() time.Time { return clock }
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	api := &testAPI{Fixture: fixture, URL: server.URL, Logs: logs}

	// One request within the burst, then 75 over the limit.
	for range 76 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}
	// 30 more rejected requests after the interval.
	clock = clock.Add(rateLimitLogInterval)
	for range 30 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}

	var records []map[string]any
	for line := range strings.Lines(logs.String()) {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if record["msg"] != "GraphQL requests rate limited" {
			continue
		}
		delete(record, "time")
		records = append(records, record)
	}
	line := func(rejected int) map[string]any {
		return map[string]any{
			"level":        "WARN",
			"msg":          "GraphQL requests rate limited",
			"account_id":   float64(fixture.Account.ID),
			"api_key":      db.APIKeyActor(fixture.APIKey),
			"rejected":     float64(rejected),
			"log_interval": "1m0s",
		}
	}
	// The first rejection is logged at once, and the next line counts
	// the 74 rejections after it and the first one after the interval.
	want := []map[string]any{line(1), line(75)}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("log records =\n%v\nwant\n%v", records, want)
	}
	if strings.Contains(logs.String(), fixture.APIKey) {
		t.Error("log contains the API key")
	}
}
