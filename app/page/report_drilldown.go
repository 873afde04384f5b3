package page

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// drilldown is the open table of the contacts behind one day of the chart
// or behind the whole range.
type drilldown struct {
	// Day is the day that opened the table, or "" for the whole range.
	Day string
	// From and To are the report's days when the table opened.
	From string
	To   string

	Order  apitype.DrilldownOrder
	Search string

	Rows       []apitype.DrilldownRow
	NextCursor string
	Loading    bool
	Err        string

	Exporting    bool
	ExportStatus string
}

// query returns the API query of the table's first page of size rows.
func (d *drilldown) query(size int) client.DrilldownQuery {
	return client.DrilldownQuery{
		From:   d.From,
		To:     d.To,
		Day:    d.Day,
		Search: d.Search,
		Order:  d.Order,
		First:  size,
	}
}

// openDrilldown opens the contacts of day, or of the whole range when day
// is empty. The sort order carries over from the table it replaces. While
// a new report loads, the days on screen are about to go, so it does
// nothing.
func (p *Report) openDrilldown(day string) {
	r := p.report
	if r == nil || p.loading {
		return
	}
	if day != "" && !hasDay(r, day) {
		return
	}
	order := apitype.DrilldownByCount
	if p.drill != nil {
		order = p.drill.Order
	}
	p.drill = &drilldown{Day: day, From: r.From, To: r.To, Order: order}
	p.loadDrilldown(false)
	p.ctx.Defer(func(app.Context) {
		setControlValue("drilldown-search", "")
		if el := app.Window().GetElementByID("drilldown"); el.Truthy() {
			el.Call("scrollIntoView", map[string]any{"block": "nearest"})
		}
	})
}

func hasDay(r *apitype.EventReport, day string) bool {
	for _, d := range r.ByDay {
		if d.Date == day {
			return true
		}
	}
	return false
}

// loadDrilldown loads the first page of the table, or with more the page
// after the rows on screen.
func (p *Report) loadDrilldown(more bool) {
	d := p.drill
	query := d.query(apitype.DefaultDrilldownPageSize)
	if more {
		query.After = d.NextCursor
	}
	p.drillSeq++
	seq := p.drillSeq
	id := p.selectedID
	d.Loading = true
	d.Err = ""
	ctx := p.ctx
	ctx.Async(func() {
		page, err := api().EventDrilldown(context.Background(), id, query)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.drillSeq || p.drill != d {
				// A newer search, order or table replaced this request.
				return
			}
			d.Loading = false
			if err != nil {
				d.Err = "Contacts could not be loaded: " + err.Error()
				return
			}
			if more {
				d.Rows = append(d.Rows, page.Rows...)
			} else {
				d.Rows = page.Rows
			}
			d.NextCursor = page.NextCursor
		})
	})
}

func (p *Report) onDrilldownSearch(ctx app.Context, e app.Event) {
	d := p.drill
	if d == nil {
		return
	}
	search, verr := apitype.NormalizeDrilldownSearch(ctx.JSSrc().Get("value").String())
	if verr != nil {
		d.Err = verr.Message
		return
	}
	if search == d.Search {
		return
	}
	d.Search = search
	p.loadDrilldown(false)
}

func (p *Report) onDrilldownOrder(ctx app.Context, e app.Event) {
	d := p.drill
	if d == nil {
		return
	}
	order, verr := apitype.ParseDrilldownOrder(ctx.JSSrc().Get("dataset").Get("order").String())
	if verr != nil || order == d.Order {
		return
	}
	d.Order = order
	p.loadDrilldown(false)
}

func (p *Report) onDrilldownMore(ctx app.Context, e app.Event) {
	if d := p.drill; d != nil && d.NextCursor != "" && !d.Loading {
		p.loadDrilldown(true)
	}
}

func (p *Report) onDrilldownClose(ctx app.Context, e app.Event) {
	p.drill = nil
	p.drillSeq++
}

// onDrilldownExport downloads every row of the table, not only the pages
// on screen, as a CSV file.
func (p *Report) onDrilldownExport(ctx app.Context, e app.Event) {
	d := p.drill
	event := p.selected()
	if d == nil || d.Exporting || event == nil {
		return
	}
	query := d.query(apitype.MaxDrilldownPageSize)
	id := event.ID
	fileName := exportFileName(event.Slug, d)
	d.Exporting = true
	d.ExportStatus = "Exporting contacts…"
	ctx = p.ctx
	ctx.Async(func() {
		rows, err := fetchAllDrilldownRows(id, query)
		ctx.Dispatch(func(ctx app.Context) {
			d.Exporting = false
			if err != nil {
				d.ExportStatus = "Export failed: " + err.Error()
				return
			}
			revokeObjectURL(p.csvURL)
			p.csvURL = downloadCSV(fileName, drilldownCSV(rows))
			d.ExportStatus = "Exported " + countText(int64(len(rows)), "contact", "contacts") + " to " + fileName + "."
		})
	})
}

