package api_test

import (
	"html"
	"testing"

	"customevents/api"
	"customevents/db/dbtest"
)

func TestCollectIgnoresScriptlessRequests(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`
	for name, headers := range map[string]map[string]string{
		"form post": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		"image":     {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
	} {
		postCollect(t, ts, body, headers)
		if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
			t.Fatalf("%s: occurrences = %d, want 0", name, n)
		}
	}

	// The same body is stored when it comes as the beacon sends it, and
	// without fetch metadata, as over plain http, from older browsers or
	// through a proxy that drops the headers, also when it came over https.
	postCollect(t, ts, body, map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"})
	postCollect(t, ts, body, nil)
	postCollect(t, ts, body, map[string]string{"X-Forwarded-Proto": "https"})
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 3 {
		t.Errorf("occurrences after three beacon requests = %d, want 3", n)
	}
}

// A real browser's beacon passes the fetch metadata check, and a form that
// a page posts to /collect without script is ignored.
func TestBeaconFetchMetadataFromBrowser(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	// A form posted as text/plain sends "name=value", which here makes a
	// valid beacon message whose page URL ends in "=": message is the name
	// and `"}` the value.
	message := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/form`
	page := `<!doctype html><html><head>` + api.Snippet(ts.URL, ts.Account.SiteKey) + `</head><body>
<form id="post" method="post" action="` + ts.URL + `/collect" enctype="text/plain"><input type="hidden" name="` + html.EscapeString(message) + `" value="&quot;}"></form>
</body></html>`
	siteURL := newSitePage(t, page)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/pricing")

	captureAndWait(t, browser, ts, "signup")
	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	if rows[0].PageURL != siteURL+"/pricing" {
		t.Errorf("page URL = %q, want %s/pricing", rows[0].PageURL, siteURL)
	}

	evaluate(t, browser, `document.getElementById('post').submit()`)
	ts.waitCollected(t, 1)
	if rows := storedOccurrences(t, ts); len(rows) != 1 {
		t.Errorf("occurrences after the form post = %+v, want only the beacon's", rows)
	}
}
