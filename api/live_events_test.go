package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// sseEvent is one server-sent event: its name and data line.
type sseEvent struct {
	name string
	data string
}

// liveStream reads a live event stream in the background.
type liveStream struct {
	events chan sseEvent
	resp   *http.Response
}

// openLiveStream opens GET /api/live-events with query as the signed-in
// client and checks the response headers.
func openLiveStream(t *testing.T, c *adminClient, query string) *liveStream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+"/api/live-events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/live-events%s: status %d", query, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("content type = %q, want text/event-stream", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("cache control = %q, want no-store", got)
	}

	s := &liveStream{events: make(chan sseEvent, 100), resp: resp}
	go func() {
		defer close(s.events)
		scanner := bufio.NewScanner(resp.Body)
		var event sseEvent
		for scanner.Scan() {
			line := scanner.Text()
			switch {
			case line == "":
				if event.name != "" {
					s.events <- event
				}
				event = sseEvent{}
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "event: "):
				event.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				event.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

// next returns the stream's next event, or fails after 10s or at the end
// of the stream.
func (s *liveStream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case event, ok := <-s.events:
		if !ok {
			t.Fatal("live stream ended, want another event")
		}
		return event
	case <-time.After(10 * time.Second):
		t.Fatal("no live stream event within 10s")
		return sseEvent{}
	}
}

// nextOccurrence returns the next event, which must be an occurrence.
func (s *liveStream) nextOccurrence(t *testing.T) apitype.LiveEvent {
	t.Helper()
	event := s.next(t)
	if event.name != apitype.LiveEventOccurrence {
		t.Fatalf("event %q with data %s, want an occurrence", event.name, event.data)
	}
	var out apitype.LiveEvent
	if err := json.Unmarshal([]byte(event.data), &out); err != nil {
		t.Fatalf("decode %s: %v", event.data, err)
	}
	return out
}

func (s *liveStream) waitReady(t *testing.T, wantData string) {
	t.Helper()
	event := s.next(t)
	if event.name != apitype.LiveEventReady || event.data != wantData {
		t.Fatalf("first event = %+v, want ready with %s", event, wantData)
	}
}

func TestLiveEventsStreamRespectsFilter(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ctx := context.Background()
	createEvent(t, ts, "signup")
	createEvent(t, ts, "watched-demo-video")

	stream := openLiveStream(t, c, "?event=signup")
	stream.waitReady(t, `{"event":"signup"}`)

	// Committed after the subscription: the other slug first, which the
	// filter drops, then the filtered one.
	if _, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "watched-demo-video", Email: "bob@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 2, 9, 30, 0, 250_000_000, time.UTC)
	occurrence, err := ts.Store.RecordEvent(ctx, db.Trigger{
		AccountID: ts.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI,
		PageURL: "https://example.com/pricing", Channel: "EMAIL", OccurredAt: at,
		Contact: db.ContactFields{FirstName: "Ann", LastName: "Lee"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := apitype.LiveEvent{
		OccurrenceID: occurrence.ID, Slug: "signup", ContactID: occurrence.ContactID, Contact: "Ann Lee",
		PageURL: "https://example.com/pricing", Channel: apitype.ChannelEmail, Source: "api", OccurredAt: at,
	}
	if got := stream.nextOccurrence(t); !reflect.DeepEqual(got, want) {
		t.Errorf("occurrence = %+v, want %+v", got, want)
	}
}

func TestLiveEventsStreamAllSources(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	createEvent(t, ts, "signup")
	event, err := ts.Store.CustomEventBySlug(context.Background(), ts.Account.ID, "signup")
	if err != nil {
		t.Fatal(err)
	}

	stream := openLiveStream(t, c, "")
	stream.waitReady(t, `{"event":""}`)

	// A beacon event from an anonymous visitor.
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://example.com/demo?utm_source=news&utm_medium=email","e":"signup"}`, nil)
	beacon := stream.nextOccurrence(t)
	if beacon.Slug != "signup" || beacon.Source != "beacon" || beacon.PageURL != "https://example.com/demo?utm_source=news&utm_medium=email" || beacon.Channel != apitype.ChannelEmail {
		t.Errorf("beacon event = %+v", beacon)
	}
	if want := "Anonymous visitor #" + itoa(beacon.ContactID); beacon.Contact != want || beacon.Test {
		t.Errorf("beacon contact = %q, test %v, want %q and false", beacon.Contact, beacon.Test, want)
	}

	// A test event sent from the admin app.
	status, body := c.do(http.MethodPost, "/api/custom-events/"+itoa(event.ID)+"/test-event", nil)
	if status != http.StatusCreated {
		t.Fatalf("test event: status %d, body %s", status, body)
	}
	var result apitype.TestEventResult
	if err := json.Unmarshal(body, &result); err != nil {
		t.Fatal(err)
	}
	if result.Email != apitype.TestContactEmail || result.Slug != "signup" {
		t.Errorf("result = %+v", result)
	}
	test := stream.nextOccurrence(t)
	if test.OccurrenceID != result.OccurrenceID || test.ContactID != result.ContactID || test.Contact != "Test Contact" || !test.Test || test.Source != "api" {
		t.Errorf("test event = %+v, want occurrence %d of the test contact", test, result.OccurrenceID)
	}
}

func TestLiveEventsStreamEndsOnShutdown(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	stream := openLiveStream(t, c, "")
	stream.waitReady(t, `{"event":""}`)

	ts.server.CloseStreams()
	end := stream.next(t)
	if end.name != apitype.LiveEventEnd || end.data != `{"message":"The server is restarting: reload the page in a minute."}` {
		t.Errorf("event = %+v, want the end notice", end)
	}
	select {
	case event, ok := <-stream.events:
		if ok {
			t.Errorf("event after end = %+v, want the stream closed", event)
		}
	case <-time.After(10 * time.Second):
		t.Error("stream still open 10s after the end event")
	}
}

func TestLiveEventsRejectsBadFilter(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	status, body := c.do(http.MethodGet, "/api/live-events?event=Bad%20Slug", nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid slug: status %d, want 422", status)
	}
	if e := decodeError(t, body); e.Field != "event" {
		t.Errorf("error field = %q, want event", e.Field)
	}
	status, body = c.do(http.MethodGet, "/api/live-events?event=unknown", nil)
	if status != http.StatusNotFound {
		t.Fatalf("unknown slug: status %d, want 404", status)
	}
	e := decodeError(t, body)
	if e.Message != `Custom event "unknown" was not found in this account. Check the slug, or create the event under Settings → Custom Events.` {
		t.Errorf("message = %q", e.Message)
	}
	if e.Field != "event" {
		t.Errorf("error field = %q, want event", e.Field)
	}
}

func TestTestEventRequiresCSRFAndLiveEvent(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	createEvent(t, ts, "signup")
	event, err := ts.Store.CustomEventBySlug(context.Background(), ts.Account.ID, "signup")
	if err != nil {
		t.Fatal(err)
	}
	token := c.session.CSRFToken
	c.session.CSRFToken = ""
	if status, _ := c.do(http.MethodPost, "/api/custom-events/"+itoa(event.ID)+"/test-event", nil); status != http.StatusForbidden {
		t.Errorf("without CSRF token: status %d, want 403", status)
	}
	c.session.CSRFToken = token
	if err := ts.Store.DeleteCustomEvent(context.Background(), ts.Account.ID, event.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := c.do(http.MethodPost, "/api/custom-events/"+itoa(event.ID)+"/test-event", nil); status != http.StatusNotFound {
		t.Errorf("deleted event: status %d, want 404", status)
	}
	if n := countRows(t, ts, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
}

func TestBeaconStatusBeforeAndAfterFirstEvent(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	createEvent(t, ts, "signup")

	status, body := c.do(http.MethodGet, "/api/beacon/status", nil)
	if status != http.StatusOK || string(body) != `{"latestEventAt":null,"recentDrops":[]}`+"\n" {
		t.Fatalf("before any event: status %d, body %q, want {\"latestEventAt\":null,\"recentDrops\":[]}", status, body)
	}
	// An API event is not a beacon event.
	if _, err := ts.Store.RecordEvent(context.Background(), db.Trigger{AccountID: ts.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	if status, body := c.do(http.MethodGet, "/api/beacon/status", nil); status != http.StatusOK || string(body) != `{"latestEventAt":null,"recentDrops":[]}`+"\n" {
		t.Fatalf("after an API event: status %d, body %q", status, body)
	}

	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://example.com/pricing","e":"signup"}`, nil)
	var storedAt time.Time
	if err := ts.Store.DB().NewRaw("SELECT occurred_at FROM event_occurrences WHERE source = 'beacon'").Scan(context.Background(), &storedAt); err != nil {
		t.Fatal(err)
	}
	status, body = c.do(http.MethodGet, "/api/beacon/status", nil)
	if status != http.StatusOK {
		t.Fatalf("after a beacon event: status %d", status)
	}
	var got apitype.BeaconStatus
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.LatestEventAt == nil || !got.LatestEventAt.Equal(storedAt) {
		t.Errorf("latest event at = %v, want %v", got.LatestEventAt, storedAt)
	}
	if got.LatestSlug != "signup" || got.LatestPageURL != "https://example.com/pricing" {
		t.Errorf("latest = %+v, want signup from https://example.com/pricing", got)
	}
}

// TestBeaconStatusListsDrops sends beacon messages that the server drops
// for each kind of reason that names an account, and reads the reasons
// back, newest first.
func TestBeaconStatusListsDrops(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	createEvent(t, ts, "signup")
	if status, body := c.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{"https://www.example.com"}}); status != http.StatusOK {
		t.Fatalf("set allowed origins: status %d, body %s", status, body)
	}

	message := func(slug string) string {
		return `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","u":"https://www.example.com/","e":"` + slug + `"}`
	}
	allowed := map[string]string{"Origin": "https://www.example.com"}
	postCollect(t, ts, message("sign-up"), allowed)
	postCollect(t, ts, message("Bad Slug"), allowed)
	postCollect(t, ts, message("signup"), map[string]string{"Origin": "https://Evil.example:443"})
	postCollect(t, ts, message("signup"), map[string]string{"Origin": "null"})
	postCollect(t, ts, message("signup"), nil)
	// A repeated reason moves to the top and counts both messages.
	postCollect(t, ts, message("sign-up"), allowed)
	postCollect(t, ts, message("signup"), allowed)

	got := getBeaconStatus(t, c)
	want := []string{
		`2 × No custom event has the slug "sign-up": create it under Settings → Custom Events, or correct the slug in the page.`,
		"1 × A message had no Origin header, and the account accepts only its allowed origins: send events with the beacon script from a page of an allowed origin.",
		"1 × A message had an Origin header that is not a web origin, and the account accepts only its allowed origins. A browser on a page of your site sends its origin, such as https://www.example.com.",
		"1 × A message came from https://evil.example, which is not among the account's allowed origins: if that is your site, add it under Settings → Account.",
		`1 × A message was rejected: The page sent the slug "Bad Slug". Slug must be lowercase: replace 'B' with 'b'.`,
	}
	var reasons []string
	for _, drop := range got.RecentDrops {
		reasons = append(reasons, fmt.Sprintf("%d × %s", drop.Count, drop.Reason))
		if time.Since(drop.At) > time.Minute {
			t.Errorf("drop at %v, want within the last minute", drop.At)
		}
	}
	if !slices.Equal(reasons, want) {
		t.Errorf("reasons =\n%q\nwant\n%q", reasons, want)
	}
	if got.LatestSlug != "signup" {
		t.Errorf("latest slug = %q, want signup", got.LatestSlug)
	}
}

// getBeaconStatus returns what GET /api/beacon/status sends c.
func getBeaconStatus(t *testing.T, c *adminClient) apitype.BeaconStatus {
	t.Helper()
	status, body := c.do(http.MethodGet, "/api/beacon/status", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/beacon/status: status %d, body %s", status, body)
	}
	var got apitype.BeaconStatus
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestBeaconStatusListsDropsOfPeer sends a message that one server drops
// and reads the reason from a second server over the same database, as
// when a load balancer sends the page's requests to other processes.
func TestBeaconStatusListsDropsOfPeer(t *testing.T) {
	ts := newTestServer(t)
	peer := newPeerServer(t, ts)
	c := signIn(t, peer)
	createEvent(t, ts, "signup")

	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://www.example.com/","e":"sign-up"}`, nil)
	// The first server adds its drops to the database about a second
	// later, so the loop polls the peer until the reason shows.
	want := []string{`1 × No custom event has the slug "sign-up": create it under Settings → Custom Events, or correct the slug in the page.`}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := getBeaconStatus(t, c)
		var reasons []string
		for _, drop := range got.RecentDrops {
			reasons = append(reasons, fmt.Sprintf("%d × %s", drop.Count, drop.Reason))
		}
		if len(reasons) > 0 {
			if !slices.Equal(reasons, want) {
				t.Errorf("reasons on the peer =\n%q\nwant\n%q", reasons, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the peer listed no dropped message within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBeaconStatusDropHidesEmail sends an identify call with an invalid
// email and checks that the listed reason leaves the email out, because
// the list is kept apart from contacts and their erasure.
func TestBeaconStatusDropHidesEmail(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://www.example.com/","i":{"email":"ann.lee@example"}}`, nil)

	got := getBeaconStatus(t, c)
	want := "A message was rejected: the email of an identify call is not valid, so the visitor stayed anonymous. Check what the page passes to $__MA.identify, such as a form field read before the visitor filled it in."
	if len(got.RecentDrops) != 1 || got.RecentDrops[0].Reason != want {
		t.Fatalf("drops = %+v, want one with the reason %q", got.RecentDrops, want)
	}
	if strings.Contains(got.RecentDrops[0].Reason, "ann.lee") {
		t.Errorf("reason %q contains the email", got.RecentDrops[0].Reason)
	}
}
