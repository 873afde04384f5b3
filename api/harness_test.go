package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/db/dbtest"
)

// testServer is the whole product on a loopback port, over its own
// database.
type testServer struct {
	*dbtest.Fixture
	URL    string
	http   *httptest.Server
	server *api.Server
	// collected receives one value after each POST /collect has been
	// handled, so tests wait for beacon events without polling.
	collected chan struct{}
	// collectPosts counts the POST /collect requests handled, and
	// collectPreflights the OPTIONS /collect requests (CORS preflights)
	// received.
	collectPosts      atomic.Int64
	collectPreflights atomic.Int64
	// collectCookies records the cookies of each POST /collect handled,
	// in the order handled.
	collectCookiesMu sync.Mutex
	collectCookies   []collectCookieRecord
	// replyGate, while set, holds the replies of POST /collect after they
	// are recorded and counted, until the gate closes (see holdReplies).
	replyGateMu sync.Mutex
	replyGate   chan struct{}
}

// holdReplies holds back the replies of the next POST /collect requests,
// after each is recorded and counted, until release is called. net/http
// keeps a reply this short in its buffer until the handler returns.
func (ts *testServer) holdReplies(t *testing.T) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	ts.replyGateMu.Lock()
	ts.replyGate = gate
	ts.replyGateMu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			ts.replyGateMu.Lock()
			ts.replyGate = nil
			ts.replyGateMu.Unlock()
			close(gate)
		})
	}
	t.Cleanup(release)
	return release
}

// collectCookieRecord holds the Cookie header of a POST /collect request
// and the Set-Cookie header of its reply.
type collectCookieRecord struct {
	request   string
	setCookie string
}

// collectCookieLog returns what collectCookies recorded so far.
func (ts *testServer) collectCookieLog() []collectCookieRecord {
	ts.collectCookiesMu.Lock()
	defer ts.collectCookiesMu.Unlock()
	return slices.Clone(ts.collectCookies)
}

// newTestServer starts the server on 127.0.0.1 with a bootstrapped account.
func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith is newTestServer with a configuration that configure
// changes, when it is not nil.
func newTestServerWith(t testing.TB, configure func(*api.Config)) *testServer {
	t.Helper()
	return startTestServer(t, dbtest.NewFixture(t), configure)
}

// newPeerServer starts a second server over the database of ts, as a
// second server process of one installation would run.
func newPeerServer(t testing.TB, ts *testServer) *testServer {
	t.Helper()
	return startTestServer(t, ts.Fixture, nil)
}

// startTestServer starts a server over the fixture's database, with a
// configuration that configure changes, when it is not nil.
func startTestServer(t testing.TB, f *dbtest.Fixture, configure func(*api.Config)) *testServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg := api.Config{
		Addr:      srv.Listener.Addr().String(),
		PublicURL: "http://" + srv.Listener.Addr().String(),
		LogFormat: "text",
		Version:   "test",
	}
	if configure != nil {
		configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(testLogWriter(t), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := &testServer{Fixture: f, collected: make(chan struct{}, 1000)}
	handler := api.NewServer(cfg, f.Store, log)
	// Under the race detector and a loaded machine one bcrypt check can
	// take seconds, long enough for a limiter to refill between attempts.
	handler.FreezeLimiterClock()
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A preflight is counted before its reply, so it is counted before
		// the browser sends the request it allows.
		// A snippet address written with a trailing slash posts to
		// //collect.
		collect := r.URL.Path == "/collect" || r.URL.Path == "//collect"
		if r.Method == http.MethodOptions && collect {
			ts.collectPreflights.Add(1)
		}
		handler.ServeHTTP(w, r)
		if r.Method == http.MethodPost && collect {
			ts.collectCookiesMu.Lock()
			ts.collectCookies = append(ts.collectCookies, collectCookieRecord{
				request:   r.Header.Get("Cookie"),
				setCookie: strings.Join(w.Header().Values("Set-Cookie"), "\n"),
			})
			ts.collectCookiesMu.Unlock()
			ts.collectPosts.Add(1)
			ts.collected <- struct{}{}
			ts.replyGateMu.Lock()
			gate := ts.replyGate
			ts.replyGateMu.Unlock()
			if gate != nil {
				<-gate
			}
		}
	})
	srv.Start()
	// Cleanups run last first: the HTTP server stops, then the server
	// stores what it gathered, then the fixture drops the database.
	t.Cleanup(handler.Close)
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	ts.http = srv
	ts.server = handler
	return ts
}

// waitCollected waits until n more beacon requests have been handled. It
// fails when 30 seconds pass without one, so a long burst on a busy
// machine has time as long as requests keep arriving.
func (ts *testServer) waitCollected(t *testing.T, n int) {
	t.Helper()
	idle := time.NewTimer(30 * time.Second)
	defer idle.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-ts.collected:
			idle.Reset(30 * time.Second)
		case <-idle.C:
			t.Fatalf("beacon requests handled = %d, want %d; none came for 30s", i, n)
		}
	}
}

// testLogWriter returns where the server logs go: stderr with -v, and
// otherwise a buffer that is written to the test log if the test fails.
func testLogWriter(t testing.TB) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("server log:\n" + logs.String())
		}
	})
	return logs
}

// lockedBuffer is a bytes.Buffer that request goroutines can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newBrowser starts headless Chromium with a desktop Chrome user agent and
// returns a tab context that ends with the test. CE_CHROMIUM overrides the
// binary (default: chromium on PATH).
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	path := os.Getenv("CE_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium not found: install Debian's chromium package (make test does) or set CE_CHROMIUM")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.UserAgent(desktopChromeUserAgent),
		// Headless Chromium sets navigator.webdriver, on which the beacon
		// sends nothing. This flag turns it off.
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		// Names under example.test reach the test servers on loopback, so
		// that a site and its collect host can share a registrable domain.
		chromedp.Flag("host-resolver-rules", "MAP *.example.test 127.0.0.1"),
		// The https test sites use httptest's certificate, which no
		// authority signed.
		chromedp.Flag("ignore-certificate-errors", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first call starts the browser, and the browser lives as long as
	// that call's context, so the time limit goes on a child context.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	logConsoleOnFailure(t, browserCtx)
	return ctx
}

// logConsoleOnFailure records the tab's console messages and uncaught
// exceptions, and writes them to the test log when the test fails.
func logConsoleOnFailure(t testing.TB, ctx context.Context) {
	var mu sync.Mutex
	var lines []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, line := range lines {
			t.Log("browser console: " + line)
		}
	})
}

// screenshotTimeout bounds one screenshot in saveScreenshot.
const screenshotTimeout = 20 * time.Second

// saveScreenshot writes a PNG of the page to test-artifacts/ at the
// repository root, which the test run keeps. A screenshot is a record for
// people, not a check. In one CI run on a loaded machine, Chromium 156 did
// not return a capture within the test's whole 90 s. So the capture gets
// its own time limit, and running out of it is logged rather than failing
// the test or using up the time of the steps that follow.
func saveScreenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	captureCtx, cancel := context.WithTimeout(ctx, screenshotTimeout)
	defer cancel()
	png, err := chromedp.Run(captureCtx, chromedp.FullScreenshot(100))
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		t.Logf("screenshot %s: no image from Chromium within %s; going on without it", name, screenshotTimeout)
		return
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("..", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("create %s: %v", dir, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Errorf("write screenshot %s: %v", name, err)
	}
}
