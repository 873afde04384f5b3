package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"customevents/api"
)

// checkChannel checks the channel and utm_source of row, the occurrence
// that what describes.
func checkChannel(t *testing.T, what string, row storedOccurrence, channel, source string) {
	t.Helper()
	if row.Channel != channel || row.UTMSource != source {
		t.Errorf("%s has channel %s and utm_source %q, want %s and %q", what, row.Channel, row.UTMSource, channel, source)
	}
}

// queryValue percent-encodes s for a query string as a browser does for a
// typed or linked URL, with %20 for a space.
func queryValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// TestBeaconCyrillicCampaignWholeVisit lands from a search ad whose
// campaign, keyword and ad text are in Cyrillic, as ad platforms fill
// them in from the account. Each value is well under the server's limit
// of 200 bytes, and the percent-encoded query is 652 characters, which
// the cookie keeps as they are. The next page of the visit carries the
// campaign.
func TestBeaconCyrillicCampaignWholeVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	const (
		campaign = "Зимние шины — распродажа, Москва и область"
		term     = "купить зимние шины недорого с доставкой"
		content  = "Объявление 3: скидка до 30%"
	)
	landing := siteURL + "/landing?utm_source=google&utm_medium=cpc&utm_campaign=" + queryValue(campaign) +
		"&utm_term=" + queryValue(term) + "&utm_content=" + queryValue(content)
	openSite(t, browser, landing)
	if visit, query := storedVisit(t, browser), landing[len(siteURL+"/landing"):]; visit != "|"+query {
		t.Errorf("stored visit = %q, want no referrer and the %d-character query %q", visit, len(query), query)
	}
	captureAfterNavigation(t, browser, ts, `location.href = '/pricing'`, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	if got := rows[0]; got.Channel != "PAID_SEARCH" {
		t.Errorf("next page's channel = %s, want PAID_SEARCH", got.Channel)
	}
	if got := rows[0]; got.UTMCampaign != campaign {
		t.Errorf("next page's utm_campaign = %q, want %q", got.UTMCampaign, campaign)
	}
}

// TestBeaconVeryLongFirstTouchEndsVisit lands with a query of about
// 1,900 characters whose 300 commas the cookie value escapes as %2C,
// which makes it longer still. The earlier campaign's visit ends all the
// same, as it does for a shorter value of over 1,000 characters.
func TestBeaconVeryLongFirstTouchEndsVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=partner&utm_medium=affiliate")
	content := strings.Repeat("(a:1),", 300)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email&utm_content="+content)
	if visit := storedVisit(t, browser); visit != "|" {
		t.Errorf("stored visit = %.60q..., want an empty visit for a first touch of over 1,000 characters", visit)
	}
	openSite(t, browser, siteURL+"/pricing")
	captureAndWait(t, browser, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	checkChannel(t, "next page's event", rows[0], "DIRECT", "")
}

