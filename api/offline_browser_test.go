package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestAdminAppInstallableAndOffline installs the admin app's service
// worker, checks that Chromium reports the app installable, then stops the
// server and opens another page: the app must start from the saved copy
// and show that it is offline.
func TestAdminAppInstallableAndOffline(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/beacon")

	waitFor(t, browser, "service worker in control",
		`navigator.serviceWorker.controller !== null && navigator.serviceWorker.controller.state === "activated"`)
	cached, err := chromedp.Run(browser, chromedp.Evaluate[[]string](
		`caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys())))).`+
			`then(lists => lists.flat().map(r => new URL(r.url).pathname).sort())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/", "/app.js", "/wasm_exec.js", "/manifest.webmanifest", "/web/app.wasm", "/web/app.css", "/web/icon-192.png", "/web/icon-512.png"} {
		if !slices.Contains(cached, want) {
			t.Errorf("service worker cache lacks %s; it holds %v", want, cached)
		}
	}

	installability, err := chromedp.Call(browser, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range installability.InstallabilityErrors {
		var args []string
		for _, a := range e.ErrorArguments {
			args = append(args, a.Name+"="+a.Value)
		}
		t.Errorf("Chromium reports the app not installable: %s %s", e.ErrorID, strings.Join(args, " "))
	}

	// Stop the server: every request now fails as it does offline.
	ts.http.CloseClientConnections()
	ts.http.Close()

	navigate(t, browser, ts.URL+"/settings/api-keys")
	waitFor(t, browser, "offline notice",
		`!!document.getElementById("offline") && document.getElementById("offline").textContent.includes("You are offline")`)
	waitFor(t, browser, "page title from the saved app", textIs("h1", "API keys"))
	saveScreenshot(t, browser, "offline")
}
