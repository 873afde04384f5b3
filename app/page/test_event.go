package page

import (
	"context"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// testEventHint explains what "Send a test event" stores.
const testEventHint = "A test event is stored like any other event, for the contact " + apitype.TestContactEmail +
	", tagged “" + apitype.TestContactTag + "”. It shows under Live events and counts in reports. Erase that contact under Settings → Privacy to remove its events."

// testEventButton draws the "Send a test event" button of a custom event.
// It carries the event's id in data-id, because go-app keeps a row's
// first click handler while the rows change under it.
func testEventButton(event apitype.CustomEvent, busy bool, onClick app.EventHandler) app.UI {
	return app.Button().Type("button").Class("secondary test-event").
		Aria("label", "Send a test event for "+event.Name).
		DataSet("id", event.ID).
		Disabled(busy).
		OnClick(onClick).
		Text("Send a test event")
}

// definitionOf returns the definition whose id the clicked element carries
// in its data-id attribute.
func definitionOf(ctx app.Context, events []apitype.CustomEvent) (apitype.CustomEvent, bool) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return apitype.CustomEvent{}, false
	}
	for _, event := range events {
		if event.ID == id {
			return event, true
		}
	}
	return apitype.CustomEvent{}, false
}

// sendTestEvent records a test event of event, then calls done on the UI
// goroutine, through ctx, with the status to show and whether it worked.
func sendTestEvent(ctx app.Context, event apitype.CustomEvent, done func(status string, ok bool)) {
	ctx.Async(func() {
		result, err := api().SendTestEvent(context.Background(), event.ID)
		ctx.Dispatch(func(app.Context) {
			if err != nil {
				done("The test event of “"+event.Name+"” was not recorded: "+err.Error(), false)
				return
			}
			done("Recorded a test event of “"+event.Name+"” for "+result.Email+".", true)
		})
	})
}

// onTestEventClick sends a test event of the row's custom event.
func (p *EventSettings) onTestEventClick(ctx app.Context, e app.Event) {
	event, ok := definitionOf(ctx, p.events)
	if !ok || p.busy {
		return
	}
	p.busy = true
	p.notice = ""
	sendTestEvent(p.ctx, event, func(status string, ok bool) {
		p.busy = false
		if !ok {
			p.loadErr = status
			return
		}
		p.notice = status + " It shows under Live events."
	})
}
