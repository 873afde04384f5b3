package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

const gateVisitor = "0000000000000000000000000000000e"

// gatedEvent creates the event "signed-up" with one global action and the
// given frequency.
func gatedEvent(t *testing.T, f *dbtest.Fixture, frequency string, days int, action apitype.Action) {
	t.Helper()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: frequency, FrequencyDays: days,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{action}},
	})
}

// recordSignup records "signed-up" for Ann by email, or for the anonymous
// visitor gateVisitor when anonymous is set, at occurredAt.
func recordSignup(t *testing.T, f *dbtest.Fixture, anonymous bool, occurredAt time.Time) *db.EventOccurrence {
	t.Helper()
	trigger := emailTrigger(f, "signed-up", "ann@example.com")
	if anonymous {
		trigger = beaconTrigger(f, "signed-up", gateVisitor)
	}
	trigger.OccurredAt = occurredAt
	return record(t, f, trigger)
}

func identifyAnn(t *testing.T, f *dbtest.Fixture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: gateVisitor, Email: "ann@example.com"})
	if err != nil {
		t.Fatalf("identify: %v", err)
	}
}

// runDueActions claims due runs until none is due. Database actions are
// applied, and webhook and email runs stay leased.
func runDueActions(t *testing.T, f *dbtest.Fixture) {
	t.Helper()
	p := policy("test", time.Minute, 3)
	for range 100 {
		res, err := f.Store.ClaimActions(context.Background(), p, db.MaxClaimBatch)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		if len(res) == 0 {
			return
		}
	}
	t.Fatal("runs were still due after 100 claims")
}

// firstRun returns the outcome and error of the run at position 0 of an
// occurrence.
func firstRun(t *testing.T, f *dbtest.Fixture, occurrenceID int64) (outcome, lastError string) {
	t.Helper()
	err := f.Store.DB().NewRaw("SELECT outcome, last_error FROM action_runs WHERE occurrence_id = ? AND position = 0", occurrenceID).
		Scan(context.Background(), &outcome, &lastError)
	if err != nil {
		t.Fatalf("read run of occurrence %d: %v", occurrenceID, err)
	}
	return outcome, lastError
}

func leadScore(t *testing.T, f *dbtest.Fixture, contactID int64) int {
	t.Helper()
	var score int
	if err := f.Store.DB().NewRaw("SELECT lead_score FROM contacts WHERE id = ?", contactID).Scan(context.Background(), &score); err != nil {
		t.Fatalf("read lead score of contact %d: %v", contactID, err)
	}
	return score
}

func mergeSkipReason(anon, known *db.EventOccurrence, keptOccurrenceID int64) string {
	return fmt.Sprintf("not run because contact %d merged into contact %d, and the event's frequency gate "+
		"lets the merged contact run the actions of occurrence %d instead", anon.ContactID, known.ContactID, keptOccurrenceID)
}

