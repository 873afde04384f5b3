package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/app/apitype"
	"customevents/db/dbtest"
)

// consentPageHTML is a website page that records its requests to /collect,
// runs setup, pastes snippet and then runs script before /ma.js has loaded.
func consentPageHTML(snippet, setup, script string) string {
	return "<!doctype html><html><head><script>" + recordSends + setup + "</script>" + snippet +
		"\n<script>" + script + "</script>\n</head><body><h1>Site</h1></body></html>"
}

// sentSlugs returns the event slug, or the identify email, of each message
// that the page sent to /collect, in order.
func sentSlugs(t *testing.T, browser context.Context) []string {
	t.Helper()
	slugs, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("sent.map(function (m) { return m.e || m.i.email })"))
	if err != nil {
		t.Fatal(err)
	}
	return slugs
}

func pageString(t *testing.T, browser context.Context, expression string) string {
	t.Helper()
	value, err := chromedp.Run(browser, chromedp.Evaluate[string](expression))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return value
}

// assertNoTracking checks that the page sent nothing, set no visitor
// cookie and kept no UTM parameters or visit time.
func assertNoTracking(t *testing.T, browser context.Context) {
	t.Helper()
	if slugs := sentSlugs(t, browser); len(slugs) != 0 {
		t.Errorf("messages sent = %q, want none", slugs)
	}
	if cookie := pageString(t, browser, "document.cookie"); strings.Contains(cookie, "_ma_vid") {
		t.Errorf("site cookie = %q, want no _ma_vid", cookie)
	}
	assertNoVisitStorage(t, browser)
}

// storedVisit returns the value of the page's _ma_visit cookie: the
// referrer origin of the visit's first touch, "|" and the first touch's
// query parameters, with ";", "," and "\" escaped. It returns "none" when
// the page has no _ma_visit cookie.
func storedVisit(t *testing.T, browser context.Context) string {
	t.Helper()
	return pageString(t, browser, `(function () {
		var m = document.cookie.match(/(?:^|; )_ma_visit=([^;]*)/);
		return m ? m[1] : 'none';
	})()`)
}

// siteCookies returns document.cookie without the _ma_visit cookie, which
// the script writes on each page load once tracking is allowed.
func siteCookies(t *testing.T, browser context.Context) string {
	t.Helper()
	return pageString(t, browser, `document.cookie.split('; ').filter(function (c) { return !/^_ma_visit=/.test(c) }).join('; ')`)
}

// assertNoVisitStorage checks that the page has no _ma_visit cookie, and
// that localStorage, where earlier versions of the script kept the visit,
// has neither the visit's first-touch UTM parameters, its referrer nor the
// time of its last activity.
func assertNoVisitStorage(t *testing.T, browser context.Context) {
	t.Helper()
	if visit := storedVisit(t, browser); visit != "none" {
		t.Errorf("_ma_visit cookie = %q, want none", visit)
	}
	for _, key := range []string{"_ma_utm", "_ma_r", "_ma_t"} {
		if value := pageString(t, browser, "String(localStorage.getItem('"+key+"'))"); value != "null" {
			t.Errorf("localStorage %s = %q, want none", key, value)
		}
	}
}

func assertVisitorCookie(t *testing.T, browser context.Context) {
	t.Helper()
	cookie := pageString(t, browser, "document.cookie")
	if !visitorCookiePattern.MatchString(cookie) {
		t.Errorf("site cookie = %q, want _ma_vid with a 32-digit id", cookie)
	}
}

var visitorCookiePattern = regexp.MustCompile(`(^|; )_ma_vid=[0-9a-f]{32}(;|$)`)

func storedSlugs(t *testing.T, ts *testServer) []string {
	t.Helper()
	slugs := []string{}
	for _, row := range storedOccurrences(t, ts) {
		slugs = append(slugs, row.Slug)
	}
	return slugs
}

// sortedSlugs returns the stored slugs in name order: the browser may send
// several requests on parallel connections, so the rows' order may differ
// from the calls' order.
func sortedSlugs(t *testing.T, ts *testServer) []string {
	t.Helper()
	slugs := storedSlugs(t, ts)
	slices.Sort(slugs)
	return slugs
}

func TestSnippetWithModeTrackIsSnippet(t *testing.T) {
	if got, want := api.SnippetWithMode("https://ce.example.com", "site_abc", "track"), api.Snippet("https://ce.example.com", "site_abc"); got != want {
		t.Errorf("track snippet =\n%s\nwant\n%s", got, want)
	}
	wait := api.SnippetWithMode("https://ce.example.com", "site_abc", "wait")
	for _, part := range []string{
		`!function(w,d,u,k,c){if(w.$__MA)return;var m=w.$__MA={q:[],u:u,k:k,c:c};`,
		`["captureEvent","identify","consent","optOut"].forEach(function(n){m[n]=function(){(m.q.length<1000||n=="consent"||n=="optOut")&&m.q.push([n,[].slice.call(arguments)])}});`,
		`s.async=1;s.src=u+"/ma.js"`,
		`(window,document,"https://ce.example.com","site_abc","wait");`,
	} {
		if !strings.Contains(wait, part) {
			t.Errorf("wait snippet lacks %q:\n%s", part, wait)
		}
	}
}

