package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/uptrace/bun"

	"customevents/api"
	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// desktopChromeUserAgent replaces headless Chromium's user agent in
// newBrowser. Headless Chromium's own contains "HeadlessChrome", which POST
// /collect ignores as a bot.
const desktopChromeUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// newSitePage serves html on its own loopback port: a website on another
// origin than the server.
func newSitePage(t *testing.T, html string) string {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(site.Close)
	return site.URL
}

func TestBeaconQueuesAndSendsFromOtherOrigin(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Watched Demo Video", Slug: "watched-demo-video"}); err != nil {
		t.Fatal(err)
	}

	// The inline call runs before the async script has loaded, so the
	// snippet's stub must queue it.
	page := `<!doctype html><html><head>` + api.Snippet(ts.URL, ts.Account.SiteKey) + `
<script>window.queuedBeforeLoad = !!$__MA.q; $__MA.captureEvent('watched-demo-video');</script>
</head><body><h1>Product tour</h1></body></html>`
	siteURL := newSitePage(t, page)

	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(siteURL+"/tour")); err != nil {
		t.Fatalf("open site: %v", err)
	}
	queued, err := chromedp.Run(browser, chromedp.Evaluate[bool]("window.queuedBeforeLoad"))
	if err != nil {
		t.Fatal(err)
	}
	if !queued {
		t.Error("first call was not made through the queue: the script loaded before the inline call")
	}
	ts.waitCollected(t, 1)

	// The real script has replaced the stub; call it directly.
	loaded, err := chromedp.Run(browser, chromedp.Poll[bool]("window.$__MA && !window.$__MA.q"))
	if err != nil || !loaded {
		t.Fatalf("beacon script did not load: %v", err)
	}
	if _, err := chromedp.Run(browser, chromedp.Evaluate[any]("$__MA.captureEvent('watched-demo-video')")); err != nil {
		t.Fatal(err)
	}
	ts.waitCollected(t, 1)

	type row struct {
		ContactID int64  `bun:"contact_id"`
		PageURL   string `bun:"page_url"`
		Source    string `bun:"source"`
	}
	var rows []row
	err = ts.Store.DB().NewRaw("SELECT contact_id, page_url, source FROM event_occurrences WHERE account_id = ? ORDER BY id", ts.Account.ID).Scan(ctx, &rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	if rows[0].ContactID != rows[1].ContactID {
		t.Errorf("contact ids = %d and %d, want the same anonymous contact", rows[0].ContactID, rows[1].ContactID)
	}
	for i, r := range rows {
		if r.PageURL != siteURL+"/tour" {
			t.Errorf("row %d page URL = %q, want %q", i, r.PageURL, siteURL+"/tour")
		}
		if r.Source != "beacon" {
			t.Errorf("row %d source = %q, want beacon", i, r.Source)
		}
	}
	var email *string
	if err := ts.Store.DB().NewRaw("SELECT email FROM contacts WHERE id = ?", rows[0].ContactID).Scan(ctx, &email); err != nil {
		t.Fatal(err)
	}
	if email != nil {
		t.Errorf("contact email = %q, want NULL for an anonymous contact", *email)
	}

	if cookie := siteCookies(t, browser); len(cookie) != len("_ma_vid=")+32 {
		t.Errorf("site cookie = %q, want _ma_vid with a 32-digit id", cookie)
	}
}

// sitePageHTML is a website page with the snippet and then script, which
// runs before /ma.js has loaded.
func sitePageHTML(ts *testServer, script string) string {
	return `<!doctype html><html><head>` + api.Snippet(ts.URL, ts.Account.SiteKey) +
		"\n<script>" + script + "</script>\n</head><body><h1>Site</h1></body></html>"
}

