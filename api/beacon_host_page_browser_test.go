package api_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/app/apitype"
	"customevents/db/dbtest"
)

// stallServer is a proxy between a website and the test server. Requests to
// the held path wait until release is closed or the browser gives up. The
// others go through to the test server.
type stallServer struct {
	URL string
	// arrived receives once for each held request when it arrives, and
	// left once when its handler returns.
	arrived, left chan struct{}
	release       chan struct{}
}

func newStallServer(t *testing.T, target, heldPath string) *stallServer {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	s := &stallServer{arrived: make(chan struct{}, 8), left: make(chan struct{}, 8), release: make(chan struct{})}
	forward := httputil.NewSingleHostReverseProxy(to)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != heldPath {
			forward.ServeHTTP(w, r)
			return
		}
		s.arrived <- struct{}{}
		defer func() { s.left <- struct{}{} }()
		select {
		case <-s.release:
			forward.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	// Cleanups run last first, so the held requests are let go before
	// Close waits for them.
	t.Cleanup(srv.Close)
	t.Cleanup(s.releaseHeld)
	s.URL = srv.URL
	return s
}

func (s *stallServer) releaseHeld() {
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// waitArrived waits for a held request to reach the server.
func (s *stallServer) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-s.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("no request reached the held path within 30s")
	}
}

// stillHeld fails the test when a held request has already been served
// or abandoned.
func (s *stallServer) stillHeld(t *testing.T) {
	t.Helper()
	select {
	case <-s.left:
		t.Fatal("the held request ended before the check, so it proves nothing")
	default:
	}
}

// releaseAndCheckStored lets the held requests go and checks that the
// one event sent meanwhile is stored.
func (s *stallServer) releaseAndCheckStored(t *testing.T, ts *testServer) {
	t.Helper()
	s.releaseHeld()
	ts.waitCollected(t, 1)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want 1", n)
	}
}

// pageWatch counts the page's uncaught errors and unhandled promise
// rejections in window.pageErrors.
const pageWatch = `window.pageErrors = 0;
addEventListener("error", function () { pageErrors++ });
addEventListener("unhandledrejection", function () { pageErrors++ });
`

// navigateNoWait starts a navigation and returns once the browser has
// committed to it, without waiting for the page's load event.
func navigateNoWait(urlstr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: urlstr})
		return err
	})
}

func TestBeaconHeldCollectLeavesPageAlone(t *testing.T) {
	for _, send := range []struct {
		name  string
		setup string
	}{
		{"sendBeacon", ""},
		// A browser that refuses the beacon, as for a body over its
		// quota, makes the script fall back to fetch.
		{"fetch", "navigator.sendBeacon = function () { return false };"},
	} {
		t.Run(send.name, func(t *testing.T) {
			ts := newTestServer(t)
			if _, err := ts.Store.CreateCustomEvent(context.Background(), ts.Account.ID, apitype.CustomEventInput{Name: "Demo", Slug: "demo"}); err != nil {
				t.Fatal(err)
			}
			stall := newStallServer(t, ts.URL, "/collect")
			site := newSitePage(t, `<!doctype html><html><head><title>Site</title>`+api.Snippet(stall.URL, ts.Account.SiteKey)+
				"\n<script>"+pageWatch+send.setup+"</script></head><body><h1>Site</h1></body></html>")

			browser := newBrowser(t)
			openSite(t, browser, site+"/first")
			after, err := chromedp.Run(browser, chromedp.Evaluate[string](`$__MA.captureEvent("demo"); "next line ran"`))
			if err != nil {
				t.Fatal(err)
			}
			if after != "next line ran" {
				t.Errorf("page code after captureEvent = %q, want %q", after, "next line ran")
			}
			stall.waitArrived(t)

			// Navigate waits for the next page's load event, which must not
			// depend on the held request.
			if err := chromedp.Do(browser, chromedp.Navigate(site+"/second")); err != nil {
				t.Fatalf("open the next page while /collect is held: %v", err)
			}
			stall.stillHeld(t)
			loc, err := chromedp.Run(browser, chromedp.Evaluate[string](`location.pathname + " " + document.readyState + " " + pageErrors`))
			if err != nil {
				t.Fatal(err)
			}
			if loc != "/second complete 0" {
				t.Errorf("next page = %q, want %q (path, ready state, page errors)", loc, "/second complete 0")
			}

			// The browser still delivers the event once the endpoint
			// replies.
			stall.releaseAndCheckStored(t, ts)
		})
	}
}