// TestIdentifyMergeSkipsRepeatedGatePass merges an anonymous contact into a
// known one after both triggered an event that adds 10 to the lead score,
// neither run having started. When the merged contact could not have
// passed the event's gate twice, the anonymous contact's run is skipped.
func TestIdentifyMergeSkipsRepeatedGatePass(t *testing.T) {
	cases := []struct {
		name      string
		frequency string
		days      int
		// anonymousAfter is the time of the anonymous occurrence after
		// the known contact's.
		anonymousAfter time.Duration
		wantSkipped    bool
	}{
		{"once per contact, anonymous later", apitype.FrequencyOncePerContact, 0, time.Hour, true},
		{"once per contact, anonymous earlier", apitype.FrequencyOncePerContact, 0, -time.Hour, true},
		{"once per 7 days, 3 days later", apitype.FrequencyOncePerDays, 7, 3 * 24 * time.Hour, true},
		{"once per 7 days, 3 days earlier", apitype.FrequencyOncePerDays, 7, -3 * 24 * time.Hour, true},
		{"once per 7 days, 7 days later", apitype.FrequencyOncePerDays, 7, 7 * 24 * time.Hour, false},
		{"once per 7 days, 10 days earlier", apitype.FrequencyOncePerDays, 7, -10 * 24 * time.Hour, false},
		{"every time", apitype.FrequencyEveryTime, 0, time.Hour, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := dbtest.NewFixture(t)
			gatedEvent(t, f, c.frequency, c.days, apitype.Action{Type: apitype.ActionAdjustScore, Delta: 10})
			start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
			known := recordSignup(t, f, false, start)
			anon := recordSignup(t, f, true, start.Add(c.anonymousAfter))

			identifyAnn(t, f)

			wantOutcome, wantError, wantScore := apitype.RunPending, "", 20
			if c.wantSkipped {
				wantOutcome, wantError, wantScore = apitype.RunSkipped, mergeSkipReason(anon, known, known.ID), 10
			}
			outcome, lastError := firstRun(t, f, anon.ID)
			if outcome != wantOutcome {
				t.Errorf("anonymous contact's run: outcome %q, want %q", outcome, wantOutcome)
			}
			if lastError != wantError {
				t.Errorf("anonymous contact's run: error %q, want %q", lastError, wantError)
			}
			if outcome, _ := firstRun(t, f, known.ID); outcome != apitype.RunPending {
				t.Errorf("known contact's run: outcome %q, want pending", outcome)
			}

			runDueActions(t, f)
			if score := leadScore(t, f, known.ContactID); score != wantScore {
				t.Errorf("merged contact's lead score = %d, want %d", score, wantScore)
			}
		})
	}
}

// TestIdentifyMergeKeepsStartedPass merges an anonymous contact whose
// once-per-contact action already ran into a known contact whose run of
// the same event waits: the known contact's run is the repeat.
func TestIdentifyMergeKeepsStartedPass(t *testing.T) {
	f := dbtest.NewFixture(t)
	gatedEvent(t, f, apitype.FrequencyOncePerContact, 0, apitype.Action{Type: apitype.ActionAdjustScore, Delta: 10})
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	anon := recordSignup(t, f, true, start)
	runDueActions(t, f)
	known := recordSignup(t, f, false, start.Add(time.Hour))

	identifyAnn(t, f)

	if outcome, _ := firstRun(t, f, anon.ID); outcome != apitype.RunSucceeded {
		t.Errorf("anonymous contact's run: outcome %q, want succeeded", outcome)
	}
	outcome, lastError := firstRun(t, f, known.ID)
	if outcome != apitype.RunSkipped {
		t.Errorf("known contact's run: outcome %q, want skipped", outcome)
	}
	if want := mergeSkipReason(anon, known, anon.ID); lastError != want {
		t.Errorf("known contact's run: error %q, want %q", lastError, want)
	}
	runDueActions(t, f)
	if score := leadScore(t, f, known.ContactID); score != 10 {
		t.Errorf("merged contact's lead score = %d, want 10", score)
	}
}

// TestIdentifyMergeGateKeepsRunPass checks that after a merge skipped the
// anonymous contact's pass of a once-per-7-days gate, the next pass is due
// 7 days after the known contact's pass, which ran, and not after the
// skipped one.
func TestIdentifyMergeGateKeepsRunPass(t *testing.T) {
	f := dbtest.NewFixture(t)
	gatedEvent(t, f, apitype.FrequencyOncePerDays, 7, apitype.Action{Type: apitype.ActionAdjustScore, Delta: 10})
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	known := recordSignup(t, f, false, start)
	recordSignup(t, f, true, start.Add(3*24*time.Hour))

	identifyAnn(t, f)

	var gate struct {
		OccurrenceID int64     `bun:"last_occurrence_id"`
		OccurredAt   time.Time `bun:"last_occurred_at"`
	}
	err := f.Store.DB().NewRaw("SELECT last_occurrence_id, last_occurred_at FROM action_frequency WHERE contact_id = ?", known.ContactID).
		Scan(context.Background(), &gate)
	if err != nil {
		t.Fatal(err)
	}
	if gate.OccurrenceID != known.ID {
		t.Errorf("gate's last occurrence = %d, want the known contact's %d", gate.OccurrenceID, known.ID)
	}
	if !gate.OccurredAt.Equal(start) {
		t.Errorf("gate's last pass = %s, want %s", gate.OccurredAt, start)
	}
	eightDaysOn := recordSignup(t, f, false, start.Add(8*24*time.Hour))
	if n := dbtest.Count(t, f.Store.DB(), "action_jobs WHERE occurrence_id = "+itoa(eightDaysOn.ID)); n != 1 {
		t.Errorf("jobs of the occurrence 8 days after the known pass = %d, want 1", n)
	}
}

