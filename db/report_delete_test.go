package db_test

import (
	"context"
	"testing"

	"customevents/db/dbtest"
)

// TestHardDeletesRemoveReportRows deletes a contact and an event with
// plain SQL, as an operator might, and checks that their daily and total
// report rows go with them, expired counts included, and that the other
// contact's report stays correct.
func TestHardDeletesRemoveReportRows(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	keptEvent := createEvent(t, f, "kept")
	deletedEvent := createEvent(t, f, "gone")
	annID := recordAll(t, f, "kept", []occurrence{
		{email: "ann@example.com", at: "2026-04-02T12:00:00Z"},
		{email: "bob@example.com", at: "2026-04-02T13:00:00Z"},
	})[0].ContactID
	recordAll(t, f, "gone", []occurrence{{email: "bob@example.com", at: "2026-04-02T14:00:00Z"}})
	// Retention leaves expired counts on the daily rows.
	if _, err := bdb.ExecContext(ctx, "UPDATE event_contact_days SET expired_events = 2"); err != nil {
		t.Fatal(err)
	}
	if got, want := totalsOf(report(t, f, keptEvent.ID, "2026-04-02", "2026-04-02")), (reportTotals{6, 2, 0, 0}); got != want {
		t.Fatalf("totals before the deletes = %+v, want %+v", got, want)
	}

	if _, err := bdb.ExecContext(ctx, "DELETE FROM contacts WHERE id = ?", annID); err != nil {
		t.Fatalf("delete contact: %v", err)
	}
	if n := dbtest.Count(t, bdb, "event_contact_days WHERE contact_id = "+itoa(annID)); n != 0 {
		t.Errorf("daily rows of the deleted contact = %d, want 0", n)
	}
	if n := dbtest.Count(t, bdb, "event_contact_totals WHERE contact_id = "+itoa(annID)); n != 0 {
		t.Errorf("total rows of the deleted contact = %d, want 0", n)
	}
	if got, want := totalsOf(report(t, f, keptEvent.ID, "2026-04-02", "2026-04-02")), (reportTotals{3, 1, 0, 0}); got != want {
		t.Errorf("totals after the contact delete = %+v, want %+v", got, want)
	}

	if _, err := bdb.ExecContext(ctx, "DELETE FROM custom_events WHERE id = ?", deletedEvent.ID); err != nil {
		t.Fatalf("delete event: %v", err)
	}
	if n := dbtest.Count(t, bdb, "event_contact_days WHERE custom_event_id = "+itoa(deletedEvent.ID)); n != 0 {
		t.Errorf("daily rows of the deleted event = %d, want 0", n)
	}
	if n := dbtest.Count(t, bdb, "event_contact_totals WHERE custom_event_id = "+itoa(deletedEvent.ID)); n != 0 {
		t.Errorf("total rows of the deleted event = %d, want 0", n)
	}
	if n := dbtest.Count(t, bdb, "event_contact_days WHERE custom_event_id = "+itoa(keptEvent.ID)); n != 1 {
		t.Errorf("daily rows of the kept event = %d, want 1", n)
	}
	if n := dbtest.Count(t, bdb, "event_contact_totals WHERE custom_event_id = "+itoa(keptEvent.ID)); n != 1 {
		t.Errorf("total rows of the kept event = %d, want 1", n)
	}
	checkRollups(t, f)
}

// TestContactDeleteDuringRebuild deletes a contact while a rebuild of
// the account's rollups is open, and checks that no report row of the
// contact is left once both have committed. The contact has expired
// counts, so its daily rows outlive its occurrences.
func TestContactDeleteDuringRebuild(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	event := createEvent(t, f, "demo")
	expireOld(t, f, "demo", []occurrence{{email: "ann@example.com", at: "2024-01-10T10:00:00Z"}})
	annID := recordAll(t, f, "demo", []occurrence{
		{email: "ann@example.com", at: "2026-04-02T12:00:00Z"},
		{email: "ann@example.com", at: "2026-04-03T12:00:00Z"},
		{email: "bob@example.com", at: "2026-04-02T13:00:00Z"},
	})[0].ContactID

	rebuild, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuild.Rollback()
	if _, err := rebuild.ExecContext(ctx, "SELECT report_rebuild_account(?)", f.Account.ID); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	deleted := make(chan error, 1)
	go func() {
		_, err := bdb.ExecContext(ctx, "DELETE FROM contacts WHERE id = ?", annID)
		deleted <- err
	}()
	waitSessions(t, f, 1, "waiting for a lock", "wait_event_type = 'Lock'")
	if err := rebuild.Commit(); err != nil {
		t.Fatalf("commit the rebuild: %v", err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("delete contact: %v", err)
	}

	for _, table := range []string{"event_contact_days", "event_contact_totals", "event_contact_day_links"} {
		if n := dbtest.Count(t, bdb, table+" WHERE contact_id = "+itoa(annID)); n != 0 {
			t.Errorf("%s rows of the deleted contact = %d, want 0", table, n)
		}
	}
	if got, want := totalsOf(report(t, f, event.ID, "2026-04-02", "2026-04-03")), (reportTotals{1, 1, 0, 0}); got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	checkRollups(t, f)
}
