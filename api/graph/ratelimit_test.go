package graph

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
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

// fakeTimers replaces time.AfterFunc in accountLimits. It records each
// timer, and the test fires it.
type fakeTimers struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	delay time.Duration
	f     func()

	mu      sync.Mutex
	stopped bool
}

func (ft *fakeTimers) afterFunc(d time.Duration, f func()) stopper {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	timer := &fakeTimer{delay: d, f: f}
	ft.timers = append(ft.timers, timer)
	return timer
}

// all returns the timers armed so far, oldest first.
func (ft *fakeTimers) all() []*fakeTimer {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return slices.Clone(ft.timers)
}

func (t *fakeTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	wasActive := !t.stopped
	t.stopped = true
	return wasActive
}

func (t *fakeTimer) isStopped() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stopped
}

// fire calls the timer's function, even after Stop, as a time.AfterFunc
// timer does when it fires while it is being stopped.
func (t *fakeTimer) fire() {
	t.f()
}

// rateLimitedAPI returns an endpoint with a bucket of one request that
// refills once in 1000 seconds, a clock that reads *clock, and fake
// timers. The test changes *clock only between requests.
func rateLimitedAPI(t *testing.T, clock *time.Time) (*testAPI, *Handler, *fakeTimers) {
	t.Helper()
	fixture := dbtest.NewFixture(t)
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	handler := NewHandler(fixture.Store, log, Options{RateLimit: 0.001, RateBurst: 1})
	handler.limits.now = func() time.Time { return *clock }
	timers := &fakeTimers{}
	handler.limits.afterFunc = timers.afterFunc
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return &testAPI{Fixture: fixture, URL: server.URL, Logs: logs}, handler, timers
}

// rateLimitRecords returns the rate-limit lines of the log without their
// time.
func rateLimitRecords(t *testing.T, logs *logBuffer) []map[string]any {
	t.Helper()
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
	return records
}

// rateLimitRecord returns the log line that reports rejected requests of
// the fixture's account with apiKey.
func rateLimitRecord(fixture *dbtest.Fixture, apiKey string, rejected int) map[string]any {
	return map[string]any{
		"level":        "WARN",
		"msg":          "GraphQL requests rate limited",
		"account_id":   float64(fixture.Account.ID),
		"actor":        db.APIKeyActor(apiKey),
		"rejected":     float64(rejected),
		"log_interval": "1m0s",
	}
}

// A burst over the limit logs one line per account and interval, with
// the number of rejected requests since the previous line.
func TestRateLimitLogsOncePerInterval(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	api, _, timers := rateLimitedAPI(t, &clock)

	// One request within the burst, then 75 over the limit.
	for range 76 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}
	// 30 more rejected requests after the interval.
	clock = clock.Add(rateLimitLogInterval)
	for range 30 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}

	// The first rejection is logged at once, and the next line counts
	// the 74 rejections after it and the first one after the interval.
	want := []map[string]any{rateLimitRecord(api.Fixture, api.APIKey, 1), rateLimitRecord(api.Fixture, api.APIKey, 75)}
	if records := rateLimitRecords(t, api.Logs); !reflect.DeepEqual(records, want) {
		t.Errorf("log records =\n%v\nwant\n%v", records, want)
	}
	// The line after the interval stopped the timer of the 74 rejections,
	// and the 29 rejections after that line armed a new one.
	armed := timers.all()
	if len(armed) != 2 {
		t.Fatalf("timers armed = %d, want 2", len(armed))
	}
	if !armed[0].isStopped() {
		t.Error("first timer not stopped after its count was logged")
	}
	if armed[1].isStopped() {
		t.Error("second timer stopped, want it armed for the 29 rejections after the second line")
	}
	if strings.Contains(api.Logs.String(), api.APIKey) {
		t.Error("log contains the API key")
	}
}

// Rejections held back after a log line reach the log when the interval
// ends, without a further rejection, and at shutdown.
func TestRateLimitFlushAtIntervalEnd(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	api, handler, timers := rateLimitedAPI(t, &clock)
	otherKey := db.NewAPIKey()
	if err := api.Store.CreateAPIKey(t.Context(), api.Account.ID, "second", otherKey); err != nil {
		t.Fatal(err)
	}
	record := func(apiKey string, rejected int) map[string]any {
		return rateLimitRecord(api.Fixture, apiKey, rejected)
	}
	wantRecords := func(step string, want ...map[string]any) {
		t.Helper()
		if records := rateLimitRecords(t, api.Logs); !reflect.DeepEqual(records, want) {
			t.Errorf("%s: log records =\n%v\nwant\n%v", step, records, want)
		}
	}

	// One request within the burst and four over the limit, the last with
	// the account's other key. The first rejection is logged at once and
	// the other three are held back.
	for range 4 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}
	resp := api.queryWithAuth(t, "Bearer "+otherKey, `{ customEvents { slug } }`, nil)
	if resp.Status != 429 {
		t.Fatalf("status = %d, want 429", resp.Status)
	}
	wantRecords("before the interval ends", record(api.APIKey, 1))
	armed := timers.all()
	if len(armed) != 1 {
		t.Fatalf("timers armed = %d, want 1", len(armed))
	}
	if armed[0].delay != rateLimitLogInterval {
		t.Errorf("timer delay = %v, want %v", armed[0].delay, rateLimitLogInterval)
	}

	// The interval ends without another request. The line names the key
	// of the latest rejected request.
	clock = clock.Add(rateLimitLogInterval)
	armed[0].fire()
	wantRecords("at the end of the interval", record(api.APIKey, 1), record(otherKey, 3))

	// A timer that fires after its count was logged writes nothing.
	armed[0].fire()
	wantRecords("after a second call of the timer", record(api.APIKey, 1), record(otherKey, 3))

	// Rejections within the interval after the timer's line are held back
	// again, 20 seconds before that interval ends.
	clock = clock.Add(40 * time.Second)
	for range 2 {
		api.query(t, `{ customEvents { slug } }`, nil)
	}
	wantRecords("within the next interval", record(api.APIKey, 1), record(otherKey, 3))
	armed = timers.all()
	if len(armed) != 2 {
		t.Fatalf("timers armed = %d, want 2", len(armed))
	}
	if armed[1].delay != 20*time.Second {
		t.Errorf("second timer delay = %v, want 20s", armed[1].delay)
	}

	// Close logs the held-back count and stops the timer, so the timer
	// adds no line when it fires.
	handler.Close()
	wantRecords("after Close", record(api.APIKey, 1), record(otherKey, 3), record(api.APIKey, 2))
	if !armed[1].isStopped() {
		t.Error("timer not stopped by Close")
	}
	armed[1].fire()
	wantRecords("after the stopped timer fired", record(api.APIKey, 1), record(otherKey, 3), record(api.APIKey, 2))

	// After Close, each rejection is logged at once.
	api.query(t, `{ customEvents { slug } }`, nil)
	wantRecords("after Close and one more rejection", record(api.APIKey, 1), record(otherKey, 3), record(api.APIKey, 2), record(api.APIKey, 1))
	if got := len(timers.all()); got != 2 {
		t.Errorf("timers armed after Close = %d, want 2", got)
	}
}
