package api_test

import (
	"context"
	"strings"
	"testing"

	"customevents/api"
)

// visitorIDOf returns the page's _ma_vid cookie value, or "none".
func visitorIDOf(t *testing.T, tab context.Context) string {
	t.Helper()
	return pageString(t, tab, `(document.cookie.match(/(?:^|; )_ma_vid=(\w+)/) || [, 'none'])[1]`)
}

// firstPartySitePage serves a "track" mode page whose snippet posts to the
// collect host t.site.localhost, and returns its address on 127.0.0.1.
// Chromium resolves names under localhost to the loopback address, and
// the replies of t.site.localhost set _ma_vid on site.localhost for pages
// on www.site.localhost or shop.site.localhost (see onHost).
func firstPartySitePage(t *testing.T, ts *testServer) string {
	t.Helper()
	collectURL := onHost(ts.URL, "t.site.localhost")
	return newSitePage(t, consentPageHTML(api.Snippet(collectURL, ts.Account.SiteKey), "", ""))
}

// onHost returns url, an address on 127.0.0.1, with host in its place.
func onHost(url, host string) string {
	return strings.Replace(url, "://127.0.0.1:", "://"+host+":", 1)
}

// lastSentVisitorID returns the visitor id of the last message that the
// page sent.
func lastSentVisitorID(t *testing.T, tab context.Context) string {
	t.Helper()
	return pageString(t, tab, `sent.length ? sent[sent.length - 1].v : 'none'`)
}

// TestConsentWithdrawnOtherTabNewID withdraws consent with an event in
// tab A on www.site.localhost, whose collect host t.site.localhost sets
// _ma_vid again in the event's reply. Tab B of the same site was open
// before and tracks ("track" mode). Its next event should not carry the
// withdrawn id, as it would not without the reply.
func TestConsentWithdrawnOtherTabNewID(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "withdraw")
	siteURL := onHost(firstPartySitePage(t, ts), "www.site.localhost")
	browser := newBrowser(t)
	openSite(t, browser, siteURL)

	evaluate(t, browser, `$__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	withdrawn := visitorIDOf(t, browser)
	tabB := openNewTab(t, browser, siteURL+"/b")

	evaluate(t, browser, `$__MA.captureEvent('withdraw'); $__MA.consent(false)`)
	ts.waitCollected(t, 1)
	waitTrue(t, browser, "document.cookie.includes('_ma_vid="+withdrawn+"')")

	evaluate(t, tabB, `$__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	if got := lastSentVisitorID(t, tabB); got == withdrawn {
		t.Errorf("tab B event after consent(false) in tab A carries the withdrawn id %q, want a new one", got)
	}
}

// TestConsentWithdrawnMarkKeepsLaterID withdraws consent with an event in
// tab A, on a site whose collect host is another host, so no reply sets
// _ma_vid. Tab B keeps tracking ("track" mode) and gets a new id after the
// withdrawal. The withdrawal mark should not delete that new id on tab
// B's next page load.
func TestConsentWithdrawnMarkKeepsLaterID(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, consentPageHTML(api.Snippet(ts.URL, ts.Account.SiteKey), "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL)

	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	withdrawn := visitorIDOf(t, browser)
	tabB := openNewTab(t, browser, siteURL+"/b")
	evaluate(t, browser, `$__MA.consent(false)`)
	if cookie := siteCookies(t, browser); cookie != "_ma_withdrawn=1" {
		t.Fatalf("cookies after consent(false) = %q, want _ma_withdrawn=1", cookie)
	}

	evaluate(t, tabB, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	later := visitorIDOf(t, tabB)
	if later == withdrawn || later == "none" {
		t.Fatalf("tab B id after the withdrawal = %q, want a new one (withdrawn %q)", later, withdrawn)
	}

	openSite(t, tabB, siteURL+"/b2")
	evaluate(t, tabB, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if got := lastSentVisitorID(t, tabB); got != later {
		t.Errorf("tab B id on its next page = %q, want %q, which tab B made after the withdrawal", got, later)
	}
}

// TestConsentTrueAfterOptOutSetsNoMark calls consent(true) on a page that
// sent an event and then opted out. consent(true) withdraws nothing, and
// the Cookies table of docs/beacon.md lists _ma_withdrawn only for a
// withdrawal, so the opted-out browser should keep only _ma_optout.
func TestConsentTrueAfterOptOutSetsNoMark(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, consentPageHTML(api.Snippet(ts.URL, ts.Account.SiteKey), "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL)

	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	evaluate(t, browser, `$__MA.optOut()`)
	evaluate(t, browser, `$__MA.consent(true)`)
	if cookie := siteCookies(t, browser); cookie != "_ma_optout=1" {
		t.Errorf("cookies after optOut() and consent(true) = %q, want only _ma_optout=1", cookie)
	}
}

// TestConsentWithdrawnMarkOnOtherSubdomain withdraws consent with an event
// on www.site.localhost and opens shop.site.localhost next: that page load
// deletes the id that the reply set again, and the mark.
func TestConsentWithdrawnMarkOnOtherSubdomain(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "withdraw")
	pageURL := firstPartySitePage(t, ts)
	wwwURL := onHost(pageURL, "www.site.localhost")
	shopURL := onHost(pageURL, "shop.site.localhost")
	browser := newBrowser(t)
	openSite(t, browser, wwwURL)

	evaluate(t, browser, `$__MA.captureEvent('withdraw')`)
	ts.waitCollected(t, 1)
	withdrawn := visitorIDOf(t, browser)
	withdrawWithReplyInFlight(t, ts, browser, wwwURL, withdrawn)

	openSite(t, browser, shopURL)
	if cookies := siteCookies(t, browser); cookies != "" {
		t.Errorf("cookies on shop.site.localhost = %q, want none but the visit", cookies)
	}
}
