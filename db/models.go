package db

import (
	"time"

	"customevents/app/apitype"

	"github.com/uptrace/bun"
)

// Account is a workspace: everything else belongs to one.
type Account struct {
	bun.BaseModel `bun:"table:accounts"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name"`
	TimeZone  string    `bun:"time_zone"`
	SiteKey   string    `bun:"site_key"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
}

// Location returns the account's time zone, or UTC when it is unknown.
func (a *Account) Location() *time.Location {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// User is a person who signs in to the admin app.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Email        string    `bun:"email"`
	PasswordHash string    `bun:"password_hash"`
	CreatedAt    time.Time `bun:"created_at,nullzero,default:now()"`
}

// Membership gives a user a role in an account.
type Membership struct {
	bun.BaseModel `bun:"table:memberships"`

	AccountID int64     `bun:"account_id,pk"`
	UserID    int64     `bun:"user_id,pk"`
	Role      string    `bun:"role"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
}

// Session is a signed-in admin session.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	TokenHash []byte    `bun:"token_hash,pk"`
	AccountID int64     `bun:"account_id"`
	UserID    int64     `bun:"user_id"`
	CSRFToken string    `bun:"csrf_token"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// Invite lets the holder of its link join an account with a role.
type Invite struct {
	bun.BaseModel `bun:"table:invites"`

	ID         int64        `bun:"id,pk,autoincrement"`
	AccountID  int64        `bun:"account_id"`
	Email      string       `bun:"email"`
	Role       string       `bun:"role"`
	TokenHash  []byte       `bun:"token_hash"`
	InvitedBy  *int64       `bun:"invited_by"`
	CreatedAt  time.Time    `bun:"created_at,nullzero,default:now()"`
	ExpiresAt  time.Time    `bun:"expires_at"`
	AcceptedAt bun.NullTime `bun:"accepted_at"`
	AcceptedBy *int64       `bun:"accepted_by"`
	RevokedAt  bun.NullTime `bun:"revoked_at"`
}

// PasswordReset lets the holder of its link set a user's password once.
type PasswordReset struct {
	bun.BaseModel `bun:"table:password_resets"`

	TokenHash []byte       `bun:"token_hash,pk"`
	UserID    int64        `bun:"user_id"`
	CreatedBy *int64       `bun:"created_by"`
	CreatedAt time.Time    `bun:"created_at,nullzero,default:now()"`
	ExpiresAt time.Time    `bun:"expires_at"`
	UsedAt    bun.NullTime `bun:"used_at"`
}

// APIKey authenticates GraphQL calls for one account.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID         int64        `bun:"id,pk,autoincrement"`
	AccountID  int64        `bun:"account_id"`
	Name       string       `bun:"name"`
	Prefix     string       `bun:"prefix"`
	KeyHash    []byte       `bun:"key_hash"`
	CreatedAt  time.Time    `bun:"created_at,nullzero,default:now()"`
	LastUsedAt bun.NullTime `bun:"last_used_at"`
	RevokedAt  bun.NullTime `bun:"revoked_at"`
}

// CustomEvent is a custom event definition.
type CustomEvent struct {
	bun.BaseModel `bun:"table:custom_events"`

	ID           int64        `bun:"id,pk,autoincrement"`
	AccountID    int64        `bun:"account_id"`
	Name         string       `bun:"name"`
	Slug         string       `bun:"slug"`
	Description  string       `bun:"description"`
	IsConversion bool         `bun:"is_conversion"`
	CreatedAt    time.Time    `bun:"created_at,nullzero,default:now()"`
	UpdatedAt    time.Time    `bun:"updated_at,nullzero,default:now()"`
	DeletedAt    bun.NullTime `bun:"deleted_at"`

	// ActionMode is one of the apitype.ActionMode values. Actions holds the
	// on-the-fly actions and ActionSetID the linked action set.
	ActionMode          string              `bun:"action_mode,nullzero,default:'none'"`
	Actions             *apitype.ActionList `bun:"actions,type:jsonb,nullzero"`
	ActionSetID         *int64              `bun:"action_set_id"`
	ActionFrequency     string              `bun:"action_frequency,nullzero,default:'every_time'"`
	ActionFrequencyDays int                 `bun:"action_frequency_days"`
}

// ActionSet is a named list of actions that custom events can link.
type ActionSet struct {
	bun.BaseModel `bun:"table:action_sets"`

	ID          int64              `bun:"id,pk,autoincrement"`
	AccountID   int64              `bun:"account_id"`
	Name        string             `bun:"name"`
	Description string             `bun:"description"`
	Actions     apitype.ActionList `bun:"actions,type:jsonb"`
	CreatedAt   time.Time          `bun:"created_at,nullzero,default:now()"`
	UpdatedAt   time.Time          `bun:"updated_at,nullzero,default:now()"`
}

// Contact is a person, known by email or, while anonymous, by visitor ids.
type Contact struct {
	bun.BaseModel `bun:"table:contacts"`

	ID        int64   `bun:"id,pk,autoincrement"`
	AccountID int64   `bun:"account_id"`
	Email     *string `bun:"email"`
	FirstName string  `bun:"first_name"`
	LastName  string  `bun:"last_name"`
	Company   string  `bun:"company"`
	JobTitle  string  `bun:"job_title"`
	// LeadScore, LifecycleStage and CustomFields are read by segment
	// conditions and changed by actions.
	LeadScore      int64             `bun:"lead_score"`
	LifecycleStage string            `bun:"lifecycle_stage,nullzero,default:'subscriber'"`
	CustomFields   map[string]string `bun:"custom_fields,type:jsonb,nullzero"`
	CreatedAt      time.Time         `bun:"created_at,nullzero,default:now()"`
}

// Visitor ties a browser's first-party id to a contact.
type Visitor struct {
	bun.BaseModel `bun:"table:visitors"`

	AccountID int64     `bun:"account_id,pk"`
	ID        string    `bun:"id,pk"`
	ContactID int64     `bun:"contact_id"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
}

// Event sources.
const (
	SourceBeacon = "beacon"
	SourceAPI    = "api"
)

// EventOccurrence is one firing of a custom event.
type EventOccurrence struct {
	bun.BaseModel `bun:"table:event_occurrences"`

	ID            int64     `bun:"id,pk,autoincrement"`
	AccountID     int64     `bun:"account_id"`
	CustomEventID int64     `bun:"custom_event_id"`
	ContactID     int64     `bun:"contact_id"`
	OccurredAt    time.Time `bun:"occurred_at"`
	PageURL       string    `bun:"page_url"`
	Source        string    `bun:"source"`
	// Metadata is a flat JSON object of string, number and boolean values.
	Metadata    map[string]any `bun:"metadata,type:jsonb,nullzero,default:'{}'"`
	Referrer    string         `bun:"referrer"`
	Channel     string         `bun:"channel,nullzero,default:'DIRECT'"`
	UTMSource   string         `bun:"utm_source"`
	UTMMedium   string         `bun:"utm_medium"`
	UTMCampaign string         `bun:"utm_campaign"`
	UTMTerm     string         `bun:"utm_term"`
	UTMContent  string         `bun:"utm_content"`
	CreatedAt   time.Time      `bun:"created_at,nullzero,default:now()"`
}
