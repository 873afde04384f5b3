package db

import (
	"encoding/base64"
	"math"
	"testing"
	"time"

	"customevents/app/apitype"
)

func TestDrilldownCursorRoundTrip(t *testing.T) {
	cursors := []drilldownCursor{
		{Order: apitype.DrilldownByCount, Count: 1, ContactID: 1},
		{Order: apitype.DrilldownByCount, Count: math.MaxInt64, ContactID: math.MaxInt64},
		{Order: apitype.DrilldownByLastTriggered, LastTriggeredAt: time.Date(2026, 3, 8, 7, 0, 0, 123456000, time.UTC), ContactID: 42},
		{Order: apitype.DrilldownByLastTriggered, LastTriggeredAt: minCursorTime, ContactID: 1},
		{Order: apitype.DrilldownByLastTriggered, LastTriggeredAt: maxCursorTime.Add(-time.Microsecond), ContactID: math.MaxInt64},
	}
	for _, want := range cursors {
		encoded := want.String()
		if len(encoded) > maxCursorLength {
			t.Errorf("cursor %+v encodes to %d bytes, more than %d", want, len(encoded), maxCursorLength)
		}
		got, err := parseDrilldownCursor(encoded)
		if err != nil {
			t.Errorf("parse %q of %+v: %v", encoded, want, err)
			continue
		}
		if got != want {
			t.Errorf("parse %q = %+v, want %+v", encoded, got, want)
		}
	}
}

func TestParseDrilldownCursorRejects(t *testing.T) {
	payloads := []string{
		"",
		"count:1",
		"count:1:1:1",
		"count:0:1",
		"count:-3:1",
		"count:1:0",
		"count:+1:1",
		"count:1:+1",
		"count: 1:1",
		"count:1:99999999999999999999",
		"name:1:1",
		"COUNT:1:1",
		"last_triggered:-62135596800000001:1", // 1µs before 0001-01-01
		"last_triggered:253402300800000000:1", // 10000-01-01
		"last_triggered:x:1",
	}
	for _, payload := range payloads {
		encoded := base64.RawURLEncoding.EncodeToString([]byte(payload))
		if got, err := parseDrilldownCursor(encoded); err == nil {
			t.Errorf("parse of %q = %+v, want an error", payload, got)
		}
	}
	for _, raw := range []string{"Y291bnQ6MTox=", "Y291bnQ6MTox!", "Y291bnQ6MTox Y"} {
		if got, err := parseDrilldownCursor(raw); err == nil {
			t.Errorf("parse of %q = %+v, want an error", raw, got)
		}
	}
}

// FuzzParseDrilldownCursor checks that parsing any string neither panics
// nor accepts a cursor that does not survive a round trip.
func FuzzParseDrilldownCursor(f *testing.F) {
	f.Add(drilldownCursor{Order: apitype.DrilldownByCount, Count: 3, ContactID: 7}.String())
	f.Add(drilldownCursor{Order: apitype.DrilldownByLastTriggered, LastTriggeredAt: time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), ContactID: 9}.String())
	f.Add("")
	f.Add("Y291bnQ6MTox")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("last_triggered:-1:1")))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("count:1:1:")))
	f.Fuzz(func(t *testing.T, s string) {
		cursor, err := parseDrilldownCursor(s)
		if err != nil {
			return
		}
		if cursor.ContactID < 1 {
			t.Fatalf("parse %q: contact id %d, want at least 1", s, cursor.ContactID)
		}
		switch cursor.Order {
		case apitype.DrilldownByCount:
			if cursor.Count < 1 {
				t.Fatalf("parse %q: count %d, want at least 1", s, cursor.Count)
			}
		case apitype.DrilldownByLastTriggered:
			if cursor.LastTriggeredAt.Before(minCursorTime) || !cursor.LastTriggeredAt.Before(maxCursorTime) {
				t.Fatalf("parse %q: time %s outside the years 0001 to 9999", s, cursor.LastTriggeredAt)
			}
		default:
			t.Fatalf("parse %q: unknown order %q", s, cursor.Order)
		}
		again, err := parseDrilldownCursor(cursor.String())
		if err != nil {
			t.Fatalf("parse of re-encoded %q (from %q): %v", cursor.String(), s, err)
		}
		if again != cursor {
			t.Fatalf("round trip of %q = %+v, want %+v", s, again, cursor)
		}
	})
}
