package apitype

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Roles of a member in an account, from the least to the most access.
const (
	// RoleViewer reads reports and custom event definitions.
	RoleViewer = "viewer"
	// RoleEditor also creates, edits and deletes custom events and their
	// actions, action sets and lists.
	RoleEditor = "editor"
	// RoleAdmin also changes account, beacon and privacy settings, manages
	// API keys, erases contacts, and invites and manages editors and
	// viewers.
	RoleAdmin = "admin"
	// RoleOwner also grants the admin and owner roles, changes and removes
	// admins and owners, and creates new accounts.
	RoleOwner = "owner"
)

// Roles lists the roles from the least to the most access, as the
// memberships.role CHECK constraint does.
var Roles = []string{RoleViewer, RoleEditor, RoleAdmin, RoleOwner}

// Password limits. MinPasswordLength counts characters and
// MaxPasswordLength bytes, because bcrypt reads at most 72 bytes and would
// ignore the rest of a longer password without notice.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 72
)

// MaxAccountNameLength is the maximum length of an account name, in
// characters.
const MaxAccountNameLength = 100

// RoleRank returns the position of role in Roles, or -1 for an unknown role.
func RoleRank(role string) int {
	return slices.Index(Roles, role)
}

// RoleAtLeast reports whether role grants everything that least grants.
// An unknown role grants nothing.
func RoleAtLeast(role, least string) bool {
	rank := RoleRank(role)
	return rank >= 0 && rank >= RoleRank(least)
}

// CanManageMember reports whether a member with role actor may change the
// role of, remove or make a password reset link for a member with role
// target: owners manage everyone, admins manage editors and viewers.
func CanManageMember(actor, target string) bool {
	switch actor {
	case RoleOwner:
		return RoleRank(target) >= 0
	case RoleAdmin:
		return target == RoleEditor || target == RoleViewer
	}
	return false
}

// CanGrantRole reports whether a member with role actor may give role to
// someone, by invite or by a role change. Only owners grant admin and
// owner, because admins could not take those roles back.
func CanGrantRole(actor, role string) bool {
	return CanManageMember(actor, role)
}

// RoleWithArticle returns role with its indefinite article, as in
// "an admin", for messages.
func RoleWithArticle(role string) string {
	if role == RoleAdmin || role == RoleOwner || role == RoleEditor {
		return "an " + role
	}
	return "a " + role
}

// ValidateRole checks that role is one of Roles.
func ValidateRole(field, role string) *ValidationError {
	if RoleRank(role) < 0 {
		return &ValidationError{Field: field, Message: fmt.Sprintf("Role %q is not valid: use viewer, editor, admin or owner.", role)}
	}
	return nil
}

// ValidatePassword checks a new password's length: at least
// MinPasswordLength characters and at most MaxPasswordLength bytes.
func ValidatePassword(field, password string) *ValidationError {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return &ValidationError{Field: field, Message: fmt.Sprintf("Password is too short: use at least %d characters.", MinPasswordLength)}
	}
	if len(password) > MaxPasswordLength {
		return &ValidationError{Field: field, Message: fmt.Sprintf("Password is too long: use at most %d bytes.", MaxPasswordLength)}
	}
	return nil
}

// NormalizeAccountName trims surrounding white space from an account name
// and checks that it has 1 to MaxAccountNameLength characters and no
// invisible characters.
func NormalizeAccountName(name string) (string, *ValidationError) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &ValidationError{Field: "name", Message: "Name is required, such as Acme Marketing."}
	}
	if utf8.RuneCountInString(name) > MaxAccountNameLength {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("Name is too long: use at most %d characters.", MaxAccountNameLength)}
	}
	if r, ok := hiddenCharacter(name, false); ok {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("Name contains %s: remove it.", HiddenCharacterName(r))}
	}
	return name, nil
}

// AccountSummary is one account of the signed-in user, as GET /api/accounts
// lists it.
type AccountSummary struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Role is the user's role in the account.
	Role string `json:"role"`
	// Current is true for the account the session acts on.
	Current bool `json:"current"`
}

// AccountInput is the body of POST /api/accounts and PUT /api/account.
type AccountInput struct {
	Name string `json:"name"`
	// TimeZone is an IANA time zone name such as Europe/Berlin. Reports
	// count days in it.
	TimeZone string `json:"timeZone"`
}

// AccountSettings is the response of GET and PUT /api/account.
type AccountSettings struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"timeZone"`
}

// SwitchAccountRequest is the body of POST /api/session/account.
type SwitchAccountRequest struct {
	AccountID int64 `json:"accountId"`
}

// Member is a user with a role in the account, as GET /api/members lists
// it.
type Member struct {
	UserID   int64     `json:"userId"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

// MemberRoleInput is the body of PUT /api/members/:userId.
type MemberRoleInput struct {
	Role string `json:"role"`
}

// InviteInput is the body of POST /api/invites.
type InviteInput struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Invite is a pending invitation, as GET /api/invites lists it.
type Invite struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	InvitedBy string    `json:"invitedBy"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// CreatedInvite is the response of POST /api/invites, the only response
// that contains the invite link.
type CreatedInvite struct {
	Invite Invite `json:"invite"`
	// Link opens the invite page with the invite's token.
	Link string `json:"link"`
	// Emailed is true when the link was handed to the mail sender.
	Emailed bool `json:"emailed"`
}

// TokenRequest is the body of the public requests that carry an invite or
// password reset token.
type TokenRequest struct {
	Token string `json:"token"`
}

// InviteDetails describes a valid invite to the person who has its link.
type InviteDetails struct {
	AccountName string    `json:"accountName"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// UserExists is true when a user with the invite's email exists, who
	// accepts with their current password.
	UserExists bool `json:"userExists"`
}

// AcceptInviteRequest is the body of POST /api/invites/accept. Password is
// the new user's password, or an existing user's current password. It may
// be empty when the request carries a session of the invited user.
type AcceptInviteRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// PasswordResetRequest is the body of POST /api/password-reset.
type PasswordResetRequest struct {
	Email string `json:"email"`
}

// PasswordResetStarted is the response of POST /api/password-reset. It is
// the same whether or not a user has the email.
type PasswordResetStarted struct {
	Message string `json:"message"`
}

// PasswordResetDetails describes a valid password reset link.
type PasswordResetDetails struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewPasswordRequest is the body of POST /api/password-reset/confirm.
type NewPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// ResetLink is the response of POST /api/members/:userId/password-reset:
// a link that the admin passes on to the member. It is shown only once.
type ResetLink struct {
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expiresAt"`
}
