package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// runAllActions claims and runs every due action run of the store.
func runAllActions(t *testing.T, store *db.Store) {
	t.Helper()
	p := db.ActionPolicy{Worker: "test", MaxAttempts: 3, Lease: time.Minute, Backoff: func(int) time.Duration { return time.Hour }}
	for {
		results, err := store.ClaimActions(context.Background(), p, db.MaxClaimBatch)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		if len(results) == 0 {
			return
		}
		for _, res := range results {
			if !res.Finished {
				t.Fatalf("claimed a %s run that needs a worker pool", res.Claim.ActionType)
			}
		}
	}
}

func TestAdminActionRuns(t *testing.T) {
	ts := newTestServer(t)
	c := signIn(t, ts)
	ctx := context.Background()
	event, err := ts.Store.CreateCustomEvent(ctx, ts.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.SetEventActions(t, ts.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{
			{Type: apitype.ActionAdjustScore, Delta: 3},
			{Type: apitype.ActionAddToList, ListID: 424242},
		}},
	})
	o, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	runAllActions(t, ts.Store)

	want := []apitype.ActionRun{
		{OccurrenceID: o.ID, Position: 0, ActionType: apitype.ActionAdjustScore, Outcome: apitype.RunSucceeded, Attempts: 1, CustomEventID: event.ID},
		{OccurrenceID: o.ID, Position: 1, ActionType: apitype.ActionAddToList, Outcome: apitype.RunDead, Attempts: 1, CustomEventID: event.ID,
			Error: "list 424242 was not found in this account: choose another list for the action"},
	}
	paths := []string{
		fmt.Sprintf("/api/custom-events/%d/occurrences/%d/action-runs", event.ID, o.ID),
		fmt.Sprintf("/api/contacts/%d/action-runs", o.ContactID),
		fmt.Sprintf("/api/contacts/%d/action-runs?limit=500", o.ContactID),
	}
	for _, path := range paths {
		status, body := c.do(http.MethodGet, path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d, body %s", path, status, body)
		}
		var got []apitype.ActionRun
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("GET %s: %d runs, want %d: %s", path, len(got), len(want), body)
		}
		for i := range got {
			if got[i].UpdatedAt.IsZero() || !got[i].OccurredAt.Equal(o.OccurredAt.Round(time.Microsecond)) {
				t.Errorf("GET %s run %d: updatedAt %s, occurredAt %s; want set and %s", path, i, got[i].UpdatedAt, got[i].OccurredAt, o.OccurredAt)
			}
			got[i].UpdatedAt, got[i].OccurredAt = time.Time{}, time.Time{}
			if got[i] != want[i] {
				t.Errorf("GET %s run %d = %+v, want %+v", path, i, got[i], want[i])
			}
		}
	}

	// The log of the account's other events' occurrences and of other
	// accounts' contacts is not found.
	var otherContact int64
	err = ts.Store.DB().NewRaw(`
		WITH a AS (INSERT INTO accounts (name, site_key) VALUES ('Other', 'site_other') RETURNING id)
		INSERT INTO contacts (account_id, email) SELECT id, 'ann@example.com' FROM a RETURNING id`).Scan(ctx, &otherContact)
	if err != nil {
		t.Fatal(err)
	}
	errorCases := []struct {
		path   string
		status int
		field  string
	}{
		{fmt.Sprintf("/api/custom-events/%d/occurrences/%d/action-runs", event.ID+1, o.ID), http.StatusNotFound, ""},
		{fmt.Sprintf("/api/contacts/%d/action-runs", otherContact), http.StatusNotFound, ""},
		{fmt.Sprintf("/api/custom-events/%d/occurrences/x/action-runs", event.ID), http.StatusUnprocessableEntity, "occurrenceId"},
		{fmt.Sprintf("/api/contacts/%d/action-runs?limit=0", o.ContactID), http.StatusUnprocessableEntity, "limit"},
		{fmt.Sprintf("/api/contacts/%d/action-runs?limit=501", o.ContactID), http.StatusUnprocessableEntity, "limit"},
	}
	for _, tc := range errorCases {
		status, body := c.do(http.MethodGet, tc.path, nil)
		if status != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, status, tc.status)
		}
		if got := decodeError(t, body).Field; got != tc.field {
			t.Errorf("GET %s: error field %q, want %q", tc.path, got, tc.field)
		}
	}

	resp, err := http.Get(ts.URL + paths[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without a session: status %d, want 401", resp.StatusCode)
	}
}
