package page

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// maxLiveRows is the number of events the live page keeps on screen. Older
// ones scroll away.
const maxLiveRows = 100

// LiveEvents is the live events page: the account's events as they are
// stored, from the stream at /api/live-events, optionally filtered on one
// custom event, with a button per custom event that sends a test event.
// The filter is kept in the query (event).
type LiveEvents struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches from the
	// stream's callbacks and after event handlers return.
	ctx app.Context

	session *apitype.Session
	// definitions are the account's custom events, for the filter and the
	// test buttons.
	definitions []apitype.CustomEvent
	filter      string

	// source is the browser's EventSource, and listeners are the Go
	// functions it calls, released with it.
	source    app.Value
	listeners []app.Func

	// received holds the newest events first.
	received   []apitype.LiveEvent
	status     string
	notice     string
	err        string
	testStatus string
	sending    bool
	// testsSent counts the test events recorded from this page.
	testsSent int
}

// OnMount loads the session and the definitions, and opens the stream.
func (p *LiveEvents) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.filter = ctx.Page().URL().Query().Get("event")
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.loadDefinitions()
		p.connect()
	})
}

// OnDismount closes the stream.
func (p *LiveEvents) OnDismount() {
	p.disconnect()
}

func (p *LiveEvents) loadDefinitions() {
	ctx := p.ctx
	ctx.Async(func() {
		events, err := api().CustomEvents(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = "Custom events could not be loaded: " + err.Error()
				return
			}
			p.definitions = events
		})
	})
}

// connect opens the stream for the current filter, closing any open one.
// EventSource reconnects by itself after a network error.
func (p *LiveEvents) connect() {
	p.disconnect()
	p.status = "Connecting…"
	source := app.Window().Get("EventSource").New(api().LiveEventsURL(p.filter))
	listen := func(name string, handle func(data string)) {
		f := app.FuncOf(func(this app.Value, args []app.Value) any {
			data := ""
			if len(args) > 0 && args[0].Get("data").Truthy() {
				data = args[0].Get("data").String()
			}
			p.ctx.Dispatch(func(app.Context) {
				if p.source == nil || !p.source.Equal(source) {
					// An event of a stream closed since.
					return
				}
				handle(data)
			})
			return nil
		})
		source.Call("addEventListener", name, f)
		p.listeners = append(p.listeners, f)
	}
	filter := p.filter
	listen(apitype.LiveEventReady, func(string) {
		if filter == "" {
			p.status = "Live: new events appear here as they are stored."
			return
		}
		p.status = "Live: new events of " + filter + " appear here as they are stored."
	})
	listen(apitype.LiveEventOccurrence, func(data string) {
		var event apitype.LiveEvent
		if err := json.Unmarshal([]byte(data), &event); err != nil {
			app.Logf("decode live event: %v", err)
			return
		}
		p.received = append([]apitype.LiveEvent{event}, p.received...)
		if len(p.received) > maxLiveRows {
			p.received = p.received[:maxLiveRows]
		}
	})
	listen(apitype.LiveEventDropped, func(data string) {
		var notice apitype.LiveNotice
		if json.Unmarshal([]byte(data), &notice) == nil {
			p.notice = notice.Message
		}
	})
	listen(apitype.LiveEventEnd, func(data string) {
		var notice apitype.LiveNotice
		json.Unmarshal([]byte(data), &notice)
		p.disconnect()
		p.status = "The stream ended. " + notice.Message
	})
	listen("error", func(string) {
		// readyState 2 is CLOSED: the browser gave up, such as after a 401
		// or 429 response. Otherwise it is already reconnecting.
		if source.Get("readyState").Int() == 2 {
			p.disconnect()
			p.status = "The stream could not be opened: reload the page, and sign in again if asked."
			return
		}
		p.status = "Connection lost: reconnecting…"
	})
	p.source = source
}

func (p *LiveEvents) disconnect() {
	if p.source != nil {
		p.source.Call("close")
		p.source = nil
	}
	for _, f := range p.listeners {
		f.Release()
	}
	p.listeners = nil
}

func (p *LiveEvents) onFilterChange(ctx app.Context, e app.Event) {
	filter := ctx.JSSrc().Get("value").String()
	if filter == p.filter {
		return
	}
	p.filter = filter
	p.received = nil
	p.notice = ""
	u := *ctx.Page().URL()
	u.RawQuery = ""
	if filter != "" {
		u.RawQuery = url.Values{"event": {filter}}.Encode()
	}
	ctx.Page().ReplaceURL(&u)
	p.connect()
}

