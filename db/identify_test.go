package db_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

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

	// Two days, so that midnight between the calls above moves no event
	// out of the range.
	days := apitype.LastDays(time.Now(), f.Account.Location(), 2)
	before, err := f.Store.EventStats(ctx, f.Account, event.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	if before.UniqueContacts != 2 {
		t.Fatalf("unique contacts before identify = %d, want 2", before.UniqueContacts)
	}

	got, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com", Fields: db.ContactFields{LastName: "Lee", Company: "Other"}})
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

	got, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "bob@example.com", Fields: db.ContactFields{FirstName: "Bob"}})
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

	id, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "cy@example.com",
		Fields: db.ContactFields{FirstName: "Cy", Company: "Acme"}})
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
	checkFields := func(when, first, last, company string) {
		t.Helper()
		var c db.Contact
		if err := f.Store.DB().NewSelect().Model(&c).Where("id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if c.FirstName != first {
			t.Errorf("%s: first name = %q, want %q", when, c.FirstName, first)
		}
		if c.LastName != last {
			t.Errorf("%s: last name = %q, want %q", when, c.LastName, last)
		}
		if c.Company != company {
			t.Errorf("%s: company = %q, want %q", when, c.Company, company)
		}
	}
	checkFields("after the first identify", "Cy", "", "Acme")

	// The visitor is known now: another identify fills only empty fields.
	again, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "cy@example.com",
		Fields: db.ContactFields{FirstName: "Cyril", LastName: "Young", Company: "Other"}})
	if err != nil {
		t.Fatal(err)
	}
	if again != id {
		t.Errorf("second identify contact = %d, want %d", again, id)
	}
	checkFields("after the second identify", "Cy", "Young", "Acme")
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
			_, identifyErr = f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: email})
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

