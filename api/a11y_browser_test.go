package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"customevents/app/apitype"
	"customevents/app/page"
)

// axeSHA256 is the checksum of the vendored axe-core 4.14.1 build.
const axeSHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

func TestAxeCoreChecksum(t *testing.T) {
	data, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != axeSHA256 {
		t.Errorf("testdata/axe-core/axe.min.js has SHA-256 %s, want %s: restore the file or update the checksum and README together", got, axeSHA256)
	}
}

// adminPages are the signed-in pages of the admin app, each with the
// heading it shows once loaded and, for pages that load in steps, an
// element that shows last.
var adminPages = []struct{ path, heading, ready string }{
	{page.PathReport, "Custom Events", ""},
	{page.PathEventSettings, "Custom Events", ""},
	{page.PathBeaconSettings, "Beacon", ""},
	{page.PathGraphQLExplorer, "GraphQL explorer", ""},
	{page.PathPrivacySettings, "Privacy", ""},
	{page.PathAPIKeySettings, "API keys", ""},
	{page.PathAccountSettings, "Account", ""},
	{page.PathMembers, "Members", ""},
	{page.PathActionSets, "Action Sets", "#lists-table"},
	{page.PathReport + "?view=actions", "Custom Events", "#event-actions"},
	{page.PathContacts, "Contacts", "#contacts-table"},
	// The contact that the test's trigger creates, the first of the account.
	{page.PathContacts + "/1", "ana@example.com", "#timeline > li"},
	{page.PathLiveEvents, "Live events", "#test-events"},
}

// TestAdminPagesAccessible runs axe-core on every admin page, at desktop
// width and at 360 px, checks that nothing is wider than a 360 px screen
// and that keyboard focus is visible on every control reached with Tab.
func TestAdminPagesAccessible(t *testing.T) {
	requireWASM(t)
	axe, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t)
	if _, err := ts.Store.CreateCustomEvent(context.Background(), ts.Account.ID, apitype.CustomEventInput{
		Name: "Watched Product Video", Slug: "watched-product-video", IsConversion: true,
	}); err != nil {
		t.Fatal(err)
	}
	seedActionEditors(t, ts)
	status, body := postGraphQL(t, ts.URL, ts.APIKey, `mutation { triggerCustomEvent(input: { slug: "watched-product-video" email: "ana@example.com" }) }`)
	if status != 200 || !strings.Contains(string(body), `"data"`) {
		t.Fatalf("trigger: %d %s", status, body)
	}
	browser := newBrowser(t)
	navigate(t, browser, ts.URL+page.PathLogin)
	waitFor(t, browser, "sign-in form", `!!document.getElementById("login-email")`)
	for _, v := range axeViolations(t, browser, axe) {
		t.Errorf("%s: %s", page.PathLogin, v)
	}
	checkFocusVisible(t, browser, page.PathLogin)
	signInBrowser(t, browser, ts, page.PathReport)

	for _, width := range []int64{1280, 360} {
		if _, err := chromedp.Call(browser, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: width, Height: 800, DeviceScaleFactor: 1, Mobile: width < 600,
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range adminPages {
			navigate(t, browser, ts.URL+p.path)
			waitFor(t, browser, p.path+" loaded", fmt.Sprintf(
				`(document.querySelector("h1")||{}).textContent === %q && !document.querySelector(".loading") && !!document.getElementById("sign-out")`, p.heading))
			if p.ready != "" {
				waitFor(t, browser, p.path+" filled", fmt.Sprintf(`!!document.querySelector(%q)`, p.ready))
			}
			for _, v := range axeViolations(t, browser, axe) {
				t.Errorf("%s at %d px: %s", p.path, width, v)
			}

			if width == 360 {
				wide, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`
					[...document.querySelectorAll("body *")]
						.filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest(".table-scroll, .visually-hidden"))
						.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : ""))`))
				if err != nil {
					t.Fatal(err)
				}
				if len(wide) > 0 {
					t.Errorf("%s at 360 px: wider than the screen: %v", p.path, wide)
				}
				saveScreenshot(t, browser, "narrow"+strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(p.path))
				continue
			}
			checkFocusVisible(t, browser, p.path)
		}
	}
}

// axeViolations runs axe-core's WCAG 2.1 A and AA rules on the page and
// describes each violation with the elements at fault.
func axeViolations(t *testing.T, ctx context.Context, axe []byte) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`
		axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
			.then(r => r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " +
				v.nodes.map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return violations
}

// checkFocusVisible presses Tab through the first controls of the page and
// fails for any focused element without a visible outline.
func checkFocusVisible(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.blur && (document.activeElement.blur(), true)`)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 25 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const el = document.activeElement;
			if (!el || el === document.body) return ["", ""];
			const s = getComputedStyle(el);
			const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "[" + (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30) + "]";
			const visible = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
			return [name, visible ? "yes" : "no"];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if state[0] == "" || seen[state[0]] {
			continue
		}
		seen[state[0]] = true
		if state[1] != "yes" {
			t.Errorf("%s: keyboard focus on %s has no visible outline", path, state[0])
		}
	}
	if len(seen) < 3 {
		t.Errorf("%s: Tab reached only %d controls: %v", path, len(seen), seen)
	}
}

// seedActionEditors gives the event on-the-fly actions and the account an
// action set and a contact list, so the action editors show every kind of
// row: actions, tests and a nested group.
func seedActionEditors(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	list, err := ts.Store.CreateContactList(ctx, ts.Account.ID, apitype.ContactListInput{Name: "Hot leads"})
	if err != nil {
		t.Fatal(err)
	}
	actions := apitype.ActionList{
		Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 10}, {Type: apitype.ActionAddToList, ListID: list.ID}},
		Conditional: []apitype.ConditionalActions{{
			Condition: apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
				Kind: apitype.ConditionGroup, Match: "all",
				Conditions: []apitype.Condition{
					{Kind: apitype.ConditionField, Field: "company", Op: "contains", Value: "Acme"},
					{Kind: apitype.ConditionGroup, Match: "any", Conditions: []apitype.Condition{
						{Kind: apitype.ConditionLifecycleStage, Op: "in_list", Values: []string{"lead", "mql"}},
						{Kind: apitype.ConditionEventCount, Event: "watched-product-video", Number: 2, Days: 30},
					}},
				},
			}},
			Actions: []apitype.Action{{Type: apitype.ActionWebhook, URL: "https://hooks.example.com/ce", Secret: "0123456789abcdef"}},
		}},
	}
	if _, err := ts.Store.CreateActionSet(ctx, ts.Account.ID, apitype.ActionSetInput{Name: "Onboarding", Actions: actions}); err != nil {
		t.Fatal(err)
	}
	event, err := ts.Store.CustomEventBySlug(ctx, ts.Account.ID, "watched-product-video")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Store.SetEventActions(ctx, ts.Account.ID, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, OnTheFly: actions, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
}