// openSite opens url and waits until /ma.js has replaced the snippet's stub.
func openSite(t *testing.T, browser context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(browser, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	waitBeaconLoaded(t, browser)
}

func waitBeaconLoaded(t *testing.T, browser context.Context) {
	t.Helper()
	loaded, err := chromedp.Run(browser, chromedp.Poll[bool]("window.$__MA && !window.$__MA.q"))
	if err != nil || !loaded {
		t.Fatalf("beacon script did not load: %v", err)
	}
}

func evaluate(t *testing.T, browser context.Context, expression string) {
	t.Helper()
	if _, err := chromedp.Run(browser, chromedp.Evaluate[any](expression)); err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
}

// recordSends is page script that keeps the messages of the requests to
// /collect, in order, in window.sent. It wraps navigator.sendBeacon, whose
// message counts only when the browser queued the request, and fetch, the
// script's fallback.
const recordSends = `window.sent = [];
var sendBeacon = navigator.sendBeacon.bind(navigator), pageFetch = window.fetch.bind(window);
navigator.sendBeacon = function (url, body) { var queued = sendBeacon(url, body); if (queued) sent.push(JSON.parse(body)); return queued };
window.fetch = function (url, init) { if (/\/collect$/.test(url)) sent.push(JSON.parse(init.body)); return pageFetch(url, init) };
`

func sentCount(t *testing.T, browser context.Context) int {
	t.Helper()
	n, err := chromedp.Run(browser, chromedp.Evaluate[int]("sent.length"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBrowserHarnessIsNotABot(t *testing.T) {
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	webdriver, err := chromedp.Run(browser, chromedp.Evaluate[bool]("navigator.webdriver === true"))
	if err != nil {
		t.Fatal(err)
	}
	if webdriver {
		t.Error("navigator.webdriver = true in the test browser, so the beacon would send nothing")
	}
	userAgent, err := chromedp.Run(browser, chromedp.Evaluate[string]("navigator.userAgent"))
	if err != nil {
		t.Fatal(err)
	}
	if userAgent != desktopChromeUserAgent {
		t.Errorf("user agent = %q, want %q", userAgent, desktopChromeUserAgent)
	}
}

func TestBeaconSendsMetadataExactly(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/plans")

	evaluate(t, browser, `$__MA.captureEvent('signup', {plan: 'pro', seats: 5, ratio: 2.5, trial: true, beta: false, note: 'café "quoted" <b>&', empty: ''})`)
	ts.waitCollected(t, 1)

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	want := map[string]any{"plan": "pro", "seats": 5.0, "ratio": 2.5, "trial": true, "beta": false, "note": `café "quoted" <b>&`, "empty": ""}
	if got := decodeMetadata(t, rows[0].Metadata); !reflect.DeepEqual(got, want) {
		t.Errorf("metadata = %v, want %v", got, want)
	}
	if rows[0].PageURL != siteURL+"/plans" || rows[0].Channel != "DIRECT" || rows[0].Referrer != "" {
		t.Errorf("page URL, channel, referrer = %q, %q, %q, want %q, DIRECT, empty", rows[0].PageURL, rows[0].Channel, rows[0].Referrer, siteURL+"/plans")
	}
}

// Metadata may be any plain object: one without a prototype, or one made
// by another frame's Object, which is not this page's Object.prototype.
func TestBeaconPlainObjectMetadata(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `
		$__MA.captureEvent('signup', Object.assign(Object.create(null), {plan: 'pro'}));
		var frame = document.createElement('iframe'); document.body.appendChild(frame);
		var other = new frame.contentWindow.Object(); other.plan = 'team';
		$__MA.captureEvent('signup', other);
	`)
	ts.waitCollected(t, 2)
	plans := sortedMetadata(t, ts, 2)
	if want := []string{"map[plan:pro]", "map[plan:team]"}; !reflect.DeepEqual(plans, want) {
		t.Errorf("stored metadata = %q, want %q", plans, want)
	}
}

// sortedMetadata returns the metadata of the stored occurrences, printed
// and sorted, and fails the test unless there are n of them. Messages go
// out as separate requests, which may arrive in any order.
func sortedMetadata(t *testing.T, ts *testServer, n int) []string {
	t.Helper()
	rows := storedOccurrences(t, ts)
	if len(rows) != n {
		t.Fatalf("occurrences = %d, want %d", len(rows), n)
	}
	var printed []string
	for _, row := range rows {
		printed = append(printed, fmt.Sprint(decodeMetadata(t, row.Metadata)))
	}
	slices.Sort(printed)
	return printed
}

// A page that kept the snippet's stub, or one of its functions, before
// /ma.js loaded calls the script through them afterwards, and the calls
// are sent, not left in the replayed queue.
func TestBeaconKeptStubStillSends(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, "window.kept = $__MA; window.keptCapture = $__MA.captureEvent;"))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `kept.captureEvent('signup', {via: 'stub'}); keptCapture('signup', {via: 'function'});`)
	ts.waitCollected(t, 2)
	via := sortedMetadata(t, ts, 2)
	if want := []string{"map[via:function]", "map[via:stub]"}; !reflect.DeepEqual(via, want) {
		t.Errorf("stored metadata = %q, want %q", via, want)
	}
	if left := pageString(t, browser, "String(kept.q.length)"); left != "0" {
		t.Errorf("calls left in the stub's queue = %s, want 0", left)
	}
}

