package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// openEventForm signs in to a new test server and opens the form that
// creates custom events.
func openEventForm(t *testing.T) context.Context {
	t.Helper()
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/custom-events")
	waitFor(t, browser, "event form", `!!document.getElementById("ce-name")`)
	return browser
}

// TestTypingAheadOfRender checks that a render does not erase a key that
// is in a field before the app has handled its input event. The test sets
// the name field once with an input event and once without, then waits for
// the render that shows the slug suggested by the first value.
func TestTypingAheadOfRender(t *testing.T) {
	browser := openEventForm(t)

	// Whether that frame runs before the handler of the first value
	// depends on the frame timer, so the test tries 20 times.
	var lost []string
	for i := range 20 {
		typed := fmt.Sprintf("Watched %d", i)
		evaluate(t, browser, fmt.Sprintf(`(() => {
			const name = document.getElementById("ce-name");
			name.focus();
			name.value = %q;
			name.dispatchEvent(new Event("input", {bubbles: true}));
			name.value = %q;
			return true;
		})()`, typed, typed+" V"))
		waitFor(t, browser, "suggested slug", fmt.Sprintf(`document.getElementById("ce-slug").value === "watched-%d"`, i))
		name, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("ce-name").value`))
		if err != nil {
			t.Fatal(err)
		}
		if name != typed+" V" {
			lost = append(lost, name)
		}
	}
	if len(lost) != 0 {
		t.Errorf("the name field lost its last key in %d of 20 tries: %q", len(lost), lost)
	}
}

// TestSlugSuggestionWithFocusMoved moves the focus to the slug field right
// after a key in the name field, as Tab does, before the app renders. The
// slug field has the focus at the next render, so the app shows the slug
// that the name suggests as soon as it handles the key.
func TestSlugSuggestionWithFocusMoved(t *testing.T) {
	browser := openEventForm(t)

	var slugs []string
	for i := range 10 {
		slug, err := chromedp.Run(browser, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			const name = document.getElementById("ce-name");
			name.focus();
			name.value = "Watched %d";
			name.dispatchEvent(new Event("input", {bubbles: true}));
			const slug = document.getElementById("ce-slug");
			slug.focus();
			return slug.value;
		})()`, i)))
		if err != nil {
			t.Fatal(err)
		}
		slugs = append(slugs, slug)
	}
	for i, slug := range slugs {
		if want := fmt.Sprintf("watched-%d", i); slug != want {
			t.Errorf("slug field after name %d = %q, want %q", i, slug, want)
		}
	}
	waitFor(t, browser, "last slug after a render", `document.getElementById("ce-slug").value === "watched-9"`)
}

// wasmGate is page script that delays the download of the admin app's
// WebAssembly until the test calls window.releaseWASM().
const wasmGate = `window.wasmReleased = new Promise(function (release) { window.releaseWASM = release });
var gatedFetch = window.fetch.bind(window);
window.fetch = function (url, init) {
  if (String(url).indexOf("/web/app.wasm") >= 0) {
    return wasmReleased.then(function () { return gatedFetch(url, init) });
  }
  return gatedFetch(url, init);
};`

// TestTypingBeforeAppStarts types into the sign-in form that the server
// rendered, with the field focused, while the app is still loading. The
// app does not hold that text, so once it has replaced the page its email
// field shows its own empty value rather than text that signing in would
// not send.
func TestTypingBeforeAppStarts(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	err := chromedp.Do(browser, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: wasmGate})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}

	navigate(t, browser, ts.URL+"/login")
	loading, err := chromedp.Run(browser, chromedp.Evaluate[bool](`(() => {
		const email = document.getElementById("login-email");
		window.serverEmail = email;
		email.focus();
		email.value = "ann@example.com";
		email.dispatchEvent(new Event("input", {bubbles: true}));
		return !!document.getElementById("app-wasm-loader");
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !loading {
		t.Fatal("the loading screen was gone before the test released the app's download")
	}

	evaluate(t, browser, `releaseWASM(); true`)
	waitFor(t, browser, "the app's own form", `!document.getElementById("app-wasm-loader") && document.getElementById("login-email") !== window.serverEmail && !!document.getElementById("login-email")`)
	email, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("login-email").value`))
	if err != nil {
		t.Fatal(err)
	}
	if email != "" {
		t.Errorf("email field after the app started = %q, want it empty", email)
	}
}
