package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/db/dbtest"
)

// TestBeaconVisitEndsAfter30Minutes checks that the _ma_visit cookie
// lasts 30 minutes from the last page load or event. Instead of waiting,
// it removes the cookie, as the browser does once they have passed, and
// moves the page's clock forward within a page.
func TestBeaconVisitEndsAfter30Minutes(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	landing := siteURL + "/landing?utm_source=newsletter&utm_medium=email"
	openSite(t, browser, landing)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	// Within 30 minutes, the next page load continues the visit.
	navigateBy(t, browser, `location.href = '/pricing'`)
	waitBeaconLoaded(t, browser)
	if left := visitCookieLifetime(t, browser, siteURL); left < 1790*time.Second || left > 1800*time.Second {
		t.Errorf("_ma_visit expires in %v after the page load, want 30 minutes", left)
	}
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	// 31 minutes after the last event, an event on the same page starts a
	// new visit without UTM parameters, whose referrer is the landing
	// page's origin.
	evaluate(t, browser, `document.cookie = '_ma_visit=; path=/; max-age=0';
		var realNow = Date.now; Date.now = function () { return realNow.call(Date) + 31 * 60000 }`)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if visit := storedVisit(t, browser); visit != siteURL+"|" {
		t.Errorf("stored visit after the visit ended = %q, want the referrer %s and no UTM parameters", visit, siteURL)
	}

	// With the campaign's visit gone, a page load also starts a new visit.
	evaluate(t, browser, `document.cookie = '_ma_visit=; path=/; max-age=0'`)
	captureAfterNavigation(t, browser, ts, `location.href = '/docs'`, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 4 {
		t.Fatalf("occurrences = %d, want 4", len(rows))
	}
	email := storedOccurrence{Channel: "EMAIL", UTMSource: "newsletter", UTMMedium: "email"}
	direct := storedOccurrence{Channel: "DIRECT"}
	wants := []storedOccurrence{email, email, direct, direct}
	wantPages := []string{landing, siteURL + "/pricing", siteURL + "/pricing", siteURL + "/docs"}
	wantReferrers := []string{"", landing, landing, siteURL + "/pricing"}
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

// TestBeaconRejectedCallLeavesVisit checks that a captureEvent call that
// sends nothing does not write _ma_visit, which the test deletes first.
func TestBeaconRejectedCallLeavesVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordWarnings))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email")
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Fatalf("stored visit after the page load = %q, want the campaign", visit)
	}

	for _, call := range []string{
		`$__MA.captureEvent('')`,
		`$__MA.captureEvent('viewed', {nested: {}})`,
		`Object.defineProperty(navigator, 'webdriver', {get: function () { return true }, configurable: true});
		$__MA.captureEvent('viewed');
		delete navigator.webdriver`,
	} {
		evaluate(t, browser, `document.cookie = '_ma_visit=; path=/; max-age=0'`)
		evaluate(t, browser, call)
		if visit := storedVisit(t, browser); visit != "none" {
			t.Errorf("stored visit after %s = %q, want none", call, visit)
		}
	}
	wantWarnings := []string{
		"$__MA: captureEvent needs a slug",
		"$__MA: metadata nested is not a string, finite number or boolean: event viewed not sent",
		"$__MA: navigator.webdriver is true: not sent",
	}
	if got := pageWarnings(t, browser); !slices.Equal(got, wantWarnings) {
		t.Errorf("warnings = %q, want %q", got, wantWarnings)
	}

	// An event that is sent renews the visit from memory.
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Errorf("stored visit after an event = %q, want the campaign", visit)
	}
}

