package db

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"customevents/app/apitype"
)

// maxCursorLength is the maximum length of an encoded drilldown cursor, in
// bytes. The longest valid cursor has 71 bytes.
const maxCursorLength = 128

// Bounds of a cursor's last trigger time: the years that the Date scalar and
// PostgreSQL both accept.
var (
	minCursorTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxCursorTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// drilldownCursor is the position of the last row of a drilldown page: its
// sort key and its contact id. Count is set for the count order and
// LastTriggeredAt, with microsecond precision, for the last_triggered order.
type drilldownCursor struct {
	Order           apitype.DrilldownOrder
	Count           int64
	LastTriggeredAt time.Time
	ContactID       int64
}

// String encodes the cursor as unpadded URL-safe base64 of
// "order:key:contactID", where key is the count or the last trigger time in
// microseconds since the Unix epoch.
func (c drilldownCursor) String() string {
	key := c.Count
	if c.Order == apitype.DrilldownByLastTriggered {
		key = c.LastTriggeredAt.UnixMicro()
	}
	payload := fmt.Sprintf("%s:%d:%d", c.Order, key, c.ContactID)
	return base64.RawURLEncoding.EncodeToString([]byte(payload))
}

var errInvalidCursor = errors.New("invalid drilldown cursor")

// parseDrilldownCursor decodes a cursor made by drilldownCursor.String. It
// rejects anything else, including keys that no row can have: a count or
// contact id below 1, or a time outside the years 0001 to 9999.
func parseDrilldownCursor(s string) (drilldownCursor, error) {
	if len(s) > maxCursorLength {
		return drilldownCursor{}, errInvalidCursor
	}
	payload, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return drilldownCursor{}, errInvalidCursor
	}
	parts := strings.Split(string(payload), ":")
	if len(parts) != 3 {
		return drilldownCursor{}, errInvalidCursor
	}
	key, err := parseCursorInt(parts[1])
	if err != nil {
		return drilldownCursor{}, err
	}
	contactID, err := parseCursorInt(parts[2])
	if err != nil || contactID < 1 {
		return drilldownCursor{}, errInvalidCursor
	}

	cursor := drilldownCursor{Order: apitype.DrilldownOrder(parts[0]), ContactID: contactID}
	switch cursor.Order {
	case apitype.DrilldownByCount:
		if key < 1 {
			return drilldownCursor{}, errInvalidCursor
		}
		cursor.Count = key
	case apitype.DrilldownByLastTriggered:
		at := time.UnixMicro(key).UTC()
		if at.Before(minCursorTime) || !at.Before(maxCursorTime) {
			return drilldownCursor{}, errInvalidCursor
		}
		cursor.LastTriggeredAt = at
	default:
		return drilldownCursor{}, errInvalidCursor
	}
	return cursor, nil
}

// parseCursorInt parses a decimal integer in the form String writes: an
// optional minus sign and digits, without a plus sign.
func parseCursorInt(s string) (int64, error) {
	if s == "" || s[0] == '+' {
		return 0, errInvalidCursor
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errInvalidCursor
	}
	return n, nil
}
