package apitype

import (
	"fmt"
	"time"
)

// DateLayout is the form of calendar days in the API: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// MaxRangeDays is the longest date range a report may cover, in days.
const MaxRangeDays = 3660

// DateRange is a span of calendar days, both ends included. The days are
// read in the account's time zone.
type DateRange struct {
	From time.Time
	To   time.Time
}

// Days returns the number of calendar days in the range.
func (r DateRange) Days() int {
	return int(r.To.Sub(r.From).Hours()/24) + 1
}

// ParseDateRange parses two YYYY-MM-DD days and checks that from is not after
// to and that the range spans at most MaxRangeDays days.
func ParseDateRange(from, to string) (DateRange, *ValidationError) {
	start, err := time.Parse(DateLayout, from)
	if err != nil {
		return DateRange{}, &ValidationError{Field: "from", Message: fmt.Sprintf("Date %q is invalid: use YYYY-MM-DD, such as 2026-01-31.", from)}
	}
	end, err := time.Parse(DateLayout, to)
	if err != nil {
		return DateRange{}, &ValidationError{Field: "to", Message: fmt.Sprintf("Date %q is invalid: use YYYY-MM-DD, such as 2026-01-31.", to)}
	}

	r := DateRange{From: start, To: end}
	if end.Before(start) {
		return DateRange{}, &ValidationError{Field: "to", Message: fmt.Sprintf("Range end %s is before its start %s: swap them.", to, from)}
	}
	if r.Days() > MaxRangeDays {
		return DateRange{}, &ValidationError{Field: "to", Message: fmt.Sprintf("Range of %d days is too long: use at most %d days.", r.Days(), MaxRangeDays)}
	}
	return r, nil
}

// LastDays returns the range of n calendar days that ends on the day of now
// in loc, today included.
func LastDays(now time.Time, loc *time.Location, n int) DateRange {
	local := now.In(loc)
	end := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	return DateRange{From: end.AddDate(0, 0, -(n - 1)), To: end}
}
