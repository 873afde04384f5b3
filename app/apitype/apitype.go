// Package apitype holds the request and response bodies of the admin JSON API
// and the validation rules that the API enforces and the admin forms show.
//
// Both the server and the WASM client import it, so it depends on the
// standard library alone.
package apitype

import "time"

// LoginRequest is the body of POST /api/session.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Session describes the signed-in user and the account the session acts on.
// CSRFToken must be sent back in the X-CSRF-Token header of every admin API
// request that changes data.
type Session struct {
	UserEmail   string `json:"userEmail"`
	AccountID   int64  `json:"accountId"`
	AccountName string `json:"accountName"`
	TimeZone    string `json:"timeZone"`
	CSRFToken   string `json:"csrfToken"`
	UserID      int64  `json:"userId"`
	// Role is the user's role in the account, one of Roles.
	Role string `json:"role"`
}

// CustomEventInput is the body of the create and update requests for a custom
// event definition.
type CustomEventInput struct {
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	Description  string `json:"description"`
	IsConversion bool   `json:"isConversion"`
}

// CustomEvent is a custom event definition as the admin API returns it.
type CustomEvent struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Slug         string    `json:"slug"`
	Description  string    `json:"description"`
	IsConversion bool      `json:"isConversion"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// EventStats holds the metric cards of one custom event over a date range.
// From and To are calendar days (YYYY-MM-DD) in the account's time zone, both
// included.
type EventStats struct {
	From            string `json:"from"`
	To              string `json:"to"`
	EventsTriggered int64  `json:"eventsTriggered"`
	UniqueContacts  int64  `json:"uniqueContacts"`
}

// Beacon holds what a website needs to send events for the account.
type Beacon struct {
	SiteKey string `json:"siteKey"`
	Snippet string `json:"snippet"`
	// ConsentMode is the account's consent mode, "track", "wait" or "gpc",
	// which Snippet carries.
	ConsentMode string `json:"consentMode"`
}

// IdentifySigning is the body of /api/account/identify-signing: the
// account's settings for signed $__MA.identify calls.
type IdentifySigning struct {
	// Secret is the key, 64 hex digits, with which the website's backend
	// computes the HMAC-SHA256 signature of each email it passes to
	// identify.
	Secret string `json:"secret"`
	// Required drops identify calls without a valid signature.
	Required bool `json:"required"`
}

// ErrorResponse is the body of every admin API error.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes one error: a stable machine code, a sentence for
// people and, for invalid input, the field at fault.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}
