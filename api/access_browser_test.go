package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"customevents/app/apitype"
)

// TestInviteViewerInBrowser invites a viewer from Settings → Members,
// accepts the link in the same browser after signing out, and checks that
// the new viewer sees no edit controls and that the API refuses a change.
func TestInviteViewerInBrowser(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	if _, err := ts.Store.CreateCustomEvent(context.Background(), ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/members")
	waitFor(t, browser, "owner listed", textIs(`#members-table tbody tr:first-child td.email`, "admin@example.com (you)"))

	typeInto(t, browser, "#invite-email", "Vera@Example.com")
	selectOption(t, browser, "#invite-role", apitype.RoleViewer)
	click(t, browser, "#invite-submit")
	waitFor(t, browser, "invite link shown", `!!document.getElementById("invite-link")`)
	waitFor(t, browser, "open invite listed", textIs(`#invites-table tbody tr:first-child td.email`, "vera@example.com"))
	waitFor(t, browser, "open invite role", textIs(`#invites-table tbody tr:first-child td.role`, "viewer"))
	link := evalValue[string](t, browser, `document.getElementById("invite-link").textContent`)
	if !strings.HasPrefix(link, ts.URL+"/invite?token=") {
		t.Fatalf("invite link = %q, want %s/invite?token=...", link, ts.URL)
	}
	saveScreenshot(t, browser, "members-invite")

	click(t, browser, "#sign-out")
	waitFor(t, browser, "sign-in page", `location.pathname === "/login" && !!document.getElementById("login-email")`)

	navigate(t, browser, link)
	waitFor(t, browser, "invite page", `!!document.getElementById("invite-password")`)
	summary := evalValue[string](t, browser, `document.getElementById("invite-summary").textContent`)
	if want := "vera@example.com is invited to Test Company as a viewer. The link works once, until "; !strings.HasPrefix(summary, want) {
		t.Errorf("summary = %q, want it to start with %q", summary, want)
	}
	waitFor(t, browser, "new user button", textIs("#invite-accept", "Create account and join"))
	typeInto(t, browser, "#invite-password", "short")
	click(t, browser, "#invite-accept")
	waitFor(t, browser, "password too short", textIs("#invite-password-error", "Password is too short: use at least 8 characters."))
	saveScreenshot(t, browser, "invite-accept")
	typeInto(t, browser, "#invite-password", "vera's password")
	click(t, browser, "#invite-accept")
	waitFor(t, browser, "report after joining", `location.pathname === "/automations/custom-events" && !!document.getElementById("sign-out")`)
	waitFor(t, browser, "account in header", textIs("#account-name", "Test Company"))

	// The viewer's navigation lists only the pages a viewer may open.
	nav := evalValue[string](t, browser, `[...document.querySelectorAll("header nav a")].map(a => a.getAttribute("href")).join(" ")`)
	if want := "/automations/custom-events /automations/action-sets /contacts /live-events /settings/custom-events /settings/graphql"; nav != want {
		t.Errorf("navigation = %q, want %q", nav, want)
	}

	navigate(t, browser, ts.URL+"/settings/custom-events")
	waitFor(t, browser, "event listed", textIs(`#events-table tbody tr td.name`, "Signed Up"))
	waitFor(t, browser, "read-only notice", textIs("#events-read-only", "You can read the custom events of this account. Creating, editing and deleting them needs the editor role."))
	for _, selector := range []string{"#event-form", "#ce-name", "button.edit", "button.delete"} {
		if evalValue[bool](t, browser, fmt.Sprintf(`!!document.querySelector(%q)`, selector)) {
			t.Errorf("viewer's page has %s, want none", selector)
		}
	}
	saveScreenshot(t, browser, "viewer-custom-events")

	// A request sent by hand from the page is refused too.
	refused, err := chromedp.Run(browser, chromedp.Evaluate[string](`(async () => {
		const s = await (await fetch("/api/session")).json();
		const r = await fetch("/api/custom-events", {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": s.csrfToken},
			body: JSON.stringify({name: "Sneaky", slug: "sneaky"})});
		return r.status + " " + (await r.json()).error.message;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := `403 This needs the editor role or higher, and you are a viewer in account "Test Company": ask an admin of the account to change your role.`; refused != want {
		t.Errorf("hand-made request = %q, want %q", refused, want)
	}
	events, err := ts.Store.CustomEvents(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Errorf("custom events = %d, want 1", len(events))
	}

	navigate(t, browser, ts.URL+"/settings/api-keys")
	waitFor(t, browser, "role notice", textIs("#role-notice", "This page needs the admin role or higher, and you are a viewer in Test Company: ask an admin or owner of the account for access."))
	if evalValue[bool](t, browser, `!!document.getElementById("api-key-form")`) {
		t.Error("viewer sees the API key form")
	}
	saveScreenshot(t, browser, "viewer-api-keys")
}

// TestAccountSettingsInBrowser saves the account's name, time zone and
// allowed origins in Settings → Account, then creates a second account and
// switches to it.
func TestAccountSettingsInBrowser(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/account")
	waitFor(t, browser, "name loaded", `(document.getElementById("acct-name")||{}).value === "Test Company"`)
	waitFor(t, browser, "time zone loaded", `(document.getElementById("acct-time-zone")||{}).value === "UTC"`)

	typeInto(t, browser, "#acct-name", "Acme Marketing")
	typeInto(t, browser, "#acct-time-zone", "Mars/Base")
	click(t, browser, "#account-save")
	waitFor(t, browser, "time zone error", textIs("#acct-time-zone-error", `Time zone "Mars/Base" is not an IANA time zone: use a name such as Europe/Berlin or UTC.`))
	if account, err := ts.Store.Account(ctx, ts.Account.ID); err != nil || account.Name != "Test Company" {
		t.Errorf("account after a rejected save = %+v (%v), want it unchanged", account, err)
	}

	typeInto(t, browser, "#acct-time-zone", "Europe/Berlin")
	click(t, browser, "#account-save")
	waitFor(t, browser, "saved", textIs("#account-status", "Saved."))
	waitFor(t, browser, "header renamed", textIs("#account-name", "Acme Marketing"))

	typeInto(t, browser, "#acct-origins", "https://WWW.Example.com/\nhttps://shop.example.com:443")
	click(t, browser, "#origins-save")
	waitFor(t, browser, "origins saved", textIs("#origins-status", "Saved."))
	waitFor(t, browser, "origins normalized", `document.getElementById("acct-origins").value === "https://www.example.com\nhttps://shop.example.com"`)
	saveScreenshot(t, browser, "account-settings")

	account, err := ts.Store.Account(ctx, ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if account.Name != "Acme Marketing" || account.TimeZone != "Europe/Berlin" {
		t.Errorf("account = %s in %s, want Acme Marketing in Europe/Berlin", account.Name, account.TimeZone)
	}
	origins, err := ts.Store.AllowedOrigins(ctx, ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(origins, " "); got != "https://www.example.com https://shop.example.com" {
		t.Errorf("allowed origins = %s", got)
	}

	navigate(t, browser, ts.URL+"/settings/account")
	waitFor(t, browser, "time zone after reload", `(document.getElementById("acct-time-zone")||{}).value === "Europe/Berlin"`)

	typeInto(t, browser, "#workspace-name", "Acme Europe")
	click(t, browser, "#workspace-create")
	waitFor(t, browser, "account created", textIs("#workspace-status", "Created Acme Europe. You are its owner."))
	if _, err := chromedp.RunResponse(browser, chromedp.Click("#workspace-switch")); err != nil {
		t.Fatalf("switch to the new account: %v", err)
	}
	waitFor(t, browser, "report of the new account", `location.pathname === "/automations/custom-events" && !!document.getElementById("account-switch")`)
	selected := evalValue[string](t, browser, `(() => { const s = document.getElementById("account-switch"); return s.options[s.selectedIndex].textContent })()`)
	if selected != "Acme Europe (owner)" {
		t.Errorf("selected account = %q, want Acme Europe (owner)", selected)
	}
	saveScreenshot(t, browser, "account-switched")

	// Switching back through the header's select.
	navigateBy(t, browser, fmt.Sprintf(`(() => { const s = document.getElementById("account-switch"); s.value = "%d"; s.dispatchEvent(new Event("change", {bubbles: true})) })()`, ts.Account.ID))
	waitFor(t, browser, "first account again", `(() => { const s = document.getElementById("account-switch"); return !!s && s.options[s.selectedIndex].textContent === "Acme Marketing (owner)" })()`)
}
