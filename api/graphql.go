package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/api/graph"
)

// mountGraphQL serves the public GraphQL API at /graphql. It responds in
// GraphQL's own error format, so Echo's JSON error handler stays out of it.
func (s *Server) mountGraphQL(e *echo.Echo) {
	s.graphQL = graph.NewHandler(s.store, s.log, graph.Options{
		RateLimit: s.cfg.APIRateLimit,
		RateBurst: int(2 * s.cfg.APIRateLimit),
	})
	h := echo.WrapHandler(s.graphQL)
	e.GET("/graphql", h)
	e.POST("/graphql", h)
	// Other methods get the handler's 405 with Allow, in GraphQL's error
	// format, instead of the admin app's page for unknown paths.
	e.Match([]string{http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete}, "/graphql", h)
}

// postSignedInGraphQL serves a request of the admin app's GraphQL explorer
// as /graphql would, for the session's account instead of an API key's.
// The admin group has checked the session, its CSRF token and the admin
// role, the role that creates API keys. The account's rate limit applies.
func (s *Server) postSignedInGraphQL(c echo.Context) error {
	info := currentSession(c)
	account := info.Account
	ctx := graph.WithSignedInAccount(c.Request().Context(), &account, info.User.Email, info.User.ID)
	s.graphQL.ServeHTTP(c.Response(), c.Request().WithContext(ctx))
	return nil
}
