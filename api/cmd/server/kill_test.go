package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"customevents/db/dbtest"
)

// runServerEnv makes the test binary run the server's main instead of the
// tests, so a test can start the real server as a process and kill it.
const runServerEnv = "CE_TEST_RUN_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(runServerEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// serverProcess is the server running as a child process.
type serverProcess struct {
	cmd *exec.Cmd
	url string
}

// startServer starts the server process and returns once it listens. The
// wait reads the process's log until its "server started" line, which
// names the address the server listens on: env sets CE_ADDR to port 0, so
// the server picks a free port itself.
func startServer(t *testing.T, env []string) *serverProcess {
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

	started := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			line := scanner.Text()
			if strings.Contains(line, `msg="server started"`) {
				started <- line
			}
		}
		close(started)
	}()
	select {
	case line, ok := <-started:
		if !ok {
			t.Fatal("server exited before it started listening")
		}
		return &serverProcess{cmd: cmd, url: "http://" + listenAddr(t, line)}
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60s")
	}
	return nil
}

var startedAddr = regexp.MustCompile(`\baddr=(\S+)`)

// listenAddr returns the address in the server's "server started" line.
func listenAddr(t *testing.T, line string) string {
	t.Helper()
	m := startedAddr.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no addr in the server's start line %q", line)
	}
	return m[1]
}

// graphql posts a GraphQL document and returns the decoded reply.
func graphql(client *http.Client, url, apiKey, query string, variables map[string]any) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || reply["errors"] != nil {
		return nil, fmt.Errorf("status %d, reply %v", resp.StatusCode, reply)
	}
	return reply["data"].(map[string]any), nil
}

