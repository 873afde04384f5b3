package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"customevents/api"
	"customevents/app/apitype"
	"customevents/static"
)

// requireWASM fails the test when the admin app's WASM was not built into
// the static files, because the pages would never leave their prerendered
// state.
func requireWASM(t *testing.T) {
	t.Helper()
	if _, err := fs.Stat(static.Web, "web/app.wasm"); err != nil {
		t.Fatal("static/web/app.wasm is missing: run `make wasm` before go test (make test does)")
	}
}

// waitFor polls a JavaScript expression in the page until it is true. It
// polls on an interval and not on DOM mutations, because typing into an
// input changes its value property without mutating the DOM.
func waitFor(t *testing.T, ctx context.Context, what, expression string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expression, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		saveScreenshot(t, ctx, "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("waiting for %s (%s): %v", what, expression, err)
	}
}

// textIs returns an expression that is true when the element matching
// selector exists and its text content equals want.
func textIs(selector, want string) string {
	return fmt.Sprintf(`(document.querySelector(%q)||{}).textContent === %q`, selector, want)
}

// typeInto replaces the value of an input with text by key presses, so the
// page receives the same input events as from a user.
func typeInto(t *testing.T, ctx context.Context, selector, text string) {
	t.Helper()
	clear := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, selector)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](clear)); err != nil {
		t.Fatalf("clear %s: %v", selector, err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(selector, text)); err != nil {
		t.Fatalf("type into %s: %v", selector, err)
	}
}