// fetchAllDrilldownRows reads every page of query, following the cursors.
func fetchAllDrilldownRows(id int64, query client.DrilldownQuery) ([]apitype.DrilldownRow, error) {
	var rows []apitype.DrilldownRow
	for {
		page, err := api().EventDrilldown(context.Background(), id, query)
		if err != nil {
			return nil, err
		}
		rows = append(rows, page.Rows...)
		if page.NextCursor == "" {
			return rows, nil
		}
		if page.NextCursor == query.After {
			// Asking again would return the same page forever.
			return nil, errors.New("the server returned the same page twice: try again")
		}
		query.After = page.NextCursor
	}
}

// exportFileName returns the name of a CSV export, such as
// watched-demo-video-2026-11-05.csv for one day.
func exportFileName(slug string, d *drilldown) string {
	if d.Day != "" {
		return slug + "-" + d.Day + ".csv"
	}
	return slug + "-" + d.From + "-to-" + d.To + ".csv"
}

// downloadCSV offers text as a file download through a temporary link to a
// Blob URL and returns that URL. The caller revokes it later, because the
// browser may read it after the link's click returns.
func downloadCSV(fileName, text string) string {
	window := app.Window()
	// The byte order mark lets spreadsheet programs such as Excel detect
	// UTF-8.
	blob := window.Get("Blob").New([]any{"\ufeff" + text}, map[string]any{"type": "text/csv;charset=utf-8"})
	blobURL := window.Get("URL").Call("createObjectURL", blob).String()
	document := window.Get("document")
	link := document.Call("createElement", "a")
	link.Set("href", blobURL)
	link.Set("download", fileName)
	body := document.Get("body")
	body.Call("appendChild", link)
	link.Call("click")
	body.Call("removeChild", link)
	return blobURL
}

func revokeObjectURL(blobURL string) {
	if blobURL != "" {
		app.Window().Get("URL").Call("revokeObjectURL", blobURL)
	}
}

// renderDrilldown draws the open contacts table with its search, sort,
// paging and export controls.
func (p *Report) renderDrilldown() app.UI {
	d := p.drill
	if d == nil {
		return app.Div()
	}
	title := "Contacts from " + d.From + " to " + d.To
	if d.Day != "" {
		title = "Contacts on " + d.Day
	}
	status := countText(int64(len(d.Rows)), "contact", "contacts")
	if d.NextCursor != "" {
		status += " shown, more to load"
	}
	if d.Loading {
		status = "Loading contacts…"
	}
	return app.Section().ID("drilldown").Class("panel drilldown").Aria("labelledby", "drilldown-title").Aria("busy", d.Loading).Body(
		app.Div().Class("drilldown-header").Body(
			app.H2().ID("drilldown-title").Text(title),
			app.Button().ID("drilldown-close").Type("button").Class("secondary").OnClick(p.onDrilldownClose).Text("Close"),
		),
		app.Div().Class("drilldown-tools").Body(
			app.Div().Class("field").Body(
				app.Label().For("drilldown-search").Text("Search name, email or company"),
				app.Input().ID("drilldown-search").Type("search").
					MaxLength(apitype.MaxDrilldownSearchLength).
					Attr("autocomplete", "off").
					OnInput(p.onDrilldownSearch),
			),
			app.Div().Class("sort").Role("group").Aria("label", "Sort contacts").Body(
				orderButton("drilldown-order-count", apitype.DrilldownByCount, "Most triggers", d.Order, p.onDrilldownOrder),
				orderButton("drilldown-order-last", apitype.DrilldownByLastTriggered, "Latest trigger", d.Order, p.onDrilldownOrder),
			),
			app.Button().ID("drilldown-export").Type("button").Class("secondary").
				Disabled(d.Exporting).OnClick(p.onDrilldownExport).Text("Export CSV"),
		),
		alert("drilldown-error", d.Err),
		app.P().ID("drilldown-status").Class("range").Role("status").Text(status),
		app.If(d.ExportStatus != "", func() app.UI {
			return app.P().ID("drilldown-export-status").Class("range").Role("status").Text(d.ExportStatus)
		}),
		p.renderDrilldownTable(d),
		app.If(d.NextCursor != "", func() app.UI {
			return app.Button().ID("drilldown-more").Type("button").Class("secondary").
				Disabled(d.Loading).OnClick(p.onDrilldownMore).Text("Load more")
		}),
	)
}

func orderButton(id string, order apitype.DrilldownOrder, label string, current apitype.DrilldownOrder, onClick app.EventHandler) app.UI {
	return app.Button().ID(id).Type("button").Class("secondary").
		DataSet("order", order).
		Aria("pressed", order == current).
		OnClick(onClick).
		Text(label)
}