func TestConsentTrackSendsAtOnce(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "track")
	siteURL := newSitePage(t, consentPageHTML(snippet, "", `$__MA.captureEvent('signup')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=newsletter")
	ts.waitCollected(t, 1)

	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("messages sent = %q, want [signup]", slugs)
	}
	assertVisitorCookie(t, browser)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter" {
		t.Errorf("stored visit = %q, want no referrer and ?utm_source=newsletter", visit)
	}
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("stored events = %q, want [signup]", slugs)
	}
}

// openWaitingPage creates the events with the given slugs and opens path
// on a site page in "wait" mode whose inline script calls
// captureEvent('first') before /ma.js loads. It returns the browser once
// the script has loaded.
func openWaitingPage(t *testing.T, ts *testServer, path string, slugs ...string) context.Context {
	t.Helper()
	for _, slug := range slugs {
		createEvent(t, ts, slug)
	}
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, "", `$__MA.captureEvent('first')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+path)
	return browser
}

func TestConsentWaitSendsAfterConsent(t *testing.T) {
	ts := newTestServer(t)
	// One call goes through the stub's queue, one to the loaded script.
	browser := openWaitingPage(t, ts, "/?utm_source=newsletter", "first", "second", "third")
	evaluate(t, browser, `$__MA.captureEvent('second', {step: 2})`)

	assertNoTracking(t, browser)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences before consent = %d, want 0", n)
	}

	evaluate(t, browser, `$__MA.consent(true)`)
	ts.waitCollected(t, 2)
	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"first", "second"}) {
		t.Errorf("messages sent after consent = %q, want [first second]", slugs)
	}
	assertVisitorCookie(t, browser)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter" {
		t.Errorf("stored visit after consent = %q, want no referrer and ?utm_source=newsletter", visit)
	}

	// After consent, calls are sent at once.
	evaluate(t, browser, `$__MA.captureEvent('third')`)
	ts.waitCollected(t, 1)
	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"first", "second", "third"}) {
		t.Errorf("messages sent = %q, want [first second third]", slugs)
	}
	if slugs := sortedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"first", "second", "third"}) {
		t.Errorf("stored events = %q, want first, second and third", slugs)
	}
	rows := storedOccurrences(t, ts)
	for i, row := range rows {
		if row.ContactID != rows[0].ContactID {
			t.Errorf("occurrence %d contact = %d, want the one visitor's contact %d", i, row.ContactID, rows[0].ContactID)
		}
		if row.UTMSource != "newsletter" {
			t.Errorf("occurrence %d utm_source = %q, want newsletter", i, row.UTMSource)
		}
	}
}

// TestConsentWaitAfterURLChange covers a single-page site that changes
// its URL before the visitor consents. The UTM of the page as it loaded
// still counts for the calls made before and after consent.
func TestConsentWaitAfterURLChange(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "before")
	createEvent(t, ts, "after")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=newsletter&utm_medium=email")

	evaluate(t, browser, `
		history.pushState({}, '', '/moved?tab=2');
		$__MA.captureEvent('before');
		$__MA.consent(true);
		$__MA.captureEvent('after');
	`)
	ts.waitCollected(t, 2)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Errorf("stored visit = %q, want no referrer and ?utm_source=newsletter&utm_medium=email", visit)
	}
	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %+v, want before and after", rows)
	}
	for _, row := range rows {
		if row.UTMSource != "newsletter" || row.UTMMedium != "email" || row.Channel != "EMAIL" {
			t.Errorf("%s: utm_source %q, utm_medium %q, channel %s, want newsletter, email and EMAIL",
				row.Slug, row.UTMSource, row.UTMMedium, row.Channel)
		}
		if !strings.HasSuffix(row.PageURL, "/moved?tab=2") {
			t.Errorf("%s: page URL %q, want the URL at the time of the call", row.Slug, row.PageURL)
		}
	}
}

