package db_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRecordEventsKeepsGoodTriggers(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	keyed := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "k1", Metadata: map[string]any{"plan": "pro"}}
	if _, err := f.Store.RecordEvent(ctx, keyed); err != nil {
		t.Fatal(err)
	}
	conflicting := keyed
	conflicting.Metadata = map[string]any{"plan": "basic"}

	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI},
		conflicting,
		{AccountID: f.Account.ID, Slug: "no-such-event", Email: "cy@example.com", Source: db.SourceAPI},
		{AccountID: f.Account.ID, Slug: "signup", VisitorID: "0123456789abcdef0123456789abcdef", Source: db.SourceBeacon},
		// The source breaks a CHECK constraint, which fails this trigger's
		// INSERT and makes the batch fall back to a savepoint per trigger.
		{AccountID: f.Account.ID, Slug: "signup", Email: "dee@example.com", Source: "bogus"},
		{AccountID: f.Account.ID, Slug: "signup", Email: "eve@example.com", Source: db.SourceAPI, PageURL: "https://example.com/a\x00b"},
	})
	if errs[0] != nil || occurrences[0] == nil {
		t.Errorf("trigger 0: %v, want stored", errs[0])
	}
	if !errors.Is(errs[1], db.ErrIdempotencyConflict) {
		t.Errorf("trigger 1 err = %v, want ErrIdempotencyConflict", errs[1])
	}
	if !errors.Is(errs[2], db.ErrNotFound) {
		t.Errorf("trigger 2 err = %v, want ErrNotFound", errs[2])
	}
	if errs[3] != nil || occurrences[3] == nil {
		t.Errorf("trigger 3: %v, want stored", errs[3])
	}
	if errs[4] == nil {
		t.Error("trigger 4 with an unknown source was stored, want an error")
	}
	if verr, ok := errors.AsType[*apitype.ValidationError](errs[5]); !ok || verr.Field != "pageUrl" ||
		verr.Message != "pageUrl contains a NUL character, which cannot be stored: remove it." {
		t.Errorf("trigger 5 err = %v, want a validation error on pageUrl for its NUL character", errs[5])
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 3 {
		t.Errorf("occurrences = %d, want 3", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 3 {
		t.Errorf("contacts = %d, want 3 (ann, bob, one anonymous)", got)
	}
}

// A keyed trigger whose INSERT fails goes through the path of triggers
// that claim a key, which the set-based statement does not take. The
// batch then runs again with a savepoint per trigger, so the triggers
// around it are stored and its key stays free.
func TestRecordEventsKeyedStatementFailure(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	bad := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "dee@example.com", Source: "bogus", IdempotencyKey: "k-bad"}
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "k-ann"},
		bad,
		{AccountID: f.Account.ID, Slug: "signup", Email: "eve@example.com", Source: db.SourceAPI, Contact: db.ContactFields{FirstName: "Eve"}},
		{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI},
	})
	for _, i := range []int{0, 2, 3} {
		if errs[i] != nil {
			t.Errorf("trigger %d err = %v, want nil", i, errs[i])
		}
		if occurrences[i] == nil {
			t.Errorf("trigger %d has no occurrence, want it stored", i)
		}
	}
	if errs[1] == nil {
		t.Error("trigger 1 with an unknown source was stored, want an error")
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 3 {
		t.Errorf("occurrences = %d, want 3", got)
	}

	bad.Source = db.SourceAPI
	if _, err := f.Store.RecordEvent(ctx, bad); err != nil {
		t.Errorf("key of the failed trigger, sent again with a valid source: %v, want stored", err)
	}
}

