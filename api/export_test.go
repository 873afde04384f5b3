package api

import (
	"time"

	"github.com/labstack/echo/v4"
)

// Routes returns every registered route, for tests that walk them all.
func (s *Server) Routes() []*echo.Route {
	return s.echo.Routes()
}

// MinRole returns the minimum role that the admin route needs, as
// registered through roleRoutes, and whether the route has one.
func (s *Server) MinRole(method, path string) (string, bool) {
	role, ok := s.minRoles[method+" "+path]
	return role, ok
}

// AddRouteWithoutRole adds an admin API route under /api with the admin
// middleware but without a minimum role, as a route added to the group
// directly would be.
func (s *Server) AddRouteWithoutRole(method, path string, h echo.HandlerFunc) {
	s.echo.Group("/api", s.requireSession, s.checkCSRF, s.checkRole).Add(method, path, h)
}

// FreezeLimiterClock makes the sign-in and password reset limiters count
// every request at one instant, so their buckets never refill during a
// test however slow it runs.
func (s *Server) FreezeLimiterClock() {
	frozen := time.Now()
	s.limiterNow = func() time.Time { return frozen }
}

// SetReportClock makes the report's default range end on the day of at,
// so a test that computes its days once does not depend on the server's
// clock passing midnight.
func (s *Server) SetReportClock(at time.Time) {
	s.reportNow = func() time.Time { return at }
}

// SetLimiterClock makes the limiters and the client error log count each
// request at the time that now returns.
func (s *Server) SetLimiterClock(now func() time.Time) {
	s.limiterNow = now
}
