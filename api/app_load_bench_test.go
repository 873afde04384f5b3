package api_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"customevents/static"
)

// BenchmarkAdminAppLoad measures the admin app's time to interactive in
// headless Chromium: from the start of navigation to the sign-in page until
// the WASM app has mounted it and responds to input (the "ce-interactive"
// mark). Cold loads start with no cache and no service worker; warm loads
// come after a visit. A static page that sets the same mark from an inline
// script is the reference, so the ratios show what the app adds over a
// bare page load in the same browser. It also logs the WASM's sizes.
//
// Run: go test ./api -run '^$' -bench AdminAppLoad -benchtime 5x
func BenchmarkAdminAppLoad(b *testing.B) {
	for _, name := range []string{"web/app.wasm", "web/app.wasm.gz", "web/app.wasm.br"} {
		info, err := fs.Stat(static.Web, name)
		if err != nil {
			b.Fatalf("%s is missing: run `make wasm` first", name)
		}
		b.Logf("%s: %d bytes", name, info.Size())
	}
	ts := newTestServer(b)
	reference := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Reference</title><p>Reference page</p><script>performance.mark("ce-interactive")</script>`)
	}))
	b.Cleanup(reference.Close)
	browser := newBrowser(b)
	origin := (&url.URL{Scheme: "http", Host: ts.http.Listener.Addr().String()}).String()

	var cold, warm, ref []float64
	for b.Loop() {
		if err := clearOrigin(browser, origin); err != nil {
			b.Fatal(err)
		}
		cold = append(cold, interactiveAfter(b, browser, ts.URL+"/login"))
		warm = append(warm, interactiveAfter(b, browser, ts.URL+"/login"))
		ref = append(ref, interactiveAfter(b, browser, reference.URL))
	}
	c, w, r := median(cold), median(warm), median(ref)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(c, "cold-ms")
	b.ReportMetric(w, "warm-ms")
	b.ReportMetric(r, "reference-ms")
	b.ReportMetric(c/r, "cold/reference")
	b.ReportMetric(w/r, "warm/reference")
}

// clearOrigin removes the HTTP cache, the service worker and every other
// thing the browser stored for origin, so the next load is a first visit.
func clearOrigin(ctx context.Context, origin string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: origin, StorageTypes: "all"}); err != nil {
		return fmt.Errorf("clear storage of %s: %w", origin, err)
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return fmt.Errorf("clear the HTTP cache: %w", err)
	}
	return nil
}

// interactiveAfter opens pageURL from a blank tab and returns the
// milliseconds from the start of navigation to the "ce-interactive" mark.
func interactiveAfter(b *testing.B, ctx context.Context, pageURL string) float64 {
	b.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(pageURL)); err != nil {
		b.Fatalf("open %s: %v", pageURL, err)
	}
	// The poll can start in the blank page just before it goes away. It
	// then fails at once, so it is started again in the new page.
	var err error
	for range 3 {
		var ms float64
		ms, err = chromedp.Run(ctx, chromedp.Poll[float64](
			`(performance.getEntriesByName("ce-interactive")[0] || {}).startTime`,
			chromedp.WithPollingInterval(5*time.Millisecond)))
		if err == nil {
			return ms
		}
		if !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
	}
	b.Fatalf("wait for the app on %s: %v", pageURL, err)
	return 0
}

func median(values []float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}
