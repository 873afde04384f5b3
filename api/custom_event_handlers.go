package api

import (
	"fmt"
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

// getCustomEventStats returns the report for ?from=&to= (YYYY-MM-DD in the
// account's time zone), by default the last 30 days: the metric cards, the
// same numbers for the previous period of equal length, and one entry per
// day. A deleted definition is not found.
func (s *Server) getCustomEventStats(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	days, err := s.queryDateRange(c, &account)
	if err != nil {
		return err
	}

	event, err := s.store.CustomEvent(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	report, err := s.store.EventReport(c.Request().Context(), &account, event.ID, days)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventReportResponse(report))
}

// getCustomEventDrilldown returns one page of the contacts behind a custom
// event's occurrences. It reads from and to as getCustomEventStats does,
// and day (one day of the range), search, order (count or last_triggered),
// first (1 to 100, default 25) and after (the nextCursor of the previous
// page). A deleted definition is not found.
func (s *Server) getCustomEventDrilldown(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	days, err := s.queryDateRange(c, &account)
	if err != nil {
		return err
	}
	opts, err := queryDrilldownOptions(c)
	if err != nil {
		return err
	}

	event, err := s.store.CustomEvent(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	page, err := s.store.EventDrilldown(c.Request().Context(), &account, event.ID, days, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, drilldownPageResponse(page))
}

// queryDateRange reads ?from=&to=, by default the last 30 days in the
// account's time zone.
func (s *Server) queryDateRange(c echo.Context, account *db.Account) (apitype.DateRange, error) {
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from == "" && to == "" {
		return apitype.LastDays(s.reportNow(), account.Location(), 30), nil
	}
	days, verr := apitype.ParseDateRange(from, to)
	if verr != nil {
		return apitype.DateRange{}, verr
	}
	return days, nil
}

// queryDrilldownOptions reads the drilldown parameters other than the range.
func queryDrilldownOptions(c echo.Context) (db.DrilldownOptions, error) {
	opts := db.DrilldownOptions{
		Search: c.QueryParam("search"),
		After:  c.QueryParam("after"),
		First:  apitype.DefaultDrilldownPageSize,
	}
	order, verr := apitype.ParseDrilldownOrder(c.QueryParam("order"))
	if verr != nil {
		return db.DrilldownOptions{}, verr
	}
	opts.Order = order
	if day := c.QueryParam("day"); day != "" {
		parsed, err := time.Parse(apitype.DateLayout, day)
		if err != nil {
			return db.DrilldownOptions{}, &apitype.ValidationError{Field: "day", Message: fmt.Sprintf("Date %q is invalid: use YYYY-MM-DD, such as 2026-01-31.", day)}
		}
		opts.Day = parsed
	}
	if first := c.QueryParam("first"); first != "" {
		n, err := strconv.Atoi(first)
		if err != nil {
			return db.DrilldownOptions{}, &apitype.ValidationError{Field: "first", Message: fmt.Sprintf("First %q is not a whole number: ask for 1 to %d rows.", first, apitype.MaxDrilldownPageSize)}
		}
		// Checked here because the store reads zero as its default.
		if verr := apitype.ValidateDrilldownPageSize(n); verr != nil {
			return db.DrilldownOptions{}, verr
		}
		opts.First = n
	}
	return opts, nil
}

func eventReportResponse(report *db.EventReport) apitype.EventReport {
	byDay := make([]apitype.DayCount, len(report.ByDay))
	for i, day := range report.ByDay {
		byDay[i] = apitype.DayCount{Date: day.Date, Count: day.Count, UniqueContacts: day.UniqueContacts}
	}
	return apitype.EventReport{
		EventStats: apitype.EventStats{
			From:            report.Days.From.Format(apitype.DateLayout),
			To:              report.Days.To.Format(apitype.DateLayout),
			EventsTriggered: report.EventsTriggered,
			UniqueContacts:  report.UniqueContacts,
		},
		PreviousFrom:            report.Previous.From.Format(apitype.DateLayout),
		PreviousTo:              report.Previous.To.Format(apitype.DateLayout),
		PreviousEventsTriggered: report.PreviousEventsTriggered,
		PreviousUniqueContacts:  report.PreviousUniqueContacts,
		ByDay:                   byDay,
	}
}

func drilldownPageResponse(page *db.DrilldownPage) apitype.DrilldownPage {
	rows := make([]apitype.DrilldownRow, len(page.Rows))
	for i, row := range page.Rows {
		rows[i] = apitype.DrilldownRow{
			ContactID:        row.ContactID,
			FirstName:        row.FirstName,
			LastName:         row.LastName,
			Email:            row.Email,
			Company:          row.Company,
			TriggerCount:     row.TriggerCount,
			FirstTriggeredAt: row.FirstTriggeredAt,
			LastTriggeredAt:  row.LastTriggeredAt,
			PageURL:          row.PageURL,
			Channel:          apitype.MarketingChannel(row.Channel),
			UTMSource:        row.UTMSource,
			UTMMedium:        row.UTMMedium,
			UTMCampaign:      row.UTMCampaign,
			UTMTerm:          row.UTMTerm,
			UTMContent:       row.UTMContent,
			Conversion:       row.IsConversion,
		}
	}
	return apitype.DrilldownPage{Rows: rows, NextCursor: page.NextCursor}
}

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &apitype.ValidationError{Field: "id", Message: "Id in the path must be a whole number from 1 to 9223372036854775807."}
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
