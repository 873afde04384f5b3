package db_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"customevents/db"
	"customevents/db/dbtest"
)

// TestBulkVisitorAfterErasureTakesLock erases the contact behind visitor V
// while a batch of record_simple_triggers waits in its lock statement with
// V's advisory lock taken. The batch may create V again only because it
// holds that lock: a concurrent first event of V then waits for the batch
// and reuses V instead of failing on the visitors primary key.
func TestBulkVisitorAfterErasureTakesLock(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const erased = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const fresh = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	const blocked = "cccccccccccccccccccccccccccccccc"
	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: erased, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	releaseContact := blockVisitorContact(t, f, blocked)
	defer releaseContact()

	// Hold the advisory lock of the fresh visitor, so the batch stops in
	// its lock statement. It locks ids in order, so it holds V's lock.
	lockTx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lockTx.Rollback()
	if _, err := lockTx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, hashtext(?))", f.Account.ID, fresh); err != nil {
		t.Fatal(err)
	}

	batchErrs := make(chan []error, 1)
	go func() {
		_, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
			beaconTrigger(f, "signup", erased), beaconTrigger(f, "signup", fresh), beaconTrigger(f, "signup", blocked),
		})
		batchErrs <- errs
	}()
	waitLockWaiters(t, f, "advisory", 1)

	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", "test"); err != nil {
		t.Fatal(err)
	}
	lockTx.Rollback()
	// The batch has inserted its visitors and now waits for the blocked
	// visitor's contact.
	waitLockWaiters(t, f, "t%", 1)

	single := make(chan error, 1)
	go func() {
		_, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", erased))
		single <- err
	}()
	// Either the event is stored at once, or it waits for the batch, on
	// V's advisory lock or on a row.
	var singleErr error
	singleDone := false
	deadline := time.Now().Add(30 * time.Second)
	for !singleDone {
		select {
		case singleErr = <-single:
			singleDone = true
			continue
		default:
		}
		if countSessions(t, f, "wait_event_type = 'Lock'") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the event neither finished nor waited after 30s")
		}
		runtime.Gosched()
	}
	releaseContact()
	if !singleDone {
		singleErr = <-single
	}

	for i, err := range <-batchErrs {
		if err != nil {
			t.Errorf("batch trigger %d: %v", i, err)
		}
	}
	if singleErr != nil {
		t.Errorf("event of the re-created visitor: %v", singleErr)
	}
	if got := dbtest.Count(t, f.Store.DB(), "visitors WHERE id = '"+erased+"'"); got != 1 {
		t.Errorf("visitors %s = %d, want 1", erased, got)
	}
}

// TestBulkVisitorDuringMergeLandsOnKnown records a batch for a visitor
// whose anonymous contact Identify is merging: the batch waits for the
// merge and then stores the event on the known contact.
func TestBulkVisitorDuringMergeLandsOnKnown(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const visitor = "dddddddddddddddddddddddddddddddd"
	known, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	anonymous, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor))
	if err != nil {
		t.Fatal(err)
	}

	// Identify locks the anonymous contact, then waits here for the known one.
	holdKnown, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holdKnown.Rollback()
	if _, err := holdKnown.ExecContext(ctx, "SELECT 1 FROM contacts WHERE id = ? FOR UPDATE", known.ContactID); err != nil {
		t.Fatal(err)
	}
	identifyErr := make(chan error, 1)
	go func() {
		_, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"})
		identifyErr <- err
	}()
	waitLockWaiters(t, f, "t%", 1)

	type result struct {
		occurrences []*db.EventOccurrence
		errs        []error
	}
	batch := make(chan result, 1)
	go func() {
		occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{beaconTrigger(f, "signup", visitor)})
		batch <- result{occurrences, errs}
	}()
	// The batch waits for the visitor's lock, which Identify holds.
	waitLockWaiters(t, f, "advisory", 1)
	holdKnown.Rollback()

	if err := <-identifyErr; err != nil {
		t.Fatal(err)
	}
	got := <-batch
	if got.errs[0] != nil {
		t.Fatalf("batch: %v", got.errs[0])
	}
	if got.occurrences[0].ContactID != known.ContactID {
		t.Errorf("contact = %d, want the known contact %d (anonymous was %d)", got.occurrences[0].ContactID, known.ContactID, anonymous.ContactID)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 3 {
		t.Errorf("occurrences = %d, want 3", n)
	}
}

// TestBulkNewVisitorTwoBatches races two batches with the same new visitor:
// the second waits for the first and reuses its contact.
func TestBulkNewVisitorTwoBatches(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const visitor = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	const blocked = "ffffffffffffffffffffffffffffffff"
	release := blockVisitorContact(t, f, blocked)
	defer release()

	type result struct {
		occurrences []*db.EventOccurrence
		errs        []error
	}
	first := make(chan result, 1)
	go func() {
		o, e := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{beaconTrigger(f, "signup", visitor), beaconTrigger(f, "signup", blocked)})
		first <- result{o, e}
	}()
	waitLockWaiters(t, f, "t%", 1)
	second := make(chan result, 1)
	go func() {
		o, e := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{beaconTrigger(f, "signup", visitor)})
		second <- result{o, e}
	}()
	waitLockWaiters(t, f, "advisory", 1)
	release()

	a, b := <-first, <-second
	for _, r := range []result{a, b} {
		for i, err := range r.errs {
			if err != nil {
				t.Fatalf("trigger %d: %v", i, err)
			}
		}
	}
	if a.occurrences[0].ContactID != b.occurrences[0].ContactID {
		t.Errorf("contacts = %d and %d, want one", a.occurrences[0].ContactID, b.occurrences[0].ContactID)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 2 {
		t.Errorf("contacts = %d, want 2", n)
	}
}
