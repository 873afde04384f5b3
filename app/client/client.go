// Package client calls the admin JSON API from the admin app, with the
// browser's fetch function.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"

	"customevents/app/apitype"
)

// maxResponseBytes is the largest response body the client accepts.
const maxResponseBytes = 4 << 20

// Error is an error response of the admin API.
type Error struct {
	Status int
	apitype.ErrorBody
}

func (e *Error) Error() string {
	return e.Message
}

// ErrOffline is wrapped by the errors of requests that got no response at
// all, because the device is offline or the server cannot be reached.
var ErrOffline = errors.New("the Custom Events server cannot be reached; check your connection and try again")

// offline is true from a request that got no response until one that did.
var offline atomic.Bool

// Offline reports whether the last request got no response, so pages can
// show that their data is not live and that changes are not sent.
func Offline() bool {
	return offline.Load()
}

// IsOffline reports whether err means that the request got no response.
func IsOffline(err error) bool {
	return errors.Is(err, ErrOffline)
}

// IsUnauthenticated reports whether err means that the session is missing
// or has expired, so the user has to sign in again.
func IsUnauthenticated(err error) bool {
	apiErr, ok := errors.AsType[*Error](err)
	return ok && apiErr.Status == http.StatusUnauthorized
}

// FieldError returns the field and message of a validation error, or two
// empty strings when err is not one.
func FieldError(err error) (field, message string) {
	apiErr, ok := errors.AsType[*Error](err)
	if !ok || apiErr.Field == "" {
		return "", ""
	}
	return apiErr.Field, apiErr.Message
}

// Client sends admin API requests to one origin.
type Client struct {
	base      *url.URL
	csrfToken string
}

// New returns a client for the API at the origin of base, such as the
// page's own URL.
func New(base *url.URL) *Client {
	origin := &url.URL{Scheme: base.Scheme, Host: base.Host}
	return &Client{base: origin}
}

// SetCSRFToken sets the token sent with every request that changes data.
func (c *Client) SetCSRFToken(token string) {
	c.csrfToken = token
}

// Login signs in and returns the new session.
func (c *Client) Login(ctx context.Context, email, password string) (apitype.Session, error) {
	var s apitype.Session
	err := c.do(ctx, http.MethodPost, "/api/session", apitype.LoginRequest{Email: email, Password: password}, &s)
	if err == nil {
		c.csrfToken = s.CSRFToken
	}
	return s, err
}

// Session returns the current session.
func (c *Client) Session(ctx context.Context) (apitype.Session, error) {
	var s apitype.Session
	err := c.do(ctx, http.MethodGet, "/api/session", nil, &s)
	if err == nil {
		c.csrfToken = s.CSRFToken
	}
	return s, err
}

// Logout ends the current session.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/api/session", nil, nil)
}

// CustomEvents lists the account's custom event definitions.
func (c *Client) CustomEvents(ctx context.Context) ([]apitype.CustomEvent, error) {
	var events []apitype.CustomEvent
	err := c.do(ctx, http.MethodGet, "/api/custom-events", nil, &events)
	return events, err
}

// CreateCustomEvent creates a custom event definition.
func (c *Client) CreateCustomEvent(ctx context.Context, in apitype.CustomEventInput) (apitype.CustomEvent, error) {
	var event apitype.CustomEvent
	err := c.do(ctx, http.MethodPost, "/api/custom-events", in, &event)
	return event, err
}

// UpdateCustomEvent replaces the fields of a custom event definition.
func (c *Client) UpdateCustomEvent(ctx context.Context, id int64, in apitype.CustomEventInput) (apitype.CustomEvent, error) {
	var event apitype.CustomEvent
	err := c.do(ctx, http.MethodPut, "/api/custom-events/"+strconv.FormatInt(id, 10), in, &event)
	return event, err
}

// DeleteCustomEvent deletes a custom event definition.
func (c *Client) DeleteCustomEvent(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/custom-events/"+strconv.FormatInt(id, 10), nil, nil)
}

// EventStats returns the metric cards of a custom event. Empty from and to
// select the last 30 days in the account's time zone.
func (c *Client) EventStats(ctx context.Context, id int64, from, to string) (apitype.EventStats, error) {
	path := "/api/custom-events/" + strconv.FormatInt(id, 10) + "/stats"
	if from != "" || to != "" {
		path += "?" + url.Values{"from": {from}, "to": {to}}.Encode()
	}
	var stats apitype.EventStats
	err := c.do(ctx, http.MethodGet, path, nil, &stats)
	return stats, err
}

