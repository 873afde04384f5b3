package db

import (
	"encoding/base64"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestContactCursorRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 42, math.MaxInt64} {
		encoded := contactCursor(id)
		got, err := parseContactCursor(encoded)
		if err != nil {
			t.Errorf("parse %q of %d: %v", encoded, id, err)
			continue
		}
		if got != id {
			t.Errorf("round trip of %d = %d", id, got)
		}
	}
}

func TestParseContactCursorRejects(t *testing.T) {
	for _, payload := range []string{"", "contact:", "contact:0", "contact:-1", "contact:+1", "contact:1:2", "timeline:1:1", "contact:99999999999999999999"} {
		encoded := base64.RawURLEncoding.EncodeToString([]byte(payload))
		if id, err := parseContactCursor(encoded); err == nil {
			t.Errorf("parse of %q = %d, want an error", payload, id)
		}
	}
	if _, err := parseContactCursor("not base64!"); err == nil {
		t.Error("parse of invalid base64: no error")
	}
	if _, err := parseContactCursor(strings.Repeat("A", maxCursorLength+1)); err == nil {
		t.Error("parse of an overlong cursor: no error")
	}
}

func TestTimelineCursorRoundTrip(t *testing.T) {
	cursors := []timelineCursor{
		{set: true, occurredAt: time.Date(2026, 5, 2, 9, 30, 0, 123456000, time.UTC), id: 7},
		{set: true, occurredAt: minCursorTime, id: 1},
		{set: true, occurredAt: maxCursorTime.Add(-time.Microsecond), id: math.MaxInt64},
	}
	for _, want := range cursors {
		encoded := want.String()
		if len(encoded) > maxCursorLength {
			t.Errorf("cursor %+v encodes to %d bytes, more than %d", want, len(encoded), maxCursorLength)
		}
		got, err := parseTimelineCursor(encoded)
		if err != nil {
			t.Errorf("parse %q of %+v: %v", encoded, want, err)
			continue
		}
		if got != want {
			t.Errorf("round trip = %+v, want %+v", got, want)
		}
	}
}

func TestParseTimelineCursorRejects(t *testing.T) {
	for _, payload := range []string{"", "timeline:1", "timeline:1:0", "timeline:x:1", "contact:1:1", "timeline:1:1:1",
		"timeline:-62135596800000001:1", "timeline:253402300800000000:1"} {
		encoded := base64.RawURLEncoding.EncodeToString([]byte(payload))
		if cursor, err := parseTimelineCursor(encoded); err == nil {
			t.Errorf("parse of %q = %+v, want an error", payload, cursor)
		}
	}
}

// FuzzParseContactCursor checks that parsing any string neither panics nor
// accepts a cursor that does not survive a round trip.
func FuzzParseContactCursor(f *testing.F) {
	f.Add(contactCursor(42))
	f.Add("")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("contact:0")))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseContactCursor(s)
		if err != nil {
			return
		}
		if id < 1 {
			t.Fatalf("parse %q: id %d, want at least 1", s, id)
		}
		again, err := parseContactCursor(contactCursor(id))
		if err != nil || again != id {
			t.Fatalf("round trip of %q = %d, %v, want %d", s, again, err, id)
		}
	})
}

// FuzzParseTimelineCursor checks that parsing any string neither panics
// nor accepts a cursor that does not survive a round trip.
func FuzzParseTimelineCursor(f *testing.F) {
	f.Add(timelineCursor{set: true, occurredAt: time.Date(2026, 5, 2, 9, 30, 0, 0, time.UTC), id: 3}.String())
	f.Add("")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("timeline:-1:1")))
	f.Fuzz(func(t *testing.T, s string) {
		cursor, err := parseTimelineCursor(s)
		if err != nil {
			return
		}
		if cursor.id < 1 || !cursor.set {
			t.Fatalf("parse %q = %+v, want a set cursor with id at least 1", s, cursor)
		}
		if cursor.occurredAt.Before(minCursorTime) || !cursor.occurredAt.Before(maxCursorTime) {
			t.Fatalf("parse %q: time %s outside the years 0001 to 9999", s, cursor.occurredAt)
		}
		again, err := parseTimelineCursor(cursor.String())
		if err != nil || again != cursor {
			t.Fatalf("round trip of %q = %+v, %v, want %+v", s, again, err, cursor)
		}
	})
}

func TestLivePayloadRoundTrip(t *testing.T) {
	var events []LiveEvent
	for i := range 1000 {
		events = append(events, LiveEvent{AccountID: int64(i%3 + 1), OccurrenceID: math.MaxInt64 - int64(i)})
	}
	payloads := encodeLivePayloads(events)
	if len(payloads) < 2 {
		t.Fatalf("1000 events in %d payloads, want them split", len(payloads))
	}
	var got []liveRef
	for _, payload := range payloads {
		if len(payload) > maxLivePayload {
			t.Errorf("payload of %d bytes, over %d", len(payload), maxLivePayload)
		}
		refs, err := parseLivePayload(payload)
		if err != nil {
			t.Fatalf("parse payload: %v", err)
		}
		got = append(got, refs...)
	}
	want := make([]liveRef, len(events))
	for i, e := range events {
		want[i] = liveRef{accountID: e.AccountID, occurrenceID: e.OccurrenceID}
	}
	if !slices.Equal(got, want) {
		t.Errorf("round trip lost or reordered refs: got %d, want %d", len(got), len(want))
	}
}

func TestParseLivePayloadRejects(t *testing.T) {
	for _, payload := range []string{"", "1", "1:", ":1", "0:1", "1:0", "1:-2", "1:2  3:4", "1:2 ", "a:b", "1:2:3", strings.Repeat("1:1 ", 2000)} {
		if refs, err := parseLivePayload(payload); err == nil {
			t.Errorf("parse of %q = %v, want an error", payload, refs)
		}
	}
}

// FuzzParseLivePayload checks that parsing any notification payload
// neither panics nor returns ids below 1, and that what it accepts
// survives a round trip.
func FuzzParseLivePayload(f *testing.F) {
	f.Add("1:2 1:3 4:5")
	f.Add("")
	f.Add("1:+2")
	f.Fuzz(func(t *testing.T, payload string) {
		refs, err := parseLivePayload(payload)
		if err != nil {
			return
		}
		events := make([]LiveEvent, len(refs))
		for i, ref := range refs {
			if ref.accountID < 1 || ref.occurrenceID < 1 {
				t.Fatalf("parse %q: ref %+v has an id below 1", payload, ref)
			}
			events[i] = LiveEvent{AccountID: ref.accountID, OccurrenceID: ref.occurrenceID}
		}
		var again []liveRef
		for _, p := range encodeLivePayloads(events) {
			parsed, err := parseLivePayload(p)
			if err != nil {
				t.Fatalf("parse of re-encoded %q (from %q): %v", p, payload, err)
			}
			again = append(again, parsed...)
		}
		if !slices.Equal(again, refs) {
			t.Fatalf("round trip of %q = %v, want %v", payload, again, refs)
		}
	})
}
