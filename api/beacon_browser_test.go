package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/app/apitype"
)

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

	cookie, err := chromedp.Run(browser, chromedp.Evaluate[string]("document.cookie"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cookie) != len("_ma_vid=")+32 {
		t.Errorf("site cookie = %q, want _ma_vid with a 32-digit id", cookie)
	}
}