// TestKilledServerKeepsAcknowledgedEvents sends triggers from several
// clients, kills the server with SIGKILL while they run, restarts it, and
// checks that every acknowledged trigger is stored exactly once. The
// clients cover each write path: triggers with an idempotency key, keyless
// triggers, keyless triggers with contact fields, and triggerCustomEvents
// calls of several keyless inputs. Triggers without a key and without
// contact fields take the ingester's bulk path (the SQL function
// record_simple_triggers), which a batch of only such triggers runs as one
// statement outside a transaction. The others run in a transaction.
func TestKilledServerKeepsAcknowledgedEvents(t *testing.T) {
	bdb, dbURL := dbtest.NewWithURL(t)
	const apiKey = "ce_kill_test_key_0123456789abcdef"
	env := []string{
		"DATABASE_URL=" + dbURL,
		"CE_ADDR=127.0.0.1:0",
		"CE_API_KEY=" + apiKey,
		"CE_ADMIN_PASSWORD=correct horse battery staple",
		"CE_LOG_FORMAT=text",
		"CE_API_RATE_LIMIT=0",
		// With the default of one ingest worker on two CPUs, nearly every
		// batch mixes keyed and keyless triggers and runs in a
		// transaction. Four workers make smaller batches, many of which
		// contain only keyless triggers and run as one statement outside a
		// transaction.
		"CE_INGEST_WORKERS=4",
	}
	server := startServer(t, env)
	client := &http.Client{Timeout: 10 * time.Second}
	if _, err := graphql(client, server.url, apiKey, `mutation { createCustomEvent(input: {name: "Signed Up", slug: "signed-up"}) { id } }`, nil); err != nil {
		t.Fatalf("create event: %v", err)
	}

	const trigger = `mutation($input: TriggerCustomEventInput!) { triggerCustomEvent(input: $input) }`
	const triggerMany = `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { index accepted occurrenceId error { code message } } }`
	// Kinds of client, by worker number modulo 4.
	const (
		keyedClient = iota
		keylessClient
		contactFieldsClient
		batchClient
	)
	const batchSize = 5
	// ledger maps each acknowledged idempotency key to its occurrence id.
	// Each keyless trigger carries a unique marker in its metadata and a
	// unique email. keylessSent contains every marker sent, acknowledged
	// or not, and keylessAcked maps the acknowledged ones to their
	// occurrence ids.
	var mu sync.Mutex
	ledger := map[string]string{}
	keylessSent := map[string]bool{}
	keylessAcked := map[string]string{}
	// batchAcked counts the inputs acknowledged by triggerCustomEvents.
	batchAcked := 0
	const workers = 8
	const killAfter = 300
	killed := make(chan struct{})
	// killing is set just before the signal, so that an error before it
	// is a failure of the server rather than of the kill.
	var killing atomic.Bool
	var killOnce sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		kind := w % 4
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("w%d-%d", w, i)
				keyless := func(marker string) map[string]any {
					mu.Lock()
					keylessSent[marker] = true
					mu.Unlock()
					input := map[string]any{"slug": "signed-up", "email": keylessEmail(marker), "metadata": map[string]any{"marker": marker}}
					if kind == contactFieldsClient {
						input["firstName"] = "Ann"
					}
					return input
				}
				var data map[string]any
				var err error
				var markers []string
				switch kind {
				case keyedClient:
					input := map[string]any{"slug": "signed-up", "email": fmt.Sprintf("c%d@example.com", i%50), "idempotencyKey": name}
					data, err = graphql(client, server.url, apiKey, trigger, map[string]any{"input": input})
				case keylessClient, contactFieldsClient:
					data, err = graphql(client, server.url, apiKey, trigger, map[string]any{"input": keyless(name)})
				case batchClient:
					var inputs []map[string]any
					for j := range batchSize {
						markers = append(markers, fmt.Sprintf("%s-%d", name, j))
						inputs = append(inputs, keyless(markers[j]))
					}
					data, err = graphql(client, server.url, apiKey, triggerMany, map[string]any{"inputs": inputs})
				}
				if err != nil {
					// Requests fail once the server is gone.
					if !killing.Load() {
						t.Errorf("%s before the kill: %v", name, err)
					}
					select {
					case <-killed:
						return
					default:
						continue
					}
				}
				mu.Lock()
				switch kind {
				case keyedClient:
					ledger[name] = data["triggerCustomEvent"].(string)
				case keylessClient, contactFieldsClient:
					keylessAcked[name] = data["triggerCustomEvent"].(string)
				case batchClient:
					for j, item := range data["triggerCustomEvents"].([]any) {
						result := item.(map[string]any)
						if result["accepted"] != true {
							t.Errorf("%s input %d: not accepted: %v", name, j, result["error"])
							continue
						}
						keylessAcked[markers[j]] = result["occurrenceId"].(string)
						batchAcked++
					}
				}
				n := len(ledger) + len(keylessAcked)
				mu.Unlock()
				if n >= killAfter {
					killOnce.Do(func() {
						killing.Store(true)
						server.cmd.Process.Signal(syscall.SIGKILL)
						server.cmd.Wait()
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("acknowledged %d keyed and %d keyless triggers (%d of them in batches) before SIGKILL, %d keyless sent",
		len(ledger), len(keylessAcked), batchAcked, len(keylessSent))
	if len(ledger) == 0 || len(keylessAcked) == batchAcked || batchAcked == 0 {
		t.Fatalf("acknowledged %d keyed, %d keyless and %d batch triggers, want each kind in the load", len(ledger), len(keylessAcked)-batchAcked, batchAcked)
	}

	restarted := startServer(t, env)
	ctx := context.Background()
	for key, id := range ledger {
		var stored []string
		err := bdb.NewRaw("SELECT occurrence_id::text FROM idempotency_keys WHERE key = ?", key).Scan(ctx, &stored)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 || stored[0] != id {
			t.Errorf("key %s: stored occurrence %v, want [%s]", key, stored, id)
		}
	}

	// Every keyless occurrence is found by its marker. An acknowledged
	// marker is stored once, under the returned id and for its own
	// contact, and an unacknowledged one is stored at most once.
	var keyless []struct {
		ID     string `bun:"id"`
		Marker string `bun:"marker"`
		Email  string `bun:"email"`
	}
	err := bdb.NewRaw(`
		SELECT o.id::text AS id, o.metadata->>'marker' AS marker, c.email
		FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id
		WHERE o.metadata->>'marker' IS NOT NULL`).Scan(ctx, &keyless)
	if err != nil {
		t.Fatal(err)
	}
	storedIDs := map[string][]string{}
	for _, row := range keyless {
		storedIDs[row.Marker] = append(storedIDs[row.Marker], row.ID)
		if !keylessSent[row.Marker] {
			t.Errorf("occurrence %s has marker %q, which no client sent", row.ID, row.Marker)
		}
		if row.Email != keylessEmail(row.Marker) {
			t.Errorf("occurrence %s with marker %s: contact email %q, want %q", row.ID, row.Marker, row.Email, keylessEmail(row.Marker))
		}
	}
	for marker, ids := range storedIDs {
		if len(ids) > 1 {
			t.Errorf("keyless marker %s stored %d times, as occurrences %v: want at most once", marker, len(ids), ids)
		}
	}
	for marker, id := range keylessAcked {
		if ids := storedIDs[marker]; len(ids) != 1 || ids[0] != id {
			t.Errorf("acknowledged keyless marker %s: stored occurrences %v, want [%s]", marker, ids, id)
		}
	}

	var occurrences, keys int
	if err := bdb.NewRaw("SELECT count(*) FROM event_occurrences").Scan(ctx, &occurrences); err != nil {
		t.Fatal(err)
	}
	if err := bdb.NewRaw("SELECT count(*) FROM idempotency_keys").Scan(ctx, &keys); err != nil {
		t.Fatal(err)
	}
	if occurrences != keys+len(keyless) {
		t.Errorf("occurrences = %d, idempotency keys = %d, keyless occurrences = %d: want one occurrence per key or keyless marker", occurrences, keys, len(keyless))
	}
	if keys < len(ledger) {
		t.Errorf("idempotency keys = %d, want at least the %d acknowledged", keys, len(ledger))
	}

	// Clients retry what they sent with a key. The restarted server
	// returns the stored occurrence and stores nothing new.
	for key, id := range ledger {
		w, i := 0, 0
		fmt.Sscanf(key, "w%d-%d", &w, &i)
		data, err := graphql(client, restarted.url, apiKey, trigger,
			map[string]any{"input": map[string]any{"slug": "signed-up", "email": fmt.Sprintf("c%d@example.com", i%50), "idempotencyKey": key}})
		if err != nil {
			t.Fatalf("retry %s: %v", key, err)
		}
		if data["triggerCustomEvent"] != id {
			t.Errorf("retry %s returned %v, want %s", key, data["triggerCustomEvent"], id)
		}
	}
	var after int
	if err := bdb.NewRaw("SELECT count(*) FROM event_occurrences").Scan(ctx, &after); err != nil {
		t.Fatal(err)
	}
	if after != occurrences {
		t.Errorf("occurrences after retries = %d, want %d", after, occurrences)
	}

	restarted.cmd.Process.Signal(syscall.SIGTERM)
	if err := restarted.cmd.Wait(); err != nil {
		t.Errorf("server exit after SIGTERM: %v", err)
	}
}

// keylessEmail returns the unique contact email of the keyless trigger
// with marker.
func keylessEmail(marker string) string {
	return "keyless-" + marker + "@example.com"
}