// TestIdentifyMergesActionState merges an anonymous contact with lists,
// tags, a score, custom fields and an action run into a known contact:
// memberships unite, scores add up, empty fields fill, and the runs and
// frequency gates follow the occurrences.
func TestIdentifyMergesActionState(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	event := createEvent(t, f, "watched-demo-video")
	createEvent(t, f, "other")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 30,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "watched"}}},
	})
	const visitor = "0123456789abcdef0123456789abcdef"
	shared := dbtest.CreateList(t, bdb, f.Account.ID, "Shared")
	anonOnly := dbtest.CreateList(t, bdb, f.Account.ID, "Anonymous only")
	knownOnly := dbtest.CreateList(t, bdb, f.Account.ID, "Known only")

	known := record(t, f, emailTrigger(f, "other", "ann@example.com"))
	anonTrigger := beaconTrigger(f, "watched-demo-video", visitor)
	anonTrigger.OccurredAt = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	anon := record(t, f, anonTrigger)
	exec(t, f, `UPDATE contacts SET first_name = 'Ann', job_title = '', lead_score = 10, lifecycle_stage = 'lead',
		custom_fields = '{"size": "50", "region": "", "source": "ads"}' WHERE id = ?`, known.ContactID)
	exec(t, f, `UPDATE contacts SET first_name = 'Anon', company = 'Acme', job_title = 'CTO', lead_score = 5, lifecycle_stage = 'mql',
		custom_fields = '{"size": "10", "region": "EU", "plan": "pro", "source": ""}' WHERE id = ?`, anon.ContactID)
	exec(t, f, "INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)",
		f.Account.ID, shared, known.ContactID, f.Account.ID, knownOnly, known.ContactID,
		f.Account.ID, shared, anon.ContactID, f.Account.ID, anonOnly, anon.ContactID)
	exec(t, f, "INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'both'), (?, ?, 'known'), (?, ?, 'both'), (?, ?, 'anon')",
		f.Account.ID, known.ContactID, f.Account.ID, known.ContactID, f.Account.ID, anon.ContactID, f.Account.ID, anon.ContactID)

	got, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got != known.ContactID {
		t.Fatalf("identified contact = %d, want %d", got, known.ContactID)
	}

	var c db.Contact
	if err := bdb.NewSelect().Model(&c).Where("id = ?", known.ContactID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Ann" || c.Company != "Acme" || c.JobTitle != "CTO" {
		t.Errorf("first name, company, job title = %q, %q, %q; want Ann, Acme, CTO", c.FirstName, c.Company, c.JobTitle)
	}
	if c.LeadScore != 15 {
		t.Errorf("lead score = %d, want 10 + 5 = 15", c.LeadScore)
	}
	if c.LifecycleStage != "lead" {
		t.Errorf("lifecycle stage = %q, want the known contact's lead", c.LifecycleStage)
	}
	wantFields := map[string]string{"size": "50", "region": "EU", "source": "ads", "plan": "pro"}
	if !reflect.DeepEqual(c.CustomFields, wantFields) {
		t.Errorf("custom fields = %v, want %v", c.CustomFields, wantFields)
	}
	var lists []int64
	if err := bdb.NewRaw("SELECT list_id FROM contact_list_members WHERE contact_id = ? ORDER BY list_id", known.ContactID).Scan(ctx, &lists); err != nil {
		t.Fatal(err)
	}
	if want := []int64{shared, anonOnly, knownOnly}; !reflect.DeepEqual(lists, want) {
		t.Errorf("lists = %v, want %v", lists, want)
	}
	var tags []string
	if err := bdb.NewRaw("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag", known.ContactID).Scan(ctx, &tags); err != nil {
		t.Fatal(err)
	}
	if want := []string{"anon", "both", "known"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags = %v, want %v", tags, want)
	}
	if n := dbtest.Count(t, bdb, "contact_list_members"); n != 3 {
		t.Errorf("list memberships = %d, want 3: the anonymous contact's went with it", n)
	}

	runs, err := f.Store.ContactActionRuns(ctx, f.Account.ID, known.ContactID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].OccurrenceID != anon.ID || runs[0].ActionType != apitype.ActionAddTag {
		t.Errorf("runs of the known contact = %+v, want the add_tag run of occurrence %d", runs, anon.ID)
	}
	// The anonymous contact's gate moved: ten days later is within 30.
	again := emailTrigger(f, "watched-demo-video", "ann@example.com")
	again.OccurredAt = anonTrigger.OccurredAt.Add(10 * 24 * time.Hour)
	later := record(t, f, again)
	if n := dbtest.Count(t, bdb, "action_jobs WHERE occurrence_id = "+itoa(later.ID)); n != 0 {
		t.Errorf("jobs of the occurrence 10 days after the merged one = %d, want 0", n)
	}
}

// An identify that gives an anonymous contact an email which another
// transaction is creating at that moment merges into that contact once
// it commits, instead of failing on the email's unique index. It logs the
// retry with the ids and without the email.
func TestIdentifyWhileEmailIsCreated(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const visitor = "0a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0d"
	anon, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor))
	if err != nil {
		t.Fatal(err)
	}

	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var knownID int64
	if err := tx.NewRaw("INSERT INTO contacts (account_id, email, first_name) VALUES (?, 'new@example.com', 'Nia') RETURNING id",
		f.Account.ID).Scan(ctx, &knownID); err != nil {
		t.Fatal(err)
	}

	type result struct {
		id  int64
		err error
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	done := make(chan result, 1)
	go func() {
		id, err := f.Store.Identify(ctx, log, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "new@example.com"})
		done <- result{id, err}
	}()
	// The identify waits for the uncommitted contact's index entry.
	waitSessions(t, f, 1, "waiting for the new contact", "wait_event_type = 'Lock' AND wait_event = 'transactionid'")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("identify: %v", res.err)
	}
	if res.id != knownID {
		t.Errorf("contact = %d, want the new contact %d", res.id, knownID)
	}
	var owners []int64
	if err := f.Store.DB().NewRaw("SELECT contact_id FROM event_occurrences WHERE id = ?", anon.ID).Scan(ctx, &owners); err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 || owners[0] != knownID {
		t.Errorf("the anonymous event belongs to %v, want [%d]", owners, knownID)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 1 {
		t.Errorf("contacts = %d, want 1", n)
	}

	if strings.Contains(logs.String(), "new@example.com") {
		t.Errorf("log contains the email:\n%s", logs.String())
	}
	var records []map[string]any
	for line := range strings.Lines(logs.String()) {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		delete(record, "time")
		records = append(records, record)
	}
	want := []map[string]any{{
		"level":        "INFO",
		"msg":          "identify retried because another transaction gave the email to a contact first",
		"account_id":   float64(f.Account.ID),
		"contact_id":   float64(anon.ContactID),
		"attempt":      2.0,
		"max_attempts": 8.0,
		"error":        fmt.Sprintf(`set email of contact %d: pq: duplicate key value violates unique constraint "contacts_email_key" (23505)`, anon.ContactID),
	}}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("log records =\n%v\nwant\n%v", records, want)
	}
}

