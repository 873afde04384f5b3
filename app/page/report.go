package page

import (
	"context"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// Report is Automations → Custom Events: pick a custom event and see its
// metric cards for the last 30 days. The selected event's slug is kept in
// the event query parameter, so a view can be shared and reloaded.
type Report struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session    *apitype.Session
	events     []apitype.CustomEvent
	selectedID int64
	stats      *apitype.EventStats
	err        string
	loading    bool
}

// OnMount loads the session, the definitions and the selected event's
// numbers.
func (p *Report) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.loadEvents(ctx)
	})
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
			p.loadStats(ctx)
		})
	})
}

func (p *Report) loadStats(ctx app.Context) {
	id := p.selectedID
	p.loading = true
	p.err = ""
	ctx.Async(func() {
		stats, err := api().EventStats(context.Background(), id, "", "")
		ctx.Dispatch(func(ctx app.Context) {
			if id != p.selectedID {
				// The user picked another event while this one loaded.
				return
			}
			p.loading = false
			if err != nil {
				p.stats = nil
				p.err = "Numbers could not be loaded: " + err.Error()
				return
			}
			p.stats = &stats
		})
	})
}

func (p *Report) onSelect(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
	if err != nil {
		return
	}
	p.selectedID = id
	p.stats = nil
	if event := p.selected(); event != nil {
		query := url.Values{"event": {event.Slug}}.Encode()
		app.Window().Get("history").Call("replaceState", nil, "", PathReport+"?"+query)
	}
	p.loadStats(p.ctx)
}

func (p *Report) selected() *apitype.CustomEvent {
	for i := range p.events {
		if p.events[i].ID == p.selectedID {
			return &p.events[i]
		}
	}
	return nil
}

// Render draws the event picker and the metric cards.
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
		p.renderCards(),
	)
}

func (p *Report) renderCards() app.UI {
	if p.stats == nil {
		return app.P().Class("loading").Aria("live", "polite").Text("Loading numbers…")
	}
	return app.Section().ID("metric-cards").Aria("label", "Metrics").Aria("busy", p.loading).Body(
		app.P().ID("report-range").Class("range").Text("Last 30 days: "+p.stats.From+" to "+p.stats.To),
		app.Div().Class("cards").Body(
			metricCard("events-triggered", "Events Triggered", p.stats.EventsTriggered),
			metricCard("unique-contacts", "Unique Contacts", p.stats.UniqueContacts),
		),
	)
}

func metricCard(metric, label string, value int64) app.UI {
	return app.Div().Class("card").DataSet("metric", metric).DataSet("value", value).Body(
		app.H2().Text(label),
		app.P().Class("value").Text(strconv.FormatInt(value, 10)),
	)
}
