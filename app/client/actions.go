package client

import (
	"context"
	"net/http"
	"strconv"

	"customevents/app/apitype"
)

// EventActions returns what a custom event runs when it fires.
func (c *Client) EventActions(ctx context.Context, eventID int64) (apitype.EventActions, error) {
	var out apitype.EventActions
	err := c.do(ctx, http.MethodGet, eventActionsPath(eventID), nil, &out)
	return out, err
}

// SetEventActions replaces what a custom event runs and returns it as
// stored.
func (c *Client) SetEventActions(ctx context.Context, eventID int64, in apitype.EventActions) (apitype.EventActions, error) {
	var out apitype.EventActions
	err := c.do(ctx, http.MethodPut, eventActionsPath(eventID), in, &out)
	return out, err
}

func eventActionsPath(eventID int64) string {
	return "/api/custom-events/" + strconv.FormatInt(eventID, 10) + "/actions"
}

// ActionSets lists the account's action sets by name, with the custom
// events that link each.
func (c *Client) ActionSets(ctx context.Context) ([]apitype.ActionSet, error) {
	var sets []apitype.ActionSet
	err := c.do(ctx, http.MethodGet, "/api/action-sets", nil, &sets)
	return sets, err
}

// CreateActionSet creates an action set.
func (c *Client) CreateActionSet(ctx context.Context, in apitype.ActionSetInput) (apitype.ActionSet, error) {
	var set apitype.ActionSet
	err := c.do(ctx, http.MethodPost, "/api/action-sets", in, &set)
	return set, err
}

// UpdateActionSet replaces the name, description and actions of an action
// set.
func (c *Client) UpdateActionSet(ctx context.Context, id int64, in apitype.ActionSetInput) (apitype.ActionSet, error) {
	var set apitype.ActionSet
	err := c.do(ctx, http.MethodPut, "/api/action-sets/"+strconv.FormatInt(id, 10), in, &set)
	return set, err
}

// DeleteActionSet deletes an action set. While custom events link it, the
// API returns an *Error with status 409 whose message names them.
func (c *Client) DeleteActionSet(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/action-sets/"+strconv.FormatInt(id, 10), nil, nil)
}

// ContactLists lists the account's contact lists by name, with member
// counts.
func (c *Client) ContactLists(ctx context.Context) ([]apitype.ContactList, error) {
	var lists []apitype.ContactList
	err := c.do(ctx, http.MethodGet, "/api/lists", nil, &lists)
	return lists, err
}

// CreateContactList creates an empty contact list.
func (c *Client) CreateContactList(ctx context.Context, name string) (apitype.ContactList, error) {
	var list apitype.ContactList
	err := c.do(ctx, http.MethodPost, "/api/lists", apitype.ContactListInput{Name: name}, &list)
	return list, err
}

// RenameContactList renames a contact list.
func (c *Client) RenameContactList(ctx context.Context, id int64, name string) (apitype.ContactList, error) {
	var list apitype.ContactList
	err := c.do(ctx, http.MethodPut, "/api/lists/"+strconv.FormatInt(id, 10), apitype.ContactListInput{Name: name}, &list)
	return list, err
}

// DeleteContactList deletes a contact list and its memberships. While
// actions or conditions name it, the API returns an *Error with status 409.
func (c *Client) DeleteContactList(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/lists/"+strconv.FormatInt(id, 10), nil, nil)
}

// CountSegment returns how many of the account's contacts match seg now.
func (c *Client) CountSegment(ctx context.Context, seg apitype.Segment) (int64, error) {
	var out apitype.SegmentCount
	err := c.do(ctx, http.MethodPost, "/api/segments/count", seg, &out)
	return out.Contacts, err
}
