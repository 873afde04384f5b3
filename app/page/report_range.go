package page

import (
	"net/url"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// rangePreset is a named date range that moves with the current day.
type rangePreset struct {
	key   string
	label string
}

// rangePresets lists the presets of the date range picker, in menu order.
// The keys are the values of the range query parameter.
var rangePresets = []rangePreset{
	{"today", "Today"},
	{"yesterday", "Yesterday"},
	{"last-7-days", "Last 7 days"},
	{"last-30-days", "Last 30 days"},
	{"last-90-days", "Last 90 days"},
	{"this-month", "This month"},
	{"last-month", "Last month"},
	{"this-year", "This year"},
}

// defaultPreset is the range the admin API reports when a request names no
// days, so the API decides which day is today.
const defaultPreset = "last-30-days"

// customRangeKey is the range picker's option for fixed days.
const customRangeKey = "custom"

// presetLabel returns the menu label of the preset named key, or "" for an
// unknown key.
func presetLabel(key string) string {
	for _, preset := range rangePresets {
		if preset.key == key {
			return preset.label
		}
	}
	return ""
}

// presetRange returns the days of the preset named key, counted back from
// today, which is a day at midnight UTC as apitype.ParseDateRange returns
// it. It returns false for an unknown key.
func presetRange(key string, today time.Time) (apitype.DateRange, bool) {
	lastDays := func(n int) apitype.DateRange {
		return apitype.DateRange{From: today.AddDate(0, 0, -(n - 1)), To: today}
	}
	firstOfMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch key {
	case "today":
		return lastDays(1), true
	case "yesterday":
		yesterday := today.AddDate(0, 0, -1)
		return apitype.DateRange{From: yesterday, To: yesterday}, true
	case "last-7-days":
		return lastDays(7), true
	case "last-30-days":
		return lastDays(30), true
	case "last-90-days":
		return lastDays(90), true
	case "this-month":
		return apitype.DateRange{From: firstOfMonth, To: today}, true
	case "last-month":
		return apitype.DateRange{From: firstOfMonth.AddDate(0, -1, 0), To: firstOfMonth.AddDate(0, 0, -1)}, true
	case "this-year":
		return apitype.DateRange{From: time.Date(today.Year(), time.January, 1, 0, 0, 0, 0, time.UTC), To: today}, true
	}
	return apitype.DateRange{}, false
}

// reportRange is the report's date range as the page URL stores it: a
// preset, or the fixed days From and To (YYYY-MM-DD) when Preset is empty.
type reportRange struct {
	Preset string
	From   string
	To     string
}

// rangeFromQuery reads the range from the page URL's query: from and to
// when both are set, else range, else the default preset. An invalid range
// in the URL gives the default preset and a message for the user.
func rangeFromQuery(query url.Values) (reportRange, string) {
	from, to := query.Get("from"), query.Get("to")
	if from != "" || to != "" {
		if _, verr := apitype.ParseDateRange(from, to); verr != nil {
			return reportRange{Preset: defaultPreset}, "The link's date range is invalid, so the report shows the last 30 days. " + verr.Message
		}
		return reportRange{From: from, To: to}, ""
	}
	key := query.Get("range")
	if key == "" {
		return reportRange{Preset: defaultPreset}, ""
	}
	if presetLabel(key) == "" {
		return reportRange{Preset: defaultPreset}, "The link's date range “" + key + "” is unknown, so the report shows the last 30 days."
	}
	return reportRange{Preset: key}, ""
}

// setQuery writes the range into query as the page URL stores it. The
// default preset needs no parameter.
func (r reportRange) setQuery(query url.Values) {
	query.Del("range")
	query.Del("from")
	query.Del("to")
	if r.Preset == defaultPreset {
		return
	}
	if r.Preset != "" {
		query.Set("range", r.Preset)
		return
	}
	query.Set("from", r.From)
	query.Set("to", r.To)
}

// resolve returns the days of the range. today is the current day in the
// account's time zone (YYYY-MM-DD), which only presets read.
func (r reportRange) resolve(today string) (from, to string, verr *apitype.ValidationError) {
	if r.Preset == "" {
		return r.From, r.To, nil
	}
	day, err := time.Parse(apitype.DateLayout, today)
	if err != nil {
		return "", "", &apitype.ValidationError{Field: "to", Message: "Today's date " + today + " from the server is invalid: reload the page."}
	}
	days, ok := presetRange(r.Preset, day)
	if !ok {
		return "", "", &apitype.ValidationError{Field: "range", Message: "Date range “" + r.Preset + "” is unknown: pick one from the list."}
	}
	return days.From.Format(apitype.DateLayout), days.To.Format(apitype.DateLayout), nil
}

// describeRange returns the heading of the report's days, such as "Last 7
// days: 2026-11-01 to 2026-11-07".
func describeRange(r reportRange, from, to string) string {
	days := from + " to " + to
	if from == to {
		days = from
	}
	if label := presetLabel(r.Preset); label != "" {
		return label + ": " + days
	}
	return days
}

// renderRangePicker draws the preset menu and the two days of a custom
// range. The day inputs show the days of the report on screen.
func (p *Report) renderRangePicker() app.UI {
	selected := p.dateRange.Preset
	if selected == "" {
		selected = customRangeKey
	}
	var from, to string
	if p.report != nil {
		from, to = p.report.From, p.report.To
	}
	return app.Form().ID("range-form").Class("range-picker").Aria("label", "Date range").OnSubmit(p.onRangeSubmit).Body(
		app.Div().Class("field").Body(
			app.Label().For("range-preset").Text("Date range"),
			app.Select().ID("range-preset").OnChange(p.onPresetChange).Body(
				app.Range(rangePresets).Slice(func(i int) app.UI {
					preset := rangePresets[i]
					return app.Option().Value(preset.key).Selected(preset.key == selected).Text(preset.label)
				}),
				app.Option().Value(customRangeKey).Selected(selected == customRangeKey).Text("Custom range"),
			),
		),
		app.Div().Class("field").Body(
			app.Label().For("range-from").Text("From"),
			app.Input().ID("range-from").Type("date").Required(true).Max(p.today).Value(from).
				Aria("describedby", "range-error"),
		),
		app.Div().Class("field").Body(
			app.Label().For("range-to").Text("To"),
			app.Input().ID("range-to").Type("date").Required(true).Max(p.today).Value(to).
				Aria("describedby", "range-error"),
		),
		app.Div().Class("field").Body(
			app.Button().ID("range-apply").Type("submit").Class("secondary").Text("Apply dates"),
		),
		app.P().ID("range-error").Class("field-error").Aria("live", "polite").Text(p.rangeErr),
	)
}

func (p *Report) onPresetChange(ctx app.Context, e app.Event) {
	key := ctx.JSSrc().Get("value").String()
	p.rangeErr = ""
	if key == customRangeKey {
		// The days on screen become fixed, so the report stays as it is.
		if p.report != nil {
			p.dateRange = reportRange{From: p.report.From, To: p.report.To}
			p.replaceURL()
		}
		focus("range-from")
		return
	}
	p.dateRange = reportRange{Preset: key}
	p.replaceURL()
	p.loadReport()
}

func (p *Report) onRangeSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	from := app.Window().GetElementByID("range-from").Get("value").String()
	to := app.Window().GetElementByID("range-to").Get("value").String()
	switch {
	case from == "":
		p.rangeErr = "Start day is missing: pick the first day of the range."
		return
	case to == "":
		p.rangeErr = "End day is missing: pick the last day of the range."
		return
	}
	if _, verr := apitype.ParseDateRange(from, to); verr != nil {
		p.rangeErr = verr.Message
		return
	}
	p.rangeErr = ""
	p.dateRange = reportRange{From: from, To: to}
	p.replaceURL()
	p.loadReport()
}