func TestBeaconRejectsMetadataOverLimits(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	createEvent(t, ts, "marker")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+`window.warnings = []; console.warn = function (m) { warnings.push(m) };`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `
		var many = {}; for (var i = 0; i < 51; i++) many['k' + i] = i;
		var big = {}; for (var i = 0; i < 9; i++) big['k' + i] = 'é'.repeat(500);
		$__MA.captureEvent('signup', many);
		$__MA.captureEvent('signup', {note: 'a'.repeat(1025)});
		$__MA.captureEvent('signup', big);
		$__MA.captureEvent('signup', {plan: {name: 'pro'}});
		$__MA.captureEvent('signup', {ratio: NaN});
		$__MA.captureEvent('signup', ['a']);
		$__MA.captureEvent('signup', new Date());
		$__MA.captureEvent('');
		$__MA.identify({firstName: 'Ann'});
		$__MA.identify({email: '   '});
		$__MA.captureEvent('marker', {note: 'a'.repeat(1024)});
	`)
	ts.waitCollected(t, 1)
	if n := sentCount(t, browser); n != 1 {
		t.Errorf("messages sent = %d, want only the marker", n)
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 || rows[0].Slug != "marker" {
		t.Fatalf("occurrences = %+v, want only the marker", rows)
	}
	warnings, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("warnings"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"$__MA: metadata has over 50 keys: event signup not sent",
		"$__MA: metadata note is over 1024 bytes: event signup not sent",
		"$__MA: metadata is over 8192 bytes: event signup not sent",
		"$__MA: metadata plan is not a string, finite number or boolean: event signup not sent",
		"$__MA: metadata ratio is not a string, finite number or boolean: event signup not sent",
		"$__MA: metadata is not an object: event signup not sent",
		"$__MA: metadata is not an object: event signup not sent",
		"$__MA: captureEvent needs a slug",
		"$__MA: identify needs an email",
		"$__MA: identify needs an email",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", warnings, want)
	}
}

func TestBeaconSendsNothingUnderWebdriver(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	createEvent(t, ts, "marker")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+`window.warnings = []; console.warn = function (m) { warnings.push(m) };`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `
		Object.defineProperty(navigator, 'webdriver', {get: function () { return true }, configurable: true});
		$__MA.captureEvent('signup');
		$__MA.identify({email: 'ann@example.com'});
		Object.defineProperty(navigator, 'webdriver', {get: function () { return false }, configurable: true});
		$__MA.captureEvent('marker');
	`)
	ts.waitCollected(t, 1)
	if n := sentCount(t, browser); n != 1 {
		t.Errorf("messages sent = %d, want only the marker", n)
	}
	rows := storedOccurrences(t, ts)
	if len(rows) != 1 || rows[0].Slug != "marker" {
		t.Fatalf("occurrences = %+v, want only the marker sent after webdriver turned false", rows)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email IS NOT NULL"); n != 0 {
		t.Errorf("known contacts = %d, want 0", n)
	}
	// A tester who runs an automated browser learns why nothing arrives.
	warnings, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("warnings"))
	if err != nil {
		t.Fatal(err)
	}
	const warning = "$__MA: navigator.webdriver is true: not sent"
	if want := []string{warning, warning}; !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
}

