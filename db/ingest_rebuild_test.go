package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// lockedReplyTimeout bounds how long these tests wait for a call that
// must not wait for the locked account. It detects a failure and never
// orders the steps of a passing run.
const lockedReplyTimeout = 30 * time.Second

// lockForTimeZoneChange changes the account's time zone in a transaction
// that it returns open, so that the account stays locked as in a long
// recount of its rollups. The caller commits or rolls it back, before it
// stops an ingester that may wait for the account.
func lockForTimeZoneChange(t *testing.T, f *dbtest.Fixture, accountID int64, zone string) bun.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET time_zone = ? WHERE id = ?", zone, accountID); err != nil {
		t.Fatal(err)
	}
	return tx
}

// blockContactOf records an event of a new visitor of the account and
// starts a transaction that locks that visitor's contact FOR UPDATE, so
// that a batch with another event of the visitor waits until release.
func blockContactOf(t *testing.T, f *dbtest.Fixture, accountID int64, slug, visitor string) (release func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: accountID, Slug: slug, VisitorID: visitor, Source: db.SourceBeacon}); err != nil {
		t.Fatal(err)
	}
	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT 1 FROM contacts c JOIN visitors v ON v.contact_id = c.id WHERE v.account_id = ? AND v.id = ? FOR UPDATE OF c", accountID, visitor); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// addAccountWithEvent creates a second account with a custom event of the
// slug and returns the account's id.
func addAccountWithEvent(t *testing.T, f *dbtest.Fixture, slug string) int64 {
	t.Helper()
	id := f.AddAccount(t, "Other")
	if _, err := f.Store.CreateCustomEvent(context.Background(), id, apitype.CustomEventInput{Name: "Event " + slug, Slug: slug}); err != nil {
		t.Fatal(err)
	}
	return id
}

type triggerResult struct {
	name       string
	occurrence *db.EventOccurrence
	err        error
}

func recordAsync(f *dbtest.Fixture, name string, trigger db.Trigger, results chan<- triggerResult) {
	go func() {
		occurrence, err := f.Store.RecordEvent(context.Background(), trigger)
		results <- triggerResult{name: name, occurrence: occurrence, err: err}
	}()
}

// receiveResults returns the next n results by name, and fails the test
// when they do not arrive within lockedReplyTimeout.
func receiveResults(t *testing.T, results <-chan triggerResult, n int) map[string]triggerResult {
	t.Helper()
	got := make(map[string]triggerResult, n)
	timeout := time.After(lockedReplyTimeout)
	for len(got) < n {
		select {
		case res := <-results:
			if res.err != nil {
				t.Fatalf("%s: %v", res.name, res.err)
			}
			got[res.name] = res
		case <-timeout:
			t.Fatalf("received %d of %d results within %s: %v", len(got), n, lockedReplyTimeout, got)
		}
	}
	return got
}