// visitCookieLifetime returns the time until the _ma_visit cookie of
// siteURL expires, as the browser keeps it.
func visitCookieLifetime(t *testing.T, browser context.Context, siteURL string) time.Duration {
	t.Helper()
	result, err := chromedp.Call(browser, network.GetCookies, network.GetCookiesParams{URLs: []string{siteURL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range result.Cookies {
		if c.Name == "_ma_visit" {
			return time.Until(time.UnixMilli(int64(c.Expires * 1000)))
		}
	}
	t.Fatalf("%s has no _ma_visit cookie", siteURL)
	return 0
}

// TestBeaconVisitSpansSubdomains lands with a campaign on one subdomain
// of a site and fires events on another, first after a navigation from
// the landing page and then on a page opened directly. Both carry the
// campaign, as the visit cookie is on the site's widest domain.
func TestBeaconVisitSpansSubdomains(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	www := strings.Replace(siteURL, "://127.0.0.1:", "://www.site.localhost:", 1)
	shop := strings.Replace(siteURL, "://127.0.0.1:", "://shop.site.localhost:", 1)
	browser := newBrowser(t)
	landing := www + "/landing?utm_source=newsletter&utm_medium=email&utm_campaign=dec"
	openSite(t, browser, landing)
	captureAfterNavigation(t, browser, ts, `location.href = `+jsString(shop+"/cart"), "viewed")
	openSite(t, browser, shop+"/checkout")
	captureAndWait(t, browser, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	wantPages := []string{shop + "/cart", shop + "/checkout"}
	// The browser sends only the origin as the referrer to another origin.
	wantReferrers := []string{www + "/", ""}
	for i, row := range rows {
		want := storedOccurrence{
			Slug: "viewed", ContactID: rows[0].ContactID, PageURL: wantPages[i], Referrer: wantReferrers[i],
			Channel: "EMAIL", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "dec", Metadata: "{}",
		}
		if row != want {
			t.Errorf("occurrence %d =\n%+v\nwant\n%+v", i, row, want)
		}
	}
}

// TestBeaconLongFirstTouchStaysOnPage lands with UTM parameters too long
// for the visit cookie. Events on the landing page carry them, the cookie
// holds an empty visit in place of an earlier campaign's, and the next
// page load starts a new visit instead of going back to that campaign.
func TestBeaconLongFirstTouchStaysOnPage(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=partner&utm_medium=email")
	content := strings.Repeat("x", 990)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email&utm_content="+content)
	if visit := storedVisit(t, browser); visit != "|" {
		t.Errorf("stored visit = %q, want an empty visit for a first touch of over 1,000 characters", visit)
	}
	captureAndWait(t, browser, ts, "viewed")
	openSite(t, browser, siteURL+"/pricing")
	captureAndWait(t, browser, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	if got := rows[0]; got.Channel != "EMAIL" || got.UTMSource != "newsletter" || got.UTMContent != content[:200] {
		t.Errorf("landing event has channel %s, utm_source %q and utm_content of %d bytes, want EMAIL, newsletter and 200 bytes",
			got.Channel, got.UTMSource, len(got.UTMContent))
	}
	checkChannel(t, "next page's event", rows[1], "DIRECT", "")
}

// TestBeaconSearchClickWholeVisit lands on a page with a search ad
// click id and fires an event on the next page of the visit, which still
// counts as paid search.
func TestBeaconSearchClickWholeVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/landing?gclid=Cj0KCQ")
	navigateBy(t, browser, `location.href = '/pricing'`)
	waitBeaconLoaded(t, browser)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	if rows[0].Channel != "PAID_SEARCH" || rows[0].PageURL != siteURL+"/pricing" {
		t.Errorf("occurrence on %s has channel %s, want PAID_SEARCH on %s/pricing", rows[0].PageURL, rows[0].Channel, siteURL)
	}
}

// TestBeaconVisitorWithoutCookies blocks document.cookie, as a browser
// that refuses cookies does, and checks that the calls of one page keep
// one visitor id, so that identify ties every event to the contact.
func TestBeaconVisitorWithoutCookies(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends))
	browser := newBrowser(t)
	if _, err := chromedp.Call(browser, emulation.SetDocumentCookieDisabled, emulation.SetDocumentCookieDisabledParams{Disabled: true}); err != nil {
		t.Fatal(err)
	}
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `$__MA.captureEvent('viewed'); $__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 2)
	evaluate(t, browser, `$__MA.identify({email: 'ann@example.com'})`)
	ts.waitCollected(t, 1)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	if cookies := pageString(t, browser, "document.cookie = '_ma_probe=1'; document.cookie"); cookies != "" {
		t.Fatalf("document.cookie = %q, want cookies blocked", cookies)
	}
	ids, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.v })"))
	if err != nil {
		t.Fatal(err)
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(ids) != 4 || len(distinct) != 1 {
		t.Errorf("visitor ids sent = %q, want one id in all 4 messages", ids)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences o JOIN contacts c ON c.id = o.contact_id WHERE c.email = 'ann@example.com'"); n != 3 {
		t.Errorf("occurrences of ann@example.com = %d, want 3", n)
	}
}

// ignoreVisitorIDWrites is page script that drops the writes of a visitor
// id to document.cookie and lets deletes through, so that a _ma_vid cookie
// on the page can only come from a collect reply's Set-Cookie.
const ignoreVisitorIDWrites = `var pageCookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
Object.defineProperty(document, 'cookie', {
	get: function () { return pageCookie.get.call(document) },
	set: function (v) { if (!/^_ma_vid=[^;]/.test(v)) pageCookie.set.call(document, v) }
});
`

// TestBeaconOptOutOnFirstPartyHost serves the site as www.example.test and
// the collect host as t.example.test, whose replies set _ma_vid for the
// whole domain, and calls optOut() right after an event. The page keeps
// the script from writing _ma_vid itself, so the cookie comes from the
// reply. The reply to that
// event may still set _ma_vid again, when the request left before the
// opt-out cookie was set: the next page load removes it and sends nothing.
// A message that carries the opt-out cookie, as one sent after optOut()
// does, is then ignored by the collect host.
func TestBeaconOptOutOnFirstPartyHost(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	collectURL := strings.Replace(ts.URL, "://127.0.0.1:", "://t.example.test:", 1)
	page := `<!doctype html><html><head><script>` + recordSends + ignoreVisitorIDWrites + `</script>` + api.Snippet(collectURL, ts.Account.SiteKey) + `</head><body></body></html>`
	siteURL := strings.Replace(newSitePage(t, page), "://127.0.0.1:", "://www.example.test:", 1)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `$__MA.captureEvent('signup')`)
	ts.waitCollected(t, 1)
	// The browser stores the reply's cookie after the server has handled
	// the request.
	if set, err := chromedp.Run(browser, chromedp.Poll[bool]("document.cookie.includes('_ma_vid=' + sent[0].v)")); err != nil || !set {
		t.Fatalf("the collect reply's _ma_vid cookie not set: %v", err)
	}

	evaluate(t, browser, `$__MA.captureEvent('signup'); $__MA.optOut()`)
	ts.waitCollected(t, 1)
	stored := dbtest.Count(t, ts.Store.DB(), "event_occurrences")

	openSite(t, browser, siteURL+"/next")
	evaluate(t, browser, `$__MA.captureEvent('signup')`)
	if cookies := pageString(t, browser, "document.cookie"); cookies != "_ma_optout=1" {
		t.Errorf("cookies on the next page = %q, want only _ma_optout=1", cookies)
	}
	if n := sentCount(t, browser); n != 0 {
		t.Errorf("messages sent from the next page = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != stored {
		t.Errorf("occurrences = %d, want %d as before the next page", n, stored)
	}

	evaluate(t, browser, `fetch(`+strconv.Quote(collectURL+"/collect")+`, {method: 'POST', mode: 'no-cors', credentials: 'include',
		body: JSON.stringify({k: `+strconv.Quote(ts.Account.SiteKey)+`, v: '0123456789abcdef0123456789abcdef', u: location.href, e: 'signup'})})`)
	ts.waitCollected(t, 1)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != stored {
		t.Errorf("occurrences after a message with the opt-out cookie = %d, want %d", n, stored)
	}
}

// TestBeaconFetchFallbackSendsCookies makes sendBeacon fail, as a browser
// that refuses a large message does, so that the script posts with fetch
// to a first-party collect host. That request carries cookies as
// sendBeacon's does, so the reply's domain-wide _ma_vid is stored. The
// page keeps the script from writing _ma_vid itself.
func TestBeaconFetchFallbackSendsCookies(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	collectURL := strings.Replace(ts.URL, "://127.0.0.1:", "://t.example.test:", 1)
	page := `<!doctype html><html><head><script>navigator.sendBeacon = function () { return false };` + ignoreVisitorIDWrites + `</script>` +
		api.Snippet(collectURL, ts.Account.SiteKey) + `</head><body></body></html>`
	siteURL := strings.Replace(newSitePage(t, page), "://127.0.0.1:", "://www.example.test:", 1)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `$__MA.captureEvent('signup')`)
	ts.waitCollected(t, 1)
	if set, err := chromedp.Run(browser, chromedp.Poll[bool]("/(^|; )_ma_vid=[0-9a-f]{32}/.test(document.cookie)")); err != nil || !set {
		t.Fatalf("cookies = %q, want the collect reply's _ma_vid: %v", pageString(t, browser, "document.cookie"), err)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want 1", n)
	}
}

// TestBeaconNewIDAfterCookieDeleted deletes _ma_vid between two events, as
// a site does when a visitor signs out on a shared computer: the second
// event gets a new visitor id, never the deleted one.
func TestBeaconNewIDAfterCookieDeleted(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `$__MA.captureEvent('viewed'); document.cookie = '_ma_vid=; path=/; max-age=0'; $__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 2)
	ids, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.v })"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Errorf("visitor ids sent = %q, want two different ids", ids)
	}
	if cookie := siteCookies(t, browser); len(ids) == 2 && cookie != "_ma_vid="+ids[1] {
		t.Errorf("cookie = %q, want the second id", cookie)
	}
}