func TestBeaconIdentifyMergesContact(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	createEvent(t, ts, "viewed-pricing")
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/pricing")

	// Two anonymous events, then a contact with the email arrives by API.
	evaluate(t, browser, `$__MA.captureEvent('viewed-pricing'); $__MA.captureEvent('viewed-pricing')`)
	ts.waitCollected(t, 2)
	known, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 2 {
		t.Fatalf("contacts before identify = %d, want 2 (anonymous and known)", n)
	}

	evaluate(t, browser, `$__MA.identify({email: 'Ann@Example.com', firstName: 'Ann', company: 'Acme'})`)
	ts.waitCollected(t, 1)

	rows := storedOccurrences(t, ts)
	if len(rows) != 3 {
		t.Fatalf("occurrences = %d, want 3", len(rows))
	}
	for i, row := range rows {
		if row.ContactID != known.ContactID {
			t.Errorf("occurrence %d (%s) contact = %d, want the known contact %d", i, row.Slug, row.ContactID, known.ContactID)
		}
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts after identify = %d, want 1", n)
	}
	var contact struct {
		Email     string `bun:"email"`
		FirstName string `bun:"first_name"`
		LastName  string `bun:"last_name"`
		Company   string `bun:"company"`
	}
	if err := ts.Store.DB().NewRaw("SELECT email, first_name, last_name, company FROM contacts WHERE id = ?", known.ContactID).Scan(ctx, &contact); err != nil {
		t.Fatal(err)
	}
	if contact.Email != "ann@example.com" || contact.FirstName != "Ann" || contact.LastName != "" || contact.Company != "Acme" {
		t.Errorf("contact = %+v, want ann@example.com, Ann, no last name, Acme", contact)
	}

	// Later events of the visitor land on the known contact directly.
	evaluate(t, browser, `$__MA.captureEvent('viewed-pricing')`)
	ts.waitCollected(t, 1)
	rows = storedOccurrences(t, ts)
	if len(rows) != 4 || rows[3].ContactID != known.ContactID {
		t.Errorf("occurrences = %+v, want a fourth on contact %d", rows, known.ContactID)
	}
}

func TestBeaconQueueReplaysInOrder(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "first")
	createEvent(t, ts, "second")
	// The page records what sendBeacon sends, in order, and makes three
	// calls before /ma.js has loaded.
	page := `<!doctype html><html><head><script>` + recordSends + `</script>` + api.Snippet(ts.URL, ts.Account.SiteKey) + `<script>
$__MA.captureEvent('first');
$__MA.identify({email: 'bo@example.com', lastName: 'Berg'});
$__MA.captureEvent('second', {step: 2});
window.queued = $__MA.q.map(function (call) { return call[0] });
</script></head><body></body></html>`
	siteURL := newSitePage(t, page)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	ts.waitCollected(t, 3)

	queued, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("queued"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"captureEvent", "identify", "captureEvent"}; !reflect.DeepEqual(queued, want) {
		t.Errorf("queued calls = %q, want %q", queued, want)
	}
	order, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.e || m.i.email })"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "bo@example.com", "second"}; !reflect.DeepEqual(order, want) {
		t.Errorf("sent order = %q, want %q", order, want)
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	var contactID int64
	if err := ts.Store.DB().NewRaw("SELECT id FROM contacts WHERE email = 'bo@example.com' AND last_name = 'Berg'").Scan(t.Context(), &contactID); err != nil {
		t.Fatalf("identified contact: %v", err)
	}
	for _, row := range rows {
		if row.ContactID != contactID {
			t.Errorf("occurrence %s contact = %d, want the identified contact %d", row.Slug, row.ContactID, contactID)
		}
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
	// The browser may send the three requests on parallel connections, so
	// the server may store them in another order: find the row by slug.
	for _, row := range rows {
		if row.Slug != "second" {
			continue
		}
		if got := decodeMetadata(t, row.Metadata); !reflect.DeepEqual(got, map[string]any{"step": 2.0}) {
			t.Errorf("second event metadata = %v, want step 2", got)
		}
	}
}