// TestIngesterConcurrentTriggers sends many triggers at once through the
// group-commit ingester, with shared contacts, a keyed retry and a
// conflicting key among them.
func TestIngesterConcurrentTriggers(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 4, MaxBatch: 64})
	defer stop()

	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "keyed@example.com", Source: db.SourceAPI, IdempotencyKey: "k", Metadata: map[string]any{"n": 1.0}}); err != nil {
		t.Fatal(err)
	}

	const callers = 300
	errs := make([]error, callers)
	ids := make([]int64, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceAPI, Email: fmt.Sprintf("c%d@example.com", i%40)}
			if i%3 == 0 {
				trigger = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceBeacon, VisitorID: fmt.Sprintf("%032x", i%25)}
			}
			if i == 7 {
				trigger = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "keyed@example.com", Source: db.SourceAPI, IdempotencyKey: "k", Metadata: map[string]any{"n": 2.0}}
			}
			occ, err := f.Store.RecordEvent(ctx, trigger)
			errs[i] = err
			if err == nil {
				ids[i] = occ.ID
			}
		}()
	}
	wg.Wait()

	seen := map[int64]bool{}
	for i, err := range errs {
		if i == 7 {
			if !errors.Is(err, db.ErrIdempotencyConflict) {
				t.Errorf("caller 7 err = %v, want ErrIdempotencyConflict", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
			continue
		}
		if seen[ids[i]] {
			t.Errorf("caller %d got occurrence %d twice", i, ids[i])
		}
		seen[ids[i]] = true
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != callers {
		t.Errorf("occurrences = %d, want %d (299 new and the keyed one)", got, callers)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NOT NULL"); got != 41 {
		t.Errorf("known contacts = %d, want 41", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts WHERE email IS NULL"); got != 25 {
		t.Errorf("anonymous contacts = %d, want 25", got)
	}
}

// TestRecordEventsBulkResolvesContacts writes one batch of simple triggers,
// which takes the set-based path, with repeated emails and visitors.
func TestRecordEventsBulkResolvesContacts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const seen = "11111111111111111111111111111111"
	const fresh = "22222222222222222222222222222222"
	earlier, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: seen, Source: db.SourceBeacon})
	if err != nil {
		t.Fatal(err)
	}
	known, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}

	beacon := func(visitor string) db.Trigger {
		return db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: visitor, Source: db.SourceBeacon, PageURL: "https://example.com/p", Channel: "EMAIL", UTMSource: "news", Metadata: map[string]any{"n": 1.0}}
	}
	api := func(email string) db.Trigger {
		return db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: email, Source: db.SourceAPI}
	}
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		api("ann@example.com"), api("bob@example.com"), beacon(seen), beacon(fresh), api("bob@example.com"), beacon(fresh),
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("trigger %d: %v", i, err)
		}
	}
	want := []int64{known.ContactID, occurrences[1].ContactID, earlier.ContactID, occurrences[3].ContactID, occurrences[1].ContactID, occurrences[3].ContactID}
	for i, o := range occurrences {
		if o.ContactID != want[i] {
			t.Errorf("trigger %d contact = %d, want %d", i, o.ContactID, want[i])
		}
		if o.CreatedAt.IsZero() {
			t.Errorf("trigger %d has no created_at", i)
		}
	}
	if occurrences[1].ContactID == known.ContactID || occurrences[3].ContactID == earlier.ContactID {
		t.Errorf("new email or visitor reused a contact: %+v", occurrences)
	}
	if got := dbtest.Count(t, f.Store.DB(), "contacts"); got != 4 {
		t.Errorf("contacts = %d, want 4 (two by email, two anonymous)", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "visitors"); got != 2 {
		t.Errorf("visitors = %d, want 2", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 8 {
		t.Errorf("occurrences = %d, want 8", got)
	}
	var stored struct {
		PageURL   string `bun:"page_url"`
		Channel   string `bun:"channel"`
		UTMSource string `bun:"utm_source"`
		N         string `bun:"n"`
	}
	if err := f.Store.DB().NewRaw("SELECT page_url, channel, utm_source, metadata->>'n' AS n FROM event_occurrences WHERE id = ?", occurrences[3].ID).Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.PageURL != "https://example.com/p" || stored.Channel != "EMAIL" || stored.UTMSource != "news" || stored.N != "1" {
		t.Errorf("stored row = %+v, want the trigger's page URL, channel, UTM source and metadata", stored)
	}
}

// blockVisitorContact starts a transaction that holds a row lock on the
// contact of a new visitor, so that a batch recording an event of that
// visitor waits until release is called.
func blockVisitorContact(t *testing.T, f *dbtest.Fixture, visitor string) (release func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: visitor, Source: db.SourceBeacon}); err != nil {
		t.Fatal(err)
	}
	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT 1 FROM contacts c JOIN visitors v ON v.contact_id = c.id WHERE v.id = ? FOR UPDATE OF c", visitor); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// waitLockWaiters polls Postgres until at least n sessions of the test
// database wait for a lock whose wait event matches the LIKE pattern
// ("advisory" for advisory locks, "t%" for row and transaction locks).
func waitLockWaiters(t *testing.T, f *dbtest.Fixture, event string, n int) {
	t.Helper()
	waitSessions(t, f, n, "waiting for a "+event+" lock", "wait_event_type = 'Lock' AND wait_event LIKE ?", event)
}

// countSessions counts the other sessions of the test database whose
// pg_stat_activity row matches cond, with args for its placeholders.
func countSessions(t *testing.T, f *dbtest.Fixture, cond string, args ...any) int {
	t.Helper()
	var n int
	err := f.Store.DB().NewRaw(`SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND `+cond, args...).Scan(context.Background(), &n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitSessions polls Postgres until at least n other sessions of the test
// database match cond, which state describes for the failure message.
func waitSessions(t *testing.T, f *dbtest.Fixture, n int, state, cond string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := countSessions(t, f, cond, args...)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions %s after 30s, want %d", got, state, n)
		}
		runtime.Gosched()
	}
}

// waitIngest polls the ingester's counters until cond holds.
func waitIngest(t *testing.T, f *dbtest.Fixture, what string, cond func(db.IngestStats) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond(f.Store.IngestStats()) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: stats %+v", what, f.Store.IngestStats())
		}
		runtime.Gosched()
	}
}

