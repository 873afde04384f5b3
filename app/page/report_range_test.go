package page

import (
	"net/url"
	"testing"
	"time"

	"customevents/app/apitype"
)

func TestPresetRange(t *testing.T) {
	tests := []struct {
		today string
		key   string
		from  string
		to    string
	}{
		{"2026-11-05", "today", "2026-11-05", "2026-11-05"},
		{"2026-11-05", "yesterday", "2026-11-04", "2026-11-04"},
		{"2026-11-05", "last-7-days", "2026-10-30", "2026-11-05"},
		{"2026-11-05", "last-30-days", "2026-10-07", "2026-11-05"},
		{"2026-11-05", "last-90-days", "2026-08-08", "2026-11-05"},
		{"2026-11-05", "this-month", "2026-11-01", "2026-11-05"},
		{"2026-11-05", "last-month", "2026-10-01", "2026-10-31"},
		{"2026-11-05", "this-year", "2026-01-01", "2026-11-05"},
		{"2026-01-01", "yesterday", "2025-12-31", "2025-12-31"},
		{"2026-01-10", "last-month", "2025-12-01", "2025-12-31"},
		{"2024-03-31", "last-month", "2024-02-01", "2024-02-29"},
		{"2026-03-01", "last-7-days", "2026-02-23", "2026-03-01"},
	}
	for _, tt := range tests {
		today, err := time.Parse(apitype.DateLayout, tt.today)
		if err != nil {
			t.Fatal(err)
		}
		days, ok := presetRange(tt.key, today)
		if !ok {
			t.Errorf("presetRange(%q, %s) is unknown", tt.key, tt.today)
			continue
		}
		if got := days.From.Format(apitype.DateLayout); got != tt.from {
			t.Errorf("presetRange(%q, %s) from = %s, want %s", tt.key, tt.today, got, tt.from)
		}
		if got := days.To.Format(apitype.DateLayout); got != tt.to {
			t.Errorf("presetRange(%q, %s) to = %s, want %s", tt.key, tt.today, got, tt.to)
		}
	}
	if _, ok := presetRange("next-week", time.Now()); ok {
		t.Error("presetRange(next-week) is known, want unknown")
	}
}

func TestRangeFromQuery(t *testing.T) {
	tests := []struct {
		query     string
		want      reportRange
		wantError bool
	}{
		{"", reportRange{Preset: "last-30-days"}, false},
		{"range=last-7-days", reportRange{Preset: "last-7-days"}, false},
		{"from=2026-11-01&to=2026-11-07", reportRange{From: "2026-11-01", To: "2026-11-07"}, false},
		{"range=today&from=2026-11-01&to=2026-11-07", reportRange{From: "2026-11-01", To: "2026-11-07"}, false},
		{"range=next-week", reportRange{Preset: "last-30-days"}, true},
		{"from=2026-11-07&to=2026-11-01", reportRange{Preset: "last-30-days"}, true},
		{"from=2026-11-07", reportRange{Preset: "last-30-days"}, true},
	}
	for _, tt := range tests {
		query, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, message := rangeFromQuery(query)
		if got != tt.want {
			t.Errorf("rangeFromQuery(%q) = %+v, want %+v", tt.query, got, tt.want)
		}
		if (message != "") != tt.wantError {
			t.Errorf("rangeFromQuery(%q) message = %q, want an error: %v", tt.query, message, tt.wantError)
		}
	}
}

func TestReportRangeSetQuery(t *testing.T) {
	tests := []struct {
		r    reportRange
		want string
	}{
		{reportRange{Preset: "last-30-days"}, "event=signed-up"},
		{reportRange{Preset: "this-month"}, "event=signed-up&range=this-month"},
		{reportRange{From: "2026-11-01", To: "2026-11-07"}, "event=signed-up&from=2026-11-01&to=2026-11-07"},
	}
	for _, tt := range tests {
		query := url.Values{"event": {"signed-up"}, "range": {"today"}}
		tt.r.setQuery(query)
		if got := query.Encode(); got != tt.want {
			t.Errorf("setQuery(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestReportRangeResolve(t *testing.T) {
	from, to, verr := reportRange{Preset: "last-7-days"}.resolve("2026-11-05")
	if verr != nil || from != "2026-10-30" || to != "2026-11-05" {
		t.Errorf("resolve last-7-days = %s, %s, %v, want 2026-10-30, 2026-11-05, nil", from, to, verr)
	}
	from, to, verr = reportRange{From: "2026-01-01", To: "2026-01-31"}.resolve("")
	if verr != nil || from != "2026-01-01" || to != "2026-01-31" {
		t.Errorf("resolve custom = %s, %s, %v, want 2026-01-01, 2026-01-31, nil", from, to, verr)
	}
	if _, _, verr := (reportRange{Preset: "last-7-days"}).resolve("soon"); verr == nil {
		t.Error("resolve with an invalid today returned no error")
	}
}

func TestFormatChange(t *testing.T) {
	tests := []struct {
		current, previous int64
		text, direction   string
	}{
		{0, 0, "no change", "none"},
		{5, 5, "no change", "none"},
		{3, 0, "new", "up"},
		{0, 4, "-100%", "down"},
		{6, 4, "+50%", "up"},
		{7, 3, "+133%", "up"},
		{3, 4, "-25%", "down"},
		{105, 100, "+5%", "up"},
		{1025, 1000, "+2.5%", "up"},
		{991, 1000, "-0.9%", "down"},
	}
	for _, tt := range tests {
		text, direction := formatChange(tt.current, tt.previous)
		if text != tt.text || direction != tt.direction {
			t.Errorf("formatChange(%d, %d) = %q, %q, want %q, %q", tt.current, tt.previous, text, direction, tt.text, tt.direction)
		}
	}
}

func TestAxisMax(t *testing.T) {
	tests := []struct{ n, want int64 }{{0, 1}, {1, 1}, {2, 2}, {3, 5}, {6, 10}, {11, 20}, {21, 50}, {120, 200}}
	for _, tt := range tests {
		if got := axisMax(tt.n); got != tt.want {
			t.Errorf("axisMax(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}