// TestSnippetQueueCap loads the snippet with a collect host whose /ma.js
// fails, as a blocker makes it, and makes more calls than the queue keeps:
// it holds the first 1,000 events and identify calls, and every consent
// and optOut call.
func TestSnippetQueueCap(t *testing.T) {
	blocked := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(blocked.Close)
	page := `<!doctype html><html><head>` + api.Snippet(blocked.URL, "site_abc") + `<script>
for (var i = 0; i < 999; i++) $__MA.captureEvent('e' + i);
$__MA.identify({email: 'ann@example.com'});
$__MA.captureEvent('dropped');
$__MA.identify({email: 'dropped@example.com'});
$__MA.consent(true);
$__MA.optOut();
</script></head><body></body></html>`
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(newSitePage(t, page)+"/")); err != nil {
		t.Fatal(err)
	}
	tail, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`$__MA.q.slice(997).map(function (c) { return c[0] + ' ' + JSON.stringify(c[1][0]) })`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`captureEvent "e997"`, `captureEvent "e998"`, `identify {"email":"ann@example.com"}`, "consent true", "optOut undefined"}
	if !reflect.DeepEqual(tail, want) {
		t.Errorf("end of the queue = %q, want %q", tail, want)
	}
	if n, err := chromedp.Run(browser, chromedp.Evaluate[int]("$__MA.q.length")); err != nil || n != 1002 {
		t.Errorf("queued calls = %d (%v), want 1002", n, err)
	}
}

