package apitype

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Page sizes of the contacts list and of a contact's timeline.
const (
	DefaultContactPageSize  = 25
	MaxContactPageSize      = 100
	DefaultTimelinePageSize = 50
	MaxTimelinePageSize     = 100
)

// Caps on the metadata that a timeline entry shows. Metadata comes from
// websites, so the API cuts it before it reaches a page.
const (
	// MaxTimelineMetadataEntries is the number of metadata keys a timeline
	// entry lists. Further keys are counted in MetadataOmitted.
	MaxTimelineMetadataEntries = 20
	// MaxTimelineMetadataValue is the length of a metadata value in a
	// timeline entry, in characters. Longer values are cut and marked.
	MaxTimelineMetadataValue = 200
)

// TestContactEmail is the email of the contact that "Send a test event"
// records events for. The .invalid top-level domain is reserved (RFC 2606),
// so it can never be a real person's address.
const TestContactEmail = "test@example.invalid"

// TestContactTag is the tag that marks the test contact.
const TestContactTag = "test"

// ContactSummary is one row of the contacts list.
type ContactSummary struct {
	ID int64 `json:"id"`
	// Email is nil for an anonymous contact, known only by visitor ids.
	Email          *string `json:"email"`
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	Company        string  `json:"company"`
	LifecycleStage string  `json:"lifecycleStage"`
	LeadScore      int64   `json:"leadScore"`
	// Events counts the contact's stored occurrences, and LastEventAt is
	// the time of the latest one, or nil when there is none.
	Events      int64      `json:"events"`
	LastEventAt *time.Time `json:"lastEventAt"`
	CreatedAt   time.Time  `json:"createdAt"`
}

// ContactPage is the body of GET /api/contacts. NextCursor, passed as the
// after parameter, reads the next page. It is empty on the last page.
type ContactPage struct {
	Rows       []ContactSummary `json:"rows"`
	NextCursor string           `json:"nextCursor"`
}

// ContactListRef names a list that a contact is a member of.
type ContactListRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ContactDetail is the body of GET /api/contacts/:id: every field of one
// contact with its lists, tags and activity totals.
type ContactDetail struct {
	ContactSummary
	JobTitle string `json:"jobTitle"`
	// CustomFields maps custom field names to values.
	CustomFields map[string]string `json:"customFields"`
	// Lists are sorted by name, and Tags alphabetically.
	Lists []ContactListRef `json:"lists"`
	Tags  []string         `json:"tags"`
	// Visitors counts the browsers tied to the contact.
	Visitors     int64      `json:"visitors"`
	FirstEventAt *time.Time `json:"firstEventAt"`
}

// MetadataEntry is one metadata key and its value as text. Truncated is
// true when the value was cut to MaxTimelineMetadataValue characters, or
// the key to MaxMetadataKeyLength.
type MetadataEntry struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Truncated bool   `json:"truncated,omitempty"`
}

// TimelineEvent is one occurrence on a contact's timeline.
type TimelineEvent struct {
	OccurrenceID int64  `json:"occurrenceId"`
	EventName    string `json:"eventName"`
	EventSlug    string `json:"eventSlug"`
	// EventDeleted is true when the custom event definition was deleted
	// after the occurrence was stored.
	EventDeleted bool      `json:"eventDeleted"`
	OccurredAt   time.Time `json:"occurredAt"`
	// Source is beacon or api.
	Source      string           `json:"source"`
	PageURL     string           `json:"pageUrl"`
	Referrer    string           `json:"referrer"`
	Channel     MarketingChannel `json:"channel"`
	UTMSource   string           `json:"utmSource"`
	UTMMedium   string           `json:"utmMedium"`
	UTMCampaign string           `json:"utmCampaign"`
	UTMTerm     string           `json:"utmTerm"`
	UTMContent  string           `json:"utmContent"`
	// Metadata lists at most MaxTimelineMetadataEntries keys in key order.
	// MetadataOmitted counts the keys left out.
	Metadata        []MetadataEntry `json:"metadata"`
	MetadataOmitted int             `json:"metadataOmitted"`
}

// TimelinePage is the body of GET /api/contacts/:id/timeline: a contact's
// occurrences, newest first. NextCursor, passed as the before parameter,
// reads older ones. It is empty on the last page.
type TimelinePage struct {
	Events     []TimelineEvent `json:"events"`
	NextCursor string          `json:"nextCursor"`
}

// ContactName returns the contact's first and last name separated by a
// space, or "" when both are empty.
func ContactName(firstName, lastName string) string {
	return strings.TrimSpace(firstName + " " + lastName)
}

// ContactLabel returns how the admin app names a contact: its name, else
// its email, else "Anonymous visitor #" and its id.
func ContactLabel(id int64, email *string, firstName, lastName string) string {
	if name := ContactName(firstName, lastName); name != "" {
		return name
	}
	if email != nil && *email != "" {
		return *email
	}
	return "Anonymous visitor #" + strconv.FormatInt(id, 10)
}

// MetadataEntries returns metadata as sorted key and text value pairs for a
// timeline: at most MaxTimelineMetadataEntries keys, each value cut to
// MaxTimelineMetadataValue characters, and the number of keys left out.
// Strings stay as they are, numbers are written as in JSON, and any other
// value, which only older rows could hold, is written as its JSON.
func MetadataEntries(m map[string]any) ([]MetadataEntry, int) {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	omitted := 0
	if len(keys) > MaxTimelineMetadataEntries {
		omitted = len(keys) - MaxTimelineMetadataEntries
		keys = keys[:MaxTimelineMetadataEntries]
	}

	entries := make([]MetadataEntry, len(keys))
	for i, key := range keys {
		value, truncated := CutText(metadataText(m[key]), MaxTimelineMetadataValue)
		shownKey, keyCut := CutText(key, MaxMetadataKeyLength)
		entries[i] = MetadataEntry{Key: shownKey, Value: value, Truncated: truncated || keyCut}
	}
	return entries, omitted
}

func metadataText(value any) string {
	switch v := value.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	// encoding/json writes a float64 as JavaScript does, with an exponent
	// from 1e21 up and below 1e-6, so 1e308 takes 6 characters, not 309.
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Sprint(value)
	}
	return string(b)
}

// CutText returns s cut to max characters, with an ellipsis in place of
// the last one when it was cut, and whether it was cut. Invalid UTF-8
// becomes U+FFFD.
func CutText(s string, max int) (string, bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	return string([]rune(s)[:max-1]) + "…", true
}
