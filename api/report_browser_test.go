package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"customevents/app/apitype"
	"customevents/db"
)

// reportDays are the days of the report test: day(0) to day(6) is the
// 7-day range ending today in UTC, the fixture account's time zone, and
// day(-7) to day(-1) is the previous period.
type reportDays struct {
	today time.Time
}

func (d reportDays) day(k int) time.Time {
	return d.today.AddDate(0, 0, k-6)
}

func (d reportDays) date(k int) string {
	return d.day(k).Format(apitype.DateLayout)
}

// at returns hour:00 UTC on day(k).
func (d reportDays) at(k, hour int) time.Time {
	return d.day(k).Add(time.Duration(hour) * time.Hour)
}

// seedReport stores the occurrences the report test reads, in an order that
// gives the contacts ascending ids: Ann, Bob, the anonymous visitor, Carol.
//
//	day(-4): Bob 1           (previous period)
//	day(-2): Ann 3           (previous period)
//	day(2):  Ann 1, visitor 1
//	day(5):  Ann 2, Bob 1
//	day(6):  Carol 1
//
// Downloaded Whitepaper has 120 contacts on day(4) and none before, and
// Started Trial has no occurrences.
func seedReport(t *testing.T, ts *testServer, days reportDays, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, in := range []apitype.CustomEventInput{
		{Name: "Watched Demo Video", Slug: "watched-demo-video", IsConversion: true},
		{Name: "Downloaded Whitepaper", Slug: "downloaded-whitepaper"},
		{Name: "Started Trial", Slug: "started-trial"},
	} {
		if _, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, in); err != nil {
			t.Fatal(err)
		}
	}

	ann := db.Trigger{
		Source:      db.SourceBeacon,
		Email:       "ann@example.com",
		Contact:     db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"},
		PageURL:     "https://example.com/pricing?utm_source=newsletter",
		Channel:     string(apitype.ChannelEmail),
		UTMSource:   "newsletter",
		UTMMedium:   "email",
		UTMCampaign: "spring",
		UTMTerm:     "crm",
		UTMContent:  "<b>hero</b>",
	}
	bob := db.Trigger{
		Source:  db.SourceBeacon,
		Email:   "bob@example.com",
		Contact: db.ContactFields{FirstName: "Bob", LastName: "Stone", Company: `=HYPERLINK("http://evil.example")`},
		PageURL: "javascript:alert(1)",
	}
	visitor := db.Trigger{Source: db.SourceBeacon, VisitorID: "visitor-report-1", PageURL: "https://example.com/demo"}
	carol := db.Trigger{
		Source:  db.SourceAPI,
		Email:   "carol@example.com",
		Contact: db.ContactFields{FirstName: "Carol", LastName: "King", Company: "Initech"},
	}
	occurrences := []struct {
		trigger db.Trigger
		at      time.Time
	}{
		{ann, days.at(-2, 10)},
		{ann, days.at(-2, 11)},
		{ann, days.at(-2, 12)},
		{bob, days.at(-4, 10)},
		{visitor, days.at(2, 12)},
		{ann, days.at(2, 10)},
		{ann, days.at(5, 9)},
		{ann, days.at(5, 11)},
		{bob, days.at(5, 15)},
		{carol, now},
	}
	for _, o := range occurrences {
		trigger := o.trigger
		trigger.AccountID = ts.Account.ID
		trigger.Slug = "watched-demo-video"
		trigger.OccurredAt = o.at
		if _, err := ts.Store.RecordEvent(ctx, trigger); err != nil {
			t.Fatalf("record %+v: %v", trigger, err)
		}
	}

	leads := make([]db.Trigger, 120)
	for i := range leads {
		leads[i] = db.Trigger{
			AccountID:  ts.Account.ID,
			Slug:       "downloaded-whitepaper",
			Source:     db.SourceAPI,
			Email:      fmt.Sprintf("lead%03d@example.com", i+1),
			OccurredAt: days.at(4, 8),
		}
	}
	_, errs := ts.Store.RecordEvents(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), leads)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("record lead %d: %v", i+1, err)
		}
	}
}

