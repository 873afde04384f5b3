package api_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTypingAheadOfRender covers a key that the browser has put into a
// control before the app has handled the key's input event. The app
// handles input events and renders its pages on a frame timer, and a
// frame can come first. The frame must not write the app's older text
// over that key. The test sets the name field's value once with an input
// event and once more without one, then waits for the frame that shows
// the slug suggested by the first value.
func TestTypingAheadOfRender(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/custom-events")
	waitFor(t, browser, "event form", `!!document.getElementById("ce-name")`)

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
