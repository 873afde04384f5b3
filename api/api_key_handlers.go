package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

// listAPIKeys returns the account's API keys, newest first, with revoked
// ones. The response carries each key's prefix, never the key or its hash.
func (s *Server) listAPIKeys(c echo.Context) error {
	account := currentSession(c).Account
	keys, err := s.store.ListAPIKeys(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	out := make([]apitype.APIKey, 0, len(keys))
	for i := range keys {
		out = append(out, apiKeyResponse(&keys[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// createAPIKey creates a key named by the body and returns it in full. This
// response is the only place the key appears, because only its hash is
// stored.
func (s *Server) createAPIKey(c echo.Context) error {
	info := currentSession(c)
	var in apitype.APIKeyInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"name": "CRM integration"}.`}
	}

	key, apiKey, err := s.store.CreateNamedAPIKey(c.Request().Context(), info.Account.ID, in.Name)
	if err != nil {
		return err
	}
	s.log.Info("API key created", "account_id", info.Account.ID, "user_id", info.User.ID, "api_key_id", apiKey.ID, "prefix", apiKey.Prefix)
	return c.JSON(http.StatusCreated, apitype.CreatedAPIKey{APIKey: apiKeyResponse(apiKey), Key: key})
}

// revokeAPIKey revokes one of the account's active keys. GraphQL requests
// with that key fail from then on.
func (s *Server) revokeAPIKey(c echo.Context) error {
	info := currentSession(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}

	if err := s.store.RevokeAPIKey(c.Request().Context(), info.Account.ID, id); err != nil {
		return err
	}
	s.log.Info("API key revoked", "account_id", info.Account.ID, "user_id", info.User.ID, "api_key_id", id)
	return c.NoContent(http.StatusNoContent)
}

func apiKeyResponse(k *db.APIKey) apitype.APIKey {
	out := apitype.APIKey{
		ID:        k.ID,
		Name:      k.Name,
		Prefix:    k.Prefix,
		CreatedAt: k.CreatedAt,
	}
	if !k.LastUsedAt.IsZero() {
		lastUsedAt := k.LastUsedAt.Time
		out.LastUsedAt = &lastUsedAt
	}
	if !k.RevokedAt.IsZero() {
		revokedAt := k.RevokedAt.Time
		out.RevokedAt = &revokedAt
	}
	return out
}
