package page

import (
	"context"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// Report is Automations → Custom Events: pick a custom event and a date
// range, and see the metric cards, the events by day and the contacts
// behind them. The event's slug and the range are kept in the query (event,
// and range or from and to), so a view can be shared and reloaded.
type Report struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session    *apitype.Session
	events     []apitype.CustomEvent
	selectedID int64
	dateRange  reportRange
	// today is the current day in the account's time zone (YYYY-MM-DD),
	// taken from the end of the API's default range. It is empty until
	// that report has loaded.
	today string

	report *apitype.EventReport
	// reportRange is the selection the report on screen was loaded for,
	// which differs from dateRange while a new report loads.
	reportRange reportRange
	// reportSeq numbers report requests, so a response that arrives after
	// a newer request was sent is dropped.
	reportSeq int
	err       string
	rangeErr  string
	loading   bool

	chart chartType

	drill    *drilldown
	drillSeq int
	// csvURL is the Blob URL of the last CSV export, revoked by the next
	// export and when the page closes.
	csvURL string

	// view is viewActions while the page shows the selected event's
	// actions instead of its numbers.
	view    string
	actions eventActionsPanel
}

// OnMount loads the session, the definitions and the selected event's
// report.
func (p *Report) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.dateRange, p.rangeErr = rangeFromQuery(ctx.Page().URL().Query())
	p.view = ctx.Page().URL().Query().Get("view")
	p.actions.mount(ctx)
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.chart = loadChartType(ctx, s.UserEmail)
		p.loadEvents(ctx)
	})
}

// OnDismount frees the Blob URL of the last CSV export.
func (p *Report) OnDismount() {
	revokeObjectURL(p.csvURL)
	p.csvURL = ""
}

func (p *Report) loadEvents(ctx app.Context) {
	wanted := ctx.Page().URL().Query().Get("event")
	ctx.Async(func() {
		events, err := api().CustomEvents(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = "Custom events could not be loaded: " + err.Error()
				return
			}
			p.events = events
			if len(events) == 0 {
				return
			}
			p.selectedID = events[0].ID
			for _, event := range events {
				if event.Slug == wanted {
					p.selectedID = event.ID
				}
			}
			p.loadReport()
			if p.view == viewActions {
				p.openActions()
			}
		})
	})
}

// loadReport loads the selected event's report over the selected range and
// closes the drilldown, whose rows belong to the previous selection.
func (p *Report) loadReport() {
	ctx := p.ctx
	id := p.selectedID
	selection := p.dateRange
	today := p.today
	p.reportSeq++
	seq := p.reportSeq
	p.loading = true
	p.err = ""
	p.drill = nil
	ctx.Async(func() {
		report, today, err := fetchReport(id, selection, today)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.reportSeq {
				// The user changed the event or the range while this
				// report loaded.
				return
			}
			p.loading = false
			if today != "" {
				p.today = today
			}
			if err != nil {
				p.report = nil
				p.err = "Numbers could not be loaded: " + err.Error()
				return
			}
			p.report = &report
			p.reportRange = selection
			ctx.Defer(func(app.Context) {
				setControlValue("range-from", report.From)
				setControlValue("range-to", report.To)
			})
		})
	})
}

// fetchReport loads the report of a custom event over selection and returns
// it with the current day in the account's time zone, or with today
// unchanged when the API was not asked. A preset other than the default
// needs that day, so without it the default report is loaded first: its
// range ends today.
func fetchReport(id int64, selection reportRange, today string) (apitype.EventReport, string, error) {
	ctx := context.Background()
	if selection.Preset == "" {
		report, err := api().EventReport(ctx, id, selection.From, selection.To)
		return report, today, err
	}
	if today == "" || selection.Preset == defaultPreset {
		report, err := api().EventReport(ctx, id, "", "")
		if err != nil || selection.Preset == defaultPreset {
			return report, report.To, err
		}
		today = report.To
	}
	from, to, verr := selection.resolve(today)
	if verr != nil {
		return apitype.EventReport{}, today, verr
	}
	report, err := api().EventReport(ctx, id, from, to)
	return report, today, err
}

// replaceURL puts the selected event and range into the address bar
// without adding a history entry.
func (p *Report) replaceURL() {
	query := url.Values{}
	if event := p.selected(); event != nil {
		query.Set("event", event.Slug)
	}
	p.dateRange.setQuery(query)
	if p.view == viewActions {
		query.Set("view", viewActions)
	}
	app.Window().Get("history").Call("replaceState", nil, "", PathReport+"?"+query.Encode())
}

func (p *Report) onSelect(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
	if err != nil {
		return
	}
	p.selectedID = id
	p.report = nil
	p.replaceURL()
	p.loadReport()
	if p.view == viewActions {
		p.openActions()
	}
}

func (p *Report) selected() *apitype.CustomEvent {
	for i := range p.events {
		if p.events[i].ID == p.selectedID {
			return &p.events[i]
		}
	}
	return nil
}

// Render draws the event and range pickers, the metric cards, the chart
// and the drilldown.
func (p *Report) Render() app.UI {
	return frame(PathReport, p.session, "Custom Events",
		alert("report-error", p.err),
		p.renderBody(),
	)
}

func (p *Report) renderBody() app.UI {
	if p.events == nil {
		return app.Div()
	}
	if len(p.events) == 0 {
		return app.P().ID("report-empty").Class("empty").Body(
			app.Text("No custom events yet. "),
			app.A().Href(PathEventSettings).Text("Define one under Settings → Custom Events"),
			app.Text(" to see how often it happens."),
		)
	}
	return app.Div().Class("report").Body(
		app.Div().Class("report-controls").Body(
			app.Div().Class("field").Body(
				app.Label().For("event-select").Text("Custom event"),
				app.Select().ID("event-select").OnChange(p.onSelect).Body(
					app.Range(p.events).Slice(func(i int) app.UI {
						event := p.events[i]
						return app.Option().
							Value(strconv.FormatInt(event.ID, 10)).
							Selected(event.ID == p.selectedID).
							Text(event.Name + " (" + event.Slug + ")")
					}),
				),
			),
			app.If(p.view != viewActions, p.renderRangePicker),
		),
		p.renderViewSwitch(),
		app.If(p.view == viewActions, p.actions.render).ElseSlice(func() []app.UI {
			return []app.UI{p.renderCards(), p.renderChart(), p.renderDrilldown()}
		}),
	)
}