func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(selector)); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// TestAdminAppWalkthrough follows a marketer through the admin app: sign
// in, define events, copy the snippet onto a website, fire the event from
// the site and from GraphQL, and read the metric cards.
func TestAdminAppWalkthrough(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	browser := newBrowser(t)

	// A page that needs a session sends the visitor to sign in and back.
	navigate(t, browser, ts.URL+"/settings/custom-events")
	waitFor(t, browser, "sign-in form", `location.pathname === "/login" && !!document.getElementById("login-email")`)
	typeInto(t, browser, "#login-email", ts.AdminEmail)
	typeInto(t, browser, "#login-password", "wrong password")
	click(t, browser, "#login-submit")
	waitFor(t, browser, "sign-in error", `!!document.getElementById("login-error")`)
	typeInto(t, browser, "#login-password", ts.AdminPassword)
	click(t, browser, "#login-submit")
	waitFor(t, browser, "custom event settings after sign-in", `location.pathname === "/settings/custom-events" && !!document.getElementById("events-empty")`)
	waitFor(t, browser, "account name in header", textIs("#account-name", "Test Company"))

	t.Run("slug errors inline", func(t *testing.T) {
		// The name suggests a reserved slug, which the form rejects as
		// the user types.
		typeInto(t, browser, "#ce-name", "Impression")
		waitFor(t, browser, "suggested slug", `document.getElementById("ce-slug").value === "impression"`)
		waitFor(t, browser, "reserved slug error", textIs("#ce-slug-error", `Slug "impression" is reserved for a built-in event: choose another.`))

		typeInto(t, browser, "#ce-slug", "Bad Slug")
		waitFor(t, browser, "uppercase slug error", textIs("#ce-slug-error", `Slug must be lowercase: replace 'B' with 'b'.`))

		// A definition created elsewhere after the page loaded is only
		// caught by the API, whose error shows at the field too.
		if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
			t.Fatal(err)
		}
		typeInto(t, browser, "#ce-name", "Signed Up")
		typeInto(t, browser, "#ce-slug", "signed-up")
		waitFor(t, browser, "slug error cleared", textIs("#ce-slug-error", ""))
		click(t, browser, "#event-submit")
		waitFor(t, browser, "duplicate slug error from the API", textIs("#ce-slug-error", `Slug "signed-up" is already used by another custom event in this account: choose another.`))
		saveScreenshot(t, browser, "custom-event-slug-error")
	})

	t.Run("create edit delete", func(t *testing.T) {
		navigate(t, browser, ts.URL+"/settings/custom-events")
		waitFor(t, browser, "list with the existing event", `!!document.querySelector('tr[data-slug="signed-up"]')`)

		typeInto(t, browser, "#ce-name", "Watched Demo Video")
		waitFor(t, browser, "suggested slug", `document.getElementById("ce-slug").value === "watched-demo-video"`)
		typeInto(t, browser, "#ce-description", "Visitor watched the product demo to the end.")
		click(t, browser, "#ce-conversion")
		click(t, browser, "#event-submit")
		waitFor(t, browser, "new row", `!!document.querySelector('tr[data-slug="watched-demo-video"]')`)
		waitFor(t, browser, "created notice", textIs("#events-notice", "Created “Watched Demo Video”."))
		waitFor(t, browser, "form reset", `document.getElementById("ce-name").value === "" && document.getElementById("ce-slug").value === ""`)

		created, err := ts.Store.CustomEventBySlug(ctx, ts.Account.ID, "watched-demo-video")
		if err != nil {
			t.Fatalf("created event not stored: %v", err)
		}
		if created.Name != "Watched Demo Video" {
			t.Errorf("name = %q, want %q", created.Name, "Watched Demo Video")
		}
		if created.Description != "Visitor watched the product demo to the end." {
			t.Errorf("description = %q, want %q", created.Description, "Visitor watched the product demo to the end.")
		}
		if !created.IsConversion {
			t.Error("isConversion = false, want true")
		}
		waitFor(t, browser, "conversion column", textIs(`tr[data-slug="watched-demo-video"] td.conversion`, "Yes"))

		click(t, browser, `button[aria-label="Edit Signed Up"]`)
		waitFor(t, browser, "edit form", `document.getElementById("ce-name").value === "Signed Up" && !!document.getElementById("event-cancel")`)
		typeInto(t, browser, "#ce-name", "Signed Up For Trial")
		click(t, browser, "#event-submit")
		waitFor(t, browser, "renamed row", textIs(`tr[data-slug="signed-up"] td.name`, "Signed Up For Trial"))
		renamed, err := ts.Store.CustomEventBySlug(ctx, ts.Account.ID, "signed-up")
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Name != "Signed Up For Trial" {
			t.Errorf("stored name = %q, want %q", renamed.Name, "Signed Up For Trial")
		}

		click(t, browser, `button[aria-label="Delete Signed Up For Trial"]`)
		waitFor(t, browser, "delete confirmation", `!!document.getElementById("confirm-delete")`)
		click(t, browser, "#confirm-delete")
		waitFor(t, browser, "row removed", `!document.querySelector('tr[data-slug="signed-up"]')`)
		events, err := ts.Store.CustomEvents(ctx, ts.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Slug != "watched-demo-video" {
			t.Errorf("live events = %+v, want only watched-demo-video", events)
		}
		saveScreenshot(t, browser, "custom-events-settings")
	})

	// The snippet shown in the app goes onto a website on another origin.
	navigate(t, browser, ts.URL+"/settings/beacon")
	waitFor(t, browser, "snippet", `!!document.getElementById("beacon-snippet")`)
	snippet, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("beacon-snippet").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if want := api.Snippet(ts.URL, ts.Account.SiteKey); snippet != want {
		t.Fatalf("snippet shown =\n%s\nwant\n%s", snippet, want)
	}
	saveScreenshot(t, browser, "beacon-settings")

	siteURL := newSitePage(t, "<!doctype html><html><head>"+snippet+"</head><body><h1>Demo</h1></body></html>")
	navigate(t, browser, siteURL+"/demo")
	waitFor(t, browser, "beacon script loaded", `!!window.$__MA && !window.$__MA.q`)
	if _, err := chromedp.Run(browser, chromedp.Evaluate[any](`$__MA.captureEvent('watched-demo-video')`)); err != nil {
		t.Fatal(err)
	}
	ts.waitCollected(t, 1)

	// The backend fires the same event with the mutation exactly as the
	// documentation shows it.
	status, body := postGraphQL(t, ts.URL, ts.APIKey, "mutation {\ntriggerCustomEvent(input: {\nslug: \"watched-demo-video\"\nemail: \"contact@example.com\"\n})\n}")
	if status != http.StatusOK {
		t.Fatalf("GraphQL status = %d, body %s", status, body)
	}
	var reply struct {
		Data   map[string]string `json:"data"`
		Errors []any             `json:"errors"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(reply.Errors) != 0 || reply.Data["triggerCustomEvent"] == "" {
		t.Fatalf("GraphQL reply = %s, want an occurrence id", body)
	}

	// Another event sorts first, so the report opens on it and the user
	// picks the one fired above.
	other, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Downloaded Whitepaper", Slug: "downloaded-whitepaper"})
	if err != nil {
		t.Fatal(err)
	}
	watched, err := ts.Store.CustomEventBySlug(ctx, ts.Account.ID, "watched-demo-video")
	if err != nil {
		t.Fatal(err)
	}
	navigate(t, browser, ts.URL+"/automations/custom-events")
	waitFor(t, browser, "cards of the first event", fmt.Sprintf(`document.getElementById("event-select") && document.getElementById("event-select").value === %q && !!document.querySelector('[data-metric="events-triggered"]')`, strconv.FormatInt(other.ID, 10)))
	assertCard(t, browser, "events-triggered", "0")
	assertCard(t, browser, "unique-contacts", "0")

	pick := fmt.Sprintf(`(() => { const s = document.getElementById("event-select"); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, strconv.FormatInt(watched.ID, 10))
	if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](pick)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, browser, "cards of the picked event", `(document.querySelector('[data-metric="events-triggered"]')||{dataset:{}}).dataset.value === "2"`)
	assertCard(t, browser, "events-triggered", "2")
	assertCard(t, browser, "unique-contacts", "2")
	waitFor(t, browser, "event in the URL", `location.search === "?event=watched-demo-video"`)
	saveScreenshot(t, browser, "custom-events-report")

	// A reload keeps the picked event.
	navigate(t, browser, ts.URL+"/automations/custom-events?event=watched-demo-video")
	waitFor(t, browser, "cards after reload", `(document.querySelector('[data-metric="unique-contacts"]')||{dataset:{}}).dataset.value === "2"`)

	click(t, browser, "#sign-out")
	waitFor(t, browser, "sign-in page after sign-out", `location.pathname === "/login" && !!document.getElementById("login-email")`)
	navigate(t, browser, ts.URL+"/automations/custom-events")
	waitFor(t, browser, "sign-in page for a signed-out visit", `location.pathname === "/login" && !!document.getElementById("login-email")`)
}

