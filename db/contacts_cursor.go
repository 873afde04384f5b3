package db

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"customevents/app/apitype"
)

var errInvalidPageCursor = errors.New("invalid page cursor")

func invalidCursorError(cursor string) *apitype.ValidationError {
	return &apitype.ValidationError{
		Field:   "after",
		Message: fmt.Sprintf("Cursor %q is invalid: pass the cursor of the previous page unchanged, or leave it out for the first page.", cursor),
	}
}

// contactCursor encodes the id of the last contact of a page as unpadded
// URL-safe base64 of "contact:ID".
func contactCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "contact:%d", id))
}

// parseContactCursor decodes a cursor made by contactCursor and rejects
// anything else, including ids below 1.
func parseContactCursor(s string) (int64, error) {
	payload, err := decodeCursor(s)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(payload, "contact:")
	if !ok {
		return 0, errInvalidPageCursor
	}
	id, err := parseCursorInt(rest)
	if err != nil || id < 1 {
		return 0, errInvalidPageCursor
	}
	return id, nil
}

// timelineCursor is the position of the last entry of a timeline page: its
// time, with microsecond precision, and its occurrence id.
type timelineCursor struct {
	set        bool
	occurredAt time.Time
	id         int64
}

// String encodes the cursor as unpadded URL-safe base64 of
// "timeline:MICROS:ID", where MICROS counts microseconds since the Unix
// epoch.
func (c timelineCursor) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "timeline:%d:%d", c.occurredAt.UnixMicro(), c.id))
}

// parseTimelineCursor decodes a cursor made by timelineCursor.String. It
// rejects anything else, including ids below 1 and times outside the years
// 0001 to 9999.
func parseTimelineCursor(s string) (timelineCursor, error) {
	payload, err := decodeCursor(s)
	if err != nil {
		return timelineCursor{}, err
	}
	parts := strings.Split(payload, ":")
	if len(parts) != 3 || parts[0] != "timeline" {
		return timelineCursor{}, errInvalidPageCursor
	}
	micros, err := parseCursorInt(parts[1])
	if err != nil {
		return timelineCursor{}, errInvalidPageCursor
	}
	id, err := parseCursorInt(parts[2])
	if err != nil || id < 1 {
		return timelineCursor{}, errInvalidPageCursor
	}
	at := time.UnixMicro(micros).UTC()
	if at.Before(minCursorTime) || !at.Before(maxCursorTime) {
		return timelineCursor{}, errInvalidPageCursor
	}
	return timelineCursor{set: true, occurredAt: at, id: id}, nil
}

func decodeCursor(s string) (string, error) {
	if len(s) > maxCursorLength {
		return "", errInvalidPageCursor
	}
	payload, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", errInvalidPageCursor
	}
	return string(payload), nil
}