// TestConsentWaitContinuesVisit covers a page in "wait" mode on a visit
// that the _ma_visit cookie already contains, and calls of consent(true)
// after the first: the visit's first touch, its referrer and its
// 30-minute end work as they do in "track" mode.
func TestConsentWaitContinuesVisit(t *testing.T) {
	const stored = `document.cookie = '_ma_visit=https://www.facebook.com|?utm_source=partner&utm_medium=cpc; path=/; max-age=1800';`
	tests := []struct {
		name, setup, path, script string
		// want is the utm_source and channel of each event, by slug.
		want map[string][2]string
		// wantVisit is the value of the _ma_visit cookie at the end.
		wantVisit string
	}{
		{
			name: "stored visit", setup: stored, path: "/",
			script:    `$__MA.captureEvent('first'); $__MA.consent(true); $__MA.captureEvent('second')`,
			want:      map[string][2]string{"first": {"partner", "PAID_SOCIAL"}, "second": {"partner", "PAID_SOCIAL"}},
			wantVisit: "https://www.facebook.com|?utm_source=partner&utm_medium=cpc",
		},
		{
			name: "consent again after a new campaign", path: "/?utm_source=a&utm_medium=email",
			script: `$__MA.consent(true);
				history.pushState({}, '', '/?utm_source=b&utm_medium=social'); $__MA.captureEvent('first');
				$__MA.consent(true);
				history.pushState({}, '', '/next'); $__MA.captureEvent('second')`,
			want:      map[string][2]string{"first": {"b", "ORGANIC_SOCIAL"}, "second": {"b", "ORGANIC_SOCIAL"}},
			wantVisit: "|?utm_source=b&utm_medium=social",
		},
		{
			// The browser removes the cookie 30 minutes after the last
			// page load or event, and this script removes it at once.
			name: "visit ended before consent", setup: stored, path: "/",
			script: `document.cookie = '_ma_visit=; path=/; max-age=0';
				var later = Date.now() + 31 * 60 * 1000; Date.now = function () { return later };
				$__MA.consent(true); $__MA.captureEvent('first'); $__MA.captureEvent('second')`,
			want:      map[string][2]string{"first": {"", "DIRECT"}, "second": {"", "DIRECT"}},
			wantVisit: "|",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			createEvent(t, ts, "first")
			createEvent(t, ts, "second")
			snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
			siteURL := newSitePage(t, consentPageHTML(snippet, tt.setup, ""))
			browser := newBrowser(t)
			openSite(t, browser, siteURL+tt.path)
			evaluate(t, browser, tt.script)
			ts.waitCollected(t, 2)

			rows := storedOccurrences(t, ts)
			if len(rows) != 2 {
				t.Fatalf("occurrences = %+v, want first and second", rows)
			}
			for _, row := range rows {
				if got, want := [2]string{row.UTMSource, row.Channel}, tt.want[row.Slug]; got != want {
					t.Errorf("%s: utm_source and channel %q, want %q", row.Slug, got, want)
				}
			}
			if got := storedVisit(t, browser); got != tt.wantVisit {
				t.Errorf("stored visit = %q, want %q", got, tt.wantVisit)
			}
		})
	}
}

func TestConsentWaitQueuedConsentBeforeLoad(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "first")
	createEvent(t, ts, "second")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, "",
		`$__MA.captureEvent('first'); $__MA.identify({email: 'ann@example.com'}); $__MA.consent(true); $__MA.captureEvent('second');
window.queued = $__MA.q.map(function (call) { return call[0] });`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	ts.waitCollected(t, 3)

	queued, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("queued"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"captureEvent", "identify", "consent", "captureEvent"}; !reflect.DeepEqual(queued, want) {
		t.Errorf("queued calls = %q, want %q", queued, want)
	}
	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"first", "ann@example.com", "second"}) {
		t.Errorf("messages sent = %q, want [first ann@example.com second]", slugs)
	}
	if slugs := sortedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"first", "second"}) {
		t.Errorf("stored events = %q, want first and second", slugs)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = 'ann@example.com'"); n != 1 {
		t.Errorf("contacts with the identified email = %d, want 1", n)
	}
}

func TestConsentWaitDeclinedDropsCalls(t *testing.T) {
	ts := newTestServer(t)
	browser := openWaitingPage(t, ts, "/?utm_source=newsletter", "first", "second", "marker")

	evaluate(t, browser, `$__MA.consent(false); $__MA.captureEvent('second'); $__MA.identify({email: 'ann@example.com'})`)
	assertNoTracking(t, browser)
	// A page that sent nothing sets no cookie when consent is declined.
	if cookie := pageString(t, browser, "document.cookie"); cookie != "" {
		t.Errorf("site cookies after consent(false) = %q, want none", cookie)
	}

	// A later consent sends only the calls made after it, which shows that
	// the declined ones were dropped and not kept.
	sendsOnlyMarkerAfterConsent(t, ts, browser)
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email IS NOT NULL"); n != 0 {
		t.Errorf("known contacts = %d, want 0", n)
	}
}

