package actions_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// TestPoolCrashRetriesOnce stops a pool at once, as a crash would, while
// its webhook request hangs. A second pool takes the webhook over when
// the lease ends: the score action ran once and both webhook attempts
// carry one delivery id.
func TestPoolCrashRetriesOnce(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	firstArrived := make(chan struct{})
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			close(firstArrived)
			<-r.Context().Done()
		}
		return http.StatusOK
	})
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 5},
		apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL, Secret: "k"})
	o := record(t, f, "signed-up", "ann@example.com")

	cfg := testConfig()
	cfg.Lease = time.Second
	crashCtx, crash := context.WithCancel(context.Background())
	crashed, crashedLogs := startPool(t, crashCtx, f.Store, cfg)
	select {
	case <-firstArrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the first webhook request did not arrive within 10s")
	}
	crash()
	crashed.Stop()
	if !crashedLogs.contains(`msg="action run abandoned at once; another worker takes it when its lease ends"`) {
		t.Errorf("crashed pool did not log the abandoned run")
	}

	startPool(t, context.Background(), f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)

	if c := loadContact(t, f, o.ContactID); c.LeadScore != 5 {
		t.Errorf("lead score = %d, want 5: the score action ran once", c.LeadScore)
	}
	got := rc.received()
	if len(got) != 2 {
		t.Fatalf("deliveries = %d, want 2: the hung one and the retry", len(got))
	}
	if got[0].ID != got[1].ID || string(got[0].Body) != string(got[1].Body) {
		t.Errorf("retry sent id %q body %s, first attempt id %q body %s: want equal", got[1].ID, got[1].Body, got[0].ID, got[0].Body)
	}
	runs := occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 1 {
		t.Errorf("score run = %+v, want succeeded after 1 attempt", runs[0])
	}
	if runs[1].Outcome != apitype.RunSucceeded || runs[1].Attempts != 2 {
		t.Errorf("webhook run = %+v, want succeeded after 2 attempts", runs[1])
	}
}

// TestPoolCancelledDatabaseActionAppliesOnce stops a pool at once while
// its score action waits for a lock on the contact. The action's
// transaction rolls back, and another pool applies it once.
func TestPoolCancelledDatabaseActionAppliesOnce(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	onTheFly(t, f, event.ID, apitype.Action{Type: apitype.ActionAdjustScore, Delta: 5})
	o := record(t, f, "signed-up", "ann@example.com")

	blocker, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, "SELECT id FROM contacts WHERE id = ? FOR UPDATE", o.ContactID); err != nil {
		t.Fatal(err)
	}

	cfg := testConfig()
	cfg.Workers = 1
	crashCtx, crash := context.WithCancel(ctx)
	crashed, _ := startPool(t, crashCtx, f.Store, cfg)
	waitFor(t, 10*time.Second, "the worker to wait for the contact's lock", func() bool {
		var waiting int
		err := f.Store.DB().NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").
			Scan(ctx, &waiting)
		return err == nil && waiting > 0
	})
	crash()
	crashed.Stop()

	runs := occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunPending || runs[0].Attempts != 0 {
		t.Errorf("run after the crash = %+v, want pending with 0 attempts: the transaction rolled back", runs[0])
	}
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}

	startPool(t, ctx, f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)
	if c := loadContact(t, f, o.ContactID); c.LeadScore != 5 {
		t.Errorf("lead score = %d, want 5", c.LeadScore)
	}
	runs = occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 1 {
		t.Errorf("run = %+v, want succeeded after 1 attempt", runs[0])
	}
}

// TestPoolStopReleasesRunningWebhook stops a pool gracefully while its
// webhook request hangs past the shutdown grace: the run is released, so
// the next pool sends it at once and the attempt does not count.
func TestPoolStopReleasesRunningWebhook(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	firstArrived := make(chan struct{})
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			close(firstArrived)
			<-r.Context().Done()
		}
		return http.StatusOK
	})
	onTheFly(t, f, event.ID, apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL})
	o := record(t, f, "signed-up", "ann@example.com")

	cfg := testConfig()
	cfg.ShutdownGrace = 200 * time.Millisecond
	cfg.Lease = time.Hour
	stopped, logs := startPool(t, context.Background(), f.Store, cfg)
	select {
	case <-firstArrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the first webhook request did not arrive within 10s")
	}
	stopped.Stop()
	if !logs.contains(`msg="action run released at shutdown"`) {
		t.Errorf("pool did not log the released run")
	}
	runs := occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunPending || runs[0].Attempts != 0 || runs[0].NextAttemptAt == nil || time.Until(*runs[0].NextAttemptAt) > 0 {
		t.Fatalf("run after the stop = %+v, want pending, 0 attempts, due now", runs[0])
	}

	// The lease was an hour, so only the release lets this pool send now.
	startPool(t, context.Background(), f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)
	runs = occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 1 {
		t.Errorf("run = %+v, want succeeded after 1 attempt", runs[0])
	}
	if n := len(rc.received()); n != 2 {
		t.Errorf("deliveries = %d, want 2", n)
	}
}

// TestPoolBacksOffFailedClaims runs a pool on a closed database: each
// failed claim is logged with its count and doubles the wait.
func TestPoolBacksOffFailedClaims(t *testing.T) {
	_, url := dbtest.NewWithURL(t)
	closed, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	cfg := testConfig()
	cfg.Workers = 1
	cfg.PollInterval = 10 * time.Millisecond
	_, logs := startPool(t, context.Background(), db.NewStore(closed), cfg)

	waitFor(t, 10*time.Second, "the third failed claim", func() bool { return logs.contains("failures_in_a_row=3") })
	for _, line := range []string{"failures_in_a_row=1 retry_in=10ms", "failures_in_a_row=2 retry_in=20ms", "failures_in_a_row=3 retry_in=40ms"} {
		if !logs.contains(line) {
			t.Errorf("log has no line with %q", line)
		}
	}
}