// TestIngesterGroupsWaitingCalls blocks the only worker on its first batch
// while 30 more calls arrive, and checks that they commit as one batch.
func TestIngesterGroupsWaitingCalls(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const blocked = "0000000000000000000000000000000b"
	release := blockVisitorContact(t, f, blocked)
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})
	defer stop()

	errs := make(chan error, 31)
	go func() {
		_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: blocked, Source: db.SourceBeacon})
		errs <- err
	}()
	waitLockWaiters(t, f, "%", 1)
	for i := range 30 {
		go func() {
			_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("c%d@example.com", i), Source: db.SourceAPI})
			errs <- err
		}()
	}
	waitIngest(t, f, "31 waiting calls", func(s db.IngestStats) bool { return s.Waiting == 31 })
	release()
	for range 31 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	stats := f.Store.IngestStats()
	if stats.Batches != 2 || stats.Triggers != 31 {
		t.Errorf("stats = %+v, want 2 batches of 31 triggers in all", stats)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 32 {
		t.Errorf("occurrences = %d, want 32", got)
	}
}

// TestIngesterStopWritesWaitingCalls stops the ingester while calls wait
// to join a batch: they are written directly and none is lost.
func TestIngesterStopWritesWaitingCalls(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	const blocked = "0000000000000000000000000000000c"
	release := blockVisitorContact(t, f, blocked)
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1, MaxBatch: 64})

	errs := make(chan error, 6)
	go func() {
		_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: blocked, Source: db.SourceBeacon})
		errs <- err
	}()
	waitLockWaiters(t, f, "%", 1)
	for i := range 5 {
		go func() {
			_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("s%d@example.com", i), Source: db.SourceAPI})
			errs <- err
		}()
	}
	waitIngest(t, f, "6 waiting calls", func(s db.IngestStats) bool { return s.Waiting == 6 })

	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	// The five waiting calls write directly while the worker is still
	// blocked in the first batch.
	for range 5 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	release()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	<-stopped
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 7 {
		t.Errorf("occurrences = %d, want 7", got)
	}
}

