package actions_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func segmentOf(c apitype.Condition) apitype.Segment {
	return apitype.Segment{Version: apitype.SegmentVersion, Root: c}
}

// outcomes returns the outcome of each run of an occurrence, by position.
func outcomes(t *testing.T, f *dbtest.Fixture, o *db.EventOccurrence) []string {
	t.Helper()
	var out []string
	for _, r := range occurrenceRuns(t, f, o) {
		out = append(out, r.Outcome)
	}
	return out
}

func tagsOf(t *testing.T, f *dbtest.Fixture, contactID int64) []string {
	t.Helper()
	var tags []string
	if err := f.Store.DB().NewRaw("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag", contactID).Scan(context.Background(), &tags); err != nil {
		t.Fatal(err)
	}
	return tags
}

// TestPoolGatesConditionalActions records every occurrence before the
// workers start, so each snapshot is the contact before any action ran.
// Conditions read the snapshot: the score that the global action adds
// does not make the "score over 50" entry match.
func TestPoolGatesConditionalActions(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{
			Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 100}},
			Conditional: []apitype.ConditionalActions{
				{
					Condition: segmentOf(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: "gt", Number: 10}),
					Actions:   []apitype.Action{{Type: apitype.ActionAddTag, Value: "hot"}, {Type: apitype.ActionAdjustScore, Delta: 1}},
				},
				{
					Condition: segmentOf(apitype.Condition{Kind: apitype.ConditionTag, Op: "has", Value: "vip"}),
					Actions:   []apitype.Action{{Type: apitype.ActionSetStage, Value: "customer"}},
				},
				{
					Condition: segmentOf(apitype.Condition{Kind: apitype.ConditionLeadScore, Op: "gt", Number: 50}),
					Actions:   []apitype.Action{{Type: apitype.ActionAddTag, Value: "whale"}},
				},
				{
					Condition: segmentOf(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "signed-up", Number: 2, Days: 30}),
					Actions:   []apitype.Action{{Type: apitype.ActionAddTag, Value: "repeat"}},
				},
			},
		},
	})
	_, err := f.Store.DB().NewRaw(`
		INSERT INTO contacts (account_id, email, lead_score) VALUES (?, 'ann@example.com', 20), (?, 'bob@example.com', 5)`,
		f.Account.ID, f.Account.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ann := record(t, f, "signed-up", "ann@example.com")
	if _, err := f.Store.DB().NewRaw("INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'vip')", f.Account.ID, ann.ContactID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// Ann's occurrence was recorded before the tag, so its snapshot has
	// no vip tag; her second occurrence has it.
	annAgain := record(t, f, "signed-up", "ann@example.com")
	bob := record(t, f, "signed-up", "bob@example.com")

	startPool(t, ctx, f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	s, k := apitype.RunSucceeded, apitype.RunSkipped
	cases := []struct {
		name string
		o    *db.EventOccurrence
		want []string
	}{
		// score 20, no tag, 1 event so far
		{"Ann's first", ann, []string{s, s, s, k, k, k}},
		// score 20, vip, 2 events
		{"Ann's second", annAgain, []string{s, s, s, s, k, s}},
		// score 5, 1 event
		{"Bob's", bob, []string{s, k, k, k, k, k}},
	}
	for _, c := range cases {
		if got := outcomes(t, f, c.o); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s occurrence: outcomes %v, want %v", c.name, got, c.want)
		}
	}

	annContact := loadContact(t, f, ann.ContactID)
	if annContact.LeadScore != 20+100+1+100+1 || annContact.LifecycleStage != "customer" {
		t.Errorf("Ann: score %d, stage %q; want 222, customer", annContact.LeadScore, annContact.LifecycleStage)
	}
	if got, want := tagsOf(t, f, ann.ContactID), []string{"hot", "repeat", "vip"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Ann's tags = %v, want %v", got, want)
	}
	bobContact := loadContact(t, f, bob.ContactID)
	if bobContact.LeadScore != 105 || bobContact.LifecycleStage != "subscriber" {
		t.Errorf("Bob: score %d, stage %q; want 105, subscriber", bobContact.LeadScore, bobContact.LifecycleStage)
	}
	if got := tagsOf(t, f, bob.ContactID); len(got) != 0 {
		t.Errorf("Bob's tags = %v, want none", got)
	}

	var matched []bool
	err = f.Store.DB().NewRaw("SELECT matched FROM action_jobs WHERE occurrence_id = ?", annAgain.ID).Scan(ctx, pgdialect.Array(&matched))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false, true}; !reflect.DeepEqual(matched, want) {
		t.Errorf("stored outcomes of Ann's second occurrence = %v, want %v", matched, want)
	}
}

// TestPoolRetryKeepsConditionOutcome fails a conditional webhook once and
// deletes, before the retry, the occurrence that made its condition
// match. The retry runs on the stored outcome instead of evaluating again.
func TestPoolRetryKeepsConditionOutcome(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	other := createEvent(t, f, "read-pricing")
	record(t, f, "read-pricing", "ann@example.com")
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n == 1 {
			if _, err := f.Store.DB().NewRaw("DELETE FROM event_occurrences WHERE custom_event_id = ?", other.ID).Exec(ctx); err != nil {
				t.Errorf("delete the pricing occurrence: %v", err)
			}
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Conditional: []apitype.ConditionalActions{{
			Condition: segmentOf(apitype.Condition{Kind: apitype.ConditionEventCount, Event: "read-pricing", Number: 1, Days: 7}),
			Actions:   []apitype.Action{{Type: apitype.ActionWebhook, URL: rc.URL}},
		}}},
	})
	o := record(t, f, "signed-up", "ann@example.com")

	startPool(t, ctx, f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	runs := occurrenceRuns(t, f, o)
	if len(runs) != 1 || runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 2 {
		t.Errorf("runs = %+v, want one succeeded after 2 attempts", runs)
	}
	if n := len(rc.received()); n != 2 {
		t.Errorf("deliveries = %d, want 2", n)
	}
}
