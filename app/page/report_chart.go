package page

import (
	"math"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// chartType is the form of the Events by Day chart.
type chartType string

// Chart types, as the chart type buttons and local storage name them.
const (
	chartBar  chartType = "bar"
	chartLine chartType = "line"
	chartPie  chartType = "pie"
)

// chartTypes lists the chart types in button order.
var chartTypes = []struct {
	typ   chartType
	label string
}{
	{chartBar, "Bar"},
	{chartLine, "Line"},
	{chartPie, "Pie"},
}

// chartStorageKey returns the local storage key of a user's chart type, so
// users who share a browser each keep their own.
func chartStorageKey(email string) string {
	return "customevents.chart-type." + strings.ToLower(email)
}

// loadChartType returns the chart type the user picked last in this
// browser, or the bar chart.
func loadChartType(ctx app.Context, email string) chartType {
	var stored string
	if err := ctx.LocalStorage().Get(chartStorageKey(email), &stored); err != nil {
		app.Logf("read chart type from local storage: %v", err)
		return chartBar
	}
	switch t := chartType(stored); t {
	case chartBar, chartLine, chartPie:
		return t
	}
	return chartBar
}

func (p *Report) onChartTypeClick(ctx app.Context, e app.Event) {
	t := chartType(ctx.JSSrc().Get("dataset").Get("chart").String())
	switch t {
	case chartBar, chartLine, chartPie:
	default:
		return
	}
	p.chart = t
	if p.session == nil {
		return
	}
	if err := ctx.LocalStorage().Set(chartStorageKey(p.session.UserEmail), string(t)); err != nil {
		app.Logf("save chart type to local storage: %v", err)
	}
}

// svgNamespace is the namespace SVG elements must be created in: an svg
// element created as HTML is not drawn.
const svgNamespace = "http://www.w3.org/2000/svg"

func svgElem(tag string) app.HTMLElem {
	return app.Elem(tag).XMLNS(svgNamespace)
}

// Chart geometry in viewBox units. The SVG scales to the width of its
// panel.
const (
	chartWidth  = 720.0
	chartHeight = 260.0
	plotLeft    = 44.0
	plotTop     = 10.0
	plotWidth   = chartWidth - plotLeft - 8
	plotHeight  = chartHeight - plotTop - 30
	pieRadius   = 115.0
	// pieColors is the number of slice colours in app.css (.slice.c0 to
	// .slice.c5).
	pieColors = 6
)

// coordinate formats an SVG coordinate with at most two decimals.
func coordinate(v float64) string {
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// axisMax returns the top of the value axis: the smallest of 1, 2 or 5
// times a power of ten that is at least n.
func axisMax(n int64) int64 {
	for step := int64(1); ; step *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*step >= n {
				return m * step
			}
		}
	}
}

// plotY returns the y coordinate of count on a value axis from 0 to top.
func plotY(count, top int64) float64 {
	return plotTop + plotHeight - plotHeight*float64(count)/float64(top)
}

// countText returns n with the noun in singular or plural, such as "1
// event" or "3 events".
func countText(n int64, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.FormatInt(n, 10) + " " + plural
}

// renderChart draws the Events by Day panel: the chart type buttons, the
// chart, and a table of the same numbers for screen readers.
func (p *Report) renderChart() app.UI {
	if p.report == nil {
		return app.Div()
	}
	r := p.report
	buttons := make([]app.UI, len(chartTypes))
	for i, t := range chartTypes {
		buttons[i] = app.Button().Type("button").ID("chart-type-"+string(t.typ)).Class("secondary").
			DataSet("chart", t.typ).
			Aria("pressed", t.typ == p.chart).
			OnClick(p.onChartTypeClick).
			Text(t.label)
	}
	hint := "Select a day to see its contacts."
	if p.chart == chartPie {
		hint = "Each slice is one day. Days without events have no slice. Select a slice to see its contacts."
	}
	return app.Section().ID("events-by-day").Class("panel chart-panel").Aria("labelledby", "events-by-day-title").Body(
		app.Div().Class("chart-header").Body(
			app.H2().ID("events-by-day-title").Text("Events by Day"),
			app.Div().Class("chart-types").Role("group").Aria("label", "Chart type").Body(buttons...),
		),
		p.renderChartSVG(r),
		app.P().Class("hint").Text(hint),
		dayTable(r),
	)
}

