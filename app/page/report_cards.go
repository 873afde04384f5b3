package page

import (
	"math"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderCards draws the metric cards of the report with the previous
// period's numbers. Clicking a card opens the contacts of the whole range.
func (p *Report) renderCards() app.UI {
	if p.report == nil {
		if !p.loading {
			return app.Div()
		}
		return app.P().Class("loading").Aria("live", "polite").Text("Loading numbers…")
	}
	r := p.report
	period := r.PreviousFrom + " to " + r.PreviousTo
	return app.Section().ID("metric-cards").Aria("label", "Metrics").Aria("busy", p.loading).Body(
		app.P().ID("report-range").Class("range").Text(describeRange(p.reportRange, r.From, r.To)),
		app.Div().Class("cards").Body(
			p.metricCard("events-triggered", "Events Triggered", r.EventsTriggered, r.PreviousEventsTriggered, period),
			p.metricCard("unique-contacts", "Unique Contacts", r.UniqueContacts, r.PreviousUniqueContacts, period),
		),
	)
}

// metricCard draws one number with its change from the previous period.
// The data attributes carry the raw numbers for tests and styles:
// data-change is up, down or none.
func (p *Report) metricCard(metric, label string, value, previous int64, previousPeriod string) app.UI {
	change, direction := formatChange(value, previous)
	return app.Div().Class("card").
		DataSet("metric", metric).
		DataSet("value", value).
		DataSet("previous", previous).
		DataSet("change", direction).
		OnClick(p.onCardClick).
		Body(
			app.H2().Text(label),
			app.P().Class("value").Text(strconv.FormatInt(value, 10)),
			app.P().Class("comparison").Body(
				app.Span().Class("change").Text(change),
				app.Text(" "),
				app.Span().Class("previous").Text("Previous period ("+previousPeriod+"): "+strconv.FormatInt(previous, 10)),
			),
			app.Button().Type("button").Class("link card-drilldown").
				Aria("label", "Show contacts behind "+label).
				Text("Show contacts"),
		)
}

// formatChange returns the change from previous to current in percent, such
// as "+50%" or "-12.5%", and its direction: up, down or none. A change from
// 0 to more is "new", and equal numbers are "no change". Changes under 10%
// keep one decimal, so a small change does not read as 0%.
func formatChange(current, previous int64) (text, direction string) {
	switch {
	case current == previous:
		return "no change", "none"
	case previous == 0:
		return "new", "up"
	}
	percent := float64(current-previous) / float64(previous) * 100
	decimals := 0
	if math.Abs(percent) < 10 {
		decimals = 1
	}
	text = strings.TrimSuffix(strconv.FormatFloat(percent, 'f', decimals, 64), ".0") + "%"
	if percent > 0 {
		return "+" + text, "up"
	}
	return text, "down"
}

// onCardClick opens the contacts of the whole range. The card's button
// sends its click here too, because the click bubbles to the card.
func (p *Report) onCardClick(ctx app.Context, e app.Event) {
	p.openDrilldown("")
}
