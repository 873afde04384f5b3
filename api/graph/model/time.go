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
	// ErrTimeHour is a Time with a one-digit hour, such as
	// 2026-01-31T9:30:00Z, which Go's time.Parse accepts.
	ErrTimeHour = errors.New("time has a one-digit hour")
	// ErrTimeFraction is a Time with a comma before the fraction of a
	// second, such as 2026-01-31T09:30:00,5Z, which Go's time.Parse
	// accepts.
	ErrTimeFraction = errors.New("time has a comma before the fraction of a second")
	// ErrTimeZone is a Time with the separator T and no zone, such as
	// 2026-01-31T09:30:00, which names no instant.
	ErrTimeZone = errors.New("time has no Z or offset")
	// ErrTimeLeapSecond is a Time with second 60 anywhere but at 23:59:60
	// UTC on the last day of a month, where RFC 3339 allows a leap second.
	ErrTimeLeapSecond = errors.New("time has second 60 outside a leap second")
)

// MarshalTime writes the Time scalar in RFC 3339 form with up to nine
// fractional digits, and the zero time as null, as gqlgen's default Time
// scalar does.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.MarshalTime(t)
}

// UnmarshalTime reads the Time scalar: an RFC 3339 date and time, such as
// 2026-01-31T10:30:00+01:00, with two digits each for hour, minute and
// second, an optional fraction of a second after a period, and Z or an
// offset ±hh:mm. As RFC 3339 allows, T and Z may be lowercase, and the
// second may be 60 for a leap second at 23:59:60 UTC on the last day of a
// month. Go's time.Time has no leap seconds, so 23:59:60 reads as 00:00:00
// of the next day, as PostgreSQL reads it, and 23:59:60.5 as 00:00:00.5,
// which PostgreSQL rejects.
//
// Unlike gqlgen's default Time scalar, which this one replaces, it rejects
// "" with ErrEmptyTime instead of reading the zero time, and an offset
// beyond ±23:59 with ErrTimeOffset. It also rejects the two forms that
// time.Parse reads beyond RFC 3339: a one-digit hour with ErrTimeHour and
// a comma before the fraction with ErrTimeFraction. Second 60 at another
// time is ErrTimeLeapSecond, and a time with T but no zone ErrTimeZone.
// It still reads the form "2026-01-31 09:30:00" as UTC, as the default
// scalar did, with the same rules for its digits.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("time must be a string")
	}
	if s == "" {
		return time.Time{}, ErrEmptyTime
	}
	s, leap := withoutLeapSecond(upperTimeLetters(s))
	if t, err := time.Parse(time.DateTime, s); err == nil {
		if err := checkTimeForm(s, ' '); err != nil {
			return time.Time{}, err
		}
		return leapSecond(t, leap)
	}

	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if _, zerr := time.Parse("2006-01-02T15:04:05.999999999", s); zerr == nil && checkTimeForm(s+"Z", 'T') == nil {
			return time.Time{}, ErrTimeZone
		}
		return time.Time{}, err
	}
	if err := checkTimeForm(s, 'T'); err != nil {
		return time.Time{}, err
	}
	if !validOffset(s) {
		return time.Time{}, ErrTimeOffset
	}
	return leapSecond(t, leap)
}

// upperTimeLetters returns s with the separator t and the zone z of an
// RFC 3339 time in uppercase, because time.Parse reads only T and Z.
func upperTimeLetters(s string) string {
	separatorAt := len("2006-01-02")
	if len(s) <= separatorAt || (s[separatorAt] != 't' && !strings.HasSuffix(s, "z")) {
		return s
	}
	b := []byte(s)
	if b[separatorAt] == 't' {
		b[separatorAt] = 'T'
	}
	if last := len(b) - 1; b[last] == 'z' {
		b[last] = 'Z'
	}
	return string(b)
}

// withoutLeapSecond replaces second 60 with 59, which time.Parse reads,
// and reports whether it did. The seconds start at the same byte in both
// forms that UnmarshalTime reads.
func withoutLeapSecond(s string) (string, bool) {
	secondAt := len("2006-01-02T15:04:")
	if len(s) < secondAt+2 || s[secondAt:secondAt+2] != "60" || s[secondAt-1] != ':' {
		return s, false
	}
	return s[:secondAt] + "59" + s[secondAt+2:], true
}

// leapSecond returns t, or with leap the instant one second after t. That
// instant must be the start of a month in UTC, or the error is
// ErrTimeLeapSecond.
func leapSecond(t time.Time, leap bool) (time.Time, error) {
	if !leap {
		return t, nil
	}
	t = t.Add(time.Second)
	day := t.UTC().Truncate(time.Second)
	if day.Day() != 1 || day.Hour() != 0 || day.Minute() != 0 || day.Second() != 0 {
		return time.Time{}, ErrTimeLeapSecond
	}
	return t, nil
}

// dateTimeShape is the form of a date and time up to the seconds, in which
// 9 stands for any digit and T for the separator.
const dateTimeShape = "9999-99-99T99:99:99"

// checkTimeForm checks the digits and separators of s, which time.Parse has
// read as RFC 3339 (separator 'T') or as time.DateTime (separator ' ').
// After the seconds, s may have a period and one or more digits, and with
// the separator 'T' it ends in Z or ±hh:mm. The error is ErrTimeHour or
// ErrTimeFraction for the forms that time.Parse reads beyond these rules.
func checkTimeForm(s string, separator byte) error {
	if len(s) > 12 && isDigit(s[11]) && s[12] == ':' {
		return ErrTimeHour
	}
	if len(s) < len(dateTimeShape) {
		return errTimeForm
	}
	for i := range len(dateTimeShape) {
		switch want := dateTimeShape[i]; want {
		case '9':
			if !isDigit(s[i]) {
				return errTimeForm
			}
		case 'T':
			if s[i] != separator {
				return errTimeForm
			}
		default:
			if s[i] != want {
				return errTimeForm
			}
		}
	}

	rest := s[len(dateTimeShape):]
	if strings.HasPrefix(rest, ",") {
		return ErrTimeFraction
	}
	if strings.HasPrefix(rest, ".") {
		digits := 1
		for digits < len(rest) && isDigit(rest[digits]) {
			digits++
		}
		if digits == 1 {
			return errTimeForm
		}
		rest = rest[digits:]
	}

	switch {
	case separator == ' ' && rest == "":
		return nil
	case separator == 'T' && rest == "Z":
		return nil
	case separator == 'T' && len(rest) == len("+07:00") && (rest[0] == '+' || rest[0] == '-') &&
		isDigit(rest[1]) && isDigit(rest[2]) && rest[3] == ':' && isDigit(rest[4]) && isDigit(rest[5]):
		return nil
	}
	return errTimeForm
}

// errTimeForm is a time that time.Parse read but that breaks the rules of
// checkTimeForm in another way than ErrTimeHour and ErrTimeFraction. It is
// a safeguard: Go 1.26's time.Parse reads every other field with a fixed
// number of digits and the separators as given.
var errTimeForm = errors.New("time is not in RFC 3339 form")

func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
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
