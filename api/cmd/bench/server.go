package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
)

// serverProcess is the Custom Events server running as a child process.
type serverProcess struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}

	mu         sync.Mutex
	errorLines int
	// canceledLines counts the ERROR lines of requests that wrk abandoned
	// when a run ended.
	canceledLines int
	firstError    string
	lastLogLine   string
}

// startServer builds the server binary into tmp and starts it on a free
// loopback port against databaseURL. It returns once the server logs
// "server started", which it does after migrating and seeding the account.
func startServer(ctx context.Context, root, tmp, databaseURL string) (*serverProcess, error) {
	binary := filepath.Join(tmp, "server")
	log.Print("building the server")
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./api/cmd/server")
	build.Dir = root
	build.Stdout = os.Stderr
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build ./api/cmd/server: %w", err)
	}

	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+databaseURL,
		"CE_ADDR="+addr,
		"CE_API_KEY="+benchAPIKey,
		"CE_ADMIN_PASSWORD="+benchAdminPassword,
		"CE_LOG_FORMAT=json",
		"CE_LOG_DEBUG=0",
		"CE_SEED_DEMO=0",
		"CE_API_RATE_LIMIT=0",
		// The actions runs post webhooks to a receiver on loopback.
		"CE_WEBHOOK_ALLOW_PRIVATE=1",
	)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	server := &serverProcess{cmd: cmd, addr: addr, exited: make(chan struct{})}
	started := make(chan struct{})
	go server.readLog(stderr, started)
	go func() {
		cmd.Wait()
		close(server.exited)
	}()

	select {
	case <-started:
		log.Printf("server started on %s (pid %d)", addr, cmd.Process.Pid)
		return server, nil
	case <-server.exited:
		return nil, fmt.Errorf("server exited before it started listening. Its last log line: %s", server.lastLine())
	case <-time.After(60 * time.Second):
		server.stop()
		return nil, errors.New("server did not log \"server started\" within 60s")
	case <-ctx.Done():
		server.stop()
		return nil, ctx.Err()
	}
}

// readLog reads the server's JSON log until the process exits. It closes
// started at the "server started" line and counts ERROR lines. Reading
// goes on for the whole run, so the server cannot block on a full pipe.
func (s *serverProcess) readLog(r io.Reader, started chan<- struct{}) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	signalled := false
	for scanner.Scan() {
		line := scanner.Text()
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		json.Unmarshal([]byte(line), &entry)

		s.mu.Lock()
		s.lastLogLine = line
		switch {
		case entry.Level == "ERROR" && isCancellation(entry.Error):
			s.canceledLines++
		case entry.Level == "ERROR":
			s.errorLines++
			if s.firstError == "" {
				s.firstError = line
			}
		}
		s.mu.Unlock()

		if !signalled && entry.Msg == "server started" {
			signalled = true
			close(started)
		}
	}
	// A line over the scanner's 1 MiB limit ends scanning. The rest is
	// read and discarded, so the server cannot block on a full pipe.
	io.Copy(io.Discard, r)
}

// isCancellation reports whether a logged error comes from a request
// whose client went away: Go's context error, or the message that
// PostgreSQL returns when lib/pq cancels the running statement.
func isCancellation(message string) bool {
	return strings.HasSuffix(message, context.Canceled.Error()) ||
		strings.Contains(message, "canceling statement due to user request")
}

func (s *serverProcess) lastLine() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastLogLine
}

// logErrors returns the server's ERROR lines so far: the number caused by
// canceled requests, the number of all others and the first of those.
func (s *serverProcess) logErrors() (canceled, other int, first string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.canceledLines, s.errorLines, s.firstError
}

// stop sends SIGTERM to the server's pid and waits for it to exit, killing
// it after 20 seconds.
func (s *serverProcess) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		log.Printf("server stopped (pid %d)", s.cmd.Process.Pid)
	case <-time.After(20 * time.Second):
		log.Printf("server (pid %d) did not stop within 20s of SIGTERM: killing it", s.cmd.Process.Pid)
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *serverProcess) url() string { return "http://" + s.addr }

