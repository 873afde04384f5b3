package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"

	"github.com/lib/pq"
)

// webhookFixture records one occurrence whose plan is a single webhook and
// returns the occurrence.
func webhookFixture(t *testing.T) (*dbtest.Fixture, *db.EventOccurrence) {
	t.Helper()
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode:     apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionWebhook, URL: "https://hooks.example.com/"}}},
	})
	return f, record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
}

func policy(worker string, lease time.Duration, maxAttempts int) db.ActionPolicy {
	return db.ActionPolicy{Worker: worker, MaxAttempts: maxAttempts, Lease: lease, Backoff: func(int) time.Duration { return time.Hour }}
}

// claimWithin claims until a run is returned or the timeout passes.
func claimWithin(t *testing.T, store *db.Store, p db.ActionPolicy, timeout time.Duration) *db.ClaimResult {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res, err := store.ClaimActions(context.Background(), p, 1)
		if err != nil {
			t.Fatalf("claim as %s: %v", p.Worker, err)
		}
		if len(res) == 1 {
			return res[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s claimed nothing within %s", p.Worker, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClaimActionsLeaseFencesLateWorker(t *testing.T) {
	f, o := webhookFixture(t)
	ctx := context.Background()
	// The lease must outlast the gap between the two claims below, which a
	// loaded machine under the race detector can stretch.
	a := policy("a", 2*time.Second, 5)
	b := policy("b", time.Minute, 5)

	first := claimWithin(t, f.Store, a, time.Second)
	if first.Finished || first.Claim.Attempt != 1 || first.Claim.OccurrenceID != o.ID {
		t.Fatalf("first claim = finished %v, attempt %d, occurrence %d; want a leased attempt 1 of occurrence %d",
			first.Finished, first.Claim.Attempt, first.Claim.OccurrenceID, o.ID)
	}
	if res, err := f.Store.ClaimActions(ctx, b, 1); err != nil || len(res) != 0 {
		t.Fatalf("claim during the lease = %+v, %v; want nothing", res, err)
	}

	second := claimWithin(t, f.Store, b, 10*time.Second)
	if second.Claim.Attempt != 2 {
		t.Errorf("claim after the lease: attempt %d, want 2", second.Claim.Attempt)
	}
	if _, err := f.Store.FinishAction(ctx, first.Claim, a, nil); !errors.Is(err, db.ErrLeaseLost) {
		t.Errorf("late finish of the first worker: %v, want ErrLeaseLost", err)
	}
	res, err := f.Store.FinishAction(ctx, second.Claim, b, nil)
	if err != nil {
		t.Fatalf("finish of the second worker: %v", err)
	}
	if res.Outcome != apitype.RunSucceeded {
		t.Errorf("outcome = %q, want succeeded", res.Outcome)
	}
	runs := readRuns(t, f, o.ID)
	if len(runs) != 1 || runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 2 {
		t.Errorf("runs = %s, want one succeeded run with 2 attempts", dump(runs))
	}
}

func TestClaimActionsDeadWhenLastLeaseEnds(t *testing.T) {
	f, o := webhookFixture(t)
	p := policy("a", 100*time.Millisecond, 1)
	claimWithin(t, f.Store, p, time.Second)

	res := claimWithin(t, f.Store, p, 5*time.Second)
	if !res.Finished || res.Outcome != apitype.RunDead {
		t.Fatalf("claim after the last lease ended = finished %v, outcome %q; want a dead run", res.Finished, res.Outcome)
	}
	runs, err := f.Store.OccurrenceActionRuns(context.Background(), f.Account.ID, o.CustomEventID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "the worker stopped during attempt 1 of 1 and its lease ended"
	if len(runs) != 1 || runs[0].Outcome != apitype.RunDead || runs[0].Attempts != 1 || runs[0].Error != want {
		t.Errorf("runs = %s, want one dead run, 1 attempt, error %q", dump(runs), want)
	}
	if runs[0].NextAttemptAt != nil {
		t.Errorf("next attempt of a dead run = %v, want none", runs[0].NextAttemptAt)
	}
}

func TestReleaseActionMakesRunDueAgain(t *testing.T) {
	f, o := webhookFixture(t)
	ctx := context.Background()
	p := policy("a", time.Hour, 3)
	first := claimWithin(t, f.Store, p, time.Second)
	if err := f.Store.ReleaseAction(ctx, first.Claim); err != nil {
		t.Fatalf("release: %v", err)
	}
	again := claimWithin(t, f.Store, p, time.Second)
	if again.Claim.Attempt != 1 {
		t.Errorf("attempt after release = %d, want 1: a released attempt does not count", again.Claim.Attempt)
	}
	if err := f.Store.ReleaseAction(ctx, first.Claim); !errors.Is(err, db.ErrLeaseLost) {
		t.Errorf("second release of the first claim: %v, want ErrLeaseLost", err)
	}
	if _, err := f.Store.FinishAction(ctx, first.Claim, p, nil); !errors.Is(err, db.ErrLeaseLost) {
		t.Errorf("finish of the released claim: %v, want ErrLeaseLost", err)
	}
	res, err := f.Store.FinishAction(ctx, again.Claim, p, errors.New("status 500"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != apitype.RunFailed {
		t.Errorf("outcome = %q, want failed", res.Outcome)
	}
	runs := readRuns(t, f, o.ID)
	if len(runs) != 1 || runs[0].Outcome != apitype.RunFailed || runs[0].Attempts != 1 {
		t.Errorf("runs = %s, want one failed run with 1 attempt", dump(runs))
	}
}

// TestClaimActionsLocksContactsInOrder claims two score changes, the
// higher contact's first, while another transaction holds that contact.
// The waiting claim must already hold the lower contact, because claims
// lock their contacts in id order before any action runs.
func TestClaimActionsLocksContactsInOrder(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode:     apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 1}}},
	})
	low := record(t, f, emailTrigger(f, "signed-up", "low@example.com"))
	high := record(t, f, emailTrigger(f, "signed-up", "high@example.com"))
	if low.ContactID >= high.ContactID {
		t.Fatalf("contact ids %d and %d: want the first below the second", low.ContactID, high.ContactID)
	}
	// The run of the higher contact becomes due first.
	if _, err := f.Store.DB().ExecContext(ctx, "UPDATE action_runs SET run_at = run_at - interval '1 minute' WHERE occurrence_id = ?", high.ID); err != nil {
		t.Fatal(err)
	}

	holder, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, "SELECT id FROM contacts WHERE id = ? FOR UPDATE", high.ContactID); err != nil {
		t.Fatal(err)
	}

	type claimed struct {
		results []*db.ClaimResult
		err     error
	}
	done := make(chan claimed, 1)
	go func() {
		res, err := f.Store.ClaimActions(ctx, policy("a", time.Minute, 5), 2)
		done <- claimed{res, err}
	}()

	// The claim waits for the held contact: a row lock, whose wait event
	// is "tuple" or "transactionid".
	waitLockWaiters(t, f, "t%", 1)

	_, err = f.Store.DB().ExecContext(ctx, "SELECT id FROM contacts WHERE id = ? FOR UPDATE NOWAIT", low.ContactID)
	if pqErr, ok := errors.AsType[*pq.Error](err); !ok || pqErr.Code != "55P03" {
		t.Errorf("locking the lower contact while the claim waits: %v; want lock_not_available (55P03), as the claim holds it", err)
	}

	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	c := <-done
	if c.err != nil {
		t.Fatalf("claim: %v", c.err)
	}
	if len(c.results) != 2 {
		t.Fatalf("claim returned %d results, want 2", len(c.results))
	}
	for _, res := range c.results {
		if res.Outcome != apitype.RunSucceeded {
			t.Errorf("run of occurrence %d: outcome %q (%v), want succeeded", res.Claim.OccurrenceID, res.Outcome, res.Err)
		}
	}
	var scores []int
	if err := f.Store.DB().NewRaw("SELECT lead_score FROM contacts WHERE id IN (?, ?) ORDER BY id", low.ContactID, high.ContactID).Scan(ctx, &scores); err != nil {
		t.Fatal(err)
	}
	if len(scores) != 2 || scores[0] != 1 || scores[1] != 1 {
		t.Errorf("lead scores = %v, want [1 1]", scores)
	}
}
