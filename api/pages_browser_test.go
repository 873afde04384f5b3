package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// pageText returns the text content of the element matching selector.
func pageText(t *testing.T, browser context.Context, selector string) string {
	t.Helper()
	return pageString(t, browser, fmt.Sprintf(`(document.querySelector(%q)||{textContent: "<missing>"}).textContent`, selector))
}

// TestContactsSearchOpensTimeline searches the contacts list, opens a
// contact and reads its fields and timeline, whose hostile metadata must
// stay text.
func TestContactsSearchOpensTimeline(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ann, _, anonymous, annEvents := seedAdminContacts(t, ts)
	ctx := context.Background()
	if _, err := ts.Store.DB().NewRaw(`UPDATE contacts SET job_title = 'CTO', lead_score = 25, lifecycle_stage = 'lead',
		custom_fields = '{"plan": "pro"}' WHERE id = ?`, ann).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.DB().NewRaw("INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'vip')", ts.Account.ID, ann).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var listID int64
	if err := ts.Store.DB().NewRaw("INSERT INTO contact_lists (account_id, name) VALUES (?, 'Trial users') RETURNING id", ts.Account.ID).Scan(ctx, &listID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.DB().NewRaw("INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?)", ts.Account.ID, listID, ann).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/contacts")

	waitFor(t, browser, "three contacts", `document.querySelectorAll("#contacts-table tbody tr").length === 3`)
	anonymousRow := fmt.Sprintf(`#contacts-table tr[data-contact="%d"] td.name`, anonymous)
	waitFor(t, browser, "anonymous contact label", textIs(anonymousRow, fmt.Sprintf("Anonymous visitor #%d", anonymous)))
	if got := pageString(t, browser, fmt.Sprintf(`document.querySelector(%q).className`, anonymousRow)); got != "name anonymous" {
		t.Errorf("anonymous cell class = %q, want name anonymous", got)
	}
	waitFor(t, browser, "list status", textIs("#contacts-status", "3 contacts"))
	saveScreenshot(t, browser, "contacts-list")

	typeInto(t, browser, "#contacts-search", "acme")
	waitFor(t, browser, "search result", `document.querySelectorAll("#contacts-table tbody tr").length === 1`)
	waitFor(t, browser, "Ann found", textIs("#contacts-table tbody tr td.name", "Ann Lee"))
	waitFor(t, browser, "search in the URL", `location.search === "?search=acme"`)
	if got := pageText(t, browser, "#contacts-table tbody tr td.email"); got != "ann@example.com" {
		t.Errorf("email cell = %q, want ann@example.com", got)
	}
	if got := pageText(t, browser, "#contacts-table tbody tr td.count"); got != "2" {
		t.Errorf("events cell = %q, want 2", got)
	}
	saveScreenshot(t, browser, "contacts-search")

	click(t, browser, "#contacts-table tbody tr td.name a")
	waitFor(t, browser, "contact page", fmt.Sprintf(`location.pathname === "/contacts/%d" && document.querySelector("h1").textContent === "Ann Lee"`, ann))
	fields := map[string]string{
		"email": "ann@example.com", "company": "Acme", "job-title": "CTO", "lead-score": "25",
		"lifecycle-stage": "lead", "events": "2", "first-event": "2026-05-01 08:00:00 UTC", "last-event": "2026-05-02 09:30:00 UTC",
	}
	waitFor(t, browser, "fields", `!!document.querySelector('#contact-fields [data-field="email"] dd')`)
	for name, want := range fields {
		if got := pageText(t, browser, fmt.Sprintf(`#contact-fields [data-field=%q] dd`, name)); got != want {
			t.Errorf("field %s = %q, want %q", name, got, want)
		}
	}
	if got := pageText(t, browser, `#contact-custom-fields [data-field="plan"] dd`); got != "pro" {
		t.Errorf("custom field plan = %q, want pro", got)
	}
	if got := pageText(t, browser, "#contact-lists"); got != "Trial users" {
		t.Errorf("lists = %q, want Trial users", got)
	}
	if got := pageText(t, browser, "#contact-tags"); got != "vip" {
		t.Errorf("tags = %q, want vip", got)
	}

	// The timeline lists the newest event first.
	waitFor(t, browser, "timeline", `document.querySelectorAll("#timeline > li").length === 2`)
	order := pageString(t, browser, `Array.from(document.querySelectorAll("#timeline > li")).map(li => li.dataset.occurrence).join(",")`)
	if want := fmt.Sprintf("%d,%d", annEvents[1], annEvents[0]); order != want {
		t.Errorf("timeline order = %s, want %s", order, want)
	}
	latest := fmt.Sprintf(`#timeline li[data-occurrence="%d"]`, annEvents[1])
	if got := pageText(t, browser, latest+" .when"); got != "2026-05-02 09:30:00 UTC" {
		t.Errorf("time = %q", got)
	}
	if got := pageText(t, browser, latest+` [data-field="page-url"] dd`); got != "https://example.com/pricing" {
		t.Errorf("page URL = %q", got)
	}
	if got := pageText(t, browser, latest+` [data-field="channel"] dd`); got != "Paid search" {
		t.Errorf("channel = %q, want Paid search", got)
	}
	if got := pageText(t, browser, latest+` [data-field="utm"] dd`); got != "source google · medium cpc · campaign brand" {
		t.Errorf("UTM = %q", got)
	}

	// Markup in metadata shows as text and runs nothing.
	value := pageString(t, browser, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).find(e => e.dataset.key === "<b>key</b>").querySelector("dd").textContent`, latest+" .metadata [data-key]"))
	if want := `<img src=x onerror="window.__pwned=1">`; value != want {
		t.Errorf("hostile value = %q, want %q", value, want)
	}
	if n := pageString(t, browser, `String(document.querySelectorAll("#timeline img, #timeline b").length)`); n != "0" {
		t.Errorf("elements made from metadata = %s, want 0", n)
	}
	if got := pageString(t, browser, `String(window.__pwned)`); got != "undefined" {
		t.Errorf("window.__pwned = %s, want undefined", got)
	}
	if got := pageText(t, browser, latest+` .metadata [data-key="long"] dd`); got != strings.Repeat("é", 199)+"… (cut)" {
		t.Errorf("long value = %q", got)
	}
	if got := pageText(t, browser, latest+" .metadata-omitted"); got != "and 4 more keys not shown" {
		t.Errorf("omitted note = %q", got)
	}
	saveScreenshot(t, browser, "contact-timeline")

	// Going back restores the search.
	if _, err := chromedp.Run(browser, chromedp.Evaluate[any](`history.back()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, browser, "list with the search", `location.pathname === "/contacts" && (document.getElementById("contacts-search")||{}).value === "acme" && document.querySelectorAll("#contacts-table tbody tr").length === 1`)
}

