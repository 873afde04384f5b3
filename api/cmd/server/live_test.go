package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"syscall"
	"testing"
	"time"

	"customevents/db/dbtest"
)

// TestLiveEventsAcrossProcesses starts two server processes on one
// database, watches the live stream of the first, triggers an event
// through the second, and then stops the first with SIGTERM while the
// stream is open.
func TestLiveEventsAcrossProcesses(t *testing.T) {
	_, dbURL := dbtest.NewWithURL(t)
	const apiKey = "ce_live_test_key_0123456789abcdef"
	const password = "correct horse battery staple"
	env := func() []string {
		return []string{
			"DATABASE_URL=" + dbURL,
			"CE_ADDR=127.0.0.1:0",
			"CE_API_KEY=" + apiKey,
			"CE_ADMIN_PASSWORD=" + password,
			"CE_LOG_FORMAT=text",
		}
	}
	first := startServer(t, env())
	second := startServer(t, env())
	client := &http.Client{Timeout: 10 * time.Second}
	if _, err := graphql(client, second.url, apiKey, `mutation { createCustomEvent(input: {name: "Signed Up", slug: "signed-up"}) { id } }`, nil); err != nil {
		t.Fatalf("create event: %v", err)
	}

	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	resp, err := admin.Post(first.url+"/api/session", "application/json", strings.NewReader(`{"email": "admin@example.com", "password": "`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in: status %d", resp.StatusCode)
	}
	stream, err := admin.Get(first.url + "/api/live-events?event=signed-up")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("live events: status %d", stream.StatusCode)
	}
	events := make(chan [2]string, 10)
	go func() {
		defer close(events)
		scanner := bufio.NewScanner(stream.Body)
		var name string
		for scanner.Scan() {
			line := scanner.Text()
			if n, ok := strings.CutPrefix(line, "event: "); ok {
				name = n
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				events <- [2]string{name, data}
			}
		}
	}()
	next := func(want string) string {
		t.Helper()
		select {
		case event, ok := <-events:
			if !ok {
				t.Fatalf("stream ended, want a %s event", want)
			}
			if event[0] != want {
				t.Fatalf("event %q with data %s, want %s", event[0], event[1], want)
			}
			return event[1]
		case <-time.After(15 * time.Second):
			t.Fatalf("no %s event within 15s", want)
			return ""
		}
	}
	next("ready")

	data, err := graphql(client, second.url, apiKey, `mutation { triggerCustomEvent(input: { slug: "signed-up" email: "ann@example.com" }) }`, nil)
	if err != nil {
		t.Fatalf("trigger through the second process: %v", err)
	}
	var occurrence struct {
		OccurrenceID int64  `json:"occurrenceId"`
		Slug         string `json:"slug"`
		Contact      string `json:"contact"`
	}
	if err := json.Unmarshal([]byte(next("occurrence")), &occurrence); err != nil {
		t.Fatal(err)
	}
	if id := data["triggerCustomEvent"]; occurrence.Slug != "signed-up" || occurrence.Contact != "ann@example.com" || id != jsonNumber(occurrence.OccurrenceID) {
		t.Errorf("occurrence = %+v, want occurrence %v of signed-up for ann@example.com", occurrence, id)
	}

	// SIGTERM ends the open stream, and the process exits cleanly.
	first.cmd.Process.Signal(syscall.SIGTERM)
	if got := next("end"); got != `{"message":"The server is restarting: reload the page in a minute."}` {
		t.Errorf("end data = %s", got)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("first server exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("first server still running 15s after SIGTERM")
	}
	second.cmd.Process.Signal(syscall.SIGTERM)
	if err := second.cmd.Wait(); err != nil {
		t.Errorf("second server exit after SIGTERM: %v", err)
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
