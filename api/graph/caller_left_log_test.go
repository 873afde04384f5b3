package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTriggerCallerLeftLogsNoError holds a time zone change of the account
// open, so that triggers wait for the rebuild of its report rollups, and
// sends triggerCustomEvents and two triggerCustomEvent fields from a
// client that leaves while they wait. Nothing is stored, and a client
// that leaves is no server failure, so each request logs an Info line and
// none logs at Error.
func TestTriggerCallerLeftLogsNoError(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signup")
	ctx := context.Background()
	zoneChange, err := api.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zoneChange.Rollback()
	if _, err := zoneChange.ExecContext(ctx, "UPDATE accounts SET time_zone = 'Europe/Berlin' WHERE id = ?", api.Account.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct{ name, document, logged string }{
		{
			name:     "triggerCustomEvents",
			document: `mutation { triggerCustomEvents(inputs: [{slug: "signup", email: "ann@example.com"}, {slug: "signup", email: "bob@example.com"}]) { index accepted } }`,
			logged:   "batch triggers stopped: client left",
		},
		{
			name:     "triggerCustomEvent fields",
			document: `mutation { a: triggerCustomEvent(input: {slug: "signup", email: "ann@example.com"}) b: triggerCustomEvent(input: {slug: "signup", email: "bob@example.com"}) }`,
			logged:   "triggerCustomEvent fields stopped: client left",
		},
	}
	for _, tt := range tests {
		body, err := json.Marshal(map[string]any{"query": tt.document})
		if err != nil {
			t.Fatal(err)
		}
		leaving, leave := context.WithCancel(ctx)
		req, err := http.NewRequestWithContext(leaving, http.MethodPost, api.URL, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+api.APIKey)
		returned := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
			}
			returned <- err
		}()
		waitUntil(t, tt.name+" waiting for the account", func() bool {
			var waiting int
			err := api.Store.DB().NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(ctx, &waiting)
			if err != nil {
				t.Fatal(err)
			}
			return waiting > 0
		})
		leave()
		if err := <-returned; !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: client error %v, want context.Canceled", tt.name, err)
		}
		waitUntil(t, tt.name+" logging that the client left", func() bool {
			return strings.Contains(api.Logs.String(), tt.logged)
		})
	}

	if err := zoneChange.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	for _, line := range strings.Split(api.Logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("Error line for a client that left: %s", line)
		}
	}
}

// waitUntil polls cond until it holds, and fails the test after 30
// seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out after 30s", what)
		}
		runtime.Gosched()
	}
}
