package model

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Errors of UnmarshalTime that the error presenter names in its message.
// Other invalid values return other errors.
var (
	// ErrEmptyTime is an empty string sent as a Time.
	ErrEmptyTime = errors.New("time is an empty string")
	// ErrTimeOffset is a Time whose time zone offset is beyond ±23:59,
	// such as +24:00, which Go's time.Parse accepts.
	ErrTimeOffset = errors.New("time zone offset is beyond ±23:59")
)

// MarshalTime writes the Time scalar in RFC 3339 form with up to nine
// fractional digits, and the zero time as null, as gqlgen's default Time
// scalar does.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.MarshalTime(t)
}

// UnmarshalTime reads the Time scalar: an RFC 3339 date and time, such as
// 2026-01-31T10:30:00+01:00. Unlike gqlgen's default Time scalar, which
// this one replaces, it rejects "" with ErrEmptyTime instead of reading the
// zero time, and an offset beyond ±23:59 with ErrTimeOffset. It still reads
// the form "2026-01-31 09:30:00" as UTC, as the default scalar did.
//
// NOTE: time.Parse also reads a one-digit hour, as in 2026-01-31T9:30:00Z,
// which RFC 3339 does not allow, so such a time is accepted.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("time must be a string")
	}
	if s == "" {
		return time.Time{}, ErrEmptyTime
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}

	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if !validOffset(s) {
		return time.Time{}, ErrTimeOffset
	}
	return t, nil
}

// validOffset reports whether a time that time.Parse read as RFC 3339 ends
// in Z or in an offset of -23:59 to +23:59.
func validOffset(s string) bool {
	if strings.HasSuffix(s, "Z") {
		return true
	}
	// time.Parse has checked the form ±hh:mm.
	offset := s[len(s)-5:]
	hours, err := strconv.Atoi(offset[:2])
	if err != nil {
		return false
	}
	minutes, err := strconv.Atoi(offset[3:])
	if err != nil {
		return false
	}
	return hours <= 23 && minutes <= 59
}