// TestLiveEventsShowTestEvent sends test events from the live page and
// checks that the stream shows them, and that its filter holds back the
// other event.
func TestLiveEventsShowTestEvent(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	for _, in := range []apitype.CustomEventInput{{Name: "Signup", Slug: "signup"}, {Name: "Watched Demo Video", Slug: "watched-demo-video"}} {
		if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/live-events")
	waitFor(t, browser, "stream open", textIs("#live-status", "Live: new events appear here as they are stored."))
	waitFor(t, browser, "test buttons", `!!document.querySelector('button[aria-label="Send a test event for Signup"]')`)

	click(t, browser, `button[aria-label="Send a test event for Signup"]`)
	waitFor(t, browser, "test event row", `!!document.querySelector('#live-table tbody tr[data-slug="signup"]')`)
	row := `#live-table tbody tr[data-slug="signup"]`
	if got := pageText(t, browser, row+" td.contact"); got != "Test Contacttest" {
		t.Errorf("contact cell = %q, want Test Contact with the test badge", got)
	}
	if got := pageText(t, browser, row+" td.source"); got != "from the API" {
		t.Errorf("source = %q, want from the API", got)
	}
	waitFor(t, browser, "test status", textIs("#test-event-status", "Recorded a test event of “Signup” for test@example.invalid."))
	waitFor(t, browser, "test count", `document.getElementById("test-event-status").dataset.sent === "1"`)
	var stored int
	if err := ts.Store.DB().NewRaw(`SELECT count(*) FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id
		WHERE o.account_id = ? AND c.email = ?`, ts.Account.ID, apitype.TestContactEmail).Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Errorf("stored test events = %d, want 1", stored)
	}
	saveScreenshot(t, browser, "live-events")

	// With the filter on watched-demo-video, a signup test event stays out.
	pick := `(() => { const s = document.getElementById("live-filter"); s.value = "watched-demo-video"; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`
	if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](pick)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, browser, "filtered stream open", textIs("#live-status", "Live: new events of watched-demo-video appear here as they are stored."))
	waitFor(t, browser, "filter in the URL", `location.search === "?event=watched-demo-video"`)
	waitFor(t, browser, "list cleared", `!!document.getElementById("live-empty")`)
	click(t, browser, `button[aria-label="Send a test event for Signup"]`)
	waitFor(t, browser, "second signup recorded", `document.getElementById("test-event-status").dataset.sent === "2"`)
	click(t, browser, `button[aria-label="Send a test event for Watched Demo Video"]`)
	waitFor(t, browser, "filtered row", `!!document.querySelector('#live-table tbody tr[data-slug="watched-demo-video"]')`)
	if n := pageString(t, browser, `String(document.querySelectorAll("#live-table tbody tr").length)`); n != "1" {
		t.Errorf("rows with the filter = %s, want only the watched-demo-video event", n)
	}
	saveScreenshot(t, browser, "live-events-filtered")
}

