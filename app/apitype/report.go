package apitype

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Drilldown limits.
const (
	// DefaultDrilldownPageSize is the number of rows of a drilldown page
	// when the request names none.
	DefaultDrilldownPageSize = 25
	// MaxDrilldownPageSize is the maximum number of rows of a drilldown page.
	MaxDrilldownPageSize = 100
	// MaxDrilldownSearchLength is the maximum length of a drilldown search,
	// in characters.
	MaxDrilldownSearchLength = 200
)

// DrilldownOrder is the sort key of drilldown rows. Both orders put the
// largest key first and break ties by contact id, largest first.
type DrilldownOrder string

// Drilldown orders, as the admin API's order parameter spells them.
const (
	DrilldownByCount         DrilldownOrder = "count"
	DrilldownByLastTriggered DrilldownOrder = "last_triggered"
)

// ParseDrilldownOrder returns the order named by s, ignoring case. An empty
// s is DrilldownByCount.
func ParseDrilldownOrder(s string) (DrilldownOrder, *ValidationError) {
	switch DrilldownOrder(strings.ToLower(strings.TrimSpace(s))) {
	case "", DrilldownByCount:
		return DrilldownByCount, nil
	case DrilldownByLastTriggered:
		return DrilldownByLastTriggered, nil
	}
	return "", &ValidationError{
		Field:   "order",
		Message: fmt.Sprintf("Order %q is unknown: use %s or %s.", s, DrilldownByCount, DrilldownByLastTriggered),
	}
}

// NormalizeDrilldownSearch trims a drilldown search and checks its length and
// characters.
func NormalizeDrilldownSearch(search string) (string, *ValidationError) {
	search = strings.TrimSpace(search)
	if n := utf8.RuneCountInString(search); n > MaxDrilldownSearchLength {
		return "", &ValidationError{
			Field:   "search",
			Message: fmt.Sprintf("Search has %d characters, more than the maximum of %d: shorten it.", n, MaxDrilldownSearchLength),
		}
	}
	if r, ok := hiddenCharacter(search, false); ok {
		return "", &ValidationError{Field: "search", Message: fmt.Sprintf("Search contains %s: remove it.", HiddenCharacterName(r))}
	}
	// Emails and the contact fields from events are stored in NFC, so a
	// search typed with combining marks finds them too.
	return norm.NFC.String(search), nil
}

// ValidateDrilldownPageSize checks that first is from 1 to
// MaxDrilldownPageSize.
func ValidateDrilldownPageSize(first int) *ValidationError {
	if first < 1 || first > MaxDrilldownPageSize {
		return &ValidationError{
			Field:   "first",
			Message: fmt.Sprintf("First is %d: ask for 1 to %d rows.", first, MaxDrilldownPageSize),
		}
	}
	return nil
}

// Previous returns the period of equal length that ends the day before r
// starts: a 30-day range compares with the 30 days before it.
func (r DateRange) Previous() DateRange {
	days := r.Days()
	return DateRange{From: r.From.AddDate(0, 0, -days), To: r.From.AddDate(0, 0, -1)}
}

// Contains reports whether day is one of the range's days.
func (r DateRange) Contains(day time.Time) bool {
	return !day.Before(r.From) && !day.After(r.To)
}

// EventReport is the body of GET /api/custom-events/:id/stats: the metric
// cards of the range, the same numbers for the previous period of equal
// length, and one entry per day of the range. Dates are YYYY-MM-DD days in
// the account's time zone.
type EventReport struct {
	EventStats
	PreviousFrom            string     `json:"previousFrom"`
	PreviousTo              string     `json:"previousTo"`
	PreviousEventsTriggered int64      `json:"previousEventsTriggered"`
	PreviousUniqueContacts  int64      `json:"previousUniqueContacts"`
	ByDay                   []DayCount `json:"byDay"`
}

// DayCount contains the occurrences and distinct contacts of one calendar
// day.
type DayCount struct {
	Date           string `json:"date"`
	Count          int64  `json:"count"`
	UniqueContacts int64  `json:"uniqueContacts"`
}

// DrilldownPage is the body of GET /api/custom-events/:id/drilldown.
// NextCursor, sent back as the after parameter, reads the next page. It is
// empty on the last page.
type DrilldownPage struct {
	Rows       []DrilldownRow `json:"rows"`
	NextCursor string         `json:"nextCursor"`
}

// DrilldownRow is one contact's occurrences of a custom event in the
// drilldown's days. PageURL, Channel and the UTM fields are those of the
// contact's last occurrence. Email is nil for an anonymous contact.
type DrilldownRow struct {
	ContactID        int64            `json:"contactId"`
	FirstName        string           `json:"firstName"`
	LastName         string           `json:"lastName"`
	Email            *string          `json:"email"`
	Company          string           `json:"company"`
	TriggerCount     int64            `json:"triggerCount"`
	FirstTriggeredAt time.Time        `json:"firstTriggeredAt"`
	LastTriggeredAt  time.Time        `json:"lastTriggeredAt"`
	PageURL          string           `json:"pageUrl"`
	Channel          MarketingChannel `json:"channel"`
	UTMSource        string           `json:"utmSource"`
	UTMMedium        string           `json:"utmMedium"`
	UTMCampaign      string           `json:"utmCampaign"`
	UTMTerm          string           `json:"utmTerm"`
	UTMContent       string           `json:"utmContent"`
	Conversion       bool             `json:"conversion"`
}