// sendsOnlyMarkerAfterConsent gives consent, fires the event marker and
// checks that marker is the only message that the page sent and the only
// event stored: calls held before were dropped.
func sendsOnlyMarkerAfterConsent(t *testing.T, ts *testServer, browser context.Context) {
	t.Helper()
	evaluate(t, browser, `$__MA.consent(true); $__MA.captureEvent('marker')`)
	ts.waitCollected(t, 1)
	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"marker"}) {
		t.Errorf("messages sent = %q, want [marker]", slugs)
	}
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"marker"}) {
		t.Errorf("stored events = %q, want [marker]", slugs)
	}
}

// Only the boolean true allows tracking: the string "true" and 1 count as
// false, so they drop the held call, and a later consent(true) sends only
// what comes after it.
func TestConsentOnlyTrueAllows(t *testing.T) {
	ts := newTestServer(t)
	browser := openWaitingPage(t, ts, "/", "first", "marker")

	evaluate(t, browser, `$__MA.consent('true'); $__MA.consent(1)`)
	assertNoTracking(t, browser)

	sendsOnlyMarkerAfterConsent(t, ts, browser)
}

// TestConsentWithdrawnRemovesVisit gives consent, which stores the visitor
// id and the visit in cookies, then withdraws it, which removes both.
func TestConsentWithdrawnRemovesVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "first")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=newsletter")

	evaluate(t, browser, `$__MA.consent(true); $__MA.captureEvent('first')`)
	ts.waitCollected(t, 1)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter" {
		t.Fatalf("stored visit after consent = %q, want no referrer and ?utm_source=newsletter", visit)
	}

	assertVisitorCookie(t, browser)

	evaluate(t, browser, `$__MA.consent(false)`)
	assertNoVisitStorage(t, browser)
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_withdrawn=1" {
		t.Errorf("site cookies after consent(false) = %q, want only _ma_withdrawn=1", cookie)
	}
}

