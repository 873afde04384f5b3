package actions_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/actions"
	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// testConfig returns a pool configuration with short waits and loopback
// webhooks allowed. Tests change the fields they need.
func testConfig() actions.Config {
	return actions.Config{
		Workers:             2,
		MaxAttempts:         5,
		RetryBase:           20 * time.Millisecond,
		RetryMax:            100 * time.Millisecond,
		Lease:               10 * time.Second,
		PollInterval:        20 * time.Millisecond,
		ShutdownGrace:       2 * time.Second,
		WebhookTimeout:      5 * time.Second,
		WebhookAllowPrivate: true,
	}
}

// logBuffer collects a pool's log lines for checks.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

func (b *logBuffer) contains(part string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range b.lines {
		if strings.Contains(line, part) {
			return true
		}
	}
	return false
}

// startPool starts a pool that stops when the test ends, unless the test
// stopped it first.
func startPool(t *testing.T, ctx context.Context, store *db.Store, cfg actions.Config) (*actions.Pool, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pool := actions.Start(ctx, store, log, cfg)
	t.Cleanup(pool.Stop)
	return pool, logs
}

func createEvent(t *testing.T, f *dbtest.Fixture, slug string) *db.CustomEvent {
	t.Helper()
	event, err := f.Store.CreateCustomEvent(context.Background(), f.Account.ID, apitype.CustomEventInput{Name: "Event " + slug, Slug: slug})
	if err != nil {
		t.Fatalf("create event %q: %v", slug, err)
	}
	return event
}

func onTheFly(t *testing.T, f *dbtest.Fixture, eventID int64, global ...apitype.Action) {
	t.Helper()
	dbtest.SetEventActions(t, f.Store.DB(), eventID, apitype.EventActions{
		Mode:     apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: global},
	})
}

func record(t *testing.T, f *dbtest.Fixture, slug, email string) *db.EventOccurrence {
	t.Helper()
	o, err := f.Store.RecordEvent(context.Background(), db.Trigger{
		AccountID: f.Account.ID, Slug: slug, Email: email, Source: db.SourceAPI,
		PageURL: "https://www.example.com/pricing", Metadata: map[string]any{"plan": "pro", "seats": 5.0},
	})
	if err != nil {
		t.Fatalf("record %q for %s: %v", slug, email, err)
	}
	return o
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSettled waits until no run is pending or failed.
func waitSettled(t *testing.T, store *db.Store, timeout time.Duration) map[string]int64 {
	t.Helper()
	var counts map[string]int64
	waitFor(t, timeout, "every action run to finish", func() bool {
		var err error
		counts, err = store.ActionRunCounts(context.Background())
		if err != nil {
			t.Fatalf("count runs: %v", err)
		}
		return counts[apitype.RunPending] == 0 && counts[apitype.RunFailed] == 0
	})
	return counts
}

func occurrenceRuns(t *testing.T, f *dbtest.Fixture, o *db.EventOccurrence) []apitype.ActionRun {
	t.Helper()
	runs, err := f.Store.OccurrenceActionRuns(context.Background(), f.Account.ID, o.CustomEventID, o.ID)
	if err != nil {
		t.Fatalf("runs of occurrence %d: %v", o.ID, err)
	}
	return runs
}

func loadContact(t *testing.T, f *dbtest.Fixture, id int64) db.Contact {
	t.Helper()
	var c db.Contact
	if err := f.Store.DB().NewSelect().Model(&c).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatalf("load contact %d: %v", id, err)
	}
	return c
}

// delivery is one request that a receiver got.
type delivery struct {
	ID        string
	Timestamp string
	Signature string
	Body      []byte
}

// receiver is a webhook target on loopback. respond returns the status of
// request number n (from 1). Without respond, every request gets 204.
type receiver struct {
	*httptest.Server
	mu         sync.Mutex
	deliveries []delivery
	respond    func(n int, r *http.Request) int
}

func newReceiver(t testing.TB, respond func(n int, r *http.Request) int) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.deliveries = append(rc.deliveries, delivery{
			ID:        r.Header.Get(actions.DeliveryIDHeader),
			Timestamp: r.Header.Get(actions.TimestampHeader),
			Signature: r.Header.Get(actions.SignatureHeader),
			Body:      body,
		})
		n := len(rc.deliveries)
		rc.mu.Unlock()
		status := http.StatusNoContent
		if rc.respond != nil {
			status = rc.respond(n, r)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.deliveries...)
}

func decodePayload(t *testing.T, body []byte) actions.WebhookPayload {
	t.Helper()
	var p actions.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode webhook body %s: %v", body, err)
	}
	return p
}

// sinkMessage is one email that the SMTP sink accepted.
type sinkMessage struct {
	From string
	To   []string
	Data string
}

// smtpSink is a minimal SMTP server on 127.0.0.1 that accepts every
// message and hands it to the test.
type smtpSink struct {
	listener net.Listener
	messages chan sinkMessage
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &smtpSink{listener: l, messages: make(chan sinkMessage, 16)}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go sink.serve(conn)
		}
	}()
	return sink
}

func (s *smtpSink) addr() string { return s.listener.Addr().String() }

// serve speaks the server side of one SMTP session.
func (s *smtpSink) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	reply := func(line string) { io.WriteString(conn, line+"\r\n") }
	reply("220 sink.test ESMTP")
	var msg sinkMessage
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			reply("250 sink.test")
		case strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:"):
			msg = sinkMessage{From: strings.Trim(line[len("MAIL FROM:"):], "<> ")}
			reply("250 OK")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
			msg.To = append(msg.To, strings.Trim(line[len("RCPT TO:"):], "<> "))
			reply("250 OK")
		case verb == "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			msg.Data = data.String()
			s.messages <- msg
			reply("250 OK queued")
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 OK")
		}
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
