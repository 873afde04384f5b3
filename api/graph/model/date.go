package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"customevents/app/apitype"
)

// Date bounds. PostgreSQL has no year 0, and four digits keep the
// YYYY-MM-DD form.
const (
	minDateYear = 1
	maxDateYear = 9999
)

// MarshalDate writes the Date scalar: a calendar day as a YYYY-MM-DD string.
// Only the year, month and day of t are written.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.Format(apitype.DateLayout)))
	})
}

// UnmarshalDate reads the Date scalar into midnight UTC of the day, the form
// apitype.DateRange uses. An invalid value returns an *apitype.ValidationError
// whose Field is empty, because only the caller knows the argument name.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &apitype.ValidationError{
			Message: `Date must be a string in the form YYYY-MM-DD, such as "2026-01-31".`,
		}
	}
	return ParseDate(s)
}

// ParseDate parses a YYYY-MM-DD day from year 0001 to 9999 into midnight UTC.
// Errors are *apitype.ValidationError values with an empty Field.
func ParseDate(s string) (time.Time, error) {
	day, err := time.Parse(apitype.DateLayout, s)
	if err != nil {
		return time.Time{}, &apitype.ValidationError{
			Message: fmt.Sprintf("Date %q is invalid: use YYYY-MM-DD, such as 2026-01-31.", s),
		}
	}
	if day.Year() < minDateYear || day.Year() > maxDateYear {
		return time.Time{}, &apitype.ValidationError{
			Message: fmt.Sprintf("Date %q is out of range: use a year from %04d to %04d.", s, minDateYear, maxDateYear),
		}
	}
	return day, nil
}
