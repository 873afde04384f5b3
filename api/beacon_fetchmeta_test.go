package api_test

import (
	"html"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"customevents/api"
	"customevents/db/dbtest"
)

// newHTTPSProxy serves ts through a reverse proxy that marks each request
// with X-Forwarded-Proto: https, as a proxy that ends TLS in front of the
// server does, and returns the proxy's address.
func newHTTPSProxy(t *testing.T, ts *testServer) string {
	t.Helper()
	target, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Header.Set("X-Forwarded-Proto", "https")
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCollectIgnoresRequestsThatNoScriptSent(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`
	beaconHeaders := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}
	for name, headers := range map[string]map[string]string{
		"form post":                 {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		"image":                     {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
		"browser user agent, https": {"X-Forwarded-Proto": "https"},
	} {
		postCollect(t, ts, body, headers)
		if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
			t.Fatalf("%s: occurrences = %d, want 0", name, n)
		}
	}

	// The same body is stored when it comes as the beacon sends it, over
	// https and over plain http, where browsers send no fetch metadata.
	withHTTPS := map[string]string{"X-Forwarded-Proto": "https"}
	for k, v := range beaconHeaders {
		withHTTPS[k] = v
	}
	postCollect(t, ts, body, withHTTPS)
	postCollect(t, ts, body, nil)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 2 {
		t.Errorf("occurrences after two beacon requests = %d, want 2", n)
	}
}

// A real browser's beacon passes the fetch metadata check when the server
// counts the request as https, and a form that a page posts to /collect
// without script is ignored.
func TestBeaconFetchMetadataFromBrowser(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	proxyURL := newHTTPSProxy(t, ts)
	// A form posted as text/plain sends "name=value", which here makes a
	// valid beacon message whose page URL ends in "=": message is the name
	// and `"}` the value.
	message := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/form`
	page := `<!doctype html><html><head>` + api.Snippet(proxyURL, ts.Account.SiteKey) + `</head><body>
<form id="post" method="post" action="` + proxyURL + `/collect" enctype="text/plain"><input type="hidden" name="` + html.EscapeString(message) + `" value="&quot;}"></form>
</body></html>`
	siteURL := newSitePage(t, page)
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/pricing")

	evaluate(t, browser, `$__MA.captureEvent('signup')`)
	ts.waitCollected(t, 1)
	rows := storedOccurrences(t, ts)
	if len(rows) != 1 || rows[0].PageURL != siteURL+"/pricing" {
		t.Fatalf("occurrences = %+v, want one from %s/pricing", rows, siteURL)
	}

	evaluate(t, browser, `document.getElementById('post').submit()`)
	ts.waitCollected(t, 1)
	if rows := storedOccurrences(t, ts); len(rows) != 1 {
		t.Errorf("occurrences after the form post = %+v, want only the beacon's", rows)
	}
}