func (p *Report) renderDrilldownTable(d *drilldown) app.UI {
	if len(d.Rows) == 0 {
		if d.Loading {
			return app.Div()
		}
		return app.P().ID("drilldown-empty").Class("empty").Text("No contacts match.")
	}
	return app.Div().Class("table-scroll").Body(
		app.Table().ID("drilldown-table").Body(
			app.Caption().Class("visually-hidden").Text("Contacts, "+sortCaption(d.Order)),
			headerRow("Contact", "Email", "Company", "Triggers", "Last trigger (UTC)", "Page URL",
				"Channel and UTM", "Conversion"),
			app.TBody().Body(
				app.Range(d.Rows).Slice(func(i int) app.UI {
					return drilldownRow(d.Rows[i])
				}),
			),
		),
	)
}

func sortCaption(order apitype.DrilldownOrder) string {
	if order == apitype.DrilldownByLastTriggered {
		return "latest trigger first"
	}
	return "most triggers first"
}

// drilldownRow draws one contact. Every value is text, because names,
// companies, URLs and UTM values come from websites.
func drilldownRow(row apitype.DrilldownRow) app.UI {
	name := strings.TrimSpace(row.FirstName + " " + row.LastName)
	nameClass := "name"
	email := ""
	if row.Email != nil {
		email = *row.Email
	}
	switch {
	case name == "" && row.Email == nil:
		name, nameClass = apitype.ContactLabel(row.ContactID, nil, "", ""), "name anonymous"
	case name == "":
		name, nameClass = "No name", "name anonymous"
	}
	conversion := "No"
	if row.Conversion {
		conversion = "Yes"
	}
	return app.Tr().DataSet("contact", row.ContactID).Body(
		// The contact's page shows its timeline with the actions each
		// trigger ran.
		app.Td().Class(nameClass).Body(
			app.A().Href(contactPath(row.ContactID)).Title("Timeline and actions run").Text(name),
		),
		textCell("email", email),
		textCell("company", row.Company),
		textCell("count", strconv.FormatInt(row.TriggerCount, 10)),
		textCell("last", row.LastTriggeredAt.UTC().Format("2006-01-02 15:04")),
		pageURLCell(row.PageURL),
		attributionCell(row),
		textCell("conversion", conversion),
	)
}

func textCell(class, text string) app.UI {
	return app.Td().Class(class).Text(text)
}

// headerRow draws a table head with one column header per label.
func headerRow(labels ...string) app.UI {
	cells := make([]app.UI, len(labels))
	for i, label := range labels {
		cells[i] = app.Th().Scope("col").Text(label)
	}
	return app.THead().Body(app.Tr().Body(cells...))
}

// pageURLCell shows a page URL as a link only when it is an http or https
// URL, so a javascript: or data: URL from a website is never clickable.
func pageURLCell(raw string) app.UI {
	cell := app.Td().Class("page-url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cell.Text(raw)
	}
	return cell.Body(
		app.A().Href(raw).Target("_blank").Rel("noopener noreferrer nofollow").Text(raw),
	)
}

// attributionCell draws the channel and, below it, the UTM source, medium
// and campaign joined by slashes, such as "newsletter / email / spring",
// when any of them is set. One that is not set shows as a dash, as in
// "newsletter / – / spring", so that each value keeps its place and a
// campaign never reads as a medium. The UTM term and content that are set
// follow on their own line, each after its name as on the contact timeline,
// such as "term crm · content hero", so neither reads as a campaign. One
// column for the channel and the UTM fields keeps the table narrow enough to
// show every column on a laptop screen.
func attributionCell(row apitype.DrilldownRow) app.UI {
	utm := utmSlashes(row)
	termAndContent := joinNamedValues(namedValue{"term", row.UTMTerm}, namedValue{"content", row.UTMContent})
	return app.Td().Class("attribution").Body(
		app.Span().Class("channel").Text(channelLabel(row.Channel)),
		app.If(utm != "", func() app.UI {
			return app.Span().Class("utm").Title("UTM source / medium / campaign").Text(utm)
		}),
		app.If(termAndContent != "", func() app.UI {
			return app.Span().Class("utm utm-term-content").Title("UTM term and content").Text(termAndContent)
		}),
	)
}

// utmSlashes returns the row's UTM source, medium and campaign joined by
// slashes, with a dash for each one that is not set, or "" when none is.
func utmSlashes(row apitype.DrilldownRow) string {
	values := []string{row.UTMSource, row.UTMMedium, row.UTMCampaign}
	set := false
	for i, value := range values {
		if value == "" {
			values[i] = "–"
		} else {
			set = true
		}
	}
	if !set {
		return ""
	}
	return strings.Join(values, " / ")
}

// channelLabel returns a marketing channel as a phrase, such as "Organic
// search" for ORGANIC_SEARCH.
func channelLabel(channel apitype.MarketingChannel) string {
	if channel == apitype.ChannelSMS || channel == "" {
		return string(channel)
	}
	words := strings.ToLower(strings.ReplaceAll(string(channel), "_", " "))
	return strings.ToUpper(words[:1]) + words[1:]
}