func TestBeaconFailingCollectRaisesNoPageError(t *testing.T) {
	ts := newTestServer(t)
	to, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(to)
	// The endpoint serves the real script and drops every /collect
	// connection without a reply, as a blocking proxy does.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/collect" {
			forward.ServeHTTP(w, r)
			return
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(failing.Close)
	site := newSitePage(t, `<!doctype html><html><head>`+api.Snippet(failing.URL, ts.Account.SiteKey)+
		"\n<script>"+pageWatch+`navigator.sendBeacon = function () { return false };
window.settled = 0;
var pageFetch = window.fetch.bind(window);
window.fetch = function (u, init) {
	return new Promise(function (resolve, reject) {
		pageFetch(u, init).then(function (r) { settled++; resolve(r) }, function (e) { settled++; reject(e) });
	});
};
</script></head><body></body></html>`)
	browser := newBrowser(t)
	openSite(t, browser, site+"/")
	evaluate(t, browser, `$__MA.captureEvent("demo"); $__MA.identify({email: "a@example.com"})`)
	// The script posts each message again with a plain fetch after its
	// keepalive fetch failed, so two messages make four requests.
	done, err := chromedp.Run(browser, chromedp.Poll[bool]("window.settled == 4"))
	if err != nil || !done {
		t.Fatalf("the four requests to the failing endpoint did not settle: %v", err)
	}
	// The browser reports an unhandled rejection in a task of its own
	// after the one that rejected, so read the count in a later task.
	errs, err := chromedp.Run(browser, chromedp.Evaluate[int](
		"new Promise(function (r) { setTimeout(function () { r(pageErrors) }) })",
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if errs != 0 {
		t.Errorf("page errors = %d, want 0", errs)
	}
}

func TestBeaconHeldScriptLeavesPageAlone(t *testing.T) {
	ts := newTestServer(t)
	if _, err := ts.Store.CreateCustomEvent(context.Background(), ts.Account.ID, apitype.CustomEventInput{Name: "Demo", Slug: "demo"}); err != nil {
		t.Fatal(err)
	}
	stall := newStallServer(t, ts.URL, "/ma.js")
	site := newSitePage(t, `<!doctype html><html><head>`+api.Snippet(stall.URL, ts.Account.SiteKey)+
		"\n<script>"+pageWatch+`$__MA.captureEvent("demo");
document.addEventListener("DOMContentLoaded", function () { window.parsed = document.querySelectorAll("p").length });</script>
</head><body><h1>Site</h1><p>One</p><p>Two</p></body></html>`)

	browser := newBrowser(t)
	if err := chromedp.Do(browser, navigateNoWait(site+"/")); err != nil {
		t.Fatal(err)
	}
	stall.waitArrived(t)
	parsed, err := chromedp.Run(browser, chromedp.Poll[int]("window.parsed"))
	if err != nil {
		t.Fatalf("page was not parsed while /ma.js was held: %v", err)
	}
	stall.stillHeld(t)
	if parsed != 2 {
		t.Errorf("paragraphs at DOMContentLoaded = %d, want 2", parsed)
	}
	state, err := chromedp.Run(browser, chromedp.Evaluate[string](`$__MA.q.length + " " + pageErrors`))
	if err != nil {
		t.Fatal(err)
	}
	if state != "1 0" {
		t.Errorf("queued calls and page errors = %q, want %q", state, "1 0")
	}

	// Once the script arrives, it sends the queued call.
	stall.releaseAndCheckStored(t, ts)
}

// TestBeaconInSandboxedFrame loads the snippet in a frame sandboxed
// without allow-same-origin, where reading document.cookie throws. The
// script must still load and take over the snippet's queue, without an
// error in the frame. The frame reports to the page by postMessage,
// because the page cannot read a frame of an opaque origin.
func TestBeaconInSandboxedFrame(t *testing.T) {
	ts := newTestServer(t)
	frame := `<script>addEventListener("error", function (e) { parent.postMessage("error: " + e.message, "*") });</script>` +
		api.Snippet(ts.URL, ts.Account.SiteKey) +
		`<script>$__MA.captureEvent("demo");
var waited = setInterval(function () {
	if (!window.$__MA.q) { clearInterval(waited); parent.postMessage("loaded", "*") }
}, 20);</script>`
	site := newSitePage(t, `<!doctype html><html><head><script>
window.frameMessages = [];
addEventListener("message", function (e) { frameMessages.push(String(e.data)) });
</script></head><body><iframe sandbox="allow-scripts" srcdoc="`+html.EscapeString(frame)+`"></iframe></body></html>`)
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(site+"/")); err != nil {
		t.Fatal(err)
	}
	loaded, err := chromedp.Run(browser, chromedp.Poll[bool](`frameMessages.indexOf("loaded") >= 0`))
	if err != nil || !loaded {
		t.Fatalf("the script in the sandboxed frame did not take over the queue: %v", err)
	}
	messages, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("frameMessages"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(messages, []string{"loaded"}) {
		t.Errorf("messages from the frame = %q, want only loaded", messages)
	}
}