// evalValue runs a JavaScript expression in the page and returns its value.
func evalValue[T any](t *testing.T, ctx context.Context, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// drilldownRowsJS is an expression for the drilldown rows as "name|email|
// count" strings, in table order.
const drilldownRowsJS = `Array.from(document.querySelectorAll("#drilldown-table tbody tr")).map(tr =>
	[".name", ".email", ".count"].map(s => tr.querySelector(s).textContent).join("|"))`

// waitDrilldownRows waits until the drilldown has loaded exactly want.
func waitDrilldownRows(t *testing.T, ctx context.Context, description string, want []string) {
	t.Helper()
	expression := fmt.Sprintf(`document.getElementById("drilldown") && document.getElementById("drilldown").getAttribute("aria-busy") === "false" && JSON.stringify(%s) === %q`,
		drilldownRowsJS, jsonStrings(want))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expression, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`document.getElementById("drilldown-table") ? `+drilldownRowsJS+` : []`))
		saveScreenshot(t, ctx, "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("waiting for %s: rows = %q, want %q: %v", description, got, want, err)
	}
}

func jsonStrings(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

// assertCardDetails checks a metric card's previous value and change text.
func assertCardDetails(t *testing.T, ctx context.Context, metric, wantPrevious, wantChange, wantPreviousText string) {
	t.Helper()
	card := fmt.Sprintf(`document.querySelector('[data-metric=%q]')`, metric)
	if got := evalValue[string](t, ctx, card+`.dataset.previous`); got != wantPrevious {
		t.Errorf("%s data-previous = %q, want %q", metric, got, wantPrevious)
	}
	if got := evalValue[string](t, ctx, card+`.querySelector(".change").textContent`); got != wantChange {
		t.Errorf("%s change = %q, want %q", metric, got, wantChange)
	}
	if got := evalValue[string](t, ctx, card+`.querySelector(".previous").textContent`); got != wantPreviousText {
		t.Errorf("%s previous = %q, want %q", metric, got, wantPreviousText)
	}
}

// selectOption picks value in a select element as a user would.
func selectOption(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	pick := fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value === %q })()`, selector, value, value)
	if !evalValue[bool](t, ctx, pick) {
		t.Fatalf("select %s has no option %q", selector, value)
	}
}

// TestReportChartAndDrilldown reads a custom event's report over a 7-day
// range from the URL. It checks the metric cards with the previous period,
// the chart in its three types, the drilldown of a day and of the whole
// range, the CSV export, and the range picker. The server's default range
// ends on the test's today, also when the run passes midnight.
func TestReportChartAndDrilldown(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	now := time.Now().UTC()
	ts.server.SetReportClock(now)
	days := reportDays{today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	seedReport(t, ts, days, now)
	var anonymousID int64
	if err := ts.Store.DB().NewRaw("SELECT contact_id FROM visitors WHERE account_id = ? AND id = 'visitor-report-1'", ts.Account.ID).Scan(t.Context(), &anonymousID); err != nil {
		t.Fatal(err)
	}
	// The drilldown names a contact with neither name nor email as the
	// contacts page does.
	anonymousRow := fmt.Sprintf("Anonymous visitor #%d||1", anonymousID)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/automations/custom-events")

	reportURL := fmt.Sprintf("%s/automations/custom-events?event=watched-demo-video&from=%s&to=%s", ts.URL, days.date(0), days.date(6))
	navigate(t, browser, reportURL)
	waitFor(t, browser, "cards of the 7-day range", `(document.querySelector('[data-metric="events-triggered"]')||{dataset:{}}).dataset.value === "6"`)
	waitFor(t, browser, "range heading", textIs("#report-range", days.date(0)+" to "+days.date(6)))

	t.Run("cards", func(t *testing.T) {
		previous := "Previous period (" + days.date(-7) + " to " + days.date(-1) + "): "
		assertCard(t, browser, "events-triggered", "6")
		assertCardDetails(t, browser, "events-triggered", "4", "+50%", previous+"4")
		assertCard(t, browser, "unique-contacts", "4")
		assertCardDetails(t, browser, "unique-contacts", "2", "+100%", previous+"2")
		if got := evalValue[string](t, browser, `document.getElementById("range-preset").value`); got != "custom" {
			t.Errorf("range preset = %q, want custom", got)
		}
		if got := evalValue[string](t, browser, `document.getElementById("range-from").value`); got != days.date(0) {
			t.Errorf("from input = %q, want %s", got, days.date(0))
		}
		if got := evalValue[string](t, browser, `document.getElementById("range-to").value`); got != days.date(6) {
			t.Errorf("to input = %q, want %s", got, days.date(6))
		}
	})

	t.Run("bar chart", func(t *testing.T) {
		waitFor(t, browser, "bar chart", `document.querySelectorAll("#events-chart .day").length === 7`)
		if got := evalValue[int](t, browser, `document.querySelectorAll("#events-chart rect.bar").length`); got != 7 {
			t.Errorf("bars = %d, want 7", got)
		}
		counts := evalValue[[]string](t, browser, `Array.from(document.querySelectorAll("#events-chart .day")).map(g => g.dataset.day + "=" + g.dataset.count)`)
		wantCounts := []string{
			days.date(0) + "=0", days.date(1) + "=0", days.date(2) + "=2", days.date(3) + "=0",
			days.date(4) + "=0", days.date(5) + "=3", days.date(6) + "=1",
		}
		if !slices.Equal(counts, wantCounts) {
			t.Errorf("chart days = %q, want %q", counts, wantCounts)
		}

		// The elements are SVG, so the browser lays them out: the bar of
		// day(5) has a size and the bar of an empty day has none.
		bar := fmt.Sprintf(`document.querySelector('#events-chart .day[data-day=%q] rect.bar')`, days.date(5))
		if got := evalValue[string](t, browser, bar+`.namespaceURI`); got != "http://www.w3.org/2000/svg" {
			t.Errorf("bar namespace = %q, want the SVG namespace", got)
		}
		if !evalValue[bool](t, browser, bar+`.getBBox().width > 0 && `+bar+`.getBBox().height > 0`) {
			t.Error("bar of day(5) has no size")
		}
		empty := fmt.Sprintf(`document.querySelector('#events-chart .day[data-day=%q] rect.bar').getBBox().height`, days.date(0))
		if got := evalValue[float64](t, browser, empty); got != 0 {
			t.Errorf("bar height of an empty day = %v, want 0", got)
		}
		// day(5) has 3 events on an axis up to 5, so its bar is 3/5 as
		// tall as the plot.
		ratio := evalValue[float64](t, browser, bar+`.getBBox().height / document.querySelector('#events-chart .day rect.hit').getBBox().height`)
		if ratio < 0.599 || ratio > 0.601 {
			t.Errorf("bar height of day(5) / plot height = %v, want 0.6", ratio)
		}

		day := fmt.Sprintf(`document.querySelector('#events-chart .day[data-day=%q]')`, days.date(5))
		for attribute, want := range map[string]string{
			"tabindex":   "0",
			"role":       "button",
			"aria-label": days.date(5) + ": 3 events",
		} {
			if got := evalValue[string](t, browser, fmt.Sprintf(`%s.getAttribute(%q)`, day, attribute)); got != want {
				t.Errorf("day(5) %s = %q, want %q", attribute, got, want)
			}
		}
		if got := evalValue[string](t, browser, day+`.querySelector("title").textContent`); got != days.date(5)+": 3 events, 2 unique contacts" {
			t.Errorf("day(5) tooltip = %q", got)
		}
		if got := evalValue[string](t, browser, fmt.Sprintf(`document.querySelector('#events-chart .day[data-day=%q]').getAttribute("aria-label")`, days.date(6))); got != days.date(6)+": 1 event" {
			t.Errorf("day(6) aria-label = %q, want %q", got, days.date(6)+": 1 event")
		}

		tableRows := evalValue[[]string](t, browser, `Array.from(document.querySelectorAll("#events-by-day-table tbody tr")).map(tr => tr.textContent)`)
		if len(tableRows) != 7 {
			t.Fatalf("table rows = %d, want 7", len(tableRows))
		}
		if want := days.date(5) + "32"; tableRows[5] != want {
			t.Errorf("table row of day(5) = %q, want %q", tableRows[5], want)
		}
		if got := evalValue[string](t, browser, `document.querySelector("#events-by-day-table caption").textContent`); got != "Events by day from "+days.date(0)+" to "+days.date(6) {
			t.Errorf("table caption = %q", got)
		}
		if got := evalValue[bool](t, browser, `document.getElementById("events-by-day-table").parentElement.getBoundingClientRect().width <= 1`); !got {
			t.Error("day table is visible, want it visually hidden")
		}
		saveScreenshot(t, browser, "report-bar-chart")
	})

	t.Run("chart types persist", func(t *testing.T) {
		click(t, browser, "#chart-type-line")
		waitFor(t, browser, "line chart", `document.getElementById("events-chart").dataset.chart === "line" && document.querySelectorAll("#events-chart circle.point").length === 7`)
		if got := evalValue[int](t, browser, `document.querySelectorAll("#events-chart polyline.line").length`); got != 1 {
			t.Errorf("lines = %d, want 1", got)
		}
		saveScreenshot(t, browser, "report-line-chart")

		click(t, browser, "#chart-type-pie")
		waitFor(t, browser, "pie chart", `document.getElementById("events-chart").dataset.chart === "pie" && document.querySelectorAll("#events-chart .slice").length === 3`)
		labels := evalValue[[]string](t, browser, `Array.from(document.querySelectorAll("#events-chart .day")).map(g => g.getAttribute("aria-label"))`)
		wantLabels := []string{days.date(2) + ": 2 events", days.date(5) + ": 3 events", days.date(6) + ": 1 event"}
		if !slices.Equal(labels, wantLabels) {
			t.Errorf("pie slices = %q, want %q", labels, wantLabels)
		}
		if !evalValue[bool](t, browser, `document.querySelector("#events-chart path.slice").getBBox().width > 0`) {
			t.Error("pie slice has no size")
		}

		navigate(t, browser, reportURL)
		waitFor(t, browser, "pie chart after reload", `!!document.getElementById("events-chart") && document.getElementById("events-chart").dataset.chart === "pie"`)
		if got := evalValue[string](t, browser, `document.getElementById("chart-type-pie").getAttribute("aria-pressed")`); got != "true" {
			t.Errorf("pie button aria-pressed = %q, want true", got)
		}
		if got := evalValue[string](t, browser, `localStorage.getItem("customevents.chart-type.admin@example.com")`); got != `"pie"` {
			t.Errorf("stored chart type = %q, want %q", got, `"pie"`)
		}
		saveScreenshot(t, browser, "report-pie-chart")

		click(t, browser, "#chart-type-bar")
		waitFor(t, browser, "bar chart again", `document.getElementById("events-chart").dataset.chart === "bar" && document.querySelectorAll("#events-chart rect.bar").length === 7`)
	})

	t.Run("day drilldown", func(t *testing.T) {
		click(t, browser, fmt.Sprintf(`#events-chart .day[data-day=%q]`, days.date(5)))
		waitFor(t, browser, "drilldown of day(5)", textIs("#drilldown-title", "Contacts on "+days.date(5)))
		waitDrilldownRows(t, browser, "contacts of day(5)", []string{
			"Ann Lee|ann@example.com|2",
			"Bob Stone|bob@example.com|1",
		})
		row := func(n int) string {
			return fmt.Sprintf(`document.querySelectorAll("#drilldown-table tbody tr")[%d]`, n)
		}
		cells := evalValue[[]string](t, browser, `Array.from(`+row(0)+`.cells).map(td => td.innerText)`)
		wantCells := []string{
			"Ann Lee", "ann@example.com", "Acme", "2", days.date(5) + " 11:00",
			"https://example.com/pricing?utm_source=newsletter", "Email\nnewsletter / email / spring\nterm crm · content <b>hero</b>", "Yes",
		}
		if !slices.Equal(cells, wantCells) {
			t.Errorf("row of Ann = %q, want %q", cells, wantCells)
		}
		// The UTM content is text, not markup.
		if got := evalValue[int](t, browser, row(0)+`.querySelectorAll(".attribution b").length`); got != 0 {
			t.Errorf("b elements in Ann's attribution = %d, want 0", got)
		}
		if got := evalValue[string](t, browser, row(0)+`.querySelector(".utm-term-content").title`); got != "UTM term and content" {
			t.Errorf("title of Ann's UTM term and content = %q", got)
		}
		// Bob's occurrences have no UTM values, so his cell has the
		// channel alone.
		if got := evalValue[string](t, browser, row(1)+`.querySelector(".attribution").innerText`); got != "Direct" {
			t.Errorf("Bob's attribution = %q, want %q", got, "Direct")
		}
		// Every column, the channel and UTM too, shows without scrolling
		// in the 1280-pixel window.
		if got := evalValue[string](t, browser, `(() => { const s = document.querySelector("#drilldown .table-scroll"); return s.scrollWidth + " " + s.clientWidth })()`); strings.Fields(got)[0] != strings.Fields(got)[1] {
			t.Errorf("drilldown table scroll width and visible width = %s, want equal", got)
		}
		if got := evalValue[string](t, browser, row(0)+`.querySelector(".page-url a").getAttribute("href")`); got != "https://example.com/pricing?utm_source=newsletter" {
			t.Errorf("Ann's page link = %q", got)
		}
		// Bob's company and page URL are shown as text: no formula, no
		// javascript: link.
		if got := evalValue[string](t, browser, row(1)+`.querySelector(".company").textContent`); got != `=HYPERLINK("http://evil.example")` {
			t.Errorf("Bob's company = %q", got)
		}
		if got := evalValue[int](t, browser, row(1)+`.querySelectorAll("td:not(.name) a").length`); got != 0 {
			t.Errorf("links in Bob's row besides his name = %d, want 0", got)
		}
		if got := evalValue[string](t, browser, row(1)+`.querySelector(".page-url").textContent`); got != "javascript:alert(1)" {
			t.Errorf("Bob's page URL = %q", got)
		}
		if got := evalValue[string](t, browser, fmt.Sprintf(`document.querySelector('#events-chart .day[data-day=%q]').getAttribute("class")`, days.date(5))); got != "day selected" {
			t.Errorf("class of the clicked day = %q, want %q", got, "day selected")
		}
		saveScreenshot(t, browser, "report-day-drilldown")

		// The keyboard opens a day too.
		if err := chromedp.Do(browser, chromedp.Focus(fmt.Sprintf(`#events-chart .day[data-day=%q]`, days.date(2)))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(browser, chromedp.KeyEvent("\r")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, browser, "drilldown of day(2) by Enter", textIs("#drilldown-title", "Contacts on "+days.date(2)))
		waitDrilldownRows(t, browser, "contacts of day(2)", []string{
			anonymousRow,
			"Ann Lee|ann@example.com|1",
		})
		if err := chromedp.Do(browser, chromedp.Focus(fmt.Sprintf(`#events-chart .day[data-day=%q]`, days.date(6)))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(browser, chromedp.KeyEvent(" ")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, browser, "drilldown of day(6) by Space", textIs("#drilldown-title", "Contacts on "+days.date(6)))
		waitDrilldownRows(t, browser, "contacts of day(6)", []string{"Carol King|carol@example.com|1"})
		// The name opens the contact's timeline, where the actions each
		// trigger ran are listed.
		if got := evalValue[string](t, browser, `(() => { const tr = document.querySelector("#drilldown-table tbody tr"); `+
			`return tr.querySelector(".name a").getAttribute("href") + " " + tr.dataset.contact })()`); !strings.HasPrefix(got, "/contacts/") || strings.TrimPrefix(strings.Fields(got)[0], "/contacts/") != strings.Fields(got)[1] {
			t.Errorf("name link and contact id = %q, want /contacts/ID and the row's ID", got)
		}
	})

	t.Run("range drilldown", func(t *testing.T) {
		// NOTE: in some full runs, a mouse click here right after the day
		// drilldowns above never reached the card, and in others the click
		// on "Latest trigger" below sent no request. The cause is not
		// known, so these two clicks go through the DOM.
		domClick(t, browser, `[data-metric="events-triggered"] .card-drilldown`)
		waitFor(t, browser, "drilldown of the range", textIs("#drilldown-title", "Contacts from "+days.date(0)+" to "+days.date(6)))
		waitDrilldownRows(t, browser, "contacts of the range by count", []string{
			"Ann Lee|ann@example.com|3",
			"Carol King|carol@example.com|1",
			anonymousRow,
			"Bob Stone|bob@example.com|1",
		})
		if got := evalValue[string](t, browser, `document.getElementById("drilldown-status").textContent`); got != "4 contacts" {
			t.Errorf("status = %q, want %q", got, "4 contacts")
		}

		domClick(t, browser, "#drilldown-order-last")
		waitDrilldownRows(t, browser, "contacts of the range by last trigger", []string{
			"Carol King|carol@example.com|1",
			"Bob Stone|bob@example.com|1",
			"Ann Lee|ann@example.com|3",
			anonymousRow,
		})
		if got := evalValue[string](t, browser, `document.getElementById("drilldown-order-last").getAttribute("aria-pressed")`); got != "true" {
			t.Errorf("latest trigger aria-pressed = %q, want true", got)
		}

		typeInto(t, browser, "#drilldown-search", "acme")
		waitDrilldownRows(t, browser, "search by company", []string{"Ann Lee|ann@example.com|3"})
		typeInto(t, browser, "#drilldown-search", "stone")
		waitDrilldownRows(t, browser, "search by last name", []string{"Bob Stone|bob@example.com|1"})
		typeInto(t, browser, "#drilldown-search", "nobody")
		waitFor(t, browser, "no match", textIs("#drilldown-empty", "No contacts match."))
		typeInto(t, browser, "#drilldown-search", "")
		waitDrilldownRows(t, browser, "cleared search", []string{
			"Carol King|carol@example.com|1",
			"Bob Stone|bob@example.com|1",
			"Ann Lee|ann@example.com|3",
			anonymousRow,
		})

		// Clicking the card itself opens the range too, in the default
		// order once the table was closed.
		click(t, browser, "#drilldown-close")
		waitFor(t, browser, "drilldown closed", `!document.getElementById("drilldown")`)
		click(t, browser, `[data-metric="unique-contacts"] h2`)
		waitDrilldownRows(t, browser, "contacts of the range from the card", []string{
			"Ann Lee|ann@example.com|3",
			"Carol King|carol@example.com|1",
			anonymousRow,
			"Bob Stone|bob@example.com|1",
		})
		saveScreenshot(t, browser, "report-range-drilldown")
	})

	t.Run("load more and export", func(t *testing.T) {
		selectOption(t, browser, "#event-select", eventID(t, ts, "downloaded-whitepaper"))
		waitFor(t, browser, "cards of the second event", `(document.querySelector('[data-metric="events-triggered"]')||{dataset:{}}).dataset.value === "120"`)
		waitFor(t, browser, "URL of the second event", fmt.Sprintf(`location.search === %q`, "?event=downloaded-whitepaper&from="+days.date(0)+"&to="+days.date(6)))
		previous := "Previous period (" + days.date(-7) + " to " + days.date(-1) + "): "
		assertCardDetails(t, browser, "events-triggered", "0", "new", previous+"0")
		assertCardDetails(t, browser, "unique-contacts", "0", "new", previous+"0")
		if got := evalValue[bool](t, browser, `!document.getElementById("drilldown")`); !got {
			t.Error("drilldown of the first event stayed open")
		}

		click(t, browser, `[data-metric="unique-contacts"] .card-drilldown`)
		waitFor(t, browser, "first page", `document.querySelectorAll("#drilldown-table tbody tr").length === 25 && !!document.getElementById("drilldown-more")`)
		if got := evalValue[string](t, browser, `document.querySelector("#drilldown-table tbody tr .email").textContent`); got != "lead120@example.com" {
			t.Errorf("first row = %q, want lead120@example.com (ties by newest contact first)", got)
		}
		click(t, browser, "#drilldown-more")
		waitFor(t, browser, "second page", `document.querySelectorAll("#drilldown-table tbody tr").length === 50`)
		if got := evalValue[string](t, browser, `document.querySelectorAll("#drilldown-table tbody tr")[49].querySelector(".email").textContent`); got != "lead071@example.com" {
			t.Errorf("row 50 = %q, want lead071@example.com", got)
		}

		// The page's download link is replaced by a recorder, so the test
		// reads the file instead of the browser saving it.
		evalValue[bool](t, browser, `(() => {
			window.exported = [];
			const createObjectURL = URL.createObjectURL;
			URL.createObjectURL = blob => { window.exportedBlob = blob; return createObjectURL(blob) };
			HTMLAnchorElement.prototype.click = function () { window.exported.push(this.download) };
			return true })()`)
		click(t, browser, "#drilldown-export")
		fileName := "downloaded-whitepaper-" + days.date(0) + "-to-" + days.date(6) + ".csv"
		waitFor(t, browser, "export finished", textIs("#drilldown-export-status", "Exported 120 contacts to "+fileName+"."))
		if got := evalValue[[]string](t, browser, `window.exported`); !slices.Equal(got, []string{fileName}) {
			t.Errorf("downloads = %q, want %q", got, fileName)
		}
		if got := evalValue[string](t, browser, `window.exportedBlob.type`); got != "text/csv;charset=utf-8" {
			t.Errorf("blob type = %q", got)
		}
		text, err := chromedp.Run(browser, chromedp.Evaluate[string](`window.exportedBlob.text()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) != 121 {
			t.Fatalf("CSV lines = %d, want 121 (header and 120 contacts)", len(lines))
		}
		if want := "Contact ID,First name,Last name,Email,Company,Triggers,First trigger (UTC),Last trigger (UTC),Page URL,Channel,UTM source,UTM medium,UTM campaign,Conversion,UTM term,UTM content"; lines[0] != want {
			t.Errorf("CSV header = %q, want %q", lines[0], want)
		}
		var emails []string
		for _, line := range lines[1:] {
			fields := strings.Split(line, ",")
			if len(fields) != 16 {
				t.Fatalf("CSV line %q has %d fields, want 16", line, len(fields))
			}
			emails = append(emails, fields[3])
			if fields[5] != "1" || fields[13] != "no" {
				t.Errorf("CSV line %q: want 1 trigger and no conversion", line)
			}
		}
		slices.Sort(emails)
		for i, email := range emails {
			if want := fmt.Sprintf("lead%03d@example.com", i+1); email != want {
				t.Fatalf("CSV email %d = %q, want %q", i, email, want)
			}
		}
	})

	t.Run("no change", func(t *testing.T) {
		selectOption(t, browser, "#event-select", eventID(t, ts, "started-trial"))
		waitFor(t, browser, "cards of the third event", `location.search.startsWith("?event=started-trial") && (document.querySelector('[data-metric="events-triggered"]')||{dataset:{}}).dataset.value === "0" && document.getElementById("metric-cards").getAttribute("aria-busy") === "false"`)
		previous := "Previous period (" + days.date(-7) + " to " + days.date(-1) + "): "
		assertCardDetails(t, browser, "events-triggered", "0", "no change", previous+"0")
		assertCardDetails(t, browser, "unique-contacts", "0", "no change", previous+"0")
		if got := evalValue[int](t, browser, `document.querySelectorAll("#events-chart rect.bar").length`); got != 7 {
			t.Errorf("bars of an event without occurrences = %d, want 7", got)
		}
	})

	t.Run("range picker", func(t *testing.T) {
		// A preset in the URL is counted back from the server's today.
		navigate(t, browser, ts.URL+"/automations/custom-events?event=watched-demo-video&range=last-7-days")
		waitFor(t, browser, "preset range", textIs("#report-range", "Last 7 days: "+days.date(0)+" to "+days.date(6)))
		assertCard(t, browser, "events-triggered", "6")
		if got := evalValue[string](t, browser, `document.getElementById("range-preset").value`); got != "last-7-days" {
			t.Errorf("range preset = %q, want last-7-days", got)
		}

		selectOption(t, browser, "#range-preset", "yesterday")
		waitFor(t, browser, "yesterday", textIs("#report-range", "Yesterday: "+days.date(5)))
		waitFor(t, browser, "URL of yesterday", `location.search === "?event=watched-demo-video&range=yesterday"`)
		assertCard(t, browser, "events-triggered", "3")
		assertCard(t, browser, "unique-contacts", "2")
		assertCardDetails(t, browser, "events-triggered", "0", "new", "Previous period ("+days.date(4)+" to "+days.date(4)+"): 0")
		if got := evalValue[int](t, browser, `document.querySelectorAll("#events-chart rect.bar").length`); got != 1 {
			t.Errorf("bars of one day = %d, want 1", got)
		}

		selectOption(t, browser, "#range-preset", "last-30-days")
		waitFor(t, browser, "URL of the default range", `location.search === "?event=watched-demo-video"`)
		waitFor(t, browser, "default range", textIs("#report-range", "Last 30 days: "+days.date(-23)+" to "+days.date(6)))
		assertCard(t, browser, "events-triggered", "10")

		// Fixed days from the date inputs.
		evalValue[bool](t, browser, fmt.Sprintf(`(() => {
			document.getElementById("range-from").value = %q;
			document.getElementById("range-to").value = %q;
			return true })()`, days.date(5), days.date(6)))
		click(t, browser, "#range-apply")
		waitFor(t, browser, "custom range", textIs("#report-range", days.date(5)+" to "+days.date(6)))
		waitFor(t, browser, "URL of the custom range", fmt.Sprintf(`location.search === %q`, "?event=watched-demo-video&from="+days.date(5)+"&to="+days.date(6)))
		assertCard(t, browser, "events-triggered", "4")
		assertCard(t, browser, "unique-contacts", "3")
		assertCardDetails(t, browser, "events-triggered", "0", "new", "Previous period ("+days.date(3)+" to "+days.date(4)+"): 0")
		if got := evalValue[string](t, browser, `document.getElementById("range-preset").value`); got != "custom" {
			t.Errorf("range preset = %q, want custom", got)
		}

		evalValue[bool](t, browser, fmt.Sprintf(`(() => {
			document.getElementById("range-from").value = %q;
			document.getElementById("range-to").value = %q;
			return true })()`, days.date(6), days.date(5)))
		click(t, browser, "#range-apply")
		waitFor(t, browser, "range error", textIs("#range-error", "Range end "+days.date(5)+" is before its start "+days.date(6)+": swap them."))
		saveScreenshot(t, browser, "report-range-picker")
	})
}

// eventID returns the id of the custom event with slug as the event picker's
// option value.
func eventID(t *testing.T, ts *testServer, slug string) string {
	t.Helper()
	event, err := ts.Store.CustomEventBySlug(context.Background(), ts.Account.ID, slug)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(event.ID, 10)
}

// domClick clicks an element through the DOM, without a mouse position.
func domClick(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	script := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.click(); return true })()`, selector)
	found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
	if err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
	if !found {
		t.Fatalf("click %s: no such element", selector)
	}
}