// TestSnippetQueueReplayDeliversAll queues 999 events and an identify call
// before /ma.js loads. The script sends them all at once when it loads,
// which is more than the browser lets sendBeacon and keepalive fetches
// carry at a time, and every one must still arrive.
func TestSnippetQueueReplayDeliversAll(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	page := `<!doctype html><html><head>` + api.Snippet(ts.URL, ts.Account.SiteKey) + `<script>
for (var i = 0; i < 999; i++) $__MA.captureEvent('viewed', {n: i, pad: 'x'.repeat(200)});
$__MA.identify({email: 'queued@example.com'});
</script></head><body></body></html>`
	browser := newBrowser(t)
	openSite(t, browser, newSitePage(t, page)+"/")
	ts.waitCollected(t, 1000)

	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 999 {
		t.Errorf("occurrences = %d, want the 999 queued events", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences o JOIN contacts c ON c.id = o.contact_id WHERE c.email = 'queued@example.com'"); n != 999 {
		t.Errorf("occurrences of the identified contact = %d, want 999", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "(SELECT DISTINCT metadata->>'n' FROM event_occurrences) d"); n != 999 {
		t.Errorf("distinct events stored = %d, want 999", n)
	}
}

// A call that the page makes while its tab closes, in a pagehide
// listener, still arrives: the script hands the message to the browser
// before the call returns, since no timer or promise runs after pagehide.
func TestBeaconDeliversOnTabClose(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "left-page")
	siteURL := newSitePage(t, sitePageHTML(ts, `addEventListener('pagehide', function () { $__MA.captureEvent('left-page') });`))
	browser := newBrowser(t)
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	openSite(t, tab, siteURL+"/pricing")

	// Cancelling the tab's context closes the tab in the browser.
	closeTab()
	ts.waitCollected(t, 1)
	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	if rows[0].Slug != "left-page" {
		t.Errorf("slug = %q, want left-page", rows[0].Slug)
	}
	if rows[0].PageURL != siteURL+"/pricing" {
		t.Errorf("page URL = %q, want %s/pricing", rows[0].PageURL, siteURL)
	}
}

func TestBeaconDeliversOnUnload(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "clicked-buy")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/product")

	// The page leaves right after the call, as a link click does.
	navigateBy(t, browser, `$__MA.captureEvent('clicked-buy'); location.href = '/checkout'`)
	ts.waitCollected(t, 1)
	path, err := chromedp.Run(browser, chromedp.Evaluate[string]("location.pathname"))
	if err != nil || path != "/checkout" {
		t.Fatalf("page path = %q (%v), want /checkout", path, err)
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 || rows[0].Slug != "clicked-buy" || rows[0].PageURL != siteURL+"/product" {
		t.Errorf("occurrences = %+v, want clicked-buy on %s/product", rows, siteURL)
	}

	// The beacon posts text/plain without custom headers, a CORS simple
	// request, so the browser sends no preflight even from another origin.
	// Closing the server waits for the requests in flight, so the counts
	// are final.
	ts.http.Close()
	if n := ts.collectPreflights.Load(); n != 0 {
		t.Errorf("OPTIONS /collect requests = %d, want 0", n)
	}
	if n := ts.collectPosts.Load(); n != 1 {
		t.Errorf("POST /collect requests handled = %d, want 1", n)
	}
}

func TestBeaconKeepsFirstTouchUTM(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	landing := siteURL + "/landing?utm_source=Newsletter&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=hero"
	openSite(t, browser, landing)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	// A later page of the visit has no UTM parameters of its own and keeps
	// the first touch. The page after it lands with other UTM parameters,
	// which start a new first touch that the last page keeps.
	pages := []string{"/pricing", "/docs?utm_source=google&utm_medium=cpc", "/signup"}
	for _, page := range pages {
		captureAfterNavigation(t, browser, ts, "location.href = '"+page+"'", "viewed")
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 4 {
		t.Fatalf("occurrences = %d, want 4", len(rows))
	}
	email := storedOccurrence{Channel: "EMAIL", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring", UTMTerm: "crm", UTMContent: "hero"}
	paidSearch := storedOccurrence{Channel: "PAID_SEARCH", UTMSource: "google", UTMMedium: "cpc"}
	wants := []storedOccurrence{email, email, paidSearch, paidSearch}
	wantPages := []string{landing, siteURL + pages[0], siteURL + pages[1], siteURL + pages[2]}
	wantReferrers := []string{"", landing, siteURL + pages[0], siteURL + pages[1]}
	for i, row := range rows {
		want := wants[i]
		want.Slug = "viewed"
		want.ContactID = row.ContactID
		want.PageURL = wantPages[i]
		want.Referrer = wantReferrers[i]
		want.Metadata = "{}"
		if row != want {
			t.Errorf("occurrence %d =\n%+v\nwant\n%+v", i, row, want)
		}
	}
}

// navigateBy evaluates expression, which makes the page navigate, and
// waits until the next page has loaded.
// Events on later pages of a visit get the channel of the page where the
// visit came in, from that page's referrer, and keep their own referrer.
func TestBeaconKeepsFirstTouchReferrer(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	// Another site links to the landing page. Its host, localhost, differs
	// from the site's 127.0.0.1, so the link is a referral.
	other := newSitePage(t, `<!doctype html><a id="go" href="`+siteURL+`/landing">Read more</a>`)
	other = strings.Replace(other, "://127.0.0.1:", "://localhost:", 1)
	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(other+"/article")); err != nil {
		t.Fatal(err)
	}
	captureAfterNavigation(t, browser, ts, `document.getElementById('go').click()`, "viewed")
	captureAfterNavigation(t, browser, ts, `location.href = '/pricing'`, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	// Chromium sends only the origin of another site as the referrer.
	wantReferrers := []string{other + "/", siteURL + "/landing"}
	for i, row := range rows {
		if row.Channel != "REFERRAL" {
			t.Errorf("occurrence %d: channel %s, want REFERRAL", i, row.Channel)
		}
		if row.Referrer != wantReferrers[i] {
			t.Errorf("occurrence %d: referrer %q, want %q", i, row.Referrer, wantReferrers[i])
		}
	}
}

// With allowed origins set, the Origin header that the browser itself puts
// on the beacon's request decides: the same page opened under another host
// name is another origin, and its event is dropped.
func TestBeaconAllowedOriginFromBrowser(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	if _, err := ts.Store.SetAllowedOrigins(context.Background(), ts.Account.ID, []string{siteURL}); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)

	otherOrigin := strings.Replace(siteURL, "://127.0.0.1:", "://localhost:", 1)
	openSite(t, browser, otherOrigin+"/copy")
	captureAndWait(t, browser, ts, "signup")
	openSite(t, browser, siteURL+"/pricing")
	captureAndWait(t, browser, ts, "signup")

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %+v, want only the one from %s/pricing", rows, siteURL)
	}
	if rows[0].PageURL != siteURL+"/pricing" {
		t.Errorf("page URL = %q, want %s/pricing", rows[0].PageURL, siteURL)
	}
}

// captureAndWait fires slug on the open page and waits until the server
// has handled the beacon request.
func captureAndWait(t *testing.T, browser context.Context, ts *testServer, slug string) {
	t.Helper()
	evaluate(t, browser, "$__MA.captureEvent("+jsString(slug)+")")
	ts.waitCollected(t, 1)
}

// captureAfterNavigation runs navigation, an expression that loads another
// page, waits for the beacon on that page and fires slug there.
func captureAfterNavigation(t *testing.T, browser context.Context, ts *testServer, navigation, slug string) {
	t.Helper()
	navigateBy(t, browser, navigation)
	waitBeaconLoaded(t, browser)
	captureAndWait(t, browser, ts, slug)
}

func navigateBy(t *testing.T, browser context.Context, expression string) {
	t.Helper()
	_, err := chromedp.RunResponse(browser, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](expression)(ctx, target)
		return err
	}))
	if err != nil {
		t.Fatalf("navigate by %s: %v", expression, err)
	}
}

