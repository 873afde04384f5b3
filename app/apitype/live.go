package apitype

import "time"

// Server-sent event names of GET /api/live-events.
const (
	// LiveEventReady is sent once the stream is subscribed: every event
	// committed from then on reaches it. Its data is a LiveReady.
	LiveEventReady = "ready"
	// LiveEventOccurrence carries one committed occurrence, a LiveEvent.
	LiveEventOccurrence = "occurrence"
	// LiveEventDropped reports occurrences that the server dropped because
	// the connection fell behind, as a LiveNotice with a count.
	LiveEventDropped = "dropped"
	// LiveEventEnd is sent before the server closes the stream, such as on
	// sign-out or shutdown, as a LiveNotice. Clients should not reconnect.
	LiveEventEnd = "end"
)

// LiveReady is the data of the ready event: the slug the stream is
// filtered on, or "" for every event.
type LiveReady struct {
	Event string `json:"event"`
}

// LiveEvent is one committed occurrence in the live event stream.
type LiveEvent struct {
	OccurrenceID int64  `json:"occurrenceId"`
	Slug         string `json:"slug"`
	ContactID    int64  `json:"contactId"`
	// Contact is the contact's label, as ContactLabel makes it.
	Contact string `json:"contact"`
	// Test is true for an event of the test contact, such as one sent
	// with "Send a test event".
	Test       bool             `json:"test"`
	PageURL    string           `json:"pageUrl"`
	Channel    MarketingChannel `json:"channel"`
	Source     string           `json:"source"`
	OccurredAt time.Time        `json:"occurredAt"`
}

// LiveNotice is the data of the dropped and end events. Dropped counts the
// occurrences left out since the previous notice.
type LiveNotice struct {
	Dropped int64  `json:"dropped,omitempty"`
	Message string `json:"message"`
}

// TestEventResult is the body of POST /api/custom-events/:id/test-event:
// the stored occurrence of the test contact.
type TestEventResult struct {
	OccurrenceID int64  `json:"occurrenceId"`
	ContactID    int64  `json:"contactId"`
	Email        string `json:"email"`
	Slug         string `json:"slug"`
}

// BeaconStatus is the body of GET /api/beacon/status: the latest event
// that a website sent through the beacon. LatestEventAt is nil when none
// is among the account's latest BeaconStatusScanLimit occurrences.
type BeaconStatus struct {
	LatestEventAt *time.Time `json:"latestEventAt"`
	LatestSlug    string     `json:"latestSlug,omitempty"`
	LatestPageURL string     `json:"latestPageUrl,omitempty"`
	// RecentDrops lists the reasons for which the server process of this
	// request dropped the account's beacon messages within
	// BeaconDropWindow, the latest first, at most MaxBeaconDrops.
	RecentDrops []BeaconDrop `json:"recentDrops"`
}

// BeaconDrop is a kind of beacon message that the server dropped: why,
// with what to do, such as "No custom event has the slug "sign-up": ...",
// how many times, and when last.
type BeaconDrop struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Count  int       `json:"count"`
}

// How many reasons for dropped beacon messages GET /api/beacon/status
// lists, and for how long.
const (
	MaxBeaconDrops   = 10
	BeaconDropWindow = time.Hour
)

// BeaconStatusScanLimit is the number of an account's most recent
// occurrences that GET /api/beacon/status looks through for a beacon event.
const BeaconStatusScanLimit = 50_000