func countOccurrences(t *testing.T, f *dbtest.Fixture, accountID int64) int {
	t.Helper()
	var n int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM event_occurrences WHERE account_id = ?", accountID).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIngesterWritesAroundLockedAccount holds a time zone change of the
// fixture account open while a single worker gets batches that mix its
// triggers with another account's. The other account's triggers are
// stored and acknowledged at once. The locked account's triggers wait,
// and are stored once the change commits, counted in the new zone.
func TestIngesterWritesAroundLockedAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signup")
	other := addAccountWithEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()
	recordAll(t, f, "signup", []occurrence{{email: "ann@example.com", at: "2026-06-16T01:00:00Z"}})
	const blocked = "0000000000000000000000000000000d"
	release := blockContactOf(t, f, other, "signup", blocked)
	defer release()
	zoneChange := lockForTimeZoneChange(t, f, f.Account.ID, "America/New_York")
	defer zoneChange.Rollback()
	at := func(text string) time.Time { return mustTime(t, text) }
	otherResults := make(chan triggerResult, 8)
	lockedResults := make(chan triggerResult, 8)

	// The worker's first batch waits for the blocked contact, so the
	// next five calls form its second batch. Three of them carry an
	// idempotency key or contact fields, so that batch is a transaction.
	recordAsync(f, "other blocked", db.Trigger{AccountID: other, Slug: "signup", VisitorID: blocked, Source: db.SourceBeacon}, otherResults)
	waitLockWaiters(t, f, "t%", 1)
	recordAsync(f, "locked visitor", db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: "000000000000000000000000000000a1",
		Source: db.SourceBeacon, OccurredAt: at("2026-06-16T02:00:00Z")}, lockedResults)
	recordAsync(f, "locked keyed", db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com",
		Source: db.SourceAPI, OccurredAt: at("2026-06-16T05:00:00Z"), IdempotencyKey: "bob-1"}, lockedResults)
	recordAsync(f, "other visitor", db.Trigger{AccountID: other, Slug: "signup", VisitorID: "000000000000000000000000000000b1", Source: db.SourceBeacon}, otherResults)
	recordAsync(f, "other keyed", db.Trigger{AccountID: other, Slug: "signup", Email: "cy@example.com", Source: db.SourceAPI, IdempotencyKey: "cy-1"}, otherResults)
	recordAsync(f, "other fields", db.Trigger{AccountID: other, Slug: "signup", Email: "di@example.com", Source: db.SourceAPI,
		Contact: db.ContactFields{FirstName: "Di"}}, otherResults)
	waitIngest(t, f, "6 waiting calls", func(s db.IngestStats) bool { return s.Waiting == 6 })
	release()

	receiveResults(t, otherResults, 4)
	waitIngest(t, f, "2 triggers set aside", func(s db.IngestStats) bool { return s.AwaitingRebuild == 2 })

	// A batch of simple triggers alone, which the worker writes as one
	// statement outside a transaction.
	recordAsync(f, "locked email", db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com",
		Source: db.SourceAPI, OccurredAt: at("2026-06-16T03:00:00Z")}, lockedResults)
	waitIngest(t, f, "3 triggers set aside", func(s db.IngestStats) bool { return s.AwaitingRebuild == 3 })
	recordAsync(f, "other email", db.Trigger{AccountID: other, Slug: "signup", Email: "cy@example.com", Source: db.SourceAPI}, otherResults)
	receiveResults(t, otherResults, 1)

	select {
	case res := <-lockedResults:
		t.Fatalf("%s returned while its account was locked: occurrence %+v, error %v", res.name, res.occurrence, res.err)
	default:
	}
	if got := countOccurrences(t, f, other); got != 6 {
		t.Errorf("occurrences of the other account = %d, want 6", got)
	}

	if err := zoneChange.Commit(); err != nil {
		t.Fatal(err)
	}
	locked := receiveResults(t, lockedResults, 3)
	if stats := f.Store.IngestStats(); stats.AwaitingRebuild != 0 {
		t.Errorf("locked triggers after the commit = %d, want 0", stats.AwaitingRebuild)
	}
	if got := countOccurrences(t, f, f.Account.ID); got != 4 {
		t.Errorf("occurrences of the locked account = %d, want 4", got)
	}

	// The keyed trigger was stored once: sending it again returns it.
	again, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com",
		Source: db.SourceAPI, OccurredAt: at("2026-06-16T05:00:00Z"), IdempotencyKey: "bob-1"})
	if err != nil {
		t.Fatal(err)
	}
	if first := locked["locked keyed"].occurrence.ID; again.ID != first {
		t.Errorf("keyed trigger sent again: occurrence %d, want %d", again.ID, first)
	}

	// 01:00, 02:00 and 03:00 UTC fall on 06-15 in New York, 05:00 on 06-16.
	f.Account.TimeZone = "America/New_York"
	wantByDay(t, report(t, f, event.ID, "2026-06-15", "2026-06-16"), []db.DayCount{
		{Date: "2026-06-15", Count: 3, UniqueContacts: 2},
		{Date: "2026-06-16", Count: 1, UniqueContacts: 1},
	})
	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-06-15..2026-06-16")
	checkRollups(t, f)
}

