package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
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

// consentModeBody is the request and response body of
// /api/account/consent-mode.
type consentModeBody struct {
	// ConsentMode is "track", "wait" or "gpc", as docs/beacon.md describes.
	ConsentMode string `json:"consentMode"`
}

func (s *Server) getConsentMode(c echo.Context) error {
	account := currentSession(c).Account
	mode, err := s.store.ConsentMode(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, consentModeBody{ConsentMode: mode})
}

// putConsentMode changes the account's consent mode. The mode takes effect
// on a website once the snippet from GET /api/beacon replaces the old one.
func (s *Server) putConsentMode(c echo.Context) error {
	account := currentSession(c).Account
	var in consentModeBody
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"consentMode": "wait"}.`}
	}
	if in.ConsentMode == "" {
		return &apitype.ValidationError{Field: "consentMode", Message: `consentMode is missing: send "track", "wait" or "gpc".`}
	}
	if err := s.store.SetConsentMode(c.Request().Context(), account.ID, in.ConsentMode); err != nil {
		return err
	}
	s.log.Info("consent mode changed", "account_id", account.ID, "consent_mode", in.ConsentMode)
	return c.JSON(http.StatusOK, consentModeBody{ConsentMode: in.ConsentMode})
}

// identifySigningJSON sends the settings, which contain the secret, with
// Cache-Control: no-store, so that no browser cache or proxy keeps a copy.
func identifySigningJSON(c echo.Context, signing db.IdentifySigning) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, apitype.IdentifySigning(signing))
}

// getIdentifySigning returns the account's identify signing settings and
// generates the secret on the first read.
func (s *Server) getIdentifySigning(c echo.Context) error {
	account := currentSession(c).Account
	signing, err := s.store.IdentifySigning(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return identifySigningJSON(c, signing)
}

// putIdentifySigning turns the requirement of signed identify calls on or
// off. This server applies it at once, and other server processes within
// their cache time of 2 seconds.
func (s *Server) putIdentifySigning(c echo.Context) error {
	info := currentSession(c)
	account := info.Account
	var in struct {
		Required *bool `json:"required"`
	}
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"required": true}.`}
	}
	if in.Required == nil {
		return &apitype.ValidationError{Field: "required", Message: "required is missing: send true or false."}
	}
	signing, err := s.store.SetIdentifySignatureRequired(c.Request().Context(), account.ID, *in.Required)
	if err != nil {
		return err
	}
	s.log.Info("identify signature requirement changed", "account_id", account.ID, "user_id", info.User.ID, "required", signing.Required)
	return identifySigningJSON(c, signing)
}

// postIdentifySecret replaces the identify secret. Signatures made with
// the old one fail on this server at once, and on other server processes
// within their cache time of 2 seconds.
func (s *Server) postIdentifySecret(c echo.Context) error {
	info := currentSession(c)
	account := info.Account
	signing, err := s.store.RotateIdentifySecret(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	s.log.Info("identify secret replaced", "account_id", account.ID, "user_id", info.User.ID)
	return identifySigningJSON(c, signing)
}

// listAccounts returns the accounts of the signed-in user with the user's
// role in each, and marks the one the session acts on.
func (s *Server) listAccounts(c echo.Context) error {
	info := currentSession(c)
	accounts, err := s.store.UserAccounts(c.Request().Context(), info.User.ID)
	if err != nil {
		return err
	}
	out := make([]apitype.AccountSummary, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, apitype.AccountSummary{ID: a.ID, Name: a.Name, Role: a.Role, Current: a.ID == info.Account.ID})
	}
	return c.JSON(http.StatusOK, out)
}

// createAccount creates a new account, a separate workspace with its own
// site key, whose owner is the signed-in user. The session stays on the
// current account until POST /api/session/account switches it.
func (s *Server) createAccount(c echo.Context) error {
	info := currentSession(c)
	var in apitype.AccountInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"name": "Acme Europe", "timeZone": "Europe/Berlin"}.`}
	}
	account, err := s.store.CreateAccount(c.Request().Context(), info.User.ID, in)
	if err != nil {
		return err
	}
	s.log.Info("account created", "account_id", account.ID, "user_id", info.User.ID, "from_account_id", info.Account.ID)
	return c.JSON(http.StatusCreated, apitype.AccountSummary{ID: account.ID, Name: account.Name, Role: apitype.RoleOwner})
}

func (s *Server) getAccount(c echo.Context) error {
	account, err := s.store.Account(c.Request().Context(), currentSession(c).Account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, accountSettingsResponse(account))
}

// putAccount changes the account's name and time zone. Reports count days
// in the new time zone from the next request on.
func (s *Server) putAccount(c echo.Context) error {
	info := currentSession(c)
	var in apitype.AccountInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"name": "Acme", "timeZone": "Europe/Berlin"}.`}
	}
	account, err := s.store.UpdateAccount(c.Request().Context(), info.Account.ID, in)
	if err != nil {
		return err
	}
	s.log.Info("account settings changed", "account_id", account.ID, "user_id", info.User.ID, "time_zone", account.TimeZone)
	return c.JSON(http.StatusOK, accountSettingsResponse(account))
}

func accountSettingsResponse(a *db.Account) apitype.AccountSettings {
	return apitype.AccountSettings{ID: a.ID, Name: a.Name, TimeZone: a.TimeZone}
}
