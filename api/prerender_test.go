package api_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// ogImage matches the og:image tag of a page whose preview is the app's
// icon. go-app writes a tag's attributes in any order.
var ogImage = regexp.MustCompile(`<meta (property="og:image" content="https://127\.0\.0\.1:\d+/web/icon-512\.png\?v=[^"]+"|content="https://127\.0\.0\.1:\d+/web/icon-512\.png\?v=[^"]+" property="og:image")>`)

// TestPagesPrerendered checks that the server sends each page's content in
// the HTML, so the first paint needs no WASM, and go-app's loading state
// while the WASM starts.
func TestPagesPrerendered(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/login", []string{"<h1>Sign in to Custom Events</h1>", `id="login-email"`, "Loading Custom Events…"}},
		{"/automations/custom-events", []string{"<h1>Custom Events</h1>", "Automations → ", "Loading…", "Loading Custom Events…"}},
		{"/settings/api-keys", []string{"<h1>API keys</h1>", `href="/settings/beacon"`}},
		{"/contacts", []string{"<h1>Contacts</h1>", `href="/live-events"`}},
		{"/contacts/42", []string{"<h1>Contact</h1>", "Loading…", `href="/live-events"`}},
		{"/live-events", []string{"<h1>Live events</h1>", `href="/contacts"`}},
	} {
		resp, err := http.Get(ts.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", tc.path, resp.Status)
			continue
		}
		html := string(body)
		// Link previews show the app's icon.
		if !ogImage.MatchString(html) {
			t.Errorf("GET %s: the HTML lacks an og:image of the app's icon", tc.path)
		}
		for _, want := range tc.want {
			if !strings.Contains(html, want) {
				t.Errorf("GET %s: the HTML lacks %q", tc.path, want)
			}
		}
	}
}
