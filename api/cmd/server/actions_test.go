package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"customevents/actions"
	"customevents/app/apitype"
	"customevents/db/dbtest"
)

// loggedServer is a server process whose log lines the test keeps.
type loggedServer struct {
	*serverProcess
	mu    sync.Mutex
	lines []string
}

func (s *loggedServer) count(part string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, line := range s.lines {
		if strings.Contains(line, part) {
			n++
		}
	}
	return n
}

// startLoggedServer starts the server process like startServer and keeps
// every line it logs.
func startLoggedServer(t *testing.T, env []string) *loggedServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, runServerEnv+"=1")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	s := &loggedServer{}
	// startLine is written before started is closed, and read after.
	var startLine string
	started := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(stderr)
		signalled := false
		for scanner.Scan() {
			line := scanner.Text()
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.mu.Unlock()
			if !signalled && strings.Contains(line, `msg="server started"`) {
				startLine, signalled = line, true
				close(started)
			}
		}
		if !signalled {
			close(started)
		}
	}()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60s")
	}
	if startLine == "" {
		t.Fatal("server exited before it started listening")
	}
	s.serverProcess = &serverProcess{cmd: cmd, url: "http://" + listenAddr(t, startLine)}
	return s
}

// serverEnv returns the environment of one of several servers on a
// database.
func serverEnv(t *testing.T, dbURL, apiKey string) []string {
	return []string{
		"DATABASE_URL=" + dbURL,
		"CE_ADDR=127.0.0.1:0",
		"CE_API_KEY=" + apiKey,
		"CE_ADMIN_PASSWORD=correct horse battery staple",
		"CE_LOG_FORMAT=text",
		"CE_LOG_DEBUG=1",
		"CE_API_RATE_LIMIT=0",
		"CE_WEBHOOK_ALLOW_PRIVATE=1",
		"CE_ACTION_WORKERS=3",
	}
}

// setActionsSQL sets the actions of the event with slug directly in the
// database.
func setActionsSQL(t *testing.T, bdb *bun.DB, slug string, plan apitype.ActionList) {
	t.Helper()
	var id int64
	if err := bdb.NewRaw("SELECT id FROM custom_events WHERE slug = ?", slug).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	dbtest.SetEventActions(t, bdb, id, apitype.EventActions{Mode: apitype.ActionModeOnTheFly, OnTheFly: plan})
}

// triggerSpread sends n triggers for emails c0..c19 from 6 clients,
// alternating between the servers at urls, and calls afterEach with the
// number acknowledged so far. It returns the numbers of acknowledged and
// failed triggers.
func triggerSpread(apiKey string, urls []string, n int, afterEach func(acknowledged int)) (acknowledged, failed int) {
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				_, err := graphql(client, urls[i%len(urls)], apiKey,
					`mutation($input: TriggerCustomEventInput!) { triggerCustomEvent(input: $input) }`,
					map[string]any{"input": map[string]any{"slug": "signed-up", "email": fmt.Sprintf("c%d@example.com", i%20)}})
				mu.Lock()
				if err != nil {
					failed++
					mu.Unlock()
					continue
				}
				acknowledged++
				done := acknowledged
				mu.Unlock()
				if afterEach != nil {
					afterEach(done)
				}
			}
		}()
	}
	wg.Wait()
	return acknowledged, failed
}