// TestIngesterStopEndsLockedWait stops the ingester while a trigger waits
// for its locked account: stopping returns without the lock, the trigger
// fails, and nothing of it is stored.
func TestIngesterStopEndsLockedWait(t *testing.T) {
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	zoneChange := lockForTimeZoneChange(t, f, f.Account.ID, "Europe/Berlin")
	defer zoneChange.Rollback()

	results := make(chan triggerResult, 1)
	recordAsync(f, "locked", db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}, results)
	waitIngest(t, f, "1 trigger set aside", func(s db.IngestStats) bool { return s.AwaitingRebuild == 1 })

	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(lockedReplyTimeout):
		t.Fatalf("the ingester did not stop within %s while an account was locked", lockedReplyTimeout)
	}
	select {
	case res := <-results:
		if res.err == nil {
			t.Errorf("trigger returned occurrence %+v, want an error", res.occurrence)
		}
	case <-time.After(lockedReplyTimeout):
		t.Fatalf("the trigger did not return within %s after the ingester stopped", lockedReplyTimeout)
	}

	if err := zoneChange.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := countOccurrences(t, f, f.Account.ID); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}

// TestTimeZoneChangesDuringIngest changes the fixture account's time zone
// again and again, through SetTimeZone and UpdateAccount, while
// concurrent calls record events of it and of another account. Every
// change and every call succeeds, each event is stored once, and the
// rollups match a rebuild.
func TestTimeZoneChangesDuringIngest(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signup")
	other := addAccountWithEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 2, MaxBatch: 64})
	defer stop()

	const callers, perCaller = 6, 40
	errs := make(chan error, callers)
	for c := range callers {
		go func() {
			for n := range perCaller {
				account := f.Account.ID
				if n%3 == 0 {
					account = other
				}
				trigger := db.Trigger{AccountID: account, Slug: "signup", Source: db.SourceAPI,
					Email:      fmt.Sprintf("c%d-%d@example.com", c, n%7),
					OccurredAt: time.Date(2026, 6, 15, 20+n%8, 0, 0, 0, time.UTC)}
				if n%4 == 0 {
					trigger.IdempotencyKey = fmt.Sprintf("k%d-%d", c, n)
				}
				if _, err := f.Store.RecordEvent(ctx, trigger); err != nil {
					errs <- fmt.Errorf("caller %d, event %d: %w", c, n, err)
					return
				}
			}
			errs <- nil
		}()
	}

	// The changes go on until every caller has finished, and there are at
	// least four of them, so that they overlap the calls.
	zones := []string{"America/New_York", "Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles"}
	finished, changes := 0, 0
	for finished < callers || changes < len(zones) {
		zone := zones[changes%len(zones)]
		if changes%2 == 0 {
			if err := f.Store.SetTimeZone(ctx, f.Account.ID, zone); err != nil {
				t.Fatalf("set time zone %s: %v", zone, err)
			}
		} else if _, err := f.Store.UpdateAccount(ctx, f.Account.ID, apitype.AccountInput{Name: "Acme", TimeZone: zone}); err != nil {
			t.Fatalf("update account with time zone %s: %v", zone, err)
		}
		f.Account.TimeZone = zone
		changes++
	drain:
		for finished < callers {
			select {
			case err := <-errs:
				if err != nil {
					t.Fatal(err)
				}
				finished++
			default:
				break drain
			}
		}
	}
	t.Logf("%d time zone changes", changes)

	wantOther := callers * ((perCaller + 2) / 3)
	if got := countOccurrences(t, f, other); got != wantOther {
		t.Errorf("occurrences of the other account = %d, want %d", got, wantOther)
	}
	if got := countOccurrences(t, f, f.Account.ID); got != callers*perCaller-wantOther {
		t.Errorf("occurrences of the fixture account = %d, want %d", got, callers*perCaller-wantOther)
	}
	checkReportsMatchRaw(t, f, []int64{event.ID}, "2026-06-15..2026-06-16")
	checkRollups(t, f)
}

