package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
)

// postEraseContact erases the contact with the body's email and returns
// how many occurrences and visitors went with it. The privacy audit and the
// log record the signed-in admin, never the email.
func (s *Server) postEraseContact(c echo.Context) error {
	info := currentSession(c)
	var in apitype.ContactEmailRequest
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"email": "contact@example.com"}.`}
	}
	email, verr := apitype.LookupEmail("email", in.Email)
	if verr != nil {
		return verr
	}

	result, err := s.store.EraseContact(c.Request().Context(), info.Account.ID, email, info.User.Email)
	if err != nil {
		return err
	}
	s.log.Info("contact erased", "account_id", info.Account.ID, "user_id", info.User.ID, "occurrences", result.Occurrences, "visitors", result.Visitors)
	return c.JSON(http.StatusOK, result)
}

// getContactExport returns everything stored about the contact with
// ?email=, for an access request, and records the export in the privacy
// audit.
func (s *Server) getContactExport(c echo.Context) error {
	info := currentSession(c)
	email, verr := apitype.LookupEmail("email", c.QueryParam("email"))
	if verr != nil {
		return verr
	}

	export, err := s.store.ExportContact(c.Request().Context(), info.Account.ID, email, info.User.Email)
	if err != nil {
		return err
	}
	s.log.Info("contact exported", "account_id", info.Account.ID, "user_id", info.User.ID)
	return c.JSON(http.StatusOK, export)
}

func (s *Server) getRetention(c echo.Context) error {
	account := currentSession(c).Account
	months, err := s.store.RetentionMonths(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitype.Retention{RetentionMonths: months})
}

// putRetention sets how many months of occurrences the account keeps. The
// daily retention job deletes older ones on its next run.
func (s *Server) putRetention(c echo.Context) error {
	account := currentSession(c).Account
	var in struct {
		RetentionMonths *int `json:"retentionMonths"`
	}
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"retentionMonths": 25}.`}
	}
	if in.RetentionMonths == nil {
		return &apitype.ValidationError{Field: "retentionMonths", Message: `retentionMonths is missing: send a whole number of months such as {"retentionMonths": 25}.`}
	}

	if err := s.store.SetRetentionMonths(c.Request().Context(), account.ID, *in.RetentionMonths); err != nil {
		return err
	}
	s.log.Info("retention changed", "account_id", account.ID, "retention_months", *in.RetentionMonths)
	return c.JSON(http.StatusOK, apitype.Retention{RetentionMonths: *in.RetentionMonths})
}