// contactColumns returns, as "table.column", every column of a table of
// the public schema that holds contact ids: those whose name contains
// contact_id, and those with a foreign key to contacts.
func contactColumns(t *testing.T, bdb *bun.DB) []string {
	t.Helper()
	var columns []string
	err := bdb.NewRaw(`
		SELECT c.table_name || '.' || c.column_name
		FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.column_name LIKE '%contact\_id%'
		UNION
		SELECT cl.relname || '.' || a.attname
		FROM pg_constraint k
		JOIN pg_class cl ON cl.oid = k.conrelid
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
		WHERE k.contype = 'f' AND k.confrelid = 'contacts'::regclass
		ORDER BY 1`).Scan(context.Background(), &columns)
	if err != nil {
		t.Fatal(err)
	}
	return columns
}

// receiptContactIDs keeps the contact ids that the server returned for a
// batch of triggers, for a few minutes, so that a caller whose reply was
// lost gets the same reply. It is a copy of a reply, not a reference
// that a merge moves.
const receiptContactIDs = "ingest_receipts.contact_ids"

// rowsOfContact returns the columns of contactColumns that hold id in
// some row, with the number of such rows.
func rowsOfContact(t *testing.T, bdb *bun.DB, id int64) map[string]int {
	t.Helper()
	found := map[string]int{}
	for _, column := range contactColumns(t, bdb) {
		if column == receiptContactIDs {
			continue
		}
		table, name, _ := strings.Cut(column, ".")
		var n int
		if err := bdb.NewRaw("SELECT count(*) FROM ? WHERE ? = ?", bun.Ident(table), bun.Ident(name), id).Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			found[column] = n
		}
	}
	return found
}

// A merge leaves no row in any table that refers to the anonymous
// contact, and every column that holds contact ids is on the list of
// columns that the merge moves. A table added later with such a column fails here until the
// merge in Identify moves its rows and the column joins the list.
func TestIdentifyMergeLeavesNoReference(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	want := []string{
		"action_frequency.contact_id",
		"contact_list_members.contact_id",
		"contact_tags.contact_id",
		"event_contact_day_links.contact_id",
		"event_contact_days.contact_id",
		"event_contact_totals.contact_id",
		"event_occurrences.contact_id",
		receiptContactIDs,
		"visitors.contact_id",
	}
	if got := contactColumns(t, bdb); !reflect.DeepEqual(got, want) {
		t.Fatalf("columns that hold contact ids =\n%q\nwant\n%q", got, want)
	}

	event := createEvent(t, f, "watched-demo-video")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 30,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "watched"}}},
	})
	const visitor = "0123456789abcdef0123456789abcdef"
	list := dbtest.CreateList(t, bdb, f.Account.ID, "Visitors")
	// The known contact's event and the visitor's last one share a time,
	// and so a day, also when midnight falls between the calls.
	now := time.Now()
	knownTrigger := emailTrigger(f, "watched-demo-video", "ann@example.com")
	knownTrigger.OccurredAt = now
	known := record(t, f, knownTrigger)
	anonTrigger := beaconTrigger(f, "watched-demo-video", visitor)
	anonTrigger.OccurredAt = now.Add(-48 * time.Hour)
	anon := record(t, f, anonTrigger)
	lastTrigger := beaconTrigger(f, "watched-demo-video", visitor)
	lastTrigger.OccurredAt = now
	record(t, f, lastTrigger)
	exec(t, f, "INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?)", f.Account.ID, list, anon.ContactID)
	exec(t, f, "INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'early')", f.Account.ID, anon.ContactID)
	// A second browser of the same visitor, which Identify does not name.
	exec(t, f, "INSERT INTO visitors (account_id, id, contact_id) VALUES (?, 'fedcba9876543210fedcba9876543210', ?)", f.Account.ID, anon.ContactID)

	// Every column refers to the anonymous contact before the merge, so
	// the check after it covers them all.
	before := rowsOfContact(t, bdb, anon.ContactID)
	for _, column := range want {
		if before[column] == 0 && column != receiptContactIDs {
			t.Errorf("before the merge, %s has no row of the anonymous contact", column)
		}
	}

	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if after := rowsOfContact(t, bdb, anon.ContactID); len(after) != 0 {
		t.Errorf("rows left with the merged contact's id: %v", after)
	}
	// Deleting the anonymous contact would also have removed rows that the
	// merge failed to move, through ON DELETE CASCADE, so the known
	// contact's rows are counted too.
	wantKnown := map[string]int{
		"action_frequency.contact_id":        1,
		"contact_list_members.contact_id":    1,
		"contact_tags.contact_id":            1,
		"event_contact_day_links.contact_id": 1,
		"event_contact_days.contact_id":      2,
		"event_contact_totals.contact_id":    1,
		"event_occurrences.contact_id":       3,
		"visitors.contact_id":                2,
	}
	if got := rowsOfContact(t, bdb, known.ContactID); !reflect.DeepEqual(got, wantKnown) {
		t.Errorf("rows of the known contact = %v, want %v", got, wantKnown)
	}
}