// waitRunsSettled polls until no run is pending or failed.
func waitRunsSettled(t *testing.T, bdb *bun.DB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var open int
		err := bdb.NewRaw("SELECT count(*) FROM action_runs WHERE outcome IN ('pending', 'failed')").Scan(context.Background(), &open)
		if err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d action runs still open after %s", open, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkScores checks that every contact's lead score equals the number of
// its occurrences, which each added 1.
func checkScores(t *testing.T, bdb *bun.DB) {
	t.Helper()
	var wrong []string
	err := bdb.NewRaw(`
		SELECT c.email || ': score ' || c.lead_score || ', occurrences ' || count(o.id) FROM contacts c
		JOIN event_occurrences o ON o.contact_id = c.id
		GROUP BY c.id HAVING c.lead_score <> count(o.id)`).Scan(context.Background(), &wrong)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wrong {
		t.Errorf("lead score differs from the occurrences: %s", w)
	}
}

// TestTwoServersRunEachActionOnce runs two server processes on one
// database: every action of every occurrence runs once, both processes
// work the queue, and each webhook delivery id arrives once.
func TestTwoServersRunEachActionOnce(t *testing.T) {
	bdb, dbURL := dbtest.NewWithURL(t)
	const apiKey = "ce_two_servers_key_0123456789abcdef"
	var mu sync.Mutex
	deliveries := map[string]int{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		deliveries[r.Header.Get(actions.DeliveryIDHeader)]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	first := startLoggedServer(t, serverEnv(t, dbURL, apiKey))
	second := startLoggedServer(t, serverEnv(t, dbURL, apiKey))
	client := &http.Client{Timeout: 10 * time.Second}
	if _, err := graphql(client, first.url, apiKey, `mutation { createCustomEvent(input: {name: "Signed Up", slug: "signed-up"}) { id } }`, nil); err != nil {
		t.Fatalf("create event: %v", err)
	}
	setActionsSQL(t, bdb, "signed-up", apitype.ActionList{Global: []apitype.Action{
		{Type: apitype.ActionAdjustScore, Delta: 1},
		{Type: apitype.ActionWebhook, URL: receiver.URL, Secret: "k"},
	}})

	const n = 300
	if acknowledged, failed := triggerSpread(apiKey, []string{first.url, second.url}, n, nil); acknowledged != n {
		t.Fatalf("acknowledged triggers = %d (%d failed), want %d", acknowledged, failed, n)
	}
	waitRunsSettled(t, bdb, 60*time.Second)

	var succeeded, onceOnly int
	if err := bdb.NewRaw("SELECT count(*) FILTER (WHERE outcome = 'succeeded'), count(*) FILTER (WHERE attempts = 1) FROM action_runs").
		Scan(context.Background(), &succeeded, &onceOnly); err != nil {
		t.Fatal(err)
	}
	if succeeded != 2*n || onceOnly != 2*n {
		t.Errorf("runs succeeded = %d, with one attempt = %d; want %d each", succeeded, onceOnly, 2*n)
		var repeated []struct {
			OccurrenceID int64  `bun:"occurrence_id"`
			Position     int    `bun:"position"`
			Attempts     int    `bun:"attempts"`
			Claims       int    `bun:"claims"`
			LastError    string `bun:"last_error"`
		}
		err := bdb.NewRaw("SELECT occurrence_id, position, attempts, claims, coalesce(last_error, '') AS last_error FROM action_runs WHERE attempts <> 1 OR outcome <> 'succeeded'").
			Scan(context.Background(), &repeated)
		t.Logf("runs with other than one successful attempt: %+v (query error: %v)", repeated, err)
	}
	checkScores(t, bdb)
	mu.Lock()
	if len(deliveries) != n {
		t.Errorf("distinct delivery ids = %d, want %d", len(deliveries), n)
	}
	for id, count := range deliveries {
		if count != 1 {
			t.Errorf("delivery %s arrived %d times, want once", id, count)
		}
	}
	mu.Unlock()

	ran := []int{first.count(`msg="action run succeeded"`), second.count(`msg="action run succeeded"`)}
	if ran[0] == 0 || ran[1] == 0 || ran[0]+ran[1] != 2*n {
		t.Errorf("runs per server = %v, want both above 0 and %d in all", ran, 2*n)
	}
	for _, s := range []*loggedServer{first, second} {
		s.cmd.Process.Signal(syscall.SIGTERM)
		if err := s.cmd.Wait(); err != nil {
			t.Errorf("server exit after SIGTERM: %v", err)
		}
		if s.count(`msg="action workers stopped"`) != 1 {
			t.Errorf("server did not log that its action workers stopped")
		}
	}
}

// TestKilledServerActionsRunOnce kills one of two servers with SIGKILL
// while both work the queue. The other one finishes the work, and every
// database action took effect exactly once.
func TestKilledServerActionsRunOnce(t *testing.T) {
	bdb, dbURL := dbtest.NewWithURL(t)
	const apiKey = "ce_killed_server_key_0123456789abcdef"
	survivor := startLoggedServer(t, serverEnv(t, dbURL, apiKey))
	victim := startLoggedServer(t, serverEnv(t, dbURL, apiKey))
	client := &http.Client{Timeout: 10 * time.Second}
	if _, err := graphql(client, survivor.url, apiKey, `mutation { createCustomEvent(input: {name: "Signed Up", slug: "signed-up"}) { id } }`, nil); err != nil {
		t.Fatalf("create event: %v", err)
	}
	setActionsSQL(t, bdb, "signed-up", apitype.ActionList{Global: []apitype.Action{
		{Type: apitype.ActionAdjustScore, Delta: 1},
		{Type: apitype.ActionAddTag, Value: "seen"},
	}})

	// The victim gets every other trigger until it is killed, after 120
	// were acknowledged; then 150 more go to the survivor.
	var killOnce sync.Once
	killed := make(chan struct{})
	before, _ := triggerSpread(apiKey, []string{survivor.url, victim.url}, 150, func(acknowledged int) {
		if acknowledged >= 120 {
			killOnce.Do(func() {
				victim.cmd.Process.Signal(syscall.SIGKILL)
				victim.cmd.Wait()
				close(killed)
			})
		}
	})
	<-killed
	t.Logf("acknowledged %d triggers before and around the kill", before)
	if n := victim.count(`msg="action run succeeded"`); n == 0 {
		t.Errorf("the killed server ran no action before the kill, so the test did not share the queue")
	}
	if acknowledged, failed := triggerSpread(apiKey, []string{survivor.url}, 150, nil); acknowledged != 150 {
		t.Fatalf("acknowledged triggers after the kill = %d (%d failed), want 150", acknowledged, failed)
	}
	waitRunsSettled(t, bdb, 60*time.Second)

	checkScores(t, bdb)
	var dead int
	if err := bdb.NewRaw("SELECT count(*) FROM action_runs WHERE outcome <> 'succeeded'").Scan(context.Background(), &dead); err != nil {
		t.Fatal(err)
	}
	if dead != 0 {
		t.Errorf("runs not succeeded = %d, want 0", dead)
	}
}
