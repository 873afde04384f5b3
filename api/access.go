package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
)

// roleRoutes registers admin API routes together with the minimum role each
// one needs, so that every route states its access rule on the line that
// adds it, as in Server.routes:
//
//	api.GET("/lists", viewer, s.listLists)
//	api.POST("/lists", editor, s.createList)
//
// checkRole enforces the rules. A route added to the group directly,
// without a rule, is rejected for every role, and TestAccessMatrix fails
// until the route has a row in its table.
type roleRoutes struct {
	group *echo.Group
	// prefix is the group's path prefix, such as /api.
	prefix string
	// minimum maps "METHOD /path" (the path as registered, with :params) to
	// the minimum role.
	minimum map[string]string
}

func (r *roleRoutes) add(method, path, role string, h echo.HandlerFunc) {
	if apitype.RoleRank(role) < 0 {
		panic(fmt.Sprintf("route %s %s%s: unknown role %q", method, r.prefix, path, role))
	}
	r.minimum[method+" "+r.prefix+path] = role
	r.group.Add(method, path, h)
}

// GET adds a GET route that needs role or a higher one.
func (r *roleRoutes) GET(path, role string, h echo.HandlerFunc) { r.add(http.MethodGet, path, role, h) }

// POST adds a POST route that needs role or a higher one.
func (r *roleRoutes) POST(path, role string, h echo.HandlerFunc) {
	r.add(http.MethodPost, path, role, h)
}

// PUT adds a PUT route that needs role or a higher one.
func (r *roleRoutes) PUT(path, role string, h echo.HandlerFunc) { r.add(http.MethodPut, path, role, h) }

// DELETE adds a DELETE route that needs role or a higher one.
func (r *roleRoutes) DELETE(path, role string, h echo.HandlerFunc) {
	r.add(http.MethodDelete, path, role, h)
}

// checkRole rejects a request whose session role ranks below the minimum
// role of the matched route, with 403 FORBIDDEN and a message that names
// the role needed. It runs after requireSession.
func (s *Server) checkRole(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		minRole, ok := s.minRoles[c.Request().Method+" "+c.Path()]
		if !ok {
			// Echo adds catch-all routes for the group's middleware,
			// which return 404.
			if c.Path() == "/api" || c.Path() == "/api/*" {
				return next(c)
			}
			s.log.Error("admin route has no minimum role", "method", c.Request().Method, "path", c.Path())
			return echo.NewHTTPError(http.StatusForbidden, "This request has no access rule, so it is rejected for every role.")
		}
		info := currentSession(c)
		if !apitype.RoleAtLeast(info.Role, minRole) {
			return echo.NewHTTPError(http.StatusForbidden, roleForbiddenMessage(minRole, info.Role, info.Account.Name))
		}
		return next(c)
	}
}

// roleForbiddenMessage returns the message that names the role a request
// needs and whom to ask for it: admins grant editor and viewer, owners
// grant admin and owner.
func roleForbiddenMessage(minRole, have, accountName string) string {
	need := "the " + minRole + " role or higher"
	if minRole == apitype.RoleOwner {
		need = "the owner role"
	}
	ask := "an admin"
	if minRole == apitype.RoleAdmin || minRole == apitype.RoleOwner {
		ask = "an owner"
	}
	return fmt.Sprintf("This needs %s, and you are %s in account %q: ask %s of the account to change your role.",
		need, apitype.RoleWithArticle(have), accountName, ask)
}
