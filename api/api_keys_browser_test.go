package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"customevents/app/apitype"
)

// TestAPIKeySettingsCreateUseRevoke creates a key in the page, uses it on
// GraphQL, revokes it in the page and checks that the next request fails.
func TestAPIKeySettingsCreateUseRevoke(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/api-keys")
	waitFor(t, browser, "initial key listed", textIs(`#api-keys-table tbody tr td.name`, "Initial key"))

	typeInto(t, browser, "#api-key-name", "CRM integration")
	click(t, browser, "#api-key-create")
	waitFor(t, browser, "new key shown", `!!document.getElementById("api-key-value")`)
	waitFor(t, browser, "new key listed first", textIs(`#api-keys-table tbody tr:first-child td.name`, "CRM integration"))
	waitFor(t, browser, "name field cleared", `document.getElementById("api-key-name").value === ""`)

	key, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("api-key-value").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "ce_") || len(key) != 46 {
		t.Fatalf("key shown = %q, want ce_ and 43 more characters", key)
	}
	warning, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.querySelector("#api-key-created p").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Key “CRM integration” was created. Copy it now: it will not be shown again."; warning != want {
		t.Errorf("warning = %q, want %q", warning, want)
	}
	firstRow := `#api-keys-table tbody tr:first-child`
	waitFor(t, browser, "prefix of the new key", textIs(firstRow+" code.prefix", key[:10]+"…"))
	waitFor(t, browser, "new key never used", textIs(firstRow+" td.last-used", "never"))
	waitFor(t, browser, "new key active", textIs(firstRow+" td.status", "active"))
	saveScreenshot(t, browser, "api-keys-created")

	reply := queryWithKey(t, ts, key, http.StatusOK)
	if len(reply.Errors) != 0 {
		t.Fatalf("query with the key from the page: errors %+v, want none", reply.Errors)
	}
	if got := string(reply.Data["customEvents"]); got != "[]" {
		t.Errorf("customEvents = %s, want []", got)
	}

	click(t, browser, `button[aria-label="Revoke CRM integration"]`)
	waitFor(t, browser, "revoke confirmation", `!!document.getElementById("confirm-revoke")`)
	// Nothing is revoked before the confirmation.
	if reply := queryWithKey(t, ts, key, http.StatusOK); len(reply.Errors) != 0 {
		t.Fatalf("query while confirmation is open: errors %+v, want none", reply.Errors)
	}
	click(t, browser, "#confirm-revoke")
	waitFor(t, browser, "revoked notice", textIs("#api-keys-notice", "Revoked “CRM integration”. Requests with it now fail."))
	waitFor(t, browser, "revoked status", textIs(firstRow+" td.status", "revoked"))
	waitFor(t, browser, "new key hidden", `!document.getElementById("api-key-created")`)
	waitFor(t, browser, "initial key still active", textIs(`#api-keys-table tbody tr:nth-child(2) td.status`, "active"))
	waitFor(t, browser, "no revoke button on the revoked key", `!document.querySelector('button[aria-label="Revoke CRM integration"]')`)
	saveScreenshot(t, browser, "api-keys-revoked")

	reply = queryWithKey(t, ts, key, http.StatusUnauthorized)
	if len(reply.Errors) != 1 {
		t.Fatalf("query with revoked key: errors %+v, want 1", reply.Errors)
	}
	if got := reply.Errors[0].Extensions["code"]; got != apitype.CodeUnauthenticated {
		t.Errorf("code = %v, want UNAUTHENTICATED", got)
	}
	if got := reply.Errors[0].Message; got != revokedKeyMessage {
		t.Errorf("message = %q, want %q", got, revokedKeyMessage)
	}

	// After a reload the key is still listed as revoked, and the page
	// shows only its prefix.
	navigate(t, browser, ts.URL+"/settings/api-keys")
	waitFor(t, browser, "list after reload", textIs(firstRow+" td.status", "revoked"))
	html, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, key) {
		t.Error("page after reload contains the full key")
	}
	if !strings.Contains(html, fmt.Sprintf("%s…", key[:10])) {
		t.Error("page after reload lacks the key's prefix")
	}
}
