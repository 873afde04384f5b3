package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

const (
	sessionCookie = "ce_session"
	csrfHeader    = "X-CSRF-Token"
	sessionKey    = "session"
)

// createSession signs a user in and sets the session cookie.
func (s *Server) createSession(c echo.Context) error {
	var req apitype.LoginRequest
	if err := c.Bind(&req); err != nil {
		return &apitype.ValidationError{Field: "body", Message: "Request body must be JSON with email and password."}
	}
	if strings.TrimSpace(req.Email) == "" {
		return &apitype.ValidationError{Field: "email", Message: "Email is required."}
	}
	if req.Password == "" {
		return &apitype.ValidationError{Field: "password", Message: "Password is required."}
	}

	ip, now := c.RealIP(), s.limiterNow()
	if s.signIns.blocked(ip, req.Email, now) {
		s.log.Warn("sign-in rate limited", "ip", ip)
		return &echo.HTTPError{Code: http.StatusTooManyRequests, Message: "Too many failed sign-in attempts: wait a minute, then try again."}
	}
	token, info, err := s.store.Login(c.Request().Context(), req.Email, req.Password)
	if errors.Is(err, db.ErrBadCredentials) {
		s.signIns.fail(ip, req.Email, now)
		s.log.Warn("sign-in failed", "ip", ip)
		return err
	}
	if err != nil {
		return err
	}
	s.log.Info("signed in", "user_id", info.User.ID, "account_id", info.Account.ID)
	return s.startSession(c, token, info)
}

// startSession sets the cookie of a new session and returns the session.
func (s *Server) startSession(c echo.Context, token string, info *db.SessionInfo) error {
	c.SetCookie(&http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  info.Session.ExpiresAt,
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.cfg.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	return c.JSON(http.StatusOK, sessionResponse(info))
}

// clearSessionCookie sets an expired session cookie, which the browser
// deletes.
func clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (s *Server) getSession(c echo.Context) error {
	return c.JSON(http.StatusOK, sessionResponse(currentSession(c)))
}

// deleteSession signs out and clears the cookie.
func (s *Server) deleteSession(c echo.Context) error {
	cookie, _ := c.Cookie(sessionCookie)
	if err := s.store.Logout(c.Request().Context(), cookie.Value); err != nil {
		return err
	}
	clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// deleteAllSessions signs the user out everywhere: it deletes every session
// of the user, on every account and in every browser, and clears the
// cookie.
func (s *Server) deleteAllSessions(c echo.Context) error {
	info := currentSession(c)
	n, err := s.store.LogoutEverywhere(c.Request().Context(), info.User.ID)
	if err != nil {
		return err
	}
	s.log.Info("signed out everywhere", "user_id", info.User.ID, "sessions", n)
	clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// switchAccount replaces the session with a new one on another account of
// the user, with a new cookie and CSRF token.
func (s *Server) switchAccount(c echo.Context) error {
	info := currentSession(c)
	var in apitype.SwitchAccountRequest
	if err := c.Bind(&in); err != nil || in.AccountID <= 0 {
		return &apitype.ValidationError{Field: "accountId", Message: `Request body must be JSON such as {"accountId": 2}, with the id of one of your accounts.`}
	}
	cookie, _ := c.Cookie(sessionCookie)
	token, next, err := s.store.SwitchAccount(c.Request().Context(), cookie.Value, in.AccountID)
	if err != nil {
		return err
	}
	s.log.Info("account switched", "user_id", info.User.ID, "from_account_id", info.Account.ID, "account_id", next.Account.ID)
	return s.startSession(c, token, next)
}

func sessionResponse(info *db.SessionInfo) apitype.Session {
	return apitype.Session{
		UserEmail:   info.User.Email,
		AccountID:   info.Account.ID,
		AccountName: info.Account.Name,
		TimeZone:    info.Account.TimeZone,
		CSRFToken:   info.Session.CSRFToken,
		UserID:      info.User.ID,
		Role:        info.Role,
	}
}

// requireSession rejects requests without a live session cookie.
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cookie, err := c.Cookie(sessionCookie)
		if err != nil || cookie.Value == "" {
			return echo.NewHTTPError(http.StatusUnauthorized, "Sign in first: this request needs a session.")
		}
		info, err := s.store.Session(c.Request().Context(), cookie.Value)
		if errors.Is(err, db.ErrNotFound) {
			return echo.NewHTTPError(http.StatusUnauthorized, "Session expired or signed out: sign in again.")
		}
		if err != nil {
			return err
		}
		c.Set(sessionKey, info)
		return next(c)
	}
}

// checkCSRF requires the session's CSRF token in a header on every request
// that may change data. A cross-site form cannot set the header, and a
// cross-site script cannot read the token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if !validCSRFToken(c, currentSession(c)) {
			return echo.NewHTTPError(http.StatusForbidden, "CSRF token is missing or wrong: send the csrfToken from GET /api/session in the X-CSRF-Token header.")
		}
		return next(c)
	}
}

// validCSRFToken reports whether the request's X-CSRF-Token header contains
// the session's CSRF token.
func validCSRFToken(c echo.Context, info *db.SessionInfo) bool {
	got := c.Request().Header.Get(csrfHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(info.Session.CSRFToken)) == 1
}

func currentSession(c echo.Context) *db.SessionInfo {
	return c.Get(sessionKey).(*db.SessionInfo)
}
