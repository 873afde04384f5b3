package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
)

// allowedOriginsBody is the request and response body of
// /api/account/allowed-origins.
type allowedOriginsBody struct {
	// AllowedOrigins lists the origins, such as https://www.example.com,
	// whose pages may send beacon events. An empty list allows any origin.
	AllowedOrigins []string `json:"allowedOrigins"`
}

func (s *Server) getAllowedOrigins(c echo.Context) error {
	account := currentSession(c).Account
	origins, err := s.store.AllowedOrigins(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, allowedOriginsBody{AllowedOrigins: origins})
}

// putAllowedOrigins replaces the account's allowed-origins list and returns
// it as stored: lowercase, without default ports and duplicates.
func (s *Server) putAllowedOrigins(c echo.Context) error {
	account := currentSession(c).Account
	var in allowedOriginsBody
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"allowedOrigins": ["https://www.example.com"]}.`}
	}
	if in.AllowedOrigins == nil {
		return &apitype.ValidationError{Field: "allowedOrigins", Message: `allowedOrigins is missing: send a list such as ["https://www.example.com"], or [] to allow any origin.`}
	}

	origins, err := s.store.SetAllowedOrigins(c.Request().Context(), account.ID, in.AllowedOrigins)
	if err != nil {
		return err
	}
	s.log.Info("allowed origins changed", "account_id", account.ID, "origins", len(origins))
	return c.JSON(http.StatusOK, allowedOriginsBody{AllowedOrigins: origins})
}
