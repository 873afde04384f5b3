package api_test

import "testing"

// TestBeaconVisitEndsAfter30Minutes moves the visit's last activity back
// in sessionStorage before a page load, and the page's clock forward
// within a page, instead of waiting.
func TestBeaconVisitEndsAfter30Minutes(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, ""))
	browser := newBrowser(t)
	landing := siteURL + "/landing?utm_source=newsletter&utm_medium=email"
	openSite(t, browser, landing)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	// 29 minutes after the last event, the next page load continues the
	// visit.
	evaluate(t, browser, `sessionStorage._ma_t = Date.now() - 29 * 60000`)
	navigateBy(t, browser, `location.href = '/pricing'`)
	waitBeaconLoaded(t, browser)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	// 31 minutes after the last event, an event on the same page starts a
	// new visit without UTM parameters.
	evaluate(t, browser, `var realNow = Date.now; Date.now = function () { return realNow.call(Date) + 31 * 60000 }`)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)
	if utm := pageString(t, browser, "String(sessionStorage.getItem('_ma_utm'))"); utm != "" {
		t.Errorf("sessionStorage _ma_utm after the visit ended = %q, want empty", utm)
	}

	// With the campaign stored again, a page load 31 minutes after the last
	// event also starts a new visit.
	evaluate(t, browser, `sessionStorage._ma_utm = '?utm_source=newsletter&utm_medium=email'; sessionStorage._ma_t = realNow.call(Date) - 31 * 60000`)
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
