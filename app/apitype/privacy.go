package apitype

import (
	"fmt"
	"time"
)

// Limits of an account's retention setting, in months.
const (
	MinRetentionMonths     = 1
	MaxRetentionMonths     = 120
	DefaultRetentionMonths = 25
)

// ContactEmailRequest is the body of POST /api/contacts/erase.
type ContactEmailRequest struct {
	Email string `json:"email"`
}

// ErasureResult counts what erasing a contact deleted besides the contact
// itself.
type ErasureResult struct {
	Occurrences int64 `json:"occurrences"`
	Visitors    int64 `json:"visitors"`
}

// ContactExport is everything stored about one contact, as GET
// /api/contacts/export returns it for an access request.
type ContactExport struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	Company   string    `json:"company"`
	CreatedAt time.Time `json:"createdAt"`
	// Visitors are the browsers tied to the contact, oldest first.
	Visitors []ContactVisitor `json:"visitors"`
	// Occurrences are the contact's events, oldest first, including those
	// of deleted custom event definitions.
	Occurrences []ContactOccurrence `json:"occurrences"`
	// DailyCounts are the contact's occurrences that retention deleted,
	// counted per custom event and day, oldest first.
	DailyCounts []ContactDailyCount `json:"dailyCounts"`
}

// ContactDailyCount is the number of a contact's occurrences of one custom
// event on one day, kept after retention deleted the occurrences. Day is
// YYYY-MM-DD in the account's time zone.
type ContactDailyCount struct {
	EventSlug string `json:"eventSlug"`
	Day       string `json:"day"`
	Events    int64  `json:"events"`
}

// ContactVisitor is a browser's first-party visitor id and the time it was
// first stored.
type ContactVisitor struct {
	ID          string    `json:"id"`
	FirstSeenAt time.Time `json:"firstSeenAt"`
}

// ContactOccurrence is one event of a contact with its attribution.
type ContactOccurrence struct {
	EventSlug  string    `json:"eventSlug"`
	EventName  string    `json:"eventName"`
	OccurredAt time.Time `json:"occurredAt"`
	// Source is beacon or api.
	Source   string `json:"source"`
	PageURL  string `json:"pageUrl"`
	Referrer string `json:"referrer"`
	// Channel is a MarketingChannel value such as ORGANIC_SEARCH.
	Channel     string         `json:"channel"`
	UTMSource   string         `json:"utmSource"`
	UTMMedium   string         `json:"utmMedium"`
	UTMCampaign string         `json:"utmCampaign"`
	UTMTerm     string         `json:"utmTerm"`
	UTMContent  string         `json:"utmContent"`
	Metadata    map[string]any `json:"metadata"`
}

// Retention is the body of GET and PUT /api/account/retention.
type Retention struct {
	// RetentionMonths is how many months of event occurrences the account
	// keeps, from MinRetentionMonths to MaxRetentionMonths.
	RetentionMonths int `json:"retentionMonths"`
}

// ValidateRetentionMonths checks a retention setting.
func ValidateRetentionMonths(months int) *ValidationError {
	if months < MinRetentionMonths || months > MaxRetentionMonths {
		return &ValidationError{
			Field:   "retentionMonths",
			Message: fmt.Sprintf("Retention of %d months is out of range: choose from %d to %d months.", months, MinRetentionMonths, MaxRetentionMonths),
		}
	}
	return nil
}
