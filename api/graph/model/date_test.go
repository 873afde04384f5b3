package model

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"time"

	"customevents/app/apitype"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		input string
		want  time.Time
	}{
		{"2026-01-31", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"2028-02-29", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"0001-01-01", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.input)
		if err != nil {
			t.Errorf("ParseDate(%q) error = %v", tt.input, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.input, got, tt.want)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	inputs := []string{
		"", "2026-1-31", "2026-01-1", "26-01-31", "2027-02-29", "2026-13-01",
		"2026-01-32", "0000-01-01", "2026-01-31T00:00:00Z", " 2026-01-31",
		"2026/01/31", "+2026-01-31",
	}
	for _, input := range inputs {
		_, err := ParseDate(input)
		verr, ok := errors.AsType[*apitype.ValidationError](err)
		if !ok {
			t.Errorf("ParseDate(%q) error = %v, want *apitype.ValidationError", input, err)
			continue
		}
		if verr.Field != "" {
			t.Errorf("ParseDate(%q) field = %q, want empty", input, verr.Field)
		}
	}
}

func TestMarshalDate(t *testing.T) {
	var out bytes.Buffer
	day := time.Date(2026, 3, 1, 23, 59, 0, 0, time.FixedZone("UTC-5", -5*3600))
	MarshalDate(day).MarshalGQL(&out)
	if out.String() != `"2026-03-01"` {
		t.Errorf("MarshalDate = %s, want \"2026-03-01\"", out.String())
	}
}

// FuzzParseDate checks that every accepted string is a canonical YYYY-MM-DD
// day: formatting the parsed day returns the input, and parsing the
// marshaled form returns the same day.
func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{"2026-01-31", "2028-02-29", "2027-02-29", "0000-01-01", "9999-12-31", "2026-1-1", "", "2026-01-31Z"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		day, err := ParseDate(input)
		if err != nil {
			if _, ok := errors.AsType[*apitype.ValidationError](err); !ok {
				t.Fatalf("ParseDate(%q) error %T, want *apitype.ValidationError", input, err)
			}
			return
		}
		if formatted := day.Format(apitype.DateLayout); formatted != input {
			t.Fatalf("ParseDate(%q) formats as %q", input, formatted)
		}
		if day.Hour() != 0 || day.Minute() != 0 || day.Second() != 0 || day.Nanosecond() != 0 || day.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, want midnight UTC", input, day)
		}

		var marshaled bytes.Buffer
		MarshalDate(day).MarshalGQL(&marshaled)
		unquoted, err := strconv.Unquote(marshaled.String())
		if err != nil {
			t.Fatalf("MarshalDate(%v) = %s, not a quoted string: %v", day, marshaled.String(), err)
		}
		again, err := UnmarshalDate(unquoted)
		if err != nil {
			t.Fatalf("UnmarshalDate(%q) after marshaling: %v", unquoted, err)
		}
		if !again.Equal(day) {
			t.Fatalf("round trip of %q = %v, want %v", input, again, day)
		}
	})
}
