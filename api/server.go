// Package api is the HTTP server: the admin JSON API, the beacon, the
// GraphQL endpoint and the admin app's pages.
package api

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"customevents/api/graph"
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
	signIns *limitsByIPAndEmail
	// resetRequests limits password reset emails by IP address and by
	// email.
	resetRequests *limitsByIPAndEmail
	// limiterNow returns the time at which the limiters above count a
	// request: time.Now, or a fixed time in tests.
	limiterNow func() time.Time
	// reportNow returns the time whose day ends the report's default
	// range: time.Now, or a fixed time in tests.
	reportNow func() time.Time
	// minRoles maps each admin route, as "METHOD /api/path", to the
	// minimum role it needs. roleRoutes fills it.
	minRoles map[string]string
	// assetVersion versions the URLs of the admin app's files.
	assetVersion string
	// streamsClosing is closed by CloseStreams to end the live event
	// streams.
	streamsClosing chan struct{}
	closeStreams   sync.Once
	// graphQL serves /graphql, and the explorer's /api/graphql with the
	// session's account. Close closes it.
	graphQL *graph.Handler
	// clientErrors limits the client error lines logged at Warn.
	clientErrors warnBudget
	// beaconDrops gathers dropped beacon messages per account and adds
	// them to the database, from which GET /api/beacon/status lists them.
	beaconDrops *beaconDrops
}

// NewServer builds the server and its route table.
func NewServer(cfg Config, store *db.Store, log *slog.Logger) *Server {
	s := &Server{
		cfg:            cfg,
		store:          store,
		log:            log,
		echo:           echo.New(),
		signIns:        newSignInLimits(),
		resetRequests:  newResetRequestLimits(),
		limiterNow:     time.Now,
		reportNow:      time.Now,
		minRoles:       map[string]string{},
		streamsClosing: make(chan struct{}),
		beaconDrops:    &beaconDrops{store: store, log: log},
	}
	s.assetVersion = assetVersion(cfg.Version)
	// The client's address is the connection's: headers such as
	// X-Forwarded-For are set by the client and would let it pick the
	// address that sign-in limits count.
	s.echo.IPExtractor = echo.ExtractIPDirect()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.Binder = jsonBinder{}
	s.routes()
	return s
}

// jsonBinder binds admin API request bodies as JSON only, and any other
// content type fails with echo.ErrUnsupportedMediaType. Echo's default
// binder reads a form body as empty, so handlers reported missing fields.
type jsonBinder struct{}

