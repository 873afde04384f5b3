package db_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func beaconTrigger(f *dbtest.Fixture, slug, visitorID string) db.Trigger {
	return db.Trigger{AccountID: f.Account.ID, Slug: slug, VisitorID: visitorID, Source: db.SourceBeacon}
}

func TestIdentifyMergesIntoKnownContact(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "watched-demo-video")
	const visitor = "0123456789abcdef0123456789abcdef"

	known, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "ann@example.com", Source: db.SourceAPI, Contact: db.ContactFields{FirstName: "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	anon, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "watched-demo-video", visitor))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "watched-demo-video", visitor)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.DB().NewRaw("UPDATE contacts SET company = 'Acme', first_name = 'Anon' WHERE id = ?", anon.ContactID).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	days := apitype.LastDays(known.OccurredAt, f.Account.Location(), 1)
	before, err := f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if before.UniqueContacts != 2 {
		t.Fatalf("unique contacts before identify = %d, want 2", before.UniqueContacts)
	}

	got, err := f.Store.Identify(ctx, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com", Fields: db.ContactFields{LastName: "Lee", Company: "Other"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != known.ContactID {
		t.Errorf("identified contact = %d, want the known contact %d", got, known.ContactID)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1 after the merge", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences WHERE contact_id = "+itoa(known.ContactID)); n != 3 {
		t.Errorf("occurrences of the known contact = %d, want 3", n)
	}
	var c db.Contact
	if err := f.Store.DB().NewSelect().Model(&c).Where("id = ?", known.ContactID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Ann" {
		t.Errorf("first name = %q, want the known contact's %q", c.FirstName, "Ann")
	}
	if c.Company != "Acme" {
		t.Errorf("company = %q, want %q from the anonymous contact", c.Company, "Acme")
	}
	if c.LastName != "Lee" {
		t.Errorf("last name = %q, want %q from identify", c.LastName, "Lee")
	}

	after, err := f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if after.EventsTriggered != 3 {
		t.Errorf("events triggered = %d, want 3", after.EventsTriggered)
	}
	if after.UniqueContacts != 1 {
		t.Errorf("unique contacts = %d, want 1", after.UniqueContacts)
	}

	// Later beacon events of the visitor land on the known contact.
	next, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "watched-demo-video", visitor))
	if err != nil {
		t.Fatal(err)
	}
	if next.ContactID != known.ContactID {
		t.Errorf("next event contact = %d, want %d", next.ContactID, known.ContactID)
	}
}

func TestIdentifyNewEmailKeepsAnonymousID(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const visitor = "fedcba9876543210fedcba9876543210"
	anon, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor))
	if err != nil {
		t.Fatal(err)
	}

	got, err := f.Store.Identify(ctx, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "bob@example.com", Fields: db.ContactFields{FirstName: "Bob"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != anon.ContactID {
		t.Errorf("contact = %d, want the anonymous contact %d to become known", got, anon.ContactID)
	}
	var c db.Contact
	if err := f.Store.DB().NewSelect().Model(&c).Where("id = ?", got).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Email == nil || *c.Email != "bob@example.com" {
		t.Errorf("email = %v, want bob@example.com", c.Email)
	}
	if c.FirstName != "Bob" {
		t.Errorf("first name = %q, want Bob", c.FirstName)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
}

func TestIdentifyUnseenVisitor(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const visitor = "00000000000000000000000000000001"

	id, err := f.Store.Identify(ctx, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "cy@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	occ, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor))
	if err != nil {
		t.Fatal(err)
	}
	if occ.ContactID != id {
		t.Errorf("event contact = %d, want identified contact %d", occ.ContactID, id)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}

// TestIdentifyRacingEventKeepsEvent fires an event of a visitor while the
// visitor is identified and its anonymous contact merged away: the event
// must land on the known contact, never fail on the deleted one.
func TestIdentifyRacingEventKeepsEvent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const rounds = 60
	for round := range rounds {
		visitor := fmt.Sprintf("%032x", round+1)
		email := fmt.Sprintf("race%d@example.com", round)
		if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: email, Source: db.SourceAPI}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor)); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		var eventErr, identifyErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, eventErr = f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor))
		}()
		go func() {
			defer wg.Done()
			_, identifyErr = f.Store.Identify(ctx, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: email})
		}()
		wg.Wait()
		if eventErr != nil {
			t.Fatalf("round %d: event racing identify failed: %v", round, eventErr)
		}
		if identifyErr != nil {
			t.Fatalf("round %d: identify failed: %v", round, identifyErr)
		}
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 3*rounds {
		t.Errorf("occurrences = %d, want %d", got, 3*rounds)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != rounds {
		t.Errorf("contacts = %d, want %d known ones after the merges", got, rounds)
	}
}