// TestConsentWithdrawnWithEventFirstParty fires an event and withdraws
// consent in one task, on www.site.localhost with the collect host
// t.site.localhost, whose replies set _ma_vid on site.localhost. The
// event's reply sets the withdrawn id again after consent(false) deleted
// it, and the next page load, or a later consent(true), deletes it.
func TestConsentWithdrawnWithEventFirstParty(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "withdraw")
	siteURL := onHost(firstPartySitePage(t, ts), "www.site.localhost")
	browser := newBrowser(t)
	openSite(t, browser, siteURL)

	// withdrawWithEvent withdraws consent while an event's reply is on its
	// way, then checks that the reply set the id again.
	withdrawWithEvent := func(id string) {
		t.Helper()
		setCookie := withdrawWithReplyInFlight(t, ts, browser, siteURL, id)
		if want := "_ma_vid=" + id + "; Path=/; Domain=site.localhost; Max-Age=63072000; SameSite=Lax"; setCookie != want {
			t.Fatalf("reply Set-Cookie = %q, want %q", setCookie, want)
		}
		if cookies, want := sortedCookies(siteCookies(t, browser)), []string{"_ma_vid=" + id, "_ma_withdrawn=1"}; !slices.Equal(cookies, want) {
			t.Errorf("cookies after the reply = %q, want %q", cookies, want)
		}
	}

	evaluate(t, browser, `$__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	first := visitorIDOf(t, browser)
	withdrawWithEvent(first)

	openSite(t, browser, siteURL+"/next")
	if cookies := siteCookies(t, browser); cookies != "" {
		t.Errorf("cookies on the next page = %q, want none but the visit", cookies)
	}
	evaluate(t, browser, `$__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	second := visitorIDOf(t, browser)
	if second == first || second == "none" {
		t.Errorf("visitor id on the next page = %q, want a new one (withdrawn %q)", second, first)
	}

	withdrawWithEvent(second)
	evaluate(t, browser, `$__MA.consent(true); $__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	third := visitorIDOf(t, browser)
	if third == second || third == first || third == "none" {
		t.Errorf("visitor id after consent(true) = %q, want a new one (withdrawn %q and %q)", third, first, second)
	}
	log := ts.collectCookieLog()
	if got, want := sortedCookies(log[len(log)-1].request), []string{"_ma_vid=" + third, "_ma_visit=|"}; !slices.Equal(got, want) {
		t.Errorf("request Cookie after consent(true) = %q, want %q", got, want)
	}
	if cookies := siteCookies(t, browser); cookies != "_ma_vid="+third {
		t.Errorf("cookies after consent(true) = %q, want only the new id", cookies)
	}
	if slugs := storedSlugs(t, ts); len(slugs) != 5 {
		t.Errorf("stored events = %q, want 5", slugs)
	}
}

// withdrawWithReplyInFlight fires the event "withdraw" and withdraws
// consent in one task, holds the event's reply until the cookie store for
// pageURL contains only _ma_withdrawn, then waits until the reply has set
// the visitor id id again. It returns the reply's Set-Cookie header.
// Chromium applies the script's cookie writes after a delay, so a reply
// that is not held may come first and lose its cookie to the withdrawal.
func withdrawWithReplyInFlight(t *testing.T, ts *testServer, browser context.Context, pageURL, id string) string {
	t.Helper()
	release := ts.holdReplies(t)
	evaluate(t, browser, `$__MA.captureEvent('withdraw'); $__MA.consent(false)`)
	ts.waitCollected(t, 1)
	log := ts.collectCookieLog()
	waitStoredCookies(t, browser, pageURL, []string{"_ma_withdrawn=1"})
	release()
	if back, err := chromedp.Run(browser, chromedp.Poll[bool]("document.cookie.includes('_ma_vid="+id+"')")); err != nil || !back {
		t.Fatalf("the reply's _ma_vid cookie not set: %v", err)
	}
	return log[len(log)-1].setCookie
}

// waitStoredCookies polls the browser's cookie store until the cookies
// for pageURL, as sorted name=value pairs, equal want, and fails after 30
// seconds.
func waitStoredCookies(t *testing.T, browser context.Context, pageURL string, want []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		result, err := chromedp.Call(browser, network.GetCookies, network.GetCookiesParams{URLs: []string{pageURL}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range result.Cookies {
			got = append(got, c.Name+"="+c.Value)
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored cookies for %s = %q after 30s, want %q", pageURL, got, want)
		}
	}
}

// sortedCookies splits a Cookie header or a document.cookie value into its
// name=value pairs, sorted, since browsers list cookies by creation time.
func sortedCookies(header string) []string {
	cookies := strings.Split(header, "; ")
	slices.Sort(cookies)
	return cookies
}

// gpcSetup is page script that sets navigator.globalPrivacyControl, as a
// browser with the Global Privacy Control setting does.
func gpcSetup(enabled bool) string {
	value := "false"
	if enabled {
		value = "true"
	}
	return "Object.defineProperty(navigator, 'globalPrivacyControl', {get: function () { return " + value + " }, configurable: true});\n"
}

func TestConsentGPCSignalSendsNothing(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	createEvent(t, ts, "marker")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "gpc")
	siteURL := newSitePage(t, consentPageHTML(snippet, gpcSetup(true), `$__MA.captureEvent('signup')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=newsletter")

	// The signal wins over a consent call on the same page.
	evaluate(t, browser, `$__MA.captureEvent('signup'); $__MA.consent(true); $__MA.captureEvent('signup'); $__MA.identify({email: 'ann@example.com'})`)
	assertNoTracking(t, browser)

	// The same browser without the signal is tracked, and the server then
	// holds only that event.
	otherSite := newSitePage(t, consentPageHTML(snippet, gpcSetup(false), ""))
	openSite(t, browser, otherSite+"/")
	evaluate(t, browser, `$__MA.captureEvent('marker')`)
	ts.waitCollected(t, 1)
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"marker"}) {
		t.Errorf("stored events = %q, want [marker]", slugs)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email IS NOT NULL"); n != 0 {
		t.Errorf("known contacts = %d, want 0", n)
	}
}

