package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// openLinkInNewTab adds a target=_blank link to path on the page in browser,
// clicks it and returns the new tab once /ma.js has loaded there. Such a
// link opens the tab without an opener (noopener, as Chromium does by
// default), so the browser does not copy the page's sessionStorage to it.
func openLinkInNewTab(t *testing.T, browser context.Context, path string) context.Context {
	t.Helper()
	evaluate(t, browser, `document.body.insertAdjacentHTML('beforeend', '<a id="new-tab" target="_blank" href="`+path+`">Open</a>')`)
	opened := chromedp.WaitNewTarget(browser, func(info *target.Info) bool {
		return strings.HasSuffix(info.URL, path)
	})
	if err := chromedp.Do(browser, chromedp.Click("#new-tab")); err != nil {
		t.Fatalf("click the link to %s: %v", path, err)
	}
	id, ok := <-opened
	if !ok {
		t.Fatalf("no new tab opened for %s", path)
	}
	tab, cancel := chromedp.NewContext(browser, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	waitBeaconLoaded(t, tab)
	return tab
}

// openNewTab opens url in a new tab of browser, with no opener and no
// referrer, as a visitor who types the address does.
func openNewTab(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	openSite(t, tab, url)
	return tab
}

// waitTrue polls expression on the page in browser until it is true.
func waitTrue(t *testing.T, browser context.Context, expression string) {
	t.Helper()
	if ok, err := chromedp.Run(browser, chromedp.Poll[bool](expression)); err != nil || !ok {
		t.Fatalf("poll %s: %v", expression, err)
	}
}

// TestBeaconVisitSharedAcrossTabs lands with a campaign and fires an event
// in a tab that a target=_blank link opened: the event carries the
// campaign of the visit.
func TestBeaconVisitSharedAcrossTabs(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	landing := siteURL + "/landing?utm_source=newsletter&utm_medium=email&utm_campaign=dec"
	openSite(t, browser, landing)

	evaluate(t, browser, `sessionStorage.setItem('tab-probe', '1')`)
	tab := openLinkInNewTab(t, browser, "/pricing")
	if opener := pageString(t, tab, "String(window.opener)"); opener != "null" {
		t.Fatalf("window.opener in the new tab = %s, want null", opener)
	}
	if probe := pageString(t, tab, "String(sessionStorage.getItem('tab-probe'))"); probe != "null" {
		t.Fatalf("sessionStorage tab-probe in the new tab = %s, want none because the browser copies no sessionStorage", probe)
	}
	captureAndWait(t, tab, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	want := storedOccurrence{
		Slug: "viewed", ContactID: rows[0].ContactID, PageURL: siteURL + "/pricing", Referrer: landing,
		Channel: "EMAIL", UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "dec", Metadata: "{}",
	}
	if rows[0] != want {
		t.Errorf("occurrence =\n%+v\nwant\n%+v", rows[0], want)
	}
}

// TestBeaconNewCampaignInOtherTab lands with one campaign in a tab, goes
// on to a page without one, and lands with another campaign in a second
// tab. The last page load or event of the visit stores the first touch,
// so the first tab's next event carries the second campaign.
func TestBeaconNewCampaignInOtherTab(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email&utm_campaign=dec")
	openSite(t, browser, siteURL+"/pricing")
	openNewTab(t, browser, siteURL+"/offer?utm_source=facebook&utm_medium=paid_social&utm_campaign=jan")
	// The first tab may see the second tab's cookie writes a moment later.
	waitTrue(t, browser, "/utm_campaign=jan/.test(document.cookie)")

	captureAndWait(t, browser, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	got := rows[0]
	if got.Channel != "PAID_SOCIAL" {
		t.Errorf("channel = %s, want PAID_SOCIAL", got.Channel)
	}
	if got.UTMSource != "facebook" || got.UTMMedium != "paid_social" || got.UTMCampaign != "jan" {
		t.Errorf("utm source, medium and campaign = %q, %q and %q, want facebook, paid_social and jan",
			got.UTMSource, got.UTMMedium, got.UTMCampaign)
	}
	if got.PageURL != siteURL+"/pricing" {
		t.Errorf("page URL = %q, want %s/pricing in the first tab", got.PageURL, siteURL)
	}
}

// TestBeaconOptOutInOtherTab opts out in a second tab. The first tab,
// open since before, then sends nothing and does not store the visit
// again.
func TestBeaconOptOutInOtherTab(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email")
	tab := openNewTab(t, browser, siteURL+"/pricing")
	evaluate(t, tab, `$__MA.optOut()`)
	assertNoVisitStorage(t, tab)
	// The first tab may see the second tab's cookie changes a moment
	// later.
	waitTrue(t, browser, "/_ma_optout=1/.test(document.cookie) && !/_ma_visit=/.test(document.cookie)")

	evaluate(t, browser, `$__MA.captureEvent('viewed'); $__MA.identify({email: 'ann@example.com'})`)
	if slugs := sentSlugs(t, browser); len(slugs) != 0 {
		t.Errorf("messages sent from the first tab after the opt-out = %q, want none", slugs)
	}
	assertNoVisitStorage(t, browser)
}