// TestCollectStoresNoIPAddress sends an event and an identify call from a
// browser, and an event with proxy headers, then searches every column of
// every table for the client's address. The site is opened as localhost so
// that its page URLs hold no IP address of their own.
func TestCollectStoresNoIPAddress(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	siteURL = strings.Replace(siteURL, "://127.0.0.1:", "://localhost:", 1)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/pricing")
	evaluate(t, browser, `$__MA.captureEvent('signup', {plan: 'pro'}); $__MA.identify({email: 'ann@example.com'})`)
	ts.waitCollected(t, 2)

	const forwardedIP = "203.0.113.7"
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`
	postCollect(t, ts, body, map[string]string{"X-Forwarded-For": forwardedIP, "X-Real-Ip": forwardedIP})
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 2 {
		t.Fatalf("occurrences = %d, want 2", n)
	}

	var columns []struct {
		Table  string `bun:"table_name"`
		Column string `bun:"column_name"`
	}
	err := ts.Store.DB().NewRaw(`
		SELECT c.table_name, c.column_name
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.column_name`).Scan(t.Context(), &columns)
	if err != nil {
		t.Fatal(err)
	}
	// countMatches counts the rows whose column, as text, contains value.
	countMatches := func(table, column, value string) int {
		t.Helper()
		var n int
		query := "SELECT count(*) FROM ? WHERE ?::text LIKE '%' || ? || '%'"
		if err := ts.Store.DB().NewRaw(query, bun.Ident(table), bun.Ident(column), value).Scan(t.Context(), &n); err != nil {
			t.Fatalf("search %s.%s: %v", table, column, err)
		}
		return n
	}

	// The search must find what the server did store.
	if n := countMatches("event_occurrences", "page_url", "localhost"); n != 1 {
		t.Fatalf("occurrences with a localhost page URL = %d, want 1", n)
	}
	searched := map[string]bool{}
	for _, c := range columns {
		searched[c.Table+"."+c.Column] = true
		for _, ip := range []string{"127.0.0.1", forwardedIP} {
			if n := countMatches(c.Table, c.Column, ip); n != 0 {
				t.Errorf("%s.%s contains %s in %d rows, want none", c.Table, c.Column, ip, n)
			}
		}
	}
	for _, column := range []string{"accounts.consent_mode", "contacts.email", "visitors.id", "event_occurrences.page_url", "event_occurrences.metadata"} {
		if !searched[column] {
			t.Errorf("column %s was not searched", column)
		}
	}
}

// TestSnippetAddressWithTrailingSlash puts the snippet on a page with the
// server address written as "http://host:port/", as a hand-edited snippet
// may have it. The script loads from //ma.js and posts to //collect, and
// the event is stored.
func TestSnippetAddressWithTrailingSlash(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	page := `<!doctype html><html><head>` + api.Snippet(ts.URL+"/", ts.Account.SiteKey) +
		"\n<script>" + recordSends + "</script>\n</head><body><h1>Site</h1></body></html>"
	siteURL := newSitePage(t, page)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	captureAndWait(t, browser, ts, "signup")

	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("stored events = %q, want [signup]", slugs)
	}
}