func TestConsentGPCWithoutSignalTracks(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "gpc")
	siteURL := newSitePage(t, consentPageHTML(snippet, gpcSetup(false), `$__MA.captureEvent('signup')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	ts.waitCollected(t, 1)

	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("messages sent = %q, want [signup]", slugs)
	}
	assertVisitorCookie(t, browser)
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("stored events = %q, want [signup]", slugs)
	}
}

func TestConsentOptOutStopsTracking(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "first")
	createEvent(t, ts, "second")
	createEvent(t, ts, "marker")
	// The account's default mode gives the track snippet.
	siteURL := newSitePage(t, consentPageHTML(api.Snippet(ts.URL, ts.Account.SiteKey), "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=newsletter")
	evaluate(t, browser, `$__MA.captureEvent('first')`)
	ts.waitCollected(t, 1)
	assertVisitorCookie(t, browser)

	// optOut also removes the visit that an earlier version of the script
	// kept in localStorage.
	evaluate(t, browser, `localStorage._ma_utm = '?utm_source=partner'; localStorage._ma_r = ''; localStorage._ma_t = Date.now()`)
	evaluate(t, browser, `$__MA.optOut(); $__MA.captureEvent('second'); $__MA.identify({email: 'ann@example.com'})`)
	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"first"}) {
		t.Errorf("messages sent = %q, want only [first] from before the opt-out", slugs)
	}
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_optout=1" {
		t.Errorf("site cookie after opt-out = %q, want _ma_optout=1", cookie)
	}
	assertNoVisitStorage(t, browser)

	// A later page load sends nothing, through the queue or directly, and
	// sets no cookie.
	navigateBy(t, browser, `location.href = '/pricing?utm_source=newsletter'`)
	waitBeaconLoaded(t, browser)
	evaluate(t, browser, `$__MA.captureEvent('second'); $__MA.consent(true); $__MA.captureEvent('second')`)
	assertNoTracking(t, browser)
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_optout=1" {
		t.Errorf("site cookie on the next page = %q, want _ma_optout=1", cookie)
	}

	// Without the opt-out cookie the visitor is tracked again, and the
	// server holds only the events from before the opt-out and after.
	evaluate(t, browser, `document.cookie = '_ma_optout=; path=/; max-age=0'`)
	navigateBy(t, browser, `location.reload()`)
	waitBeaconLoaded(t, browser)
	evaluate(t, browser, `$__MA.captureEvent('marker')`)
	ts.waitCollected(t, 1)
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"first", "marker"}) {
		t.Errorf("stored events = %q, want [first marker]", slugs)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email IS NOT NULL"); n != 0 {
		t.Errorf("known contacts = %d, want 0", n)
	}
}

// TestConsentOptOutCoversSubdomains opens the site under two subdomains
// of site.localhost, which Chromium resolves to the loopback address and
// on which it accepts Domain=site.localhost cookies, as for the
// registrable domain of a real site.
func TestConsentOptOutCoversSubdomains(t *testing.T) {
	ts := newTestServer(t)
	siteURL := newSitePage(t, consentPageHTML(api.Snippet(ts.URL, ts.Account.SiteKey), "", ""))
	www := strings.Replace(siteURL, "://127.0.0.1:", "://www.site.localhost:", 1)
	shop := strings.Replace(siteURL, "://127.0.0.1:", "://shop.site.localhost:", 1)
	browser := newBrowser(t)

	// The cookie that the collect response sets on a subdomain set-up.
	openSite(t, browser, shop+"/")
	evaluate(t, browser, `document.cookie = '_ma_vid=0123456789abcdef0123456789abcdef; path=/; domain=site.localhost'`)
	openSite(t, browser, www+"/")
	if cookie := siteCookies(t, browser); cookie != "_ma_vid=0123456789abcdef0123456789abcdef" {
		t.Fatalf("www cookie before the opt-out = %q, want the shared _ma_vid", cookie)
	}

	evaluate(t, browser, `$__MA.optOut()`)
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_optout=1" {
		t.Errorf("www cookie after the opt-out = %q, want _ma_optout=1", cookie)
	}
	openSite(t, browser, shop+"/")
	evaluate(t, browser, `$__MA.captureEvent('signup')`)
	assertNoTracking(t, browser)
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_optout=1" {
		t.Errorf("shop cookie after the opt-out on www = %q, want _ma_optout=1", cookie)
	}
}

func TestConsentOptOutQueuedInWaitMode(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "first")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	// The opt-out, queued by the stub, drops the held call before consent.
	siteURL := newSitePage(t, consentPageHTML(snippet, "", `$__MA.captureEvent('first'); $__MA.optOut(); $__MA.consent(true); $__MA.captureEvent('first')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	assertNoTracking(t, browser)
	if cookie := pageString(t, browser, "document.cookie"); cookie != "_ma_optout=1" {
		t.Errorf("site cookie = %q, want _ma_optout=1", cookie)
	}
}

func TestConsentModeEditedInSnippet(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	wait := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	edited := strings.Replace(wait, `,"wait");`, `,"track");`, 1)
	if edited == wait {
		t.Fatalf("wait snippet has no mode argument to edit:\n%s", wait)
	}
	siteURL := newSitePage(t, consentPageHTML(edited, "", `$__MA.captureEvent('signup')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	ts.waitCollected(t, 1)

	if slugs := sentSlugs(t, browser); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("messages sent = %q, want [signup]", slugs)
	}
	if mode := pageString(t, browser, "$__MA.c"); mode != "track" {
		t.Errorf("$__MA.c = %q, want track", mode)
	}
}

func TestConsentUnknownModeWaits(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	snippet := strings.Replace(api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait"), `,"wait");`, `,"wiat");`, 1)
	siteURL := newSitePage(t, consentPageHTML(snippet, "", `$__MA.captureEvent('signup')`))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	assertNoTracking(t, browser)

	evaluate(t, browser, `$__MA.consent(true)`)
	ts.waitCollected(t, 1)
	if slugs := storedSlugs(t, ts); !reflect.DeepEqual(slugs, []string{"signup"}) {
		t.Errorf("stored events = %q, want [signup]", slugs)
	}
}

func TestConsentModeAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)

	status, out := admin.do(http.MethodGet, "/api/account/consent-mode", nil)
	if status != http.StatusOK || string(out) != `{"consentMode":"track"}`+"\n" {
		t.Fatalf("GET default: status %d, body %q, want 200 and track", status, out)
	}
	beacon := getBeacon(t, admin)
	if beacon.ConsentMode != "track" {
		t.Errorf("beacon consent mode = %q, want track", beacon.ConsentMode)
	}
	if want := api.Snippet(ts.URL, ts.Account.SiteKey); beacon.Snippet != want {
		t.Errorf("track snippet =\n%s\nwant\n%s", beacon.Snippet, want)
	}

	for _, mode := range []string{"wait", "gpc", "track"} {
		status, out = admin.do(http.MethodPut, "/api/account/consent-mode", map[string]any{"consentMode": mode})
		if status != http.StatusOK || string(out) != `{"consentMode":"`+mode+`"}`+"\n" {
			t.Fatalf("PUT %s: status %d, body %q, want 200 and the mode", mode, status, out)
		}
		status, out = admin.do(http.MethodGet, "/api/account/consent-mode", nil)
		if status != http.StatusOK || string(out) != `{"consentMode":"`+mode+`"}`+"\n" {
			t.Errorf("GET after PUT %s: status %d, body %q", mode, status, out)
		}
		beacon := getBeacon(t, admin)
		if beacon.ConsentMode != mode {
			t.Errorf("beacon consent mode = %q, want %s", beacon.ConsentMode, mode)
		}
		if want := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, mode); beacon.Snippet != want {
			t.Errorf("%s snippet =\n%s\nwant\n%s", mode, beacon.Snippet, want)
		}
	}
}

func getBeacon(t *testing.T, admin *adminClient) apitype.Beacon {
	t.Helper()
	status, out := admin.do(http.MethodGet, "/api/beacon", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/beacon: status %d, body %s", status, out)
	}
	var beacon apitype.Beacon
	if err := json.Unmarshal(out, &beacon); err != nil {
		t.Fatalf("decode beacon: %v", err)
	}
	return beacon
}

func TestConsentModeAPIRejectsInvalid(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	tests := []struct {
		name    string
		body    any
		field   string
		message string
	}{
		{"unknown mode", map[string]any{"consentMode": "never"}, "consentMode", `Consent mode "never" is not valid: use "track", "wait" or "gpc".`},
		{"uppercase mode", map[string]any{"consentMode": "WAIT"}, "consentMode", `Consent mode "WAIT" is not valid: use "track", "wait" or "gpc".`},
		{"missing mode", map[string]any{}, "consentMode", `consentMode is missing: send "track", "wait" or "gpc".`},
		{"not a string", map[string]any{"consentMode": 1}, "body", `Request body must be JSON such as {"consentMode": "wait"}.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := admin.do(http.MethodPut, "/api/account/consent-mode", tt.body)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, body %s, want 422", status, out)
			}
			got := decodeError(t, out)
			if got.Message != tt.message {
				t.Errorf("message = %q, want %q", got.Message, tt.message)
			}
			if got.Field != tt.field || got.Code != apitype.CodeBadUserInput {
				t.Errorf("field, code = %q, %q, want %s, %s", got.Field, got.Code, tt.field, apitype.CodeBadUserInput)
			}
		})
	}
	status, out := admin.do(http.MethodGet, "/api/account/consent-mode", nil)
	if status != http.StatusOK || string(out) != `{"consentMode":"track"}`+"\n" {
		t.Errorf("GET after rejected PUTs: status %d, body %q, want track unchanged", status, out)
	}

	// The column's CHECK constraint rejects what the API would.
	_, err := ts.Store.DB().ExecContext(t.Context(), "UPDATE accounts SET consent_mode = 'never' WHERE id = ?", ts.Account.ID)
	if err == nil || !strings.Contains(err.Error(), "accounts_consent_mode_check") {
		t.Errorf("UPDATE with an unknown mode: error = %v, want a violation of accounts_consent_mode_check", err)
	}
}

