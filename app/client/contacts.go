package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"customevents/app/apitype"
)

// ContactQuery selects a page of the contacts list. Empty fields take the
// API's defaults: every contact and a page of
// apitype.DefaultContactPageSize rows.
type ContactQuery struct {
	Search string
	// After is the NextCursor of the previous page, or empty for the first
	// page.
	After string
	First int
}

// Contacts returns one page of the account's contacts, newest first.
func (c *Client) Contacts(ctx context.Context, q ContactQuery) (apitype.ContactPage, error) {
	params := url.Values{}
	if q.Search != "" {
		params.Set("search", q.Search)
	}
	if q.After != "" {
		params.Set("after", q.After)
	}
	if q.First != 0 {
		params.Set("first", strconv.Itoa(q.First))
	}
	path := "/api/contacts"
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	var page apitype.ContactPage
	err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// Contact returns one contact with its fields, lists and tags.
func (c *Client) Contact(ctx context.Context, id int64) (apitype.ContactDetail, error) {
	var contact apitype.ContactDetail
	err := c.do(ctx, http.MethodGet, "/api/contacts/"+strconv.FormatInt(id, 10), nil, &contact)
	return contact, err
}

// ContactTimeline returns a contact's occurrences, newest first: the
// newest page when before is empty, else the page older than that cursor.
func (c *Client) ContactTimeline(ctx context.Context, id int64, before string) (apitype.TimelinePage, error) {
	path := "/api/contacts/" + strconv.FormatInt(id, 10) + "/timeline"
	if before != "" {
		path += "?" + url.Values{"before": {before}}.Encode()
	}
	var page apitype.TimelinePage
	err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// maxActionRuns is the largest limit that GET
// /api/contacts/:id/action-runs takes.
const maxActionRuns = 500

// ContactActionRuns returns the run log of the actions that the contact's
// occurrences started, newest occurrence first, up to maxActionRuns runs.
// A server without that endpoint returns an *Error with status 404.
func (c *Client) ContactActionRuns(ctx context.Context, id int64) ([]apitype.ActionRun, error) {
	var runs []apitype.ActionRun
	path := "/api/contacts/" + strconv.FormatInt(id, 10) + "/action-runs?limit=" + strconv.Itoa(maxActionRuns)
	err := c.do(ctx, http.MethodGet, path, nil, &runs)
	return runs, err
}

// SendTestEvent records an occurrence of the custom event for the test
// contact, apitype.TestContactEmail.
func (c *Client) SendTestEvent(ctx context.Context, id int64) (apitype.TestEventResult, error) {
	var result apitype.TestEventResult
	err := c.do(ctx, http.MethodPost, "/api/custom-events/"+strconv.FormatInt(id, 10)+"/test-event", nil, &result)
	return result, err
}

// LiveEventsURL returns the URL of the live event stream, for the
// browser's EventSource, filtered on slug unless it is empty.
func (c *Client) LiveEventsURL(slug string) string {
	u := c.base.String() + "/api/live-events"
	if slug != "" {
		u += "?" + url.Values{"event": {slug}}.Encode()
	}
	return u
}

// BeaconStatus returns the latest event that a website sent through the
// beacon.
func (c *Client) BeaconStatus(ctx context.Context) (apitype.BeaconStatus, error) {
	var status apitype.BeaconStatus
	err := c.do(ctx, http.MethodGet, "/api/beacon/status", nil, &status)
	return status, err
}

// GraphQLEndpoint returns the GraphQL URL and an example slug for the code
// examples.
func (c *Client) GraphQLEndpoint(ctx context.Context) (apitype.GraphQLEndpoint, error) {
	var endpoint apitype.GraphQLEndpoint
	err := c.do(ctx, http.MethodGet, "/api/graphql-endpoint", nil, &endpoint)
	return endpoint, err
}
