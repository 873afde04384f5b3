package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/app/segment"
	"customevents/db"
)

// actionRoutes adds the admin routes that configure what custom events
// run: event actions, action sets, the contact lists that actions and
// conditions name, and the segment counter. Viewers read them, and editors
// change them, as they change definitions.
func (s *Server) actionRoutes(api *roleRoutes) {
	const (
		viewer = apitype.RoleViewer
		editor = apitype.RoleEditor
	)
	api.GET("/custom-events/:id/actions", viewer, s.getEventActions)
	api.PUT("/custom-events/:id/actions", editor, s.putEventActions)
	api.GET("/action-sets", viewer, s.listActionSets)
	api.GET("/action-sets/:id", viewer, s.getActionSet)
	api.POST("/action-sets", editor, s.createActionSet)
	api.PUT("/action-sets/:id", editor, s.updateActionSet)
	api.DELETE("/action-sets/:id", editor, s.deleteActionSet)
	api.GET("/lists", viewer, s.listContactLists)
	api.POST("/lists", editor, s.createContactList)
	api.PUT("/lists/:id", editor, s.renameContactList)
	api.DELETE("/lists/:id", editor, s.deleteContactList)
	// Counting changes nothing. It is a POST because the condition tree
	// travels in the body.
	api.POST("/segments/count", viewer, s.countSegment)
}

func (s *Server) getEventActions(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}

	actions, err := s.store.EventActions(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, actions)
}

func (s *Server) putEventActions(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in apitype.EventActions
	if err := bindBody(c, &in, "with mode, onTheFly, actionSetId, frequency and frequencyDays"); err != nil {
		return err
	}

	saved, err := s.store.SetEventActions(c.Request().Context(), account.ID, id, in)
	if err != nil {
		return err
	}
	s.log.Info("custom event actions saved", "account_id", account.ID, "custom_event_id", id,
		"mode", saved.Mode, "action_set_id", saved.ActionSetID)
	return c.JSON(http.StatusOK, saved)
}

func (s *Server) listActionSets(c echo.Context) error {
	account := currentSession(c).Account
	sets, err := s.store.ActionSets(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	out := make([]apitype.ActionSet, len(sets))
	for i := range sets {
		out[i] = actionSetResponse(&sets[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getActionSet(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}

	set, err := s.store.ActionSet(c.Request().Context(), account.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, actionSetResponse(set))
}

func (s *Server) createActionSet(c echo.Context) error {
	account := currentSession(c).Account
	var in apitype.ActionSetInput
	if err := bindBody(c, &in, "with name, description and actions"); err != nil {
		return err
	}

	set, err := s.store.CreateActionSet(c.Request().Context(), account.ID, in)
	if err != nil {
		return err
	}
	s.log.Info("action set created", "account_id", account.ID, "action_set_id", set.ID)
	return c.JSON(http.StatusCreated, actionSetResponse(set))
}

func (s *Server) updateActionSet(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in apitype.ActionSetInput
	if err := bindBody(c, &in, "with name, description and actions"); err != nil {
		return err
	}

	set, err := s.store.UpdateActionSet(c.Request().Context(), account.ID, id, in)
	if err != nil {
		return err
	}
	s.log.Info("action set updated", "account_id", account.ID, "action_set_id", id)
	return c.JSON(http.StatusOK, actionSetResponse(set))
}

func (s *Server) deleteActionSet(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}

	if err := s.store.DeleteActionSet(c.Request().Context(), account.ID, id); err != nil {
		return err
	}
	s.log.Info("action set deleted", "account_id", account.ID, "action_set_id", id)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listContactLists(c echo.Context) error {
	account := currentSession(c).Account
	lists, err := s.store.ContactLists(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, lists)
}

func (s *Server) createContactList(c echo.Context) error {
	account := currentSession(c).Account
	var in apitype.ContactListInput
	if err := bindBody(c, &in, "with name"); err != nil {
		return err
	}

	list, err := s.store.CreateContactList(c.Request().Context(), account.ID, in)
	if err != nil {
		return err
	}
	s.log.Info("contact list created", "account_id", account.ID, "list_id", list.ID)
	return c.JSON(http.StatusCreated, list)
}

func (s *Server) renameContactList(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in apitype.ContactListInput
	if err := bindBody(c, &in, "with name"); err != nil {
		return err
	}

	list, err := s.store.RenameContactList(c.Request().Context(), account.ID, id, in)
	if err != nil {
		return err
	}
	s.log.Info("contact list renamed", "account_id", account.ID, "list_id", id)
	return c.JSON(http.StatusOK, list)
}

func (s *Server) deleteContactList(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}

	if err := s.store.DeleteContactList(c.Request().Context(), account.ID, id); err != nil {
		return err
	}
	s.log.Info("contact list deleted", "account_id", account.ID, "list_id", id)
	return c.NoContent(http.StatusNoContent)
}

// countSegment returns how many of the account's contacts match the
// condition tree in the body now.
func (s *Server) countSegment(c echo.Context) error {
	account := currentSession(c).Account
	var seg apitype.Segment
	if err := bindBody(c, &seg, "with version and root"); err != nil {
		return err
	}
	if verr := segment.Validate(seg); verr != nil {
		return verr
	}

	n, err := s.store.CountMatchingContacts(c.Request().Context(), account.ID, seg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitype.SegmentCount{Contacts: n})
}

// bindBody decodes the JSON request body into v. A body that is not JSON
// returns a *apitype.ValidationError on the field "body" that describes
// shape, and a value of the wrong JSON type one on that value's field.
func bindBody(c echo.Context, v any, shape string) error {
	err := c.Bind(v)
	if err == nil {
		return nil
	}
	if ute, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && ute.Field != "" {
		return &apitype.ValidationError{
			Field:   ute.Field,
			Message: fmt.Sprintf("Field %s must be %s, not a JSON %s.", ute.Field, jsonKind(ute.Type), ute.Value),
		}
	}
	return &apitype.ValidationError{Field: "body", Message: "Request body must be a JSON object " + shape + "."}
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

func actionSetResponse(set *db.LinkedActionSet) apitype.ActionSet {
	return apitype.ActionSet{
		ID:           set.ID,
		Name:         set.Name,
		Description:  set.Description,
		Actions:      set.Actions,
		LinkedEvents: set.LinkedEvents,
		CreatedAt:    set.CreatedAt,
		UpdatedAt:    set.UpdatedAt,
	}
}
