package api

import (
	"github.com/labstack/echo/v4"

	"customevents/api/graph"
)

// mountGraphQL serves the public GraphQL API at /graphql. It responds in
// GraphQL's own error format, so Echo's JSON error handler stays out of it.
func (s *Server) mountGraphQL(e *echo.Echo) {
	h := echo.WrapHandler(graph.NewHandler(s.store, s.log, graph.Options{
		RateLimit: s.cfg.APIRateLimit,
		RateBurst: int(2 * s.cfg.APIRateLimit),
	}))
	e.GET("/graphql", h)
	e.POST("/graphql", h)
}