// EventReport returns the report of a custom event over the days from and
// to (YYYY-MM-DD in the account's time zone, both included): the metric
// cards, the previous period of equal length and one entry per day. Empty
// from and to select the last 30 days, ending today in the account's time
// zone.
func (c *Client) EventReport(ctx context.Context, id int64, from, to string) (apitype.EventReport, error) {
	path := "/api/custom-events/" + strconv.FormatInt(id, 10) + "/stats"
	if from != "" || to != "" {
		path += "?" + url.Values{"from": {from}, "to": {to}}.Encode()
	}
	var report apitype.EventReport
	err := c.do(ctx, http.MethodGet, path, nil, &report)
	return report, err
}

// DrilldownQuery selects a page of drilldown rows. From and To are the
// report's days, and Day, when set, narrows them to one of those days.
// Empty fields take the API's defaults: the last 30 days, order by count
// and a page of apitype.DefaultDrilldownPageSize rows.
type DrilldownQuery struct {
	From   string
	To     string
	Day    string
	Search string
	Order  apitype.DrilldownOrder
	// First is the page size, from 1 to apitype.MaxDrilldownPageSize, or 0
	// for the default.
	First int
	// After is the NextCursor of the previous page, or empty for the first
	// page.
	After string
}

// EventDrilldown returns one page of the contacts behind a custom event's
// occurrences.
func (c *Client) EventDrilldown(ctx context.Context, id int64, q DrilldownQuery) (apitype.DrilldownPage, error) {
	params := url.Values{}
	set := func(name, value string) {
		if value != "" {
			params.Set(name, value)
		}
	}
	set("from", q.From)
	set("to", q.To)
	set("day", q.Day)
	set("search", q.Search)
	set("order", string(q.Order))
	set("after", q.After)
	if q.First != 0 {
		params.Set("first", strconv.Itoa(q.First))
	}
	path := "/api/custom-events/" + strconv.FormatInt(id, 10) + "/drilldown"
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	var page apitype.DrilldownPage
	err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// Beacon returns the account's beacon snippet.
func (c *Client) Beacon(ctx context.Context) (apitype.Beacon, error) {
	var b apitype.Beacon
	err := c.do(ctx, http.MethodGet, "/api/beacon", nil, &b)
	return b, err
}

// SetConsentMode changes the account's consent mode to "track", "wait" or
// "gpc" and returns the mode as stored. An unknown mode returns an *Error
// with status 422.
func (c *Client) SetConsentMode(ctx context.Context, mode string) (string, error) {
	type body struct {
		ConsentMode string `json:"consentMode"`
	}
	var out body
	err := c.do(ctx, http.MethodPut, "/api/account/consent-mode", body{ConsentMode: mode}, &out)
	return out.ConsentMode, err
}

// IdentifySigning returns the account's settings for signed identify
// calls; the server creates the secret on the first read.
func (c *Client) IdentifySigning(ctx context.Context) (apitype.IdentifySigning, error) {
	var out apitype.IdentifySigning
	err := c.do(ctx, http.MethodGet, "/api/account/identify-signing", nil, &out)
	return out, err
}

// SetIdentifySignatureRequired turns the requirement of signed identify
// calls on or off.
func (c *Client) SetIdentifySignatureRequired(ctx context.Context, required bool) (apitype.IdentifySigning, error) {
	type body struct {
		Required bool `json:"required"`
	}
	var out apitype.IdentifySigning
	err := c.do(ctx, http.MethodPut, "/api/account/identify-signing", body{Required: required}, &out)
	return out, err
}

// ReplaceIdentifySecret replaces the identify secret with a new one.
func (c *Client) ReplaceIdentifySecret(ctx context.Context) (apitype.IdentifySigning, error) {
	var out apitype.IdentifySigning
	err := c.do(ctx, http.MethodPost, "/api/account/identify-signing/secret", nil, &out)
	return out, err
}

// EraseContact deletes the contact with email and everything that refers
// to it, and returns what was deleted.
func (c *Client) EraseContact(ctx context.Context, email string) (apitype.ErasureResult, error) {
	var result apitype.ErasureResult
	err := c.do(ctx, http.MethodPost, "/api/contacts/erase", apitype.ContactEmailRequest{Email: email}, &result)
	return result, err
}

// ExportContact returns everything stored about the contact with email.
func (c *Client) ExportContact(ctx context.Context, email string) (apitype.ContactExport, error) {
	var export apitype.ContactExport
	err := c.do(ctx, http.MethodGet, "/api/contacts/export?"+url.Values{"email": {email}}.Encode(), nil, &export)
	return export, err
}

// Retention returns how many months of occurrences the account keeps.
func (c *Client) Retention(ctx context.Context) (apitype.Retention, error) {
	var r apitype.Retention
	err := c.do(ctx, http.MethodGet, "/api/account/retention", nil, &r)
	return r, err
}

// SetRetention sets how many months of occurrences the account keeps.
func (c *Client) SetRetention(ctx context.Context, months int) (apitype.Retention, error) {
	var r apitype.Retention
	err := c.do(ctx, http.MethodPut, "/api/account/retention", apitype.Retention{RetentionMonths: months}, &r)
	return r, err
}

// APIKeys lists the account's API keys, newest first, with revoked ones.
func (c *Client) APIKeys(ctx context.Context) ([]apitype.APIKey, error) {
	var keys []apitype.APIKey
	err := c.do(ctx, http.MethodGet, "/api/api-keys", nil, &keys)
	return keys, err
}

// CreateAPIKey creates an API key with name. The result contains the full
// key, which the API returns only this once.
func (c *Client) CreateAPIKey(ctx context.Context, name string) (apitype.CreatedAPIKey, error) {
	var created apitype.CreatedAPIKey
	err := c.do(ctx, http.MethodPost, "/api/api-keys", apitype.APIKeyInput{Name: name}, &created)
	return created, err
}

// RevokeAPIKey revokes an active API key, so requests with it fail from
// then on.
func (c *Client) RevokeAPIKey(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/api-keys/"+strconv.FormatInt(id, 10), nil, nil)
}

// do sends a request with an optional JSON body and decodes a JSON response
// into out unless out is nil. A response with a status of 400 or more
// returns an *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	header := map[string]string{"Accept": "application/json"}
	var body string
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s request: %w", method, path, err)
		}
		body = string(b)
		header["Content-Type"] = "application/json"
	}
	if c.csrfToken != "" {
		header["X-CSRF-Token"] = c.csrfToken
	}

	resp, err := fetch(ctx, method, c.base.String()+path, header, body)
	if err != nil {
		return fmt.Errorf("the server could not be reached: check your connection and try again (%w)", err)
	}
	if len(resp.body) > maxResponseBytes {
		return fmt.Errorf("%s %s: response of %d bytes is larger than the limit of %d", method, path, len(resp.body), maxResponseBytes)
	}

	if resp.status >= http.StatusBadRequest {
		apiErr := &Error{Status: resp.status}
		var decoded apitype.ErrorResponse
		if json.Unmarshal([]byte(resp.body), &decoded) == nil && decoded.Error.Message != "" {
			apiErr.ErrorBody = decoded.Error
		} else {
			apiErr.Code = apitype.CodeInternal
			apiErr.Message = fmt.Sprintf("The server returned %d %s: try again later.", resp.status, resp.statusText)
		}
		return apiErr
	}
	if out == nil || resp.status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal([]byte(resp.body), out); err != nil {
		return fmt.Errorf("decode %s %s response: %w", method, path, err)
	}
	return nil
}

// GraphQL sends a GraphQL request and returns the HTTP status and the
// response body as the server sent it. With an API key it goes to
// /graphql, as an integration's would. With an empty apiKey it goes to
// /api/graphql with the session, for the session's account.
func (c *Client) GraphQL(ctx context.Context, apiKey, query string, variables json.RawMessage) (int, string, error) {
	request := map[string]any{"query": query}
	if len(variables) > 0 {
		request["variables"] = variables
	}
	body, err := json.Marshal(request)
	if err != nil {
		return 0, "", fmt.Errorf("encode GraphQL request: %w", err)
	}
	header := map[string]string{
		"Accept":       "application/json",
		"Content-Type": "application/json",
	}
	path := "/graphql"
	if apiKey != "" {
		header["Authorization"] = "Bearer " + apiKey
	} else {
		path = "/api/graphql"
		if c.csrfToken != "" {
			header["X-CSRF-Token"] = c.csrfToken
		}
	}
	resp, err := fetch(ctx, http.MethodPost, c.base.String()+path, header, string(body))
	if err != nil {
		return 0, "", fmt.Errorf("the server could not be reached: check your connection and try again (%w)", err)
	}
	return resp.status, resp.body, nil
}