// freeLoopbackAddr returns a 127.0.0.1 address with a port that was free a
// moment ago.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// fixture holds the ids and keys that the load scripts use.
type fixture struct {
	siteKey   string
	accountID int64
	eventID   int64
	// The pgbench script picks one of the contacts from firstContact to
	// lastContact at random for each row.
	firstContact, lastContact int64
}

// pgbenchContacts is how many contacts the pgbench rows are spread over.
// Rows of one contact and day share rollup rows, whose locks would make
// pgbench's transactions wait for each other. With 10,000 contacts that is
// rare, as in the /collect run, whose visitors are all new.
const pgbenchContacts = 10_000

// siteKeyPattern matches the site keys that the scripts may embed in a Lua
// string literal without escaping.
var siteKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// prepareFixture creates the bench custom event through GraphQL, triggers
// it once, reads the account's site key and creates the contacts that the
// pgbench script references.
func prepareFixture(ctx context.Context, server *serverProcess, database *benchDatabase) (fixture, error) {
	var f fixture
	create := `mutation { createCustomEvent(input: {name: "Bench", slug: "` + benchSlug + `"}) { id } }`
	if err := postGraphQL(ctx, server.url(), create, nil); err != nil {
		return f, fmt.Errorf("create the bench custom event: %w", err)
	}
	trigger := `mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }`
	variables := map[string]any{"i": map[string]any{"slug": benchSlug, "email": "first@example.com"}}
	if err := postGraphQL(ctx, server.url(), trigger, variables); err != nil {
		return f, fmt.Errorf("trigger the bench custom event: %w", err)
	}

	err := database.db.QueryRowContext(ctx, "SELECT id, site_key FROM accounts LIMIT 1").Scan(&f.accountID, &f.siteKey)
	if err != nil {
		return f, fmt.Errorf("read the account's site key: %w", err)
	}
	if !siteKeyPattern.MatchString(f.siteKey) {
		return f, fmt.Errorf("site key %q has characters outside [A-Za-z0-9_-], which the Lua script does not escape", f.siteKey)
	}
	// A server that batches writes may store the occurrence after it responds.
	if _, err := database.waitForOccurrences(ctx, 1, 10*time.Second); err != nil {
		return f, err
	}
	err = database.db.QueryRowContext(ctx, "SELECT custom_event_id FROM event_occurrences LIMIT 1").Scan(&f.eventID)
	if err != nil {
		return f, fmt.Errorf("read the triggered occurrence: %w", err)
	}
	var created int64
	err = database.db.QueryRowContext(ctx, `
		WITH c AS (
			INSERT INTO contacts (account_id, email)
			SELECT $1, format('pgbench%s@example.com', g) FROM generate_series(1, $2) g
			RETURNING id
		)
		SELECT min(id), max(id), count(*) FROM c`, f.accountID, pgbenchContacts).Scan(&f.firstContact, &f.lastContact, &created)
	if err != nil {
		return f, fmt.Errorf("create the pgbench contacts: %w", err)
	}
	if f.lastContact-f.firstContact+1 != created {
		return f, fmt.Errorf("pgbench contact ids %d to %d are not contiguous because another session took ids meanwhile: run the bench again", f.firstContact, f.lastContact)
	}
	return f, nil
}

// postGraphQL sends one GraphQL request with the bench API key and returns
// an error for a non-200 status or a reply with errors.
func postGraphQL(ctx context.Context, baseURL, query string, variables map[string]any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+benchAPIKey)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var decoded struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(reply, &decoded); err != nil || resp.StatusCode != http.StatusOK || len(decoded.Errors) > 0 {
		return fmt.Errorf("status %d, reply %s", resp.StatusCode, strings.TrimSpace(string(reply)))
	}
	return nil
}

// bareHandler is an Echo v4 server that returns 204 to every POST without
// touching a database: the ceiling that HTTP handling, wrk and the kernel
// set on this machine.
type bareHandler struct {
	server *http.Server
	addr   string
}

func startBareHandler() (*bareHandler, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the bare handler: %w", err)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.POST("/*", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	server := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go server.Serve(listener)
	return &bareHandler{server: server, addr: listener.Addr().String()}, nil
}

func (b *bareHandler) url() string { return "http://" + b.addr }

func (b *bareHandler) Close() error { return b.server.Close() }