// TestBeaconCheckReportsFirstEvent clicks "Check my site", then sends the
// first beacon event and waits for the page to report it.
func TestBeaconCheckReportsFirstEvent(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/beacon")

	waitFor(t, browser, "examples with the account's slug", textIs("#example-capture", "$__MA.captureEvent('signup');"))
	if got := pageText(t, browser, "#example-metadata"); got != "$__MA.captureEvent('signup', {plan: 'pro', seats: 3});" {
		t.Errorf("metadata example = %q", got)
	}
	if got := pageText(t, browser, "#example-identify"); got != "$__MA.identify({email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', company: 'Acme'});" {
		t.Errorf("identify example = %q", got)
	}

	click(t, browser, "#check-site")
	waitFor(t, browser, "no event yet", textIs("#check-site-status", "No beacon event yet. Open a page of your site that fires an event: this check looks again every 2 seconds for 2 minutes."))
	waitFor(t, browser, "hints", `document.querySelectorAll("#check-site-hints li").length === 6`)
	saveScreenshot(t, browser, "beacon-check-waiting")

	// A message for a slug that the account lacks is listed with the fix.
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://example.com/pricing","e":"sign-up"}`, nil)
	const unknownSlug = `No custom event has the slug "sign-up": create it under Settings → Custom Events, or correct the slug in the page.`
	waitFor(t, browser, "dropped message listed", dropReasonsAre(unknownSlug))

	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://example.com/pricing","e":"signup"}`, nil)
	var storedAt time.Time
	if err := ts.Store.DB().NewRaw("SELECT occurred_at FROM event_occurrences WHERE source = 'beacon'").Scan(context.Background(), &storedAt); err != nil {
		t.Fatal(err)
	}
	want := "The first beacon event arrived: signup, arrived at " + storedAt.UTC().Format("2006-01-02 15:04:05") + " UTC from https://example.com/pricing."
	waitFor(t, browser, "first event reported", textIs("#check-site-status", want))
	waitFor(t, browser, "hints hidden", `!document.getElementById("check-site-hints")`)
	saveScreenshot(t, browser, "beacon-check-arrived")

	// A later check reports the latest event at once.
	waitFor(t, browser, "button enabled", `!document.getElementById("check-site").disabled`)
	click(t, browser, "#check-site")
	want = "Your site is sending events. The latest beacon event, signup, arrived at " + storedAt.UTC().Format("2006-01-02 15:04:05") + " UTC from https://example.com/pricing."
	waitFor(t, browser, "latest event reported", textIs("#check-site-status", want))

	// With an event found, the check still watches for dropped messages,
	// as a site may send some events right and one slug wrong.
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://example.com/pricing","e":"sign-up"}`, nil)
	waitFor(t, browser, "repeated drop counted", dropReasonsAre(unknownSlug+" (2 messages)"))
}