func (p *Report) renderChartSVG(r *apitype.EventReport) app.UI {
	var shapes []app.UI
	switch p.chart {
	case chartLine:
		shapes = p.lineShapes(r.ByDay)
	case chartPie:
		shapes = p.pieShapes(r.ByDay)
	default:
		shapes = p.barShapes(r.ByDay)
	}
	return svgElem("svg").ID("events-chart").Class("chart").
		DataSet("chart", p.chart).
		Attr("viewBox", "0 0 "+coordinate(chartWidth)+" "+coordinate(chartHeight)).
		Role("group").
		Aria("label", "Events by day from "+r.From+" to "+r.To+", "+string(p.chart)+" chart").
		Body(shapes...)
}

// dayGroup draws one day of the chart as a button: Enter, Space or a click
// opens that day's contacts.
func (p *Report) dayGroup(d apitype.DayCount, shapes ...app.UI) app.UI {
	class := "day"
	if p.drill != nil && p.drill.Day == d.Date {
		class += " selected"
	}
	tooltip := d.Date + ": " + countText(d.Count, "event", "events") + ", " + countText(d.UniqueContacts, "unique contact", "unique contacts")
	body := append([]app.UI{svgElem("title").Text(tooltip)}, shapes...)
	return svgElem("g").Class(class).
		DataSet("day", d.Date).
		DataSet("count", d.Count).
		TabIndex(0).
		Role("button").
		Aria("label", d.Date+": "+countText(d.Count, "event", "events")).
		OnClick(p.onDayClick).
		OnKeyDown(p.onDayKey).
		Body(body...)
}

func svgRect(x, y, width, height float64) app.HTMLElem {
	return svgElem("rect").
		Attr("x", coordinate(x)).
		Attr("y", coordinate(y)).
		Attr("width", coordinate(width)).
		Attr("height", coordinate(height))
}

func svgText(x, y float64, anchor, text string) app.UI {
	return svgElem("text").Class("axis-label").
		Attr("x", coordinate(x)).
		Attr("y", coordinate(y)).
		Attr("text-anchor", anchor).
		Text(text)
}

// axes draws the value grid lines with their numbers and the dates under
// the first, middle and last day.
func axes(days []apitype.DayCount, top int64) []app.UI {
	ticks := []int64{0, top}
	if top >= 2 && top%2 == 0 {
		ticks = []int64{0, top / 2, top}
	}
	var out []app.UI
	for _, tick := range ticks {
		y := plotY(tick, top)
		out = append(out,
			svgElem("line").Class("grid").
				Attr("x1", coordinate(plotLeft)).Attr("x2", coordinate(plotLeft+plotWidth)).
				Attr("y1", coordinate(y)).Attr("y2", coordinate(y)),
			svgText(plotLeft-6, y+4, "end", strconv.FormatInt(tick, 10)),
		)
	}

	labelY := plotTop + plotHeight + 20
	n := len(days)
	if n == 0 {
		return out
	}
	slot := plotWidth / float64(n)
	out = append(out, svgText(plotLeft, labelY, "start", days[0].Date))
	if n >= 5 {
		middle := n / 2
		out = append(out, svgText(plotLeft+slot*(float64(middle)+0.5), labelY, "middle", days[middle].Date))
	}
	if n > 1 {
		out = append(out, svgText(plotLeft+plotWidth, labelY, "end", days[n-1].Date))
	}
	return out
}

func maxCount(days []apitype.DayCount) int64 {
	var m int64
	for _, d := range days {
		m = max(m, d.Count)
	}
	return m
}

// barShapes draws one bar per day, days without events included. Each day
// also gets a transparent hit area over the whole plot height, so a day
// with a short or empty bar can still be clicked.
func (p *Report) barShapes(days []apitype.DayCount) []app.UI {
	top := axisMax(maxCount(days))
	out := axes(days, top)
	if len(days) == 0 {
		return out
	}
	slot := plotWidth / float64(len(days))
	barWidth := max(slot*0.7, 1)
	for i, d := range days {
		x := plotLeft + slot*float64(i)
		y := plotY(d.Count, top)
		out = append(out, p.dayGroup(d,
			svgRect(x, plotTop, slot, plotHeight).Class("hit"),
			svgRect(x+(slot-barWidth)/2, y, barWidth, plotTop+plotHeight-y).Class("bar"),
		))
	}
	return out
}

