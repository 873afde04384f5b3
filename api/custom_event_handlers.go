package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

func (s *Server) listCustomEvents(c echo.Context) error {
	account := currentSession(c).Account
	events, err := s.store.CustomEvents(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	out := make([]apitype.CustomEvent, 0, len(events))
	for i := range events {
		out = append(out, customEventResponse(&events[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createCustomEvent(c echo.Context) error {
	account := currentSession(c).Account
	var in apitype.CustomEventInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: "Request body must be JSON with name, slug, description and isConversion."}
	}

	event, err := s.store.CreateCustomEvent(c.Request().Context(), account.ID, in)
	if err != nil {
		return err
	}
	s.log.Info("custom event created", "account_id", account.ID, "custom_event_id", event.ID, "slug", event.Slug)
	return c.JSON(http.StatusCreated, customEventResponse(event))
}

func (s *Server) updateCustomEvent(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in apitype.CustomEventInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: "Request body must be JSON with name, slug, description and isConversion."}
	}

	event, err := s.store.UpdateCustomEvent(c.Request().Context(), account.ID, id, in)
	if err != nil {
		return err
	}
	s.log.Info("custom event updated", "account_id", account.ID, "custom_event_id", event.ID, "slug", event.Slug)
	return c.JSON(http.StatusOK, customEventResponse(event))
}

func (s *Server) deleteCustomEvent(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}

	if err := s.store.DeleteCustomEvent(c.Request().Context(), account.ID, id); err != nil {
		return err
	}
	s.log.Info("custom event deleted", "account_id", account.ID, "custom_event_id", id)
	return c.NoContent(http.StatusNoContent)
}

// getCustomEventStats returns the metric cards for ?from=&to= (YYYY-MM-DD in
// the account's time zone), by default the last 30 days.
func (s *Server) getCustomEventStats(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	days := apitype.LastDays(time.Now(), account.Location(), 30)
	if from, to := c.QueryParam("from"), c.QueryParam("to"); from != "" || to != "" {
		var verr *apitype.ValidationError
		if days, verr = apitype.ParseDateRange(from, to); verr != nil {
			return verr
		}
	}

	event, err := s.store.CustomEvent(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	stats, err := s.store.EventStats(c.Request().Context(), &account, event.ID, days)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitype.EventStats{
		From:            days.From.Format(apitype.DateLayout),
		To:              days.To.Format(apitype.DateLayout),
		EventsTriggered: stats.EventsTriggered,
		UniqueContacts:  stats.UniqueContacts,
	})
}

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &apitype.ValidationError{Field: "id", Message: "Id in the path must be a positive integer."}
	}
	return id, nil
}

func customEventResponse(e *db.CustomEvent) apitype.CustomEvent {
	return apitype.CustomEvent{
		ID:           e.ID,
		Name:         e.Name,
		Slug:         e.Slug,
		Description:  e.Description,
		IsConversion: e.IsConversion,
		CreatedAt:    e.CreatedAt,
		UpdatedAt:    e.UpdatedAt,
	}
}