// TestIngesterQueuedCallerCanLeave holds a time zone change open while two
// triggers of the account are queued. The caller of one gives up: it
// returns at once, and its trigger is not stored. The other is stored once
// the change commits.
func TestIngesterQueuedCallerCanLeave(t *testing.T) {
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()
	zoneChange := lockForTimeZoneChange(t, f, f.Account.ID, "Europe/Berlin")
	defer zoneChange.Rollback()

	leaving, leave := context.WithCancel(context.Background())
	defer leave()
	left := make(chan error, 1)
	go func() {
		_, err := f.Store.RecordEvent(leaving, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI})
		left <- err
	}()
	waitIngest(t, f, "1 trigger queued", func(s db.IngestStats) bool { return s.AwaitingRebuild == 1 })
	staying := make(chan triggerResult, 1)
	recordAsync(f, "staying", db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI}, staying)
	waitIngest(t, f, "2 triggers queued", func(s db.IngestStats) bool { return s.AwaitingRebuild == 2 })

	leave()
	select {
	case err := <-left:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("caller that left: err = %v, want context.Canceled", err)
		}
	case <-time.After(lockedReplyTimeout):
		t.Fatalf("the caller that left did not return within %s", lockedReplyTimeout)
	}
	if got := f.Store.IngestStats().AwaitingRebuild; got != 1 {
		t.Errorf("triggers queued after one caller left = %d, want 1", got)
	}

	if err := zoneChange.Commit(); err != nil {
		t.Fatal(err)
	}
	receiveResults(t, staying, 1)
	var emails []string
	err := f.Store.DB().NewRaw("SELECT c.email FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id").Scan(context.Background(), &emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 || emails[0] != "bob@example.com" {
		t.Errorf("stored occurrences of %v, want only bob@example.com", emails)
	}
}

// TestIngesterRebuildQueueFull fills an account's queue during a time zone
// change: the next trigger of the account fails at once with
// ErrAccountBusy, and another account's trigger is stored.
func TestIngesterRebuildQueueFull(t *testing.T) {
	db.SetMaxRebuildQueue(t, 1)
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	other := addAccountWithEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()
	zoneChange := lockForTimeZoneChange(t, f, f.Account.ID, "Europe/Berlin")
	defer zoneChange.Rollback()

	queued := make(chan triggerResult, 1)
	recordAsync(f, "queued", db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}, queued)
	waitIngest(t, f, "1 trigger queued", func(s db.IngestStats) bool { return s.AwaitingRebuild == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), lockedReplyTimeout)
	defer cancel()
	_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI})
	if !errors.Is(err, db.ErrAccountBusy) {
		t.Errorf("trigger beyond the queue: err = %v, want ErrAccountBusy", err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: other, Slug: "signup", Email: "cy@example.com", Source: db.SourceAPI}); err != nil {
		t.Errorf("other account's trigger: %v", err)
	}

	if err := zoneChange.Commit(); err != nil {
		t.Fatal(err)
	}
	receiveResults(t, queued, 1)
	if got := countOccurrences(t, f, f.Account.ID); got != 1 {
		t.Errorf("occurrences of the rebuilt account = %d, want 1", got)
	}
}

