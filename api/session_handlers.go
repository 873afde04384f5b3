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

	ip, now := c.RealIP(), time.Now()
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

func (s *Server) getSession(c echo.Context) error {
	return c.JSON(http.StatusOK, sessionResponse(currentSession(c)))
}

// deleteSession signs out and clears the cookie.
func (s *Server) deleteSession(c echo.Context) error {
	cookie, _ := c.Cookie(sessionCookie)
	if err := s.store.Logout(c.Request().Context(), cookie.Value); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return c.NoContent(http.StatusNoContent)
}

func sessionResponse(info *db.SessionInfo) apitype.Session {
	return apitype.Session{
		UserEmail:   info.User.Email,
		AccountID:   info.Account.ID,
		AccountName: info.Account.Name,
		TimeZone:    info.Account.TimeZone,
		CSRFToken:   info.Session.CSRFToken,
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
		want := currentSession(c).Session.CSRFToken
		got := c.Request().Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "CSRF token is missing or wrong: send the csrfToken from GET /api/session in the X-CSRF-Token header.")
		}
		return next(c)
	}
}

func currentSession(c echo.Context) *db.SessionInfo {
	return c.Get(sessionKey).(*db.SessionInfo)
}
