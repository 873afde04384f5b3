package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"customevents/app/apitype"
)

// The access matrix rows of the routes that configure event actions:
// viewers read them and editors change them.
func init() {
	for route, tc := range actionAccessCases {
		accessMatrix[route] = tc
	}
}

var actionAccessCases = map[string]accessCase{
	"GET /api/custom-events/:id/actions": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d/actions", m.eventID), nil
		}},
	"PUT /api/custom-events/:id/actions": {minRole: apitype.RoleEditor, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/custom-events/%d/actions", m.newEvent(t)),
				apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerContact}
		}},
	"GET /api/action-sets": {minRole: apitype.RoleViewer, request: staticPath("/api/action-sets"), status: http.StatusOK},
	"GET /api/action-sets/:id": {minRole: apitype.RoleViewer, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/action-sets/%d", newMatrixSet(t, m)), nil
		}},
	"POST /api/action-sets": {minRole: apitype.RoleEditor, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/action-sets", apitype.ActionSetInput{Name: fmt.Sprintf("Created set %d", m.next())}
		}},
	"PUT /api/action-sets/:id": {minRole: apitype.RoleEditor, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/action-sets/%d", newMatrixSet(t, m)), apitype.ActionSetInput{Name: fmt.Sprintf("Renamed set %d", m.next())}
		}},
	"DELETE /api/action-sets/:id": {minRole: apitype.RoleEditor, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/action-sets/%d", newMatrixSet(t, m)), nil
		}},
	"GET /api/lists": {minRole: apitype.RoleViewer, request: staticPath("/api/lists"), status: http.StatusOK},
	"POST /api/lists": {minRole: apitype.RoleEditor, status: http.StatusCreated,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/lists", apitype.ContactListInput{Name: fmt.Sprintf("Created list %d", m.next())}
		}},
	"PUT /api/lists/:id": {minRole: apitype.RoleEditor, status: http.StatusOK, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/lists/%d", newMatrixList(t, m)), apitype.ContactListInput{Name: fmt.Sprintf("Renamed list %d", m.next())}
		}},
	"DELETE /api/lists/:id": {minRole: apitype.RoleEditor, status: http.StatusNoContent, refersToA: true,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return fmt.Sprintf("/api/lists/%d", newMatrixList(t, m)), nil
		}},
	"POST /api/segments/count": {minRole: apitype.RoleViewer, status: http.StatusOK,
		request: func(t *testing.T, m *matrix, as matrixMember) (string, any) {
			return "/api/segments/count", apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{
				Kind: apitype.ConditionTag, Op: "has", Value: "vip",
			}}
		}},
}

// newMatrixSet creates an action set in account A and returns its id.
func newMatrixSet(t *testing.T, m *matrix) int64 {
	t.Helper()
	set, err := m.ts.Store.CreateActionSet(context.Background(), m.ts.Account.ID, apitype.ActionSetInput{Name: fmt.Sprintf("Matrix set %d", m.next())})
	if err != nil {
		t.Fatal(err)
	}
	return set.ID
}

// newMatrixList creates a contact list in account A and returns its id.
func newMatrixList(t *testing.T, m *matrix) int64 {
	t.Helper()
	list, err := m.ts.Store.CreateContactList(context.Background(), m.ts.Account.ID, apitype.ContactListInput{Name: fmt.Sprintf("Matrix list %d", m.next())})
	if err != nil {
		t.Fatal(err)
	}
	return list.ID
}