// TestIngesterAccountIDAboveInt4 records events of an account whose id
// does not fit in 32 bits, in batches with another account's, and changes
// its time zone.
func TestIngesterAccountIDAboveInt4(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const big = int64(3_000_000_000)
	if _, err := f.Store.DB().ExecContext(ctx, "INSERT INTO accounts (id, name, site_key) VALUES (?, 'Big', 'site_big')", big); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.CreateCustomEvent(ctx, big, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()

	results := make(chan triggerResult, 4)
	for i, account := range []int64{big, f.Account.ID, big, f.Account.ID} {
		recordAsync(f, fmt.Sprintf("trigger %d", i), db.Trigger{AccountID: account, Slug: "signup",
			Email: fmt.Sprintf("c%d@example.com", i), Source: db.SourceAPI}, results)
	}
	receiveResults(t, results, 4)
	if err := f.Store.SetTimeZone(ctx, big, "Europe/Berlin"); err != nil {
		t.Fatalf("set time zone: %v", err)
	}
	if _, err := f.Store.UpdateAccount(ctx, big, apitype.AccountInput{Name: "Big", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatalf("update account: %v", err)
	}
	if got := countOccurrences(t, f, big); got != 2 {
		t.Errorf("occurrences of the account = %d, want 2", got)
	}
}

// TestIngesterBatchStatementTimesOut holds a contact locked until the
// statement timeout cancels the worker's batch statement. The batch then
// waits in a transaction and, once the contact is free, is stored once.
func TestIngesterBatchStatementTimesOut(t *testing.T) {
	db.SetBatchStatementTimeout(t, 300*time.Millisecond)
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()
	const visitor = "0000000000000000000000000000000e"
	release := blockContactOf(t, f, f.Account.ID, "signup", visitor)
	defer release()

	results := make(chan triggerResult, 1)
	recordAsync(f, "blocked visitor", db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: visitor, Source: db.SourceBeacon}, results)

	// The statement outside a transaction starts with "WITH stored AS".
	// The transaction writes the batch's receipt first, which gives it a
	// transaction id, and then statements of another text.
	waitSessions(t, f, 1, "a batch waiting in a transaction",
		`wait_event_type = 'Lock' AND backend_xid IS NOT NULL AND query NOT LIKE '%WITH stored AS%'`)
	if n := countSessions(t, f, `query LIKE '%WITH stored AS%' AND state = 'active'`); n != 0 {
		t.Errorf("batch statements still running outside a transaction = %d, want 0", n)
	}
	select {
	case res := <-results:
		t.Fatalf("%s returned while its contact was locked: occurrence %+v, error %v", res.name, res.occurrence, res.err)
	default:
	}

	release()
	got := receiveResults(t, results, 1)
	if o := got["blocked visitor"].occurrence; o == nil || o.ID == 0 {
		t.Fatalf("occurrence = %+v, want a stored one", o)
	}
	if n := countOccurrences(t, f, f.Account.ID); n != 2 {
		t.Errorf("occurrences = %d, want 2: the one that blockContactOf recorded and the blocked one", n)
	}
}

// TestRecordEventsCallerLeavesRebuildWait holds a time zone change open
// while RecordEvents and RecordEventsTogether write events of the
// account. Once the caller's context ends, each returns context.Canceled
// and stores nothing, while the change still holds the account.
func TestRecordEventsCallerLeavesRebuildWait(t *testing.T) {
	record := map[string]func(context.Context, *db.Store, []db.Trigger) error{
		"RecordEvents": func(ctx context.Context, s *db.Store, triggers []db.Trigger) error {
			_, errs := s.RecordEvents(ctx, discardLog, triggers)
			return errors.Join(errs...)
		},
		"RecordEventsTogether": func(ctx context.Context, s *db.Store, triggers []db.Trigger) error {
			_, err := s.RecordEventsTogether(ctx, discardLog, triggers)
			return err
		},
	}
	for name, call := range record {
		t.Run(name, func(t *testing.T) {
			f := dbtest.NewFixture(t)
			createEvent(t, f, "signup")
			zoneChange := lockForTimeZoneChange(t, f, f.Account.ID, "Europe/Berlin")
			defer zoneChange.Rollback()

			leaving, leave := context.WithCancel(context.Background())
			defer leave()
			returned := make(chan error, 1)
			go func() {
				returned <- call(leaving, f.Store, []db.Trigger{
					{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI},
					{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI},
				})
			}()
			waitSessions(t, f, 1, "waiting for a lock", "wait_event_type = 'Lock'")

			leave()
			select {
			case err := <-returned:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
			case <-time.After(lockedReplyTimeout):
				t.Fatalf("%s did not return within %s after its caller left", name, lockedReplyTimeout)
			}
			if err := zoneChange.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := countOccurrences(t, f, f.Account.ID); got != 0 {
				t.Errorf("occurrences = %d, want 0", got)
			}
		})
	}
}
