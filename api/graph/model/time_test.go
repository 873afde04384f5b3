package model

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUnmarshalTime(t *testing.T) {
	tests := []struct {
		input string
		want  time.Time
	}{
		{"2026-01-31T09:30:00Z", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31T09:30:00.123456Z", time.Date(2026, 1, 31, 9, 30, 0, 123456000, time.UTC)},
		{"2026-01-31T10:30:00+01:00", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31T09:30:00+23:59", time.Date(2026, 1, 30, 9, 31, 0, 0, time.UTC)},
		{"2026-01-31T09:30:00-23:59", time.Date(2026, 2, 1, 9, 29, 0, 0, time.UTC)},
		{"2026-01-31T09:30:00-00:00", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31T23:59:59.5-01:00", time.Date(2026, 2, 1, 0, 59, 59, 500000000, time.UTC)},
		// The form that gqlgen's default Time scalar read as UTC.
		{"2026-01-31 09:30:00", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31 09:30:00.25", time.Date(2026, 1, 31, 9, 30, 0, 250000000, time.UTC)},
		// RFC 3339 allows a lowercase t and z.
		{"2026-01-31t09:30:00z", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31t10:30:00+01:00", time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		{"2026-01-31T09:30:00.5z", time.Date(2026, 1, 31, 9, 30, 0, 500000000, time.UTC)},
		// A leap second reads as the first instant after it.
		{"2016-12-31T23:59:60Z", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2016-12-31T23:59:60.25Z", time.Date(2017, 1, 1, 0, 0, 0, 250000000, time.UTC)},
		{"2017-01-01T00:59:60+01:00", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2016-12-31T18:59:60-05:00", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2016-06-30 23:59:60", time.Date(2016, 7, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := UnmarshalTime(tt.input)
		if err != nil {
			t.Errorf("UnmarshalTime(%q) error = %v", tt.input, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("UnmarshalTime(%q) = %v, want %v", tt.input, got, tt.want)
		}
	}
}

func TestUnmarshalTimeRejects(t *testing.T) {
	tests := []struct {
		input any
		want  error
	}{
		{"", ErrEmptyTime},
		{"2026-01-31T09:30:00+24:00", ErrTimeOffset},
		{"2026-01-31T09:30:00-23:60", ErrTimeOffset},
		{"2026-01-31T09:30:00+00:60", ErrTimeOffset},
		{"2026-01-31T9:30:00Z", ErrTimeHour},
		{"2026-01-31T9:30:00.5+01:00", ErrTimeHour},
		{"2026-01-31T0:00:00+24:00", ErrTimeHour},
		{"2026-01-31 9:30:00", ErrTimeHour},
		{"2026-01-31T09:30:00,5Z", ErrTimeFraction},
		{"2026-01-31T09:30:00,123456789-05:00", ErrTimeFraction},
		{"2026-01-31 09:30:00,5", ErrTimeFraction},
		{"2026-01-31T09:30:00", ErrTimeZone},
		{"2026-01-31T09:30:00.25", ErrTimeZone},
		{"2026-01-31T09:30:60Z", ErrTimeLeapSecond},
		{"2016-12-31T23:59:60+01:00", ErrTimeLeapSecond},
		{"2016-12-30T23:59:60Z", ErrTimeLeapSecond},
		{"2016-12-31 23:58:60", ErrTimeLeapSecond},
		{"2026-01-31T09:30:00.Z", nil},
		{"2026-01-31T09:30:0Z", nil},
		{"2026-01-31T09:30Z", nil},
		{"2026-01-31T09:30:00+99:00", nil},
		{"2026-01-31T09:30:00", nil},
		{"2026-01-31", nil},
		{"2026-01-31T09:30:00+0100", nil},
		{"2016-12-31T23:59:61Z", nil},
		{"2026-01-31 09:30:00z", nil},
		{"2026-01-31T09:30:00zz", nil},
		{" 2026-01-31T09:30:00Z", nil},
		{"yesterday", nil},
		{1700000000, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		got, err := UnmarshalTime(tt.input)
		if err == nil {
			t.Errorf("UnmarshalTime(%#v) = %v, want an error", tt.input, got)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("UnmarshalTime(%#v) error = %v, want %v", tt.input, err, tt.want)
		}
		if tt.want == nil && isNamedTimeError(err) {
			t.Errorf("UnmarshalTime(%#v) error = %v, want a format error", tt.input, err)
		}
	}
}

// isNamedTimeError reports whether err is one of the errors of UnmarshalTime
// that the error presenter names in its message.
func isNamedTimeError(err error) bool {
	for _, named := range []error{ErrEmptyTime, ErrTimeOffset, ErrTimeHour, ErrTimeFraction, ErrTimeLeapSecond} {
		if errors.Is(err, named) {
			return true
		}
	}
	return false
}

func TestMarshalTime(t *testing.T) {
	tests := []struct {
		input time.Time
		want  string
	}{
		{time.Date(2026, 1, 31, 9, 30, 0, 123456000, time.UTC), `"2026-01-31T09:30:00.123456Z"`},
		{time.Date(2026, 1, 31, 9, 30, 0, 0, time.FixedZone("", 3600)), `"2026-01-31T09:30:00+01:00"`},
		{time.Time{}, "null"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		MarshalTime(tt.input).MarshalGQL(&out)
		if out.String() != tt.want {
			t.Errorf("MarshalTime(%v) = %s, want %s", tt.input, out.String(), tt.want)
		}
	}
}

// strictTimeForm is the form that UnmarshalTime accepts: RFC 3339 with
// two-digit fields, or the form of time.DateTime, each with an optional
// fraction of a second after a period.
var strictTimeForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})| [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?)$`)

// FuzzUnmarshalTime checks that an accepted string is not empty, has the
// strict form, has an offset within ±23:59, has second 60 only as a leap
// second, and reads back as the same instant from what MarshalTime writes.
func FuzzUnmarshalTime(f *testing.F) {
	for _, seed := range []string{"2026-01-31T10:30:00+01:00", "2026-01-31T09:30:00.123456789Z", "2026-01-31 09:30:00",
		"2026-12-05T09:00:00+24:00", "2026-01-31T10:30:00-23:59", "", "2026-01-31", "2026-01-31t10:30:00z",
		"2026-01-31T9:30:00Z", "2026-01-31 9:30:00", "2026-01-31T09:30:00,5+01:00", "2026-01-31 09:30:00,5",
		"2016-12-31T23:59:60Z", "2017-01-01T00:59:60.5+01:00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		got, err := UnmarshalTime(input)
		if err != nil {
			return
		}
		if input == "" {
			t.Fatal("accepted an empty string")
		}
		if !strictTimeForm.MatchString(input) {
			t.Fatalf("UnmarshalTime(%q) = %v, want an error for a time outside the strict form", input, got)
		}
		if _, offset := got.Zone(); offset <= -24*3600 || offset >= 24*3600 {
			t.Fatalf("UnmarshalTime(%q) has offset %d s, beyond ±23:59", input, offset)
		}
		if input[17:19] == "60" {
			if utc := got.UTC(); utc.Day() != 1 || utc.Hour() != 0 || utc.Minute() != 0 || utc.Second() != 0 {
				t.Fatalf("UnmarshalTime(%q) = %v: second 60 outside a leap second", input, got)
			}
		}
		if got.IsZero() {
			// MarshalTime writes the zero time as null.
			return
		}
		var out bytes.Buffer
		MarshalTime(got).MarshalGQL(&out)
		text := strings.Trim(out.String(), `"`)
		again, err := UnmarshalTime(text)
		if err != nil {
			t.Fatalf("UnmarshalTime(%q) = %v, which marshals as %s and does not read back: %v", input, got, out.String(), err)
		}
		if !again.Equal(got) {
			t.Fatalf("UnmarshalTime(%q) = %v, which reads back as %v", input, got, again)
		}
	})
}
