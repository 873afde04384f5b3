// Package api is the HTTP server: the admin JSON API, the beacon, the
// GraphQL endpoint and the admin app's pages.
package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"customevents/app/apitype"
	"customevents/db"
)

// maxAdminBody is the largest request body of the admin JSON API, in
// Echo's size notation.
const maxAdminBody = "64K"

// Server routes requests to the handlers.
type Server struct {
	cfg   Config
	store *db.Store
	log   *slog.Logger
	echo  *echo.Echo
	// signIns limits failed sign-ins by IP address and by email.
	signIns *signInLimits
	// assetVersion versions the URLs of the admin app's files.
	assetVersion string
}

// NewServer builds the server and its route table.
func NewServer(cfg Config, store *db.Store, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, store: store, log: log, echo: echo.New(), signIns: newSignInLimits()}
	s.assetVersion = assetVersion(cfg.Version)
	// The client's address is the connection's: headers such as
	// X-Forwarded-For are set by the client and would let it pick the
	// address that sign-in limits count.
	s.echo.IPExtractor = echo.ExtractIPDirect()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(s.logRequests)

	// Probes and public endpoints.
	e.GET("/healthz", s.getHealth)
	e.HEAD("/healthz", s.getHealth)
	e.GET("/ma.js", s.getBeaconScript)
	e.HEAD("/ma.js", s.getBeaconScript)
	e.POST("/collect", s.postCollect)
	e.OPTIONS("/collect", s.optionsCollect)
	s.mountGraphQL(e)

	// Admin API: sign-in is open, the rest needs a session, and every
	// change needs the CSRF token.
	// Admin requests are small JSON documents; larger bodies are rejected
	// before they are read.
	limitBody := middleware.BodyLimit(maxAdminBody)
	e.POST("/api/session", s.createSession, limitBody)
	admin := e.Group("/api", limitBody, s.requireSession, s.checkCSRF)
	admin.GET("/session", s.getSession)
	admin.DELETE("/session", s.deleteSession)
	admin.GET("/custom-events", s.listCustomEvents)
	admin.POST("/custom-events", s.createCustomEvent)
	admin.PUT("/custom-events/:id", s.updateCustomEvent)
	admin.DELETE("/custom-events/:id", s.deleteCustomEvent)
	admin.GET("/custom-events/:id/stats", s.getCustomEventStats)
	admin.GET("/beacon", s.getBeacon)
	admin.GET("/account/allowed-origins", s.getAllowedOrigins)
	admin.PUT("/account/allowed-origins", s.putAllowedOrigins)
	admin.GET("/account/consent-mode", s.getConsentMode)
	admin.PUT("/account/consent-mode", s.putConsentMode)
	admin.GET("/custom-events/:id/drilldown", s.getCustomEventDrilldown)
	admin.POST("/contacts/erase", s.postEraseContact)
	admin.GET("/contacts/export", s.getContactExport)
	admin.GET("/account/retention", s.getRetention)
	admin.PUT("/account/retention", s.putRetention)
	admin.GET("/api-keys", s.listAPIKeys)
	admin.POST("/api-keys", s.createAPIKey)
	admin.DELETE("/api-keys/:id", s.revokeAPIKey)
	s.actionRoutes(admin)
	e.Any("/api/*", func(c echo.Context) error { return echo.ErrNotFound })

	// Admin app: static assets, then every other path is a page.
	e.GET("/web/*", s.getWebAsset)
	e.Any("/*", echo.WrapHandler(s.appHandler()))
}

// handleError turns a handler's error into the JSON error body. Client
// errors carry their own message; anything else is logged and hidden.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.errorBody(err, c)
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, apitype.ErrorResponse{Error: body})
}

func (s *Server) errorBody(err error, c echo.Context) (int, apitype.ErrorBody) {
	var verr *apitype.ValidationError
	var nferr *db.NotFoundError
	var cerr *db.ConflictError
	var herr *echo.HTTPError
	switch {
	case errors.As(err, &verr):
		return http.StatusUnprocessableEntity, apitype.ErrorBody{Code: apitype.CodeBadUserInput, Message: verr.Message, Field: verr.Field}
	case errors.As(err, &nferr):
		return http.StatusNotFound, apitype.ErrorBody{Code: apitype.CodeNotFound, Message: nferr.Error(), Field: nferr.Field}
	case errors.As(err, &cerr):
		return http.StatusConflict, apitype.ErrorBody{Code: apitype.CodeConflict, Message: cerr.Message, Field: cerr.Field}
	case errors.Is(err, db.ErrBadCredentials):
		return http.StatusUnauthorized, apitype.ErrorBody{Code: apitype.CodeUnauthenticated, Message: "Email or password is incorrect."}
	case errors.As(err, &herr):
		return herr.Code, apitype.ErrorBody{Code: httpErrorCode(herr.Code), Message: httpErrorMessage(herr)}
	}
	s.log.Error("request failed",
		"error", err,
		"method", c.Request().Method,
		"path", c.Path(),
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	return http.StatusInternalServerError, apitype.ErrorBody{Code: apitype.CodeInternal, Message: "Internal server error: try again, and report the request id if it persists."}
}

func httpErrorCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return apitype.CodeUnauthenticated
	case http.StatusForbidden:
		return apitype.CodeForbidden
	case http.StatusNotFound:
		return apitype.CodeNotFound
	case http.StatusConflict:
		return apitype.CodeConflict
	case http.StatusTooManyRequests:
		return apitype.CodeRateLimited
	}
	if status >= 500 {
		return apitype.CodeInternal
	}
	return apitype.CodeBadUserInput
}

func httpErrorMessage(herr *echo.HTTPError) string {
	if msg, ok := herr.Message.(string); ok {
		return msg
	}
	return http.StatusText(herr.Code)
}

// logRequests logs each request once: server errors at Error, client errors
// at Warn and the rest at Debug.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelDebug
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method,
			"path", c.Request().URL.Path,
			"status", status,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
}

func (s *Server) getHealth(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check failed", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