// TestBeaconLongFirstTouchWithOtherTabOpen lands with a first touch too
// long for the cookie while another tab of the site is open on a later
// page of the visit before. An event in that tab must not bring the
// earlier campaign back: the next page load in the landing tab starts a
// new visit, as it does without the other tab.
func TestBeaconLongFirstTouchWithOtherTabOpen(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/?utm_source=partner&utm_medium=affiliate")
	openSite(t, browser, siteURL+"/pricing")
	content := strings.Repeat("x", 990)
	tab := openNewTab(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email&utm_content="+content)
	waitTrue(t, browser, "/(^|; )_ma_visit=\\|(;|$)/.test(document.cookie)")

	captureAndWait(t, browser, ts, "viewed")
	openSite(t, tab, siteURL+"/pricing")
	captureAndWait(t, tab, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	checkChannel(t, "landing tab's next page", rows[1], "DIRECT", "")
}

// recordCookieWrites is page script that keeps every string written to
// document.cookie, in order, in window.cookieWrites.
const recordCookieWrites = `window.cookieWrites = [];
var pageCookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
Object.defineProperty(document, 'cookie', {
	get: function () { return pageCookie.get.call(document) },
	set: function (v) { cookieWrites.push(v); pageCookie.set.call(document, v) }
});
`

// TestConsentDeclinedSetsNoCookie declines tracking in "wait" mode and
// calls consent on a page in "gpc" mode with the signal on. Such pages
// set no cookie, so no write may give a cookie a lifetime, not even a
// short-lived probe.
func TestConsentDeclinedSetsNoCookie(t *testing.T) {
	tests := []struct {
		name, mode, setup, script string
	}{
		{name: "wait then declined", mode: "wait", script: `$__MA.consent(false)`},
		{name: "gpc signal with consent calls", mode: "gpc", setup: gpcSetup(true), script: `$__MA.consent(true); $__MA.consent(false)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, tt.mode)
			siteURL := newSitePage(t, consentPageHTML(snippet, recordCookieWrites+tt.setup, tt.script))
			browser := newBrowser(t)
			openSite(t, browser, siteURL+"/?utm_source=newsletter")

			sets, err := chromedp.Run(browser, chromedp.Evaluate[[]string](
				`cookieWrites.filter(function (w) { return !/;max-age=0(;|$)/.test(w) })`))
			if err != nil {
				t.Fatal(err)
			}
			if len(sets) != 0 {
				t.Errorf("cookie writes = %q, want none that sets a cookie", sets)
			}
		})
	}
}

// TestConsentWaitNewCampaignOverStoredVisit lands in "wait" mode with a
// new campaign while the cookie still contains the visit of an earlier
// campaign. The site then takes the UTM parameters out of the address
// bar, as single-page sites and URL-cleaning plugins do, before the
// visitor consents. The calls before and after consent(true) must carry
// the first touch that the page began with, not the stored visit.
func TestConsentWaitNewCampaignOverStoredVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "held")
	createEvent(t, ts, "after")
	const stored = `document.cookie = '_ma_visit=https://www.facebook.com|?utm_source=partner&utm_medium=cpc; path=/; max-age=1800';`
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, stored, ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email")

	evaluate(t, browser, `history.replaceState({}, '', '/landing'); $__MA.captureEvent('held');
		$__MA.consent(true); $__MA.captureEvent('after')`)
	ts.waitCollected(t, 2)

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	for _, row := range rows {
		if row.UTMSource != "newsletter" || row.Channel != "EMAIL" {
			t.Errorf("%s: utm_source %q and channel %s, want newsletter and EMAIL", row.Slug, row.UTMSource, row.Channel)
		}
	}
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Errorf("stored visit = %q, want no referrer and ?utm_source=newsletter&utm_medium=email", visit)
	}
}

// TestConsentWaitLateConsentKeepsNewerVisit opens a page in "wait" mode
// without a campaign and leaves its consent banner unanswered. The visitor
// then follows a newsletter link into a second tab and consents there.
// Consent given later in the first tab must not replace the newsletter
// visit in the cookie with the first tab's older, empty one. The last page
// load anywhere on the site wins, so the newsletter tab's next page still
// counts as EMAIL.
func TestConsentWaitLateConsentKeepsNewerVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	snippet := api.SnippetWithMode(ts.URL, ts.Account.SiteKey, "wait")
	siteURL := newSitePage(t, consentPageHTML(snippet, "", ""))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")
	tab := openNewTab(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email")
	evaluate(t, tab, `$__MA.consent(true)`)
	waitTrue(t, browser, "/_ma_visit=[^;]*newsletter/.test(document.cookie)")

	evaluate(t, browser, `$__MA.consent(true); $__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Errorf("stored visit after consent in the first tab = %q, want the newsletter visit", visit)
	}
	openSite(t, tab, siteURL+"/pricing")
	evaluate(t, tab, `$__MA.consent(true); $__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	checkChannel(t, "first tab's event", rows[0], "EMAIL", "newsletter")
	checkChannel(t, "newsletter tab's next page", rows[1], "EMAIL", "newsletter")
}

// TestBeaconLongFirstTouchTabKeepsNewerVisit lands with a first touch too
// long for the cookie, and the site takes the parameters out of the
// address bar. A newsletter link then opens a second tab. An event in the
// first tab, whose URL no longer has campaign parameters, must not erase
// the newsletter visit, as it does not for a short first touch: the
// newsletter tab's next page must still count as EMAIL.
func TestBeaconLongFirstTouchTabKeepsNewerVisit(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	content := strings.Repeat("x", 990)
	openSite(t, browser, siteURL+"/landing?utm_source=partner&utm_medium=affiliate&utm_content="+content)
	evaluate(t, browser, `history.replaceState({}, '', '/landing')`)
	tab := openNewTab(t, browser, siteURL+"/offer?utm_source=newsletter&utm_medium=email")
	waitTrue(t, browser, "/_ma_visit=[^;]*newsletter/.test(document.cookie)")

	captureAndWait(t, browser, ts, "viewed")
	if visit := storedVisit(t, browser); visit != "|?utm_source=newsletter&utm_medium=email" {
		t.Errorf("stored visit after the first tab's event = %q, want the newsletter visit", visit)
	}
	openSite(t, tab, siteURL+"/pricing")
	captureAndWait(t, tab, ts, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	checkChannel(t, "newsletter tab's next page", rows[1], "EMAIL", "newsletter")
}

// TestBeaconVisitCookieWithoutSeparator loads a page whose _ma_visit
// cookie has no "|", as a site's own cookie of that name may have. The
// script ignores the value, instead of reading it whole as the referrer
// origin and the missing first touch as the text "undefined", and stores
// a new visit.
func TestBeaconVisitCookieWithoutSeparator(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	const older = `document.cookie = '_ma_visit=https%3A//www.google.com%20%3Futm_source%3Dnewsletter; path=/; max-age=1800';`
	siteURL := newSitePage(t, sitePageHTML(ts, older))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/pricing")

	if visit := storedVisit(t, browser); visit != "|" {
		t.Errorf("stored visit = %q, want a new visit without referrer or first touch", visit)
	}
}

// TestBeaconVisitCookieRawQueryCharacters lands with a campaign of
// characters that location.search keeps unencoded, such as ";", "," and
// "\", which the cookie value escapes, and of some that it encodes, and
// fires an event there and on the next page. Both store the campaign as
// it was typed.
func TestBeaconVisitCookieRawQueryCharacters(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	const raw = "a\"b'c`d{e}f|g^h;i,j\\k[l]m n<o>p!q$r(s)t*u~v"
	openSite(t, browser, siteURL+"/landing?utm_source=newsletter&utm_medium=email&utm_campaign="+raw+"&utm_content=x%3By")
	captureAndWait(t, browser, ts, "viewed")
	captureAfterNavigation(t, browser, ts, `location.href = '/pricing'`, "viewed")

	rows := storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	for i, row := range rows {
		if row.UTMCampaign != raw {
			t.Errorf("occurrence %d utm_campaign = %q, want %q", i, row.UTMCampaign, raw)
		}
	}
	if rows[1].UTMContent != "x;y" || rows[0].UTMContent != "x;y" {
		t.Errorf("utm_content = %q on the landing page and %q on the next, want x;y on both", rows[0].UTMContent, rows[1].UTMContent)
	}
	if rows[1].Channel != "EMAIL" {
		t.Errorf("next page's channel = %s, want EMAIL", rows[1].Channel)
	}
}
