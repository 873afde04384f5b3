package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

// listContacts returns one page of the account's contacts, newest first.
// It reads search (name, email, company or id), first (1 to 100, default
// 25) and after (the nextCursor of the previous page).
func (s *Server) listContacts(c echo.Context) error {
	account := currentSession(c).Account
	first, err := queryPageSize(c, apitype.MaxContactPageSize)
	if err != nil {
		return err
	}
	page, err := s.store.Contacts(c.Request().Context(), account.ID, db.ContactListOptions{
		Search: c.QueryParam("search"),
		After:  c.QueryParam("after"),
		First:  first,
	})
	if err != nil {
		return err
	}
	rows := make([]apitype.ContactSummary, len(page.Rows))
	for i := range page.Rows {
		rows[i] = contactSummaryResponse(&page.Rows[i])
	}
	return c.JSON(http.StatusOK, apitype.ContactPage{Rows: rows, NextCursor: page.NextCursor})
}

// getContact returns one contact with its fields, lists, tags and totals.
func (s *Server) getContact(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	contact, err := s.store.Contact(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitype.ContactDetail{
		ContactSummary: contactSummaryResponse(&contact.ContactSummary),
		JobTitle:       contact.JobTitle,
		CustomFields:   contact.CustomFields,
		Lists:          contact.Lists,
		Tags:           contact.Tags,
		Visitors:       contact.Visitors,
		FirstEventAt:   contact.FirstEventAt,
	})
}

// getContactTimeline returns a contact's occurrences, newest first. It
// reads first (1 to 100, default 50) and before (the nextCursor of the
// previous page). Metadata is cut as apitype.MetadataEntries describes,
// because it comes from websites.
func (s *Server) getContactTimeline(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	first, err := queryPageSize(c, apitype.MaxTimelinePageSize)
	if err != nil {
		return err
	}
	page, err := s.store.ContactTimeline(c.Request().Context(), account.ID, id, db.TimelineOptions{
		Before: c.QueryParam("before"),
		First:  first,
	})
	if err != nil {
		return err
	}
	events := make([]apitype.TimelineEvent, len(page.Entries))
	for i, e := range page.Entries {
		metadata, omitted := apitype.MetadataEntries(e.Metadata)
		events[i] = apitype.TimelineEvent{
			OccurrenceID:    e.OccurrenceID,
			EventName:       e.EventName,
			EventSlug:       e.EventSlug,
			EventDeleted:    e.EventDeleted,
			OccurredAt:      e.OccurredAt,
			Source:          e.Source,
			PageURL:         e.PageURL,
			Referrer:        e.Referrer,
			Channel:         apitype.MarketingChannel(e.Channel),
			UTMSource:       e.UTMSource,
			UTMMedium:       e.UTMMedium,
			UTMCampaign:     e.UTMCampaign,
			UTMTerm:         e.UTMTerm,
			UTMContent:      e.UTMContent,
			Metadata:        metadata,
			MetadataOmitted: omitted,
		}
	}
	return c.JSON(http.StatusOK, apitype.TimelinePage{Events: events, NextCursor: page.NextCursor})
}

// queryPageSize reads ?first=, or returns 0 for the store's default when it
// is absent.
func queryPageSize(c echo.Context, max int) (int, error) {
	raw := c.QueryParam("first")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		return 0, &apitype.ValidationError{Field: "first", Message: fmt.Sprintf("First %q is invalid: ask for 1 to %d rows.", raw, max)}
	}
	return n, nil
}

func contactSummaryResponse(c *db.ContactSummary) apitype.ContactSummary {
	return apitype.ContactSummary{
		ID:             c.ID,
		Email:          c.Email,
		FirstName:      c.FirstName,
		LastName:       c.LastName,
		Company:        c.Company,
		LifecycleStage: c.LifecycleStage,
		LeadScore:      c.LeadScore,
		Events:         c.Events,
		LastEventAt:    c.LastEventAt,
		CreatedAt:      c.CreatedAt,
	}
}