// lineShapes draws a line through one point per day, days without events
// included.
func (p *Report) lineShapes(days []apitype.DayCount) []app.UI {
	top := axisMax(maxCount(days))
	out := axes(days, top)
	if len(days) == 0 {
		return out
	}
	slot := plotWidth / float64(len(days))
	centerX := func(i int) float64 { return plotLeft + slot*(float64(i)+0.5) }
	points := make([]string, len(days))
	for i, d := range days {
		points[i] = coordinate(centerX(i)) + "," + coordinate(plotY(d.Count, top))
	}
	out = append(out, svgElem("polyline").Class("line").Attr("points", strings.Join(points, " ")))
	for i, d := range days {
		out = append(out, p.dayGroup(d,
			svgRect(plotLeft+slot*float64(i), plotTop, slot, plotHeight).Class("hit"),
			svgElem("circle").Class("point").
				Attr("cx", coordinate(centerX(i))).
				Attr("cy", coordinate(plotY(d.Count, top))).
				Attr("r", "4"),
		))
	}
	return out
}

// pieShapes draws one slice per day with events, clockwise from the top in
// date order.
func (p *Report) pieShapes(days []apitype.DayCount) []app.UI {
	centerX, centerY := chartWidth/2, chartHeight/2
	var total int64
	var withEvents []apitype.DayCount
	for _, d := range days {
		if d.Count > 0 {
			total += d.Count
			withEvents = append(withEvents, d)
		}
	}
	if total == 0 {
		return []app.UI{svgText(centerX, centerY, "middle", "No events in this range")}
	}
	pointAt := func(angle float64) string {
		return coordinate(centerX+pieRadius*math.Cos(angle)) + " " + coordinate(centerY+pieRadius*math.Sin(angle))
	}
	out := make([]app.UI, 0, len(withEvents))
	angle := -math.Pi / 2
	for i, d := range withEvents {
		class := "slice c" + strconv.Itoa(i%pieColors)
		if len(withEvents) == 1 {
			// An arc from a point back to itself draws nothing.
			out = append(out, p.dayGroup(d, svgElem("circle").Class(class).
				Attr("cx", coordinate(centerX)).Attr("cy", coordinate(centerY)).Attr("r", coordinate(pieRadius))))
			break
		}
		sweep := 2 * math.Pi * float64(d.Count) / float64(total)
		largeArc := "0"
		if sweep > math.Pi {
			largeArc = "1"
		}
		path := "M " + coordinate(centerX) + " " + coordinate(centerY) +
			" L " + pointAt(angle) +
			" A " + coordinate(pieRadius) + " " + coordinate(pieRadius) + " 0 " + largeArc + " 1 " + pointAt(angle+sweep) +
			" Z"
		out = append(out, p.dayGroup(d, svgElem("path").Class(class).Attr("d", path)))
		angle += sweep
	}
	return out
}

// dayTable draws the numbers of the chart as a table that only screen
// readers announce.
func dayTable(r *apitype.EventReport) app.UI {
	// The wrapper hides the table, because a table does not shrink below
	// its content's width.
	return app.Div().Class("visually-hidden").Body(app.Table().ID("events-by-day-table").Body(
		app.Caption().Text("Events by day from "+r.From+" to "+r.To),
		headerRow("Date", "Events", "Unique contacts"),
		app.TBody().Body(
			app.Range(r.ByDay).Slice(func(i int) app.UI {
				d := r.ByDay[i]
				return app.Tr().Body(
					app.Th().Scope("row").Text(d.Date),
					app.Td().Text(strconv.FormatInt(d.Count, 10)),
					app.Td().Text(strconv.FormatInt(d.UniqueContacts, 10)),
				)
			}),
		),
	))
}

func (p *Report) onDayClick(ctx app.Context, e app.Event) {
	p.openDrilldown(ctx.JSSrc().Get("dataset").Get("day").String())
}

// onDayKey opens a day's contacts on Enter or Space, as a button does.
// SVG elements with role="button" get no click from the keyboard.
func (p *Report) onDayKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Enter", " ":
		e.PreventDefault()
		p.openDrilldown(ctx.JSSrc().Get("dataset").Get("day").String())
	}
}