// PostgreSQL names the column of a not-null violation, which lib/pq
// passes on, so the expected failure of the bulk statement logs at Debug.
func TestBulkFallbackLevelOfRealError(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE occurrences (contact_id bigint NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO occurrences (contact_id) VALUES (NULL)")
	if err == nil {
		t.Fatal("insert of NULL succeeded, want a not-null violation")
	}
	if got := db.BulkFallbackLevel(fmt.Errorf("record simple triggers: %w", err)); got != slog.LevelDebug {
		t.Errorf("level for %v = %v, want DEBUG", err, got)
	}
}

// TestIngesterKeepsQuotedText records, through an ingest worker's prepared
// statement, values that an array literal has to quote or escape and a
// time with microseconds in another zone, and reads them back unchanged.
func TestIngesterKeepsQuotedText(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	// A batch that the prepared statement fails is written again in a
	// transaction, which logs a warning and stores the same values.
	var logs bytes.Buffer
	stop := f.Store.StartIngester(slog.New(slog.NewTextHandler(&logs, nil)), db.IngestConfig{Workers: 1})
	defer stop()

	const tricky = `a "quoted", {braced} \back\slash NULL ünï 🙂`
	trigger := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Source: db.SourceBeacon,
		VisitorID: "00000000000000000000000000000abc", PageURL: "https://example.com/?q=" + tricky,
		Referrer: tricky, UTMSource: tricky, UTMContent: "NULL", Metadata: map[string]any{"note": tricky, `k"ey`: true},
		OccurredAt: time.Now().Add(-26 * time.Hour).Truncate(time.Second).Add(123456 * time.Microsecond).In(time.FixedZone("", 5*3600+1800))}
	occurrence, err := f.Store.RecordEvent(ctx, trigger)
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		PageURL    string    `bun:"page_url"`
		Referrer   string    `bun:"referrer"`
		UTMSource  string    `bun:"utm_source"`
		UTMContent string    `bun:"utm_content"`
		Metadata   string    `bun:"metadata"`
		OccurredAt time.Time `bun:"occurred_at"`
	}
	err = f.Store.DB().NewRaw("SELECT page_url, referrer, utm_source, utm_content, metadata::text AS metadata, occurred_at FROM event_occurrences WHERE id = ?", occurrence.ID).Scan(ctx, &stored)
	if err != nil {
		t.Fatal(err)
	}
	if stored.PageURL != trigger.PageURL {
		t.Errorf("page_url = %q, want %q", stored.PageURL, trigger.PageURL)
	}
	if stored.Referrer != tricky {
		t.Errorf("referrer = %q, want %q", stored.Referrer, tricky)
	}
	if stored.UTMSource != tricky {
		t.Errorf("utm_source = %q, want %q", stored.UTMSource, tricky)
	}
	if stored.UTMContent != "NULL" {
		t.Errorf("utm_content = %q, want the text NULL", stored.UTMContent)
	}
	if want := `{"k\"ey": true, "note": "a \"quoted\", {braced} \\back\\slash NULL ünï 🙂"}`; stored.Metadata != want {
		t.Errorf("metadata = %s, want %s", stored.Metadata, want)
	}
	if !stored.OccurredAt.Equal(trigger.OccurredAt) {
		t.Errorf("stored occurred_at = %v, want %v", stored.OccurredAt, trigger.OccurredAt)
	}
	if !occurrence.OccurredAt.Equal(trigger.OccurredAt) {
		t.Errorf("acknowledged occurred_at = %v, want %v", occurrence.OccurredAt, trigger.OccurredAt)
	}
	if stats := f.Store.IngestStats(); stats.Batches != 1 {
		t.Errorf("batches = %d, want 1 written by the worker", stats.Batches)
	}
	if strings.Contains(logs.String(), "retrying in a transaction") {
		t.Errorf("the batch statement failed:\n%s", logs.String())
	}
}