// TestIdentifyDuringEventBatches identifies visitors while their events
// go through the ingester, whose batches lock the contacts of their
// visitors in no fixed order. Each identify merges an anonymous contact
// into the round's known one, so a deadlock that Identify did not retry
// would leave an anonymous contact behind.
func TestIdentifyDuringEventBatches(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	t.Cleanup(f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64}))
	const rounds, visitorsPerRound = 10, 12
	for round := range rounds {
		email := fmt.Sprintf("round%d@example.com", round)
		visitors := make([]string, visitorsPerRound)
		for i := range visitors {
			visitors[i] = fmt.Sprintf("%016x%016x", round+1, i+1)
			record(t, f, beaconTrigger(f, "signup", visitors[i]))
		}
		var wg sync.WaitGroup
		for _, visitor := range visitors {
			wg.Go(func() {
				if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: email}); err != nil {
					t.Errorf("round %d: identify %s: %v", round, visitor, err)
				}
			})
			for range 2 {
				wg.Go(func() {
					if _, err := f.Store.RecordEvent(ctx, beaconTrigger(f, "signup", visitor)); err != nil {
						t.Errorf("round %d: event of %s: %v", round, visitor, err)
					}
				})
			}
		}
		wg.Wait()
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NULL"); n != 0 {
		t.Errorf("anonymous contacts left = %d, want 0", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != rounds {
		t.Errorf("contacts = %d, want %d", n, rounds)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != rounds*visitorsPerRound*3 {
		t.Errorf("occurrences = %d, want %d", n, rounds*visitorsPerRound*3)
	}
}

// TestIdentifySwappedEmailsAtOnce has two visitors, known as each other's
// email, identify as the other one at the same time, as two people who
// share two computers. Both calls lock the same two contacts in opposite
// order.
func TestIdentifySwappedEmailsAtOnce(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	const first, second = "0000000000000000000000000000000a", "0000000000000000000000000000000b"
	emails := [2]string{"one@example.com", "two@example.com"}
	for i, visitor := range []string{first, second} {
		if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: emails[i]}); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 40 {
		var wg sync.WaitGroup
		for i, visitor := range []string{first, second} {
			email := emails[(i+round+1)%2]
			wg.Go(func() {
				if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: email}); err != nil {
					t.Errorf("round %d: identify %s as %s: %v", round, visitor, email, err)
				}
			})
		}
		wg.Wait()
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 2 {
		t.Errorf("contacts = %d, want 2", n)
	}
}
