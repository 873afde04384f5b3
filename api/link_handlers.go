package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/app/page"
	"customevents/db"
)

// Messages of POST /api/password-reset. They depend on whether the server
// can send email, never on whether a user has the email.
const (
	resetSentMessage   = "If a user with this email exists, a link to reset the password is on its way. It works once, within an hour."
	resetNoMailMessage = "This server sends no email, so no link was sent: ask an admin of your account to make a password reset link for you under Settings → Members."
)

var errTooManyAttempts = &echo.HTTPError{Code: http.StatusTooManyRequests, Message: "Too many failed attempts: wait a minute, then try again."}

// checkLinkError counts a request with an unknown invite or reset token
// as a failed sign-in from its address, so tokens cannot be guessed
// quickly. It returns err.
func (s *Server) checkLinkError(c echo.Context, err error) error {
	var linkErr *db.LinkError
	if errors.As(err, &linkErr) && linkErr.Unknown {
		s.signIns.byIP.fail(c.RealIP(), s.limiterNow())
	}
	return err
}

func bindToken(c echo.Context) (string, error) {
	var in apitype.TokenRequest
	if err := c.Bind(&in); err != nil {
		return "", &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"token": "..."}, with the token from the link.`}
	}
	return in.Token, nil
}

// lookupInvite describes the invite of a link to the person who opened it.
// The token travels in the body, so it stays out of access logs.
func (s *Server) lookupInvite(c echo.Context) error {
	token, err := bindToken(c)
	if err != nil {
		return err
	}
	if s.signIns.byIP.blocked(c.RealIP(), s.limiterNow()) {
		return errTooManyAttempts
	}
	details, err := s.store.InviteDetails(c.Request().Context(), token)
	if err != nil {
		return s.checkLinkError(c, err)
	}
	return c.JSON(http.StatusOK, details)
}

// acceptInvite uses an invite link and signs in on the invited account. A
// new user chooses a password. An existing user gives their current
// password, or sends the request with their own session, and wrong
// passwords count as failed sign-ins.
func (s *Server) acceptInvite(c echo.Context) error {
	var in apitype.AcceptInviteRequest
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"token": "...", "password": "..."}.`}
	}
	ctx := c.Request().Context()
	ip, now := c.RealIP(), s.limiterNow()
	if s.signIns.byIP.blocked(ip, now) {
		return errTooManyAttempts
	}
	details, err := s.store.InviteDetails(ctx, in.Token)
	if err != nil {
		return s.checkLinkError(c, err)
	}
	if s.signIns.blocked(ip, details.Email, now) {
		return errTooManyAttempts
	}

	// A session replaces the password only with its CSRF token, so another
	// site cannot make a signed-in browser join an account.
	by := db.InviteAcceptance{Password: in.Password}
	var previous string
	if cookie, err := c.Cookie(sessionCookie); err == nil && cookie.Value != "" {
		previous = cookie.Value
		current, err := s.store.Session(ctx, cookie.Value)
		if err == nil && validCSRFToken(c, current) {
			by.SessionUserID = current.User.ID
		}
	}
	token, info, err := s.store.AcceptInvite(ctx, in.Token, by)
	if errors.Is(err, db.ErrBadCredentials) {
		s.signIns.fail(ip, details.Email, now)
		s.log.Warn("invite password wrong", "ip", ip)
		return err
	}
	if err != nil {
		return s.checkLinkError(c, err)
	}
	// The new session replaces the browser's earlier one, whichever user
	// that was.
	if previous != "" {
		if err := s.store.Logout(ctx, previous); err != nil {
			return err
		}
	}
	s.log.Info("invite accepted", "account_id", info.Account.ID, "user_id", info.User.ID, "role", info.Role)
	return s.startSession(c, token, info)
}

// requestPasswordReset starts a password reset by email. Its response is
// the same whether or not a user has the email, so it reveals nothing about
// who has an account. Every request counts against limits per address and per email.
// The link goes out by email only; without a mailer no link is made, and
// an admin makes one for the member instead.
func (s *Server) requestPasswordReset(c echo.Context) error {
	var in apitype.PasswordResetRequest
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"email": "ann@example.com"}.`}
	}
	email, verr := apitype.NormalizeEmail("email", in.Email)
	if verr != nil {
		return verr
	}
	ip, now := c.RealIP(), s.limiterNow()
	if s.resetRequests.blocked(ip, email, now) {
		s.log.Warn("password reset rate limited", "ip", ip)
		return &echo.HTTPError{Code: http.StatusTooManyRequests, Message: "Too many password reset requests: wait ten minutes, then try again."}
	}
	s.resetRequests.fail(ip, email, now)

	if s.cfg.Mailer == nil {
		s.log.Info("password reset requested, but no mailer is set", "ip", ip)
		return c.JSON(http.StatusAccepted, apitype.PasswordResetStarted{Message: resetNoMailMessage})
	}
	token, user, err := s.store.CreatePasswordReset(c.Request().Context(), email)
	if err != nil {
		return err
	}
	if user != nil {
		s.log.Info("password reset link created", "user_id", user.ID)
		s.sendPasswordReset(user, s.tokenLink(page.PathResetPassword, token), time.Now().Add(db.PasswordResetTTL))
	}
	return c.JSON(http.StatusAccepted, apitype.PasswordResetStarted{Message: resetSentMessage})
}

// sendPasswordReset emails the link in the background, so the response
// does not wait for the mail server, whose delay would show that a user
// has the email.
//
// NOTE: storing the link still makes the response for a known email a
// database insert slower than for an unknown one. A send still in flight
// when the server stops is lost.
func (s *Server) sendPasswordReset(user *db.User, link string, expiresAt time.Time) {
	subject, body := passwordResetMail(link, expiresAt)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
		defer cancel()
		if err := s.cfg.Mailer.SendMail(ctx, user.Email, subject, body); err != nil {
			s.log.Error("password reset email failed", "user_id", user.ID, "error", err)
		}
	}()
}

// lookupPasswordReset returns the email of a usable reset link, for the
// page where the user enters the new password.
func (s *Server) lookupPasswordReset(c echo.Context) error {
	token, err := bindToken(c)
	if err != nil {
		return err
	}
	if s.signIns.byIP.blocked(c.RealIP(), s.limiterNow()) {
		return errTooManyAttempts
	}
	details, err := s.store.PasswordResetDetails(c.Request().Context(), token)
	if err != nil {
		return s.checkLinkError(c, err)
	}
	return c.JSON(http.StatusOK, details)
}

// confirmPasswordReset sets the new password of a reset link, signs the
// user out of every other session and signs in.
func (s *Server) confirmPasswordReset(c echo.Context) error {
	var in apitype.NewPasswordRequest
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"token": "...", "password": "..."}.`}
	}
	if s.signIns.byIP.blocked(c.RealIP(), s.limiterNow()) {
		return errTooManyAttempts
	}
	token, info, err := s.store.ResetPassword(c.Request().Context(), in.Token, in.Password)
	if err != nil {
		return s.checkLinkError(c, err)
	}
	s.log.Info("password reset", "user_id", info.User.ID, "account_id", info.Account.ID)
	return s.startSession(c, token, info)
}
