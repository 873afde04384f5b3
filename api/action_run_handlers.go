package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

// defaultActionRunLimit is how many runs getContactActionRuns returns
// without ?limit=.
const defaultActionRunLimit = 100

// getContactActionRuns returns the run log of a contact's occurrences,
// newest occurrence first. ?limit= takes 1 to 500, 100 by default. Any
// signed-in member may read it.
func (s *Server) getContactActionRuns(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	limit := defaultActionRunLimit
	if raw := c.QueryParam("limit"); raw != "" {
		limit, err = strconv.Atoi(raw)
		if err != nil || limit < 1 || limit > db.MaxContactActionRuns {
			return &apitype.ValidationError{Field: "limit", Message: "Limit must be a whole number from 1 to 500."}
		}
	}

	runs, err := s.store.ContactActionRuns(c.Request().Context(), account.ID, id, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, runs)
}

// getOccurrenceActionRuns returns the run log of one occurrence of a
// custom event, by position. Any signed-in member may read it.
func (s *Server) getOccurrenceActionRuns(c echo.Context) error {
	account := currentSession(c).Account
	eventID, err := pathID(c)
	if err != nil {
		return err
	}
	occurrenceID, err := strconv.ParseInt(c.Param("occurrenceId"), 10, 64)
	if err != nil || occurrenceID <= 0 {
		return &apitype.ValidationError{Field: "occurrenceId", Message: "Occurrence id in the path must be a whole number from 1 to 9223372036854775807."}
	}

	runs, err := s.store.OccurrenceActionRuns(c.Request().Context(), account.ID, eventID, occurrenceID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, runs)
}
