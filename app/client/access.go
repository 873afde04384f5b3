package client

import (
	"context"
	"net/http"
	"strconv"

	"customevents/app/apitype"
)

// Accounts lists the signed-in user's accounts with the user's role in
// each.
func (c *Client) Accounts(ctx context.Context) ([]apitype.AccountSummary, error) {
	var accounts []apitype.AccountSummary
	err := c.do(ctx, http.MethodGet, "/api/accounts", nil, &accounts)
	return accounts, err
}

// SwitchAccount moves the session to another of the user's accounts and
// returns the new session, whose CSRF token the client sends from then on.
func (c *Client) SwitchAccount(ctx context.Context, accountID int64) (apitype.Session, error) {
	return c.startSession(ctx, "/api/session/account", apitype.SwitchAccountRequest{AccountID: accountID})
}

// CreateAccount creates a new account owned by the signed-in user.
func (c *Client) CreateAccount(ctx context.Context, in apitype.AccountInput) (apitype.AccountSummary, error) {
	var account apitype.AccountSummary
	err := c.do(ctx, http.MethodPost, "/api/accounts", in, &account)
	return account, err
}

// LogoutEverywhere ends every session of the signed-in user.
func (c *Client) LogoutEverywhere(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/api/sessions", nil, nil)
}

// AccountSettings returns the account's name and time zone.
func (c *Client) AccountSettings(ctx context.Context) (apitype.AccountSettings, error) {
	var settings apitype.AccountSettings
	err := c.do(ctx, http.MethodGet, "/api/account", nil, &settings)
	return settings, err
}

// SaveAccountSettings changes the account's name and time zone and returns
// them as stored.
func (c *Client) SaveAccountSettings(ctx context.Context, in apitype.AccountInput) (apitype.AccountSettings, error) {
	var settings apitype.AccountSettings
	err := c.do(ctx, http.MethodPut, "/api/account", in, &settings)
	return settings, err
}

type allowedOrigins struct {
	AllowedOrigins []string `json:"allowedOrigins"`
}

// AllowedOrigins returns the origins whose pages may send beacon events,
// empty when any origin may.
func (c *Client) AllowedOrigins(ctx context.Context) ([]string, error) {
	var out allowedOrigins
	err := c.do(ctx, http.MethodGet, "/api/account/allowed-origins", nil, &out)
	return out.AllowedOrigins, err
}

// SetAllowedOrigins replaces the allowed origins and returns them as
// stored.
func (c *Client) SetAllowedOrigins(ctx context.Context, origins []string) ([]string, error) {
	var out allowedOrigins
	err := c.do(ctx, http.MethodPut, "/api/account/allowed-origins", allowedOrigins{AllowedOrigins: origins}, &out)
	return out.AllowedOrigins, err
}

// Members lists the account's members.
func (c *Client) Members(ctx context.Context) ([]apitype.Member, error) {
	var members []apitype.Member
	err := c.do(ctx, http.MethodGet, "/api/members", nil, &members)
	return members, err
}

// SetMemberRole changes a member's role.
func (c *Client) SetMemberRole(ctx context.Context, userID int64, role string) (apitype.Member, error) {
	var member apitype.Member
	err := c.do(ctx, http.MethodPut, "/api/members/"+strconv.FormatInt(userID, 10), apitype.MemberRoleInput{Role: role}, &member)
	return member, err
}

// RemoveMember takes a member out of the account.
func (c *Client) RemoveMember(ctx context.Context, userID int64) error {
	return c.do(ctx, http.MethodDelete, "/api/members/"+strconv.FormatInt(userID, 10), nil, nil)
}

// MemberResetLink makes a password reset link for a member.
func (c *Client) MemberResetLink(ctx context.Context, userID int64) (apitype.ResetLink, error) {
	var link apitype.ResetLink
	err := c.do(ctx, http.MethodPost, "/api/members/"+strconv.FormatInt(userID, 10)+"/password-reset", nil, &link)
	return link, err
}

// Invites lists the account's open invites.
func (c *Client) Invites(ctx context.Context) ([]apitype.Invite, error) {
	var invites []apitype.Invite
	err := c.do(ctx, http.MethodGet, "/api/invites", nil, &invites)
	return invites, err
}

// CreateInvite invites an email with a role. The result contains the invite
// link, which the API returns only this once.
func (c *Client) CreateInvite(ctx context.Context, in apitype.InviteInput) (apitype.CreatedInvite, error) {
	var created apitype.CreatedInvite
	err := c.do(ctx, http.MethodPost, "/api/invites", in, &created)
	return created, err
}

// RevokeInvite makes an open invite's link unusable.
func (c *Client) RevokeInvite(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/invites/"+strconv.FormatInt(id, 10), nil, nil)
}

// LookupInvite describes the invite of a link's token.
func (c *Client) LookupInvite(ctx context.Context, token string) (apitype.InviteDetails, error) {
	var details apitype.InviteDetails
	err := c.do(ctx, http.MethodPost, "/api/invites/lookup", apitype.TokenRequest{Token: token}, &details)
	return details, err
}

// AcceptInvite uses an invite link and returns the session on the invited
// account.
func (c *Client) AcceptInvite(ctx context.Context, token, password string) (apitype.Session, error) {
	return c.startSession(ctx, "/api/invites/accept", apitype.AcceptInviteRequest{Token: token, Password: password})
}

// RequestPasswordReset requests a password reset link by email and returns
// the server's message, which is the same for every email.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) (string, error) {
	var started apitype.PasswordResetStarted
	err := c.do(ctx, http.MethodPost, "/api/password-reset", apitype.PasswordResetRequest{Email: email}, &started)
	return started.Message, err
}

// LookupPasswordReset returns the email of a reset link's token.
func (c *Client) LookupPasswordReset(ctx context.Context, token string) (apitype.PasswordResetDetails, error) {
	var details apitype.PasswordResetDetails
	err := c.do(ctx, http.MethodPost, "/api/password-reset/lookup", apitype.TokenRequest{Token: token}, &details)
	return details, err
}

// ResetPassword sets a new password with a reset link's token and returns
// the new session.
func (c *Client) ResetPassword(ctx context.Context, token, password string) (apitype.Session, error) {
	return c.startSession(ctx, "/api/password-reset/confirm", apitype.NewPasswordRequest{Token: token, Password: password})
}

// startSession sends a request whose response is a new session and keeps
// its CSRF token.
func (c *Client) startSession(ctx context.Context, path string, in any) (apitype.Session, error) {
	var s apitype.Session
	err := c.do(ctx, http.MethodPost, path, in, &s)
	if err == nil {
		c.csrfToken = s.CSRFToken
	}
	return s, err
}
