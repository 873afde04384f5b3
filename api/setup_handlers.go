package api

import (
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/api/graph"
	"customevents/app/apitype"
)

// getBeaconStatus returns the latest event that a website sent through the
// beacon, and the beacon messages that the server dropped lately, which
// Settings → Beacon polls to check an installation.
func (s *Server) getBeaconStatus(c echo.Context) error {
	account := currentSession(c).Account
	latest, err := s.store.LatestBeaconEvent(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	drops, err := s.beaconDrops.recent(c.Request().Context(), account.ID, time.Now())
	if err != nil {
		return err
	}
	status := apitype.BeaconStatus{RecentDrops: drops}
	if latest != nil {
		at := latest.OccurredAt
		status.LatestEventAt = &at
		status.LatestSlug = latest.Slug
		status.LatestPageURL = latest.PageURL
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, status)
}

// getGraphQLEndpoint returns the GraphQL URL and the slug of the account's
// first custom event by name, for the examples under Settings → GraphQL.
func (s *Server) getGraphQLEndpoint(c echo.Context) error {
	account := currentSession(c).Account
	events, err := s.store.CustomEvents(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	out := apitype.GraphQLEndpoint{URL: s.graphQLURL(c.Request()), Schema: graph.SchemaText()}
	if len(events) > 0 {
		out.Slug = events[0].Slug
	}
	return c.JSON(http.StatusOK, out)
}

// hostPattern matches a Host header that is a DNS name, an IPv4 address or
// a bracketed IPv6 address, with an optional port. Anything else, such as
// a value with quotes or a path, would not be a usable URL in the examples.
var hostPattern = regexp.MustCompile(`^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// graphQLURL returns the address of /graphql for code examples. It uses
// CE_PUBLIC_URL when that is set. Otherwise it uses the Host header that
// the server received, with https when the connection used TLS, because
// the admin reached the server at that host. Origin and Referer are never
// read, since any page can send a request with its own. A Host that is
// not a plain host and port falls back to the public URL.
func (s *Server) graphQLURL(r *http.Request) string {
	if s.cfg.PublicURLSet || !hostPattern.MatchString(r.Host) {
		return s.cfg.PublicURL + "/graphql"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/graphql"
}