// dropReasonsAre returns a page condition: the list of dropped messages
// under Check my site shows reasons, in order, leaving out their times.
func dropReasonsAre(reasons ...string) string {
	want, _ := json.Marshal(reasons)
	return `JSON.stringify(Array.from(document.querySelectorAll("#check-site-drops li"),
		li => li.textContent.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: /, ""))) === ` + strconv.Quote(string(want))
}

// TestGraphQLExamplesUseAccountEndpoint checks the examples against the
// account's endpoint and first slug, and runs the JavaScript one in the
// page with a real key.
func TestGraphQLExamplesUseAccountEndpoint(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	for _, in := range []apitype.CustomEventInput{{Name: "Watched Demo Video", Slug: "watched-demo-video"}, {Name: "Signed Up", Slug: "signed-up"}} {
		if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/graphql")

	endpoint := ts.URL + "/graphql"
	waitFor(t, browser, "endpoint", textIs("#graphql-endpoint", endpoint))
	var javaScript string
	for _, example := range apitype.GraphQLExamples(endpoint, "signed-up") {
		got := pageText(t, browser, "#gql-example-"+example.ID)
		if got != example.Code {
			t.Errorf("%s example =\n%s\nwant\n%s", example.ID, got, example.Code)
		}
		if !strings.Contains(got, endpoint) || !strings.Contains(got, "signed-up") {
			t.Errorf("%s example lacks the endpoint or the slug", example.ID)
		}
		if example.ID == "javascript" {
			javaScript = got
		}
	}
	click(t, browser, "#copy-gql-example-curl")
	waitFor(t, browser, "copy status", `["Copied.", "Copying was blocked by the browser: select the text and copy it by hand."].includes(document.getElementById("copy-gql-example-curl-status").textContent)`)
	saveScreenshot(t, browser, "graphql-examples")

	// The JavaScript example runs as shown once the key is filled in.
	run := `console.log = (result) => { window.__exampleResult = result };` + strings.Replace(javaScript, apitype.ExampleAPIKey, ts.APIKey, 1) + "true"
	if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](run)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, browser, "example result", `!!(window.__exampleResult && window.__exampleResult.data && window.__exampleResult.data.triggerCustomEvent)`)
	var slug string
	err := ts.Store.DB().NewRaw(`
		SELECT e.slug FROM event_occurrences o
		JOIN custom_events e ON e.id = o.custom_event_id
		JOIN contacts c ON c.id = o.contact_id
		WHERE o.account_id = ? AND c.email = ?`, ts.Account.ID, apitype.ExampleEmail).Scan(ctx, &slug)
	if err != nil {
		t.Fatalf("find the example's occurrence: %v", err)
	}
	if slug != "signed-up" {
		t.Errorf("slug = %q, want signed-up", slug)
	}
}

// TestContactTimelineShowsActionRuns runs an event's actions and checks
// that the contact's timeline lists them under the event, in order.
func TestContactTimelineShowsActionRuns(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.SetEventActions(t, ts.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{
			{Type: apitype.ActionAdjustScore, Delta: 3},
			{Type: apitype.ActionAddToList, ListID: 424242},
		}},
	})
	occurrence, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	runAllActions(t, ts.Store)
	browser := newBrowser(t)
	path := fmt.Sprintf("/contacts/%d", occurrence.ContactID)
	signInBrowser(t, browser, ts, path)

	item := fmt.Sprintf(`#timeline li[data-occurrence="%d"]`, occurrence.ID)
	waitFor(t, browser, "action runs", fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, item+" .runs li"))
	runs := pageString(t, browser, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(li => li.dataset.outcome + ": " + li.textContent).join("\n")`, item+" .runs li"))
	want := "succeeded: adjust score: succeeded\n" +
		"dead: add to list: dead — list 424242 was not found in this account: choose another list for the action"
	if runs != want {
		t.Errorf("runs =\n%s\nwant\n%s", runs, want)
	}
	if got := pageText(t, browser, `#contact-fields [data-field="lead-score"] dd`); got != "3" {
		t.Errorf("lead score = %q, want 3", got)
	}
	saveScreenshot(t, browser, "contact-action-runs")
}