func (jsonBinder) Bind(v any, c echo.Context) error {
	req := c.Request()
	if req.ContentLength == 0 {
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mediaType != echo.MIMEApplicationJSON {
		return echo.ErrUnsupportedMediaType
	}
	return new(echo.DefaultBinder).BindBody(c, v)
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// Close logs the GraphQL requests that were rate limited since their
// account's last log line, and the count of client errors logged at Debug
// since the last count, and stores the dropped beacon messages that it
// gathered. Call it after http.Server.Shutdown returns.
func (s *Server) Close() {
	s.graphQL.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.beaconDrops.close(ctx); err != nil {
		s.log.Error("store dropped beacon messages failed", "err", err)
	}
	if demoted, since := s.clientErrors.drain(); demoted > 0 {
		s.logDemotedClientErrors(demoted, since)
	}
}

func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(s.logRequests)

	// Probes and public endpoints.
	e.GET("/healthz", s.getHealth)
	e.HEAD("/healthz", s.getHealth)
	// A snippet whose address was written with a trailing slash
	// requests //ma.js and posts to //collect, so those paths work too.
	for _, root := range []string{"/", "//"} {
		e.GET(root+"ma.js", s.getBeaconScript)
		e.HEAD(root+"ma.js", s.getBeaconScript)
		e.POST(root+"collect", s.postCollect)
		e.OPTIONS(root+"collect", s.optionsCollect)
	}
	s.mountGraphQL(e)

	// Admin API: sign-in, invite acceptance and password resets are open,
	// the rest needs a session with a role, and every change needs the
	// CSRF token.
	// Admin requests are small JSON documents; larger bodies are rejected
	// before they are read. The explorer's GraphQL route is left to the
	// GraphQL handler, which takes bodies as large as /graphql does and
	// rejects a larger one with a GraphQL error.
	limitBody := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   maxAdminBody,
		Skipper: func(c echo.Context) bool { return c.Path() == "/api/graphql" },
	})
	e.POST("/api/session", s.createSession, limitBody)
	e.POST("/api/invites/lookup", s.lookupInvite, limitBody)
	e.POST("/api/invites/accept", s.acceptInvite, limitBody)
	e.POST("/api/password-reset", s.requestPasswordReset, limitBody)
	e.POST("/api/password-reset/lookup", s.lookupPasswordReset, limitBody)
	e.POST("/api/password-reset/confirm", s.confirmPasswordReset, limitBody)

	// Each admin route names the minimum role it needs (see roleRoutes):
	// viewers read, editors change definitions, admins change settings and
	// members, owners manage admins and owners.
	const (
		viewer = apitype.RoleViewer
		editor = apitype.RoleEditor
		admin  = apitype.RoleAdmin
		owner  = apitype.RoleOwner
	)
	api := &roleRoutes{
		group:   e.Group("/api", limitBody, s.requireSession, s.checkCSRF, s.checkRole),
		prefix:  "/api",
		minimum: s.minRoles,
	}
	api.GET("/session", viewer, s.getSession)
	api.DELETE("/session", viewer, s.deleteSession)
	api.POST("/session/account", viewer, s.switchAccount)
	api.DELETE("/sessions", viewer, s.deleteAllSessions)
	api.GET("/accounts", viewer, s.listAccounts)
	api.POST("/accounts", owner, s.createAccount)
	api.GET("/custom-events", viewer, s.listCustomEvents)
	api.POST("/custom-events", editor, s.createCustomEvent)
	api.PUT("/custom-events/:id", editor, s.updateCustomEvent)
	api.DELETE("/custom-events/:id", editor, s.deleteCustomEvent)
	api.GET("/custom-events/:id/stats", viewer, s.getCustomEventStats)
	api.GET("/custom-events/:id/drilldown", viewer, s.getCustomEventDrilldown)
	api.GET("/beacon", editor, s.getBeacon)
	api.GET("/account", admin, s.getAccount)
	api.PUT("/account", admin, s.putAccount)
	api.GET("/account/allowed-origins", admin, s.getAllowedOrigins)
	api.PUT("/account/allowed-origins", admin, s.putAllowedOrigins)
	api.GET("/account/consent-mode", admin, s.getConsentMode)
	api.PUT("/account/consent-mode", admin, s.putConsentMode)
	api.GET("/account/identify-signing", admin, s.getIdentifySigning)
	api.PUT("/account/identify-signing", admin, s.putIdentifySigning)
	api.POST("/account/identify-signing/secret", admin, s.postIdentifySecret)
	api.POST("/contacts/erase", admin, s.postEraseContact)
	api.GET("/contacts/export", admin, s.getContactExport)
	api.GET("/account/retention", admin, s.getRetention)
	api.PUT("/account/retention", admin, s.putRetention)
	api.GET("/api-keys", admin, s.listAPIKeys)
	api.POST("/api-keys", admin, s.createAPIKey)
	api.DELETE("/api-keys/:id", admin, s.revokeAPIKey)
	api.GET("/members", admin, s.listMembers)
	api.PUT("/members/:id", admin, s.putMemberRole)
	api.DELETE("/members/:id", admin, s.deleteMember)
	api.POST("/members/:id/password-reset", admin, s.createMemberPasswordReset)
	api.GET("/invites", admin, s.listInvites)
	api.POST("/invites", admin, s.createInvite)
	api.DELETE("/invites/:id", admin, s.revokeInvite)
	api.GET("/contacts/:id/action-runs", viewer, s.getContactActionRuns)
	api.GET("/custom-events/:id/occurrences/:occurrenceId/action-runs", viewer, s.getOccurrenceActionRuns)
	api.GET("/contacts", viewer, s.listContacts)
	api.GET("/contacts/:id", viewer, s.getContact)
	api.GET("/contacts/:id/timeline", viewer, s.getContactTimeline)
	api.GET("/live-events", viewer, s.getLiveEvents)
	api.POST("/custom-events/:id/test-event", editor, s.postTestEvent)
	api.GET("/beacon/status", editor, s.getBeaconStatus)
	api.GET("/graphql-endpoint", viewer, s.getGraphQLEndpoint)
	api.POST("/graphql", admin, s.postSignedInGraphQL)
	s.actionRoutes(api)
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
	var herr *echo.HTTPError
	var forbidden *db.ForbiddenError
	var conflict *db.ConflictError
	var linkErr *db.LinkError
	switch {
	case errors.As(err, &verr):
		return http.StatusUnprocessableEntity, apitype.ErrorBody{Code: apitype.CodeBadUserInput, Message: verr.Message, Field: verr.Field}
	case errors.As(err, &nferr):
		return http.StatusNotFound, apitype.ErrorBody{Code: apitype.CodeNotFound, Message: nferr.Error(), Field: nferr.Field}
	case errors.As(err, &forbidden):
		return http.StatusForbidden, apitype.ErrorBody{Code: apitype.CodeForbidden, Message: forbidden.Message}
	case errors.As(err, &conflict):
		return http.StatusConflict, apitype.ErrorBody{Code: apitype.CodeConflict, Message: conflict.Message, Field: conflict.Field}
	case errors.As(err, &linkErr) && linkErr.Unknown:
		return http.StatusNotFound, apitype.ErrorBody{Code: apitype.CodeNotFound, Message: linkErr.Message}
	case errors.As(err, &linkErr):
		return http.StatusGone, apitype.ErrorBody{Code: apitype.CodeGone, Message: linkErr.Message}
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
// at Warn and the rest at Debug. The admin app requests GET /api/session on
// every load, and its 401 only means that no user is signed in, so that one
// logs at Debug too. So does a rate-limited GraphQL request, because the
// GraphQL handler logs one Warn line per account and minute for those with
// their count. Past clientErrorWarnLines client errors in a window, the
// others log at Debug, and the first client error of the next window, or
// Close, logs their count at Warn.
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
		case status == http.StatusUnauthorized && c.Request().Method == http.MethodGet && c.Path() == "/api/session":
			// The level stays at Debug.
		case status == http.StatusTooManyRequests && c.Path() == "/graphql":
			// The level stays at Debug.
		case status >= 400:
			warn, demoted, since := s.clientErrors.take(s.limiterNow())
			if demoted > 0 {
				s.logDemotedClientErrors(demoted, since)
			}
			if warn {
				level = slog.LevelWarn
			}
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method,
			"path", c.Request().URL.Path,
			"status", status,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
}

// logDemotedClientErrors logs the count of client errors that the window
// beginning at since logged at Debug.
func (s *Server) logDemotedClientErrors(demoted int, since time.Time) {
	s.log.Warn("client errors logged at debug level",
		"count", demoted,
		"since", since.UTC().Format(time.RFC3339),
		"warn_lines_per_window", clientErrorWarnLines,
		"window", clientErrorWindow.String())
}

func (s *Server) getHealth(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check failed", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