// TestIdentifyMergeLeavesClaimedRunsAlone merges while the anonymous
// contact's once-per-contact webhook run is in flight: leased to a worker,
// or locked by a claim transaction. The merge neither changes nor waits
// for that run, and skips the known contact's waiting run instead.
func TestIdentifyMergeLeavesClaimedRunsAlone(t *testing.T) {
	webhook := apitype.Action{Type: apitype.ActionWebhook, URL: "https://hooks.example.com/"}
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

	t.Run("leased", func(t *testing.T) {
		f := dbtest.NewFixture(t)
		ctx := context.Background()
		gatedEvent(t, f, apitype.FrequencyOncePerContact, 0, webhook)
		anon := recordSignup(t, f, true, start)
		p := policy("worker-a", time.Minute, 3)
		claims, err := f.Store.ClaimActions(ctx, p, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != 1 || claims[0].Finished {
			t.Fatalf("claims = %+v, want one leased webhook run", claims)
		}
		known := recordSignup(t, f, false, start.Add(time.Hour))

		identifyAnn(t, f)

		outcome, lastError := firstRun(t, f, known.ID)
		if outcome != apitype.RunSkipped {
			t.Errorf("known contact's run: outcome %q, want skipped", outcome)
		}
		if want := mergeSkipReason(anon, known, anon.ID); lastError != want {
			t.Errorf("known contact's run: error %q, want %q", lastError, want)
		}
		if outcome, _ := firstRun(t, f, anon.ID); outcome != apitype.RunPending {
			t.Errorf("leased run: outcome %q, want pending", outcome)
		}
		res, err := f.Store.FinishAction(ctx, claims[0].Claim, p, nil)
		if err != nil {
			t.Fatalf("finish the leased run after the merge: %v", err)
		}
		if res.Outcome != apitype.RunSucceeded {
			t.Errorf("leased run finished as %q, want succeeded", res.Outcome)
		}
	})

	t.Run("locked by a claim", func(t *testing.T) {
		f := dbtest.NewFixture(t)
		ctx := context.Background()
		gatedEvent(t, f, apitype.FrequencyOncePerContact, 0, webhook)
		anon := recordSignup(t, f, true, start)
		known := recordSignup(t, f, false, start.Add(time.Hour))
		claim, err := f.Store.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer claim.Rollback()
		if _, err := claim.ExecContext(ctx, "SELECT 1 FROM action_runs WHERE occurrence_id = ? FOR UPDATE", anon.ID); err != nil {
			t.Fatal(err)
		}

		// identifyAnn fails after its timeout if the merge waits for
		// the locked run.
		identifyAnn(t, f)

		outcome, lastError := firstRun(t, f, known.ID)
		if outcome != apitype.RunSkipped {
			t.Errorf("known contact's run: outcome %q, want skipped", outcome)
		}
		if want := mergeSkipReason(anon, known, anon.ID); lastError != want {
			t.Errorf("known contact's run: error %q, want %q", lastError, want)
		}
		if err := claim.Rollback(); err != nil {
			t.Fatal(err)
		}
		if outcome, _ := firstRun(t, f, anon.ID); outcome != apitype.RunPending {
			t.Errorf("locked run: outcome %q, want pending", outcome)
		}
	})
}