// assertCard checks the number shown on a metric card.
func assertCard(t *testing.T, ctx context.Context, metric, want string) {
	t.Helper()
	selector := fmt.Sprintf(`[data-metric=%q] .value`, metric)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).textContent`, selector)))
	if err != nil {
		t.Fatalf("read %s card: %v", metric, err)
	}
	if got != want {
		t.Errorf("%s card = %q, want %q", metric, got, want)
	}
}

// postGraphQL sends a GraphQL document with an API key and returns the
// status and body.
func postGraphQL(t *testing.T, baseURL, apiKey, query string) (int, []byte) {
	t.Helper()
	payload, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/graphql", strings.NewReader(string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// signInBrowser signs in through the sign-in page and waits for the page
// it returns to.
func signInBrowser(t *testing.T, browser context.Context, ts *testServer, path string) {
	t.Helper()
	signInBrowserAs(t, browser, ts, ts.AdminEmail, ts.AdminPassword, path)
}

// signInBrowserAs opens path, signs in on the login page that it leads
// to, and waits until path shows signed in.
func signInBrowserAs(t *testing.T, browser context.Context, ts *testServer, email, password, path string) {
	t.Helper()
	navigate(t, browser, ts.URL+path)
	waitFor(t, browser, "sign-in form", `location.pathname === "/login" && !!document.getElementById("login-email")`)
	typeInto(t, browser, "#login-email", email)
	typeInto(t, browser, "#login-password", password)
	click(t, browser, "#login-submit")
	waitFor(t, browser, "page after sign-in", fmt.Sprintf(`location.pathname === %q && !!document.getElementById("sign-out")`, path))
}

// Without a key, only admins may send requests from the explorer, so an
// editor is asked for a key instead of getting the server's 403.
func TestGraphQLExplorerAsksEditorForKey(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ts.AddMember(t, ts.Account.ID, "editor@example.com", "editor password", apitype.RoleEditor)
	browser := newBrowser(t)
	navigate(t, browser, ts.URL+"/settings/graphql")
	waitFor(t, browser, "sign-in form", `location.pathname === "/login" && !!document.getElementById("login-email")`)
	typeInto(t, browser, "#login-email", "editor@example.com")
	typeInto(t, browser, "#login-password", "editor password")
	click(t, browser, "#login-submit")
	waitFor(t, browser, "explorer", `location.pathname === "/settings/graphql" && !!document.getElementById("gql-run")`)
	// The page shows from the start that this member needs a key.
	waitFor(t, browser, "key label", `document.querySelector("label[for=gql-key]").textContent === "API key"`)
	waitFor(t, browser, "lead", textIs("#gql-lead", "Send GraphQL requests to this server's /graphql with an API key of this account: it stays in this page and is not stored. Admins can also send them without a key."))

	click(t, browser, "#gql-run")
	waitFor(t, browser, "message", textIs("#gql-error", "API key is missing: paste a key of this account. Without a key, only admins can send requests from this page."))
}

func TestGraphQLExplorerRunsQuery(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	if _, err := ts.Store.CreateCustomEvent(context.Background(), ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/graphql")

	// The page shows the schema, descriptions included, as the reference
	// of the fields to query.
	waitFor(t, browser, "schema", `!!document.getElementById("gql-schema-text")`)
	schema, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("gql-schema-text").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if schema != repositorySchema(t) {
		t.Errorf("schema on the page (%d bytes) differs from graph.SchemaText", len(schema))
	}

	// Without a key the request goes with the session.
	click(t, browser, "#gql-run")
	waitFor(t, browser, "response", `!!document.getElementById("gql-result")`)
	result, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.getElementById("gql-result").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "data": {
    "customEvents": [
      {
        "name": "Signed Up",
        "slug": "signed-up",
        "isConversion": false
      }
    ]
  }
}`
	if strings.TrimSpace(result) != want {
		t.Errorf("response =\n%s\nwant\n%s", result, want)
	}
	waitFor(t, browser, "status", textIs("#gql-status", "HTTP 200"))
	saveScreenshot(t, browser, "graphql-explorer")

	// A request that is not sent leaves no response from an earlier one.
	typeInto(t, browser, "#gql-variables", "{")
	click(t, browser, "#gql-run")
	waitFor(t, browser, "variables error", textIs("#gql-error", `Variables are not valid JSON: write an object such as {"slug": "watched-demo-video"}, or leave the field empty.`))
	waitFor(t, browser, "response cleared", `!document.getElementById("gql-result") && !document.getElementById("gql-status")`)
	typeInto(t, browser, "#gql-variables", "{}")

	// With a key the request goes to /graphql, as an integration's does.
	typeInto(t, browser, "#gql-key", "wrong-key")
	click(t, browser, "#gql-run")
	// The page drops the last response when it sends a request, so the
	// element is missing until the new one arrives.
	waitFor(t, browser, "unauthenticated response", `(document.getElementById("gql-result")||{textContent: ""}).textContent.includes("UNAUTHENTICATED")`)
}