// TestBeaconSubdomainsShareVisitor opens two subdomains of one site. The
// script keeps the visitor id on the site's widest domain, so events from
// both land on one contact. A host-only _ma_vid that an earlier version of
// the script set gives way to the shared one, and where none is shared
// yet, it becomes the shared one.
func TestBeaconSubdomainsShareVisitor(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends))
	www := strings.Replace(siteURL, "://127.0.0.1:", "://www.site.localhost:", 1)
	shop := strings.Replace(siteURL, "://127.0.0.1:", "://shop.site.localhost:", 1)
	blog := strings.Replace(siteURL, "://127.0.0.1:", "://blog.other.localhost:", 1)
	const earlierShop = "0123456789abcdef0123456789abcdef"
	const earlierBlog = "fedcba9876543210fedcba9876543210"
	browser := newBrowser(t)

	sentIDs := func() []string {
		t.Helper()
		ids, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.v })"))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}

	// shop has a host-only id from an earlier version of the script.
	openSite(t, browser, shop+"/")
	evaluate(t, browser, `document.cookie = '_ma_vid=`+earlierShop+`; path=/'`)

	openSite(t, browser, www+"/")
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	wwwIDs := sentIDs()
	if len(wwwIDs) != 1 || len(wwwIDs[0]) != 32 || wwwIDs[0] == earlierShop {
		t.Fatalf("visitor ids sent from www = %q, want one new id", wwwIDs)
	}

	openSite(t, browser, shop+"/cart")
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if ids := sentIDs(); !slices.Equal(ids, wwwIDs) {
		t.Errorf("visitor ids sent from shop = %q, want www's %q", ids, wwwIDs)
	}
	if cookie := siteCookies(t, browser); cookie != "_ma_vid="+wwwIDs[0] {
		t.Errorf("shop cookies = %q, want only the shared _ma_vid=%s", cookie, wwwIDs[0])
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1 for both subdomains", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 2 {
		t.Errorf("occurrences = %d, want 2", n)
	}

	// On another site, an earlier host-only id is kept and shared.
	openSite(t, browser, blog+"/")
	evaluate(t, browser, `document.cookie = '_ma_vid=`+earlierBlog+`; path=/'; $__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if ids := sentIDs(); !slices.Equal(ids, []string{earlierBlog}) {
		t.Errorf("visitor ids sent from blog = %q, want the earlier %s", ids, earlierBlog)
	}
	evaluate(t, browser, `document.cookie = '_ma_vid=; path=/; max-age=0'`)
	if cookie := siteCookies(t, browser); cookie != "_ma_vid="+earlierBlog {
		t.Errorf("blog cookies after deleting the host-only one = %q, want _ma_vid=%s on other.localhost", cookie, earlierBlog)
	}
}

// watchVisitorCookieGaps is page script that reads document.cookie after
// each write to it and keeps in window.gaps the writes that removed the
// page's last _ma_vid. Another tab that reads the cookie at such a moment
// finds no id and makes a new one, which then replaces the visitor's id.
const watchVisitorCookieGaps = `window.gaps = [];
var pageCookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
Object.defineProperty(document, 'cookie', {
	get: function () { return pageCookie.get.call(document) },
	set: function (v) {
		var had = /(^|; )_ma_vid=/.test(pageCookie.get.call(document));
		pageCookie.set.call(document, v);
		if (had && !/(^|; )_ma_vid=/.test(pageCookie.get.call(document))) gaps.push(v);
	}
});
`

// TestBeaconVisitorCookieNeverGone sends two events from hosts where the
// domain cookie is the host cookie (an IP address, localhost) and from a
// subdomain that still has a host-only id from an earlier version of the
// script. No write of the script may leave the page without _ma_vid, even
// for a moment, because a second tab that reads the cookie then starts a
// new visitor id.
func TestBeaconVisitorCookieNeverGone(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+watchVisitorCookieGaps))
	const earlierID = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		host    string
		earlier bool
	}{
		{host: "127.0.0.1"},
		{host: "localhost"},
		{host: "www.site.localhost", earlier: true},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			browser := newBrowser(t)
			openSite(t, browser, strings.Replace(siteURL, "://127.0.0.1:", "://"+tc.host+":", 1)+"/")
			if tc.earlier {
				evaluate(t, browser, `document.cookie = '_ma_vid=`+earlierID+`; path=/'`)
			}
			evaluate(t, browser, `$__MA.captureEvent('viewed'); $__MA.captureEvent('viewed')`)
			ts.waitCollected(t, 2)

			if gaps := pageString(t, browser, "JSON.stringify(gaps)"); gaps != "[]" {
				t.Errorf("cookie writes that left no _ma_vid = %s, want none", gaps)
			}
			ids, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.v })"))
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != 2 || ids[0] != ids[1] {
				t.Errorf("visitor ids sent = %q, want one id twice", ids)
			}
			if tc.earlier && len(ids) > 0 && ids[0] != earlierID {
				t.Errorf("visitor id sent = %s, want the earlier host-only %s", ids[0], earlierID)
			}
		})
	}
}

// TestBeaconHTTPAndHTTPSShareVisitor opens an https and an http subdomain
// of one site. The visitor cookie is not Secure, so the http pages read
// the id that the https page set and keep it across page loads, and an
// opt-out on the https pages holds on the http ones.
func TestBeaconHTTPAndHTTPSShareVisitor(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	html := sitePageHTML(ts, recordSends)
	tlsSite := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(tlsSite.Close)
	secure := strings.Replace(tlsSite.URL, "://127.0.0.1:", "://www.example.test:", 1)
	plain := strings.Replace(newSitePage(t, html), "://127.0.0.1:", "://shop.example.test:", 1)
	browser := newBrowser(t)

	openSite(t, browser, secure+"/")
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	id := pageString(t, browser, "sent[0].v")
	for _, path := range []string{"/a", "/b"} {
		openSite(t, browser, plain+path)
		evaluate(t, browser, `$__MA.captureEvent('viewed')`)
		ts.waitCollected(t, 1)
		if got := pageString(t, browser, "sent[0].v"); got != id {
			t.Errorf("visitor id sent from http %s = %q, want the https page's %q", path, got, id)
		}
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}

	openSite(t, browser, secure+"/opt-out")
	evaluate(t, browser, `$__MA.optOut()`)
	openSite(t, browser, plain+"/after")
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	if n := sentCount(t, browser); n != 0 {
		t.Errorf("messages sent from http after an opt-out on https = %d, want 0", n)
	}
	if cookies := pageString(t, browser, "document.cookie"); cookies != "_ma_optout=1" {
		t.Errorf("http cookies after the opt-out = %q, want _ma_optout=1", cookies)
	}
}

// TestBeaconTrailingDotHostShares opens two subdomains written with a
// trailing dot, which browsers treat as names of their own: the visitor
// cookie goes on the parent domain with the dot, which both share.
func TestBeaconTrailingDotHostShares(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	site := newSitePage(t, sitePageHTML(ts, recordSends))
	browser := newBrowser(t)
	var ids []string
	for _, name := range []string{"www.site.localhost.", "shop.site.localhost."} {
		openSite(t, browser, strings.Replace(site, "://127.0.0.1:", "://"+name+":", 1)+"/")
		evaluate(t, browser, `$__MA.captureEvent('viewed')`)
		ts.waitCollected(t, 1)
		ids = append(ids, pageString(t, browser, "sent[0].v"))
	}
	if len(ids[0]) != 32 || ids[0] != ids[1] {
		t.Errorf("visitor ids sent = %q, want one id from both hosts", ids)
	}
}