func TestConsentModeAPINeedsSessionAndCSRF(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	admin.session.CSRFToken = ""
	status, _ := admin.do(http.MethodPut, "/api/account/consent-mode", map[string]any{"consentMode": "wait"})
	if status != http.StatusForbidden {
		t.Errorf("PUT without CSRF token: status = %d, want 403", status)
	}
	mode, err := ts.Store.ConsentMode(t.Context(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mode != "track" {
		t.Errorf("stored mode after the rejected PUT = %q, want track", mode)
	}

	resp, err := http.Get(ts.URL + "/api/account/consent-mode")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without session: status = %d, want 401", resp.StatusCode)
	}
}

// TestBeaconSettingsChangesConsentMode changes the mode in Settings →
// Beacon and checks that the page shows the new snippet.
func TestBeaconSettingsChangesConsentMode(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/beacon")
	waitFor(t, browser, "snippet", `!!document.getElementById("beacon-snippet")`)

	labels, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#consent-mode option")].map(o => o.value + "=" + o.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"track=Track at once", "wait=Wait for consent", "gpc=Respect Global Privacy Control"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("consent mode options = %q, want %q", labels, want)
	}
	if mode := pageString(t, browser, `document.getElementById("consent-mode").value`); mode != "track" {
		t.Errorf("selected mode = %q, want track", mode)
	}
	if snippet := pageString(t, browser, `document.getElementById("beacon-snippet").textContent`); snippet != api.Snippet(ts.URL, ts.Account.SiteKey) {
		t.Errorf("snippet shown =\n%s\nwant the track snippet", snippet)
	}

	selectOption(t, browser, "#consent-mode", "wait")
	waitFor(t, browser, "saved status", textIs("#consent-mode-status", "Consent mode saved. Paste the new snippet into your pages."))
	want := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	if snippet := pageString(t, browser, `document.getElementById("beacon-snippet").textContent`); snippet != want {
		t.Errorf("snippet shown after the change =\n%s\nwant\n%s", snippet, want)
	}
	mode, err := ts.Store.ConsentMode(t.Context(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mode != "wait" {
		t.Errorf("stored mode = %q, want wait", mode)
	}
	saveScreenshot(t, browser, "beacon-settings-consent-mode")

	// The page shows the stored mode after a reload.
	navigate(t, browser, ts.URL+"/settings/beacon")
	waitFor(t, browser, "stored mode selected", `(document.getElementById("consent-mode")||{}).value === "wait"`)
}

// TestConsentOptOutRenewedOnLoad shortens the opt-out cookie to a minute,
// as Safari caps cookies that scripts set at 7 days, and checks that the
// next page load sets it again for two years on the same domain.
func TestConsentOptOutRenewedOnLoad(t *testing.T) {
	ts := newTestServer(t)
	siteURL := strings.Replace(newSitePage(t, consentPageHTML(api.Snippet(ts.URL, ts.Account.SiteKey), "", "")), "://127.0.0.1:", "://www.site.localhost:", 1)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	evaluate(t, browser, `$__MA.optOut(); document.cookie = '_ma_optout=1; path=/; domain=site.localhost; max-age=60'`)

	openSite(t, browser, siteURL+"/next")
	result, err := chromedp.Call(browser, network.GetCookies, network.GetCookiesParams{URLs: []string{siteURL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var optOuts []string
	for _, c := range result.Cookies {
		if c.Name != "_ma_optout" {
			continue
		}
		optOuts = append(optOuts, c.Domain)
		// The script sets a max-age of two years, which Chromium caps at
		// 400 days.
		if left := time.Until(time.Unix(int64(c.Expires), 0)); left < 399*24*time.Hour {
			t.Errorf("_ma_optout on %s expires in %v, want 400 days", c.Domain, left.Round(time.Second))
		}
	}
	if want := []string{".site.localhost"}; !slices.Equal(optOuts, want) {
		t.Errorf("_ma_optout cookies on %q, want only %q", optOuts, want)
	}
}

// TestConsentWaitHoldsAtMost1000 makes 1,005 calls after the script has
// loaded in "wait" mode. The script holds the first 1,000 and drops the
// rest, and consent(true) then delivers all 1,000 at once.
func TestConsentWaitHoldsAtMost1000(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	// The page counts its fetches in flight. The script chains the
	// messages that the browser's keepalive allowance rejects, each fetch
	// starting in the same task as the previous one ends, so the count is
	// 0 only once the chain has ended.
	countFetches := `window.inflight = 0;
var recordingFetch = window.fetch;
window.fetch = function (url, init) { inflight++; return recordingFetch(url, init).finally(function () { inflight-- }) };
`
	siteURL := newSitePage(t, consentPageHTML(snippet, countFetches, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	evaluate(t, browser, `for (var i = 0; i < 1005; i++) $__MA.captureEvent('viewed', {n: i})`)
	assertNoTracking(t, browser)

	evaluate(t, browser, `$__MA.consent(true)`)
	ts.waitCollected(t, 1000)
	if done, err := chromedp.Run(browser, chromedp.Poll[bool]("inflight === 0")); err != nil || !done {
		t.Fatalf("fetches did not end: %v", err)
	}
	if n := pageString(t, browser, `String(new Set(sent.map(function (m) { return m.m.n })).size)`); n != "1000" {
		t.Errorf("distinct messages sent on consent = %s, want 1000", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "(SELECT DISTINCT metadata->>'n' FROM event_occurrences) d"); n != 1000 {
		t.Errorf("distinct events stored = %d, want 1000", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences WHERE (metadata->>'n')::int >= 1000"); n != 0 {
		t.Errorf("events stored past the first 1000 = %d, want 0", n)
	}
}