func (p *LiveEvents) onTestEventClick(ctx app.Context, e app.Event) {
	event, ok := definitionOf(ctx, p.definitions)
	if !ok || p.sending {
		return
	}
	p.sending = true
	p.testStatus = "Sending a test event of “" + event.Name + "”…"
	sendTestEvent(p.ctx, event, func(status string, ok bool) {
		p.sending = false
		p.testStatus = status
		if ok {
			p.testsSent++
		}
	})
}

// Render draws the filter, the stream's status, the events and the test
// buttons.
func (p *LiveEvents) Render() app.UI {
	return frame(PathLiveEvents, p.session, "Live events",
		app.P().Class("lead").Text("Events appear here as soon as they are stored, from the beacon and the API. Use it to check a new integration. This page shows the latest "+strconv.Itoa(maxLiveRows)+" events; reports have them all."),
		alert("live-error", p.err),
		app.Div().Class("field").Body(
			app.Label().For("live-filter").Text("Show"),
			app.Select().ID("live-filter").OnChange(p.onFilterChange).Body(
				app.Option().Value("").Selected(p.filter == "").Text("All custom events"),
				app.Range(p.definitions).Slice(func(i int) app.UI {
					d := p.definitions[i]
					return app.Option().Value(d.Slug).Selected(d.Slug == p.filter).Text(d.Name + " (" + d.Slug + ")")
				}),
			),
		),
		app.P().ID("live-status").Role("status").Text(p.status),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("live-notice").Class("error").Role("alert").Text(p.notice)
		}),
		p.renderReceived(),
		p.renderTestButtons(),
	)
}

func (p *LiveEvents) renderReceived() app.UI {
	if len(p.received) == 0 {
		return app.P().ID("live-empty").Class("empty").Text("No events since this page opened.")
	}
	return app.Div().Class("table-scroll").Body(
		app.Table().ID("live-table").Body(
			app.Caption().Class("visually-hidden").Text("Live events, newest first"),
			headerRow("Time (UTC)", "Event", "Contact", "Page URL", "Channel", "Source"),
			app.TBody().Body(
				app.Range(p.received).Slice(func(i int) app.UI {
					return liveRow(p.received[i])
				}),
			),
		),
	)
}

// liveRow draws one event. Every value is text, because page URLs and
// contact names come from websites.
func liveRow(e apitype.LiveEvent) app.UI {
	contact := app.Td().Class("contact").Body(
		app.A().Href(contactPath(e.ContactID)).Text(e.Contact),
		app.If(e.Test, func() app.UI {
			return app.Span().Class("badge").Text("test")
		}),
	)
	return app.Tr().DataSet("occurrence", e.OccurrenceID).DataSet("slug", e.Slug).Body(
		textCell("time", e.OccurredAt.UTC().Format("15:04:05")),
		app.Td().Body(app.Code().Class("slug").Text(e.Slug)),
		contact,
		pageURLCell(e.PageURL),
		textCell("channel", channelLabel(e.Channel)),
		textCell("source", sourceLabel(e.Source)),
	)
}

func (p *LiveEvents) renderTestButtons() app.UI {
	if p.session == nil || !apitype.RoleAtLeast(p.session.Role, apitype.RoleEditor) {
		return app.P().ID("test-events-role").Class("hint").Text("Editors, admins and owners can send test events from this page.")
	}
	return app.Section().ID("test-events").Class("panel").Aria("labelledby", "test-events-title").Body(
		app.H2().ID("test-events-title").Text("Send a test event"),
		app.P().Class("hint").Text(testEventHint),
		app.If(len(p.definitions) == 0, func() app.UI {
			return app.P().Class("empty").Text("No custom events yet: create one under Settings → Custom Events.")
		}),
		app.Ul().Class("test-buttons").Body(
			app.Range(p.definitions).Slice(func(i int) app.UI {
				d := p.definitions[i]
				return app.Li().Body(
					app.Span().Class("name").Text(d.Name+" "),
					testEventButton(d, p.sending, p.onTestEventClick),
				)
			}),
		),
		app.P().ID("test-event-status").Role("status").DataSet("sent", p.testsSent).Text(p.testStatus),
	)
}
