package db_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func TestRetentionMonthsDefault(t *testing.T) {
	f := dbtest.NewFixture(t)
	months, err := f.Store.RetentionMonths(context.Background(), f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if months != 25 {
		t.Errorf("retention = %d months, want the default 25", months)
	}
}

func TestSetRetentionMonthsRange(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	for _, months := range []int{1, 120} {
		if err := f.Store.SetRetentionMonths(ctx, f.Account.ID, months); err != nil {
			t.Fatalf("set %d months: %v", months, err)
		}
		got, err := f.Store.RetentionMonths(ctx, f.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != months {
			t.Errorf("retention = %d, want %d", got, months)
		}
	}
	for _, months := range []int{0, 121, -5} {
		err := f.Store.SetRetentionMonths(ctx, f.Account.ID, months)
		verr, ok := errors.AsType[*apitype.ValidationError](err)
		if !ok {
			t.Fatalf("set %d months: error = %v, want a validation error", months, err)
		}
		if verr.Field != "retentionMonths" {
			t.Errorf("set %d months: field = %q, want retentionMonths", months, verr.Field)
		}
	}
	got, err := f.Store.RetentionMonths(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != 120 {
		t.Errorf("retention after rejected values = %d, want 120 kept", got)
	}
}

func TestRetentionColumnCheck(t *testing.T) {
	f := dbtest.NewFixture(t)
	_, err := f.Store.DB().NewRaw("UPDATE accounts SET retention_months = 0 WHERE id = ?", f.Account.ID).Exec(context.Background())
	if err == nil {
		t.Fatal("retention_months = 0 was stored, want the CHECK constraint to reject it")
	}
}

// recordAt records one API occurrence of slug for email in accountID.
func recordAt(t *testing.T, f *dbtest.Fixture, accountID int64, slug, email string, at time.Time) *db.EventOccurrence {
	t.Helper()
	occ, err := f.Store.RecordEvent(context.Background(), db.Trigger{AccountID: accountID, Slug: slug, Email: email, Source: db.SourceAPI, OccurredAt: at})
	if err != nil {
		t.Fatalf("record %s at %s: %v", slug, at, err)
	}
	return occ
}

func TestEnforceRetentionDeletesOlderThanSetting(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signed-up")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

	kept := recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now.AddDate(0, -24, 0))
	recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now.AddDate(0, -26, 0))
	// Exactly 25 months old is still kept: only older occurrences go.
	boundary := recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now.AddDate(0, -25, 0))

	deleted, err := f.Store.EnforceRetention(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int64{f.Account.ID: 1}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("deleted = %v, want %v", deleted, want)
	}
	var ids []int64
	if err := f.Store.DB().NewRaw("SELECT id FROM event_occurrences ORDER BY id").Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	if want := []int64{kept.ID, boundary.ID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("remaining occurrences = %v, want %v", ids, want)
	}

	deleted, err = f.Store.EnforceRetention(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 0 {
		t.Errorf("second run deleted = %v, want nothing", deleted)
	}
}

func TestEnforceRetentionPerAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	other := createAccount(t, f, "Other Company")
	if err := f.Store.SetRetentionMonths(ctx, other, 6); err != nil {
		t.Fatal(err)
	}
	for _, accountID := range []int64{f.Account.ID, other} {
		if _, err := f.Store.CreateCustomEvent(ctx, accountID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
			t.Fatal(err)
		}
		recordAt(t, f, accountID, "signed-up", "ann@example.com", now.AddDate(0, -7, 0))
		recordAt(t, f, accountID, "signed-up", "ann@example.com", now.AddDate(0, -8, 0))
		recordAt(t, f, accountID, "signed-up", "ann@example.com", now.AddDate(0, -5, 0))
	}

	deleted, err := f.Store.EnforceRetention(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int64{other: 2}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("deleted = %v, want %v", deleted, want)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences WHERE account_id = "+itoa(f.Account.ID)); n != 3 {
		t.Errorf("occurrences of the 25-month account = %d, want 3", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences WHERE account_id = "+itoa(other)); n != 1 {
		t.Errorf("occurrences of the 6-month account = %d, want 1", n)
	}
}

func TestEnforceRetentionDeletesInBatches(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	contactID := recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now).ContactID

	// 25,001 occurrences 3 years old take three DELETE statements of at
	// most 10,000 rows.
	_, err := f.Store.DB().NewRaw(`
		INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
		SELECT ?, ?, ?, ?::timestamptz - make_interval(secs => g), 'api' FROM generate_series(1, 25001) g`,
		f.Account.ID, event.ID, contactID, now.AddDate(-3, 0, 0)).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}

	deleted, err := f.Store.EnforceRetention(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int64{f.Account.ID: 25001}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("deleted = %v, want %v", deleted, want)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want the recent one", n)
	}
}

// recordHandler is a slog.Handler that sends each record's message to a
// channel, so a test can wait for a log line.
type recordHandler struct {
	messages chan string
}

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.messages <- r.Message
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

func TestStartRetentionRunsAtStart(t *testing.T) {
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signed-up")
	recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", time.Now().AddDate(0, -30, 0))
	recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", time.Now().Add(-time.Hour))

	handler := recordHandler{messages: make(chan string, 10)}
	stop := f.Store.StartRetention(slog.New(handler), time.Hour)
	var messages []string
	timeout := time.After(30 * time.Second)
	for len(messages) == 0 || messages[len(messages)-1] != "retention run finished" {
		select {
		case m := <-handler.messages:
			messages = append(messages, m)
		case <-timeout:
			t.Fatalf("log messages = %v, want a finished run within 30s", messages)
		}
	}
	stop()

	messages = append(messages, <-handler.messages)
	want := []string{"retention job started", "retention deleted occurrences", "retention run finished", "retention job stopped"}
	if !reflect.DeepEqual(messages, want) {
		t.Errorf("log messages = %v, want %v", messages, want)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences = %d, want 1 after the first run", n)
	}
}

// TestEnforceRetentionKeepsCounts checks that reports count occurrences
// after retention deleted them, distinct contacts included, and that the
// daily counts follow a merge and go with an erasure.
func TestEnforceRetentionKeepsCounts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := time.Date(2024, 6, 10, 9, 0, 0, 0, time.UTC)
	const visitor = "0123456789abcdef0123456789abcdef"

	recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", old)
	recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", old.Add(time.Hour))
	recordAt(t, f, f.Account.ID, "signed-up", "bob@example.com", old.AddDate(0, 0, 1))
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signed-up", VisitorID: visitor, Source: db.SourceBeacon, OccurredAt: old}); err != nil {
		t.Fatal(err)
	}
	days, verr := apitype.ParseDateRange("2024-06-10", "2024-06-11")
	if verr != nil {
		t.Fatal(verr)
	}
	report := func() *db.EventReport {
		t.Helper()
		r, err := f.Store.EventReport(ctx, f.Account, event.ID, days)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	summary := func(r *db.EventReport) string {
		return fmt.Sprintf("%d events, %d contacts, days %d/%d and %d/%d",
			r.EventsTriggered, r.UniqueContacts, r.ByDay[0].Count, r.ByDay[0].UniqueContacts, r.ByDay[1].Count, r.ByDay[1].UniqueContacts)
	}
	before := summary(report())
	if want := "4 events, 3 contacts, days 3/2 and 1/1"; before != want {
		t.Fatalf("report before retention = %s, want %s", before, want)
	}

	if _, err := f.Store.EnforceRetention(ctx, now); err != nil {
		t.Fatal(err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != 0 {
		t.Fatalf("occurrences after retention = %d, want 0", n)
	}
	if got := summary(report()); got != before {
		t.Errorf("report after retention = %s, want %s", got, before)
	}
	export, err := f.Store.ExportContact(ctx, f.Account.ID, "ann@example.com", "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := []apitype.ContactDailyCount{{EventSlug: "signed-up", Day: "2024-06-10", Events: 2}}; !reflect.DeepEqual(export.DailyCounts, want) {
		t.Errorf("exported daily counts = %+v, want %+v", export.DailyCounts, want)
	}

	// The anonymous visitor turns out to be Ann: her two contacts merge,
	// and the day counts her once.
	if _, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if got, want := summary(report()), "4 events, 2 contacts, days 3/1 and 1/1"; got != want {
		t.Errorf("report after merge = %s, want %s", got, want)
	}

	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	if got, want := summary(report()), "1 events, 1 contacts, days 0/0 and 1/1"; got != want {
		t.Errorf("report after erasing Ann = %s, want %s", got, want)
	}
}

// TestRetentionDuringMergeKeepsCounts runs retention while Identify has
// moved the anonymous contact's old occurrences to a known contact and
// not committed yet. Retention waits for the merge and must then count
// the occurrences it deletes as expired for the known contact.
func TestRetentionDuringMergeKeepsCounts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := time.Date(2024, 6, 10, 9, 0, 0, 0, time.UTC)
	const visitor = "0123456789abcdef0123456789abcdef"

	ann := recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now.AddDate(0, 0, -1))
	for i := range 5 {
		trigger := beaconTrigger(f, "signed-up", visitor)
		trigger.OccurredAt = old.Add(time.Duration(i) * time.Hour)
		record(t, f, trigger)
	}

	// Identify moves the occurrences first and then the visitor, whose
	// row this transaction locks. So the merge stays uncommitted, with
	// the moved occurrences locked.
	blocker, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, "SELECT 1 FROM visitors WHERE account_id = ? AND id = ? FOR SHARE", f.Account.ID, visitor); err != nil {
		t.Fatal(err)
	}
	type result struct {
		contactID int64
		err       error
	}
	identified := make(chan result, 1)
	go func() {
		id, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"})
		identified <- result{id, err}
	}()
	waitSessions(t, f, 1, "waiting for the visitor row", "wait_event_type = 'Lock'")

	type deletion struct {
		deleted map[int64]int64
		err     error
	}
	expired := make(chan deletion, 1)
	go func() {
		deleted, err := f.Store.EnforceRetention(ctx, now)
		expired <- deletion{deleted, err}
	}()
	waitSessions(t, f, 2, "waiting for the merge and the visitor row", "wait_event_type = 'Lock'")
	if err := blocker.Commit(); err != nil {
		t.Fatal(err)
	}

	merged := <-identified
	if merged.err != nil {
		t.Fatalf("identify: %v", merged.err)
	}
	if merged.contactID != ann.ContactID {
		t.Errorf("identified contact = %d, want Ann's contact %d", merged.contactID, ann.ContactID)
	}
	retention := <-expired
	if retention.err != nil {
		t.Fatalf("retention: %v", retention.err)
	}
	if want := map[int64]int64{f.Account.ID: 5}; !reflect.DeepEqual(retention.deleted, want) {
		t.Errorf("deleted = %v, want %v", retention.deleted, want)
	}

	var expiredEvents []int
	if err := bdb.NewRaw("SELECT expired_events FROM event_contact_days WHERE contact_id = ? AND day = '2024-06-10'", ann.ContactID).
		Scan(ctx, &expiredEvents); err != nil {
		t.Fatal(err)
	}
	if want := []int{5}; !reflect.DeepEqual(expiredEvents, want) {
		t.Errorf("expired counts of Ann on 2024-06-10 = %v, want %v", expiredEvents, want)
	}
	if got, want := totalsOf(report(t, f, event.ID, "2024-06-10", "2024-06-10")), (reportTotals{events: 5, contacts: 1}); got != want {
		t.Errorf("totals of 2024-06-10 = %+v, want %+v", got, want)
	}
	checkRollups(t, f)
}

// TestRetentionDuringMergeAvoidsDeadlock makes Identify and retention
// queue for the same locked occurrence, with the visitor's occurrences
// stored in an order that differs from their times both by id and by
// event. Both must lock them in one order, so neither fails with a
// deadlock once the occurrence is free.
func TestRetentionDuringMergeAvoidsDeadlock(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	first := createEvent(t, f, "signed-up")
	second := createEvent(t, f, "watched-demo")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := time.Date(2024, 6, 10, 9, 0, 0, 0, time.UTC)
	const visitor = "0123456789abcdef0123456789abcdef"

	ann := recordAt(t, f, f.Account.ID, "signed-up", "ann@example.com", now.AddDate(0, 0, -1))
	// An UPDATE of the contact's rows visits them by id or by (event,
	// time), depending on its plan. In both orders the occurrence at
	// 10:00 comes first and the one at 09:00 last, while by time 09:00
	// comes first.
	occurrenceAt := func(slug string, at time.Time) *db.EventOccurrence {
		trigger := beaconTrigger(f, slug, visitor)
		trigger.OccurredAt = at
		return record(t, f, trigger)
	}
	occurrenceAt("signed-up", old.Add(time.Hour))
	contended := occurrenceAt("signed-up", old.Add(2*time.Hour))
	occurrenceAt("watched-demo", old)

	blocker, err := bdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, "SELECT 1 FROM event_occurrences WHERE id = ? FOR SHARE", contended.ID); err != nil {
		t.Fatal(err)
	}
	identified := make(chan error, 1)
	go func() {
		_, err := f.Store.Identify(ctx, discardLog, db.Identity{AccountID: f.Account.ID, VisitorID: visitor, Email: "ann@example.com"})
		identified <- err
	}()
	waitSessions(t, f, 1, "waiting for the held occurrence", "wait_event_type = 'Lock'")

	type deletion struct {
		deleted map[int64]int64
		err     error
	}
	expired := make(chan deletion, 1)
	go func() {
		deleted, err := f.Store.EnforceRetention(ctx, now)
		expired <- deletion{deleted, err}
	}()
	waitSessions(t, f, 2, "waiting for the held occurrence and the merge", "wait_event_type = 'Lock'")
	if err := blocker.Commit(); err != nil {
		t.Fatal(err)
	}

	if err := <-identified; err != nil {
		t.Errorf("identify: %v", err)
	}
	retention := <-expired
	if retention.err != nil {
		t.Errorf("retention: %v", retention.err)
	}
	if want := map[int64]int64{f.Account.ID: 3}; !reflect.DeepEqual(retention.deleted, want) {
		t.Errorf("deleted = %v, want %v", retention.deleted, want)
	}
	if n := dbtest.Count(t, bdb, "contacts"); n != 1 {
		t.Errorf("contacts = %d, want Ann's only", n)
	}
	for _, want := range []struct {
		eventID  int64
		expected reportTotals
	}{
		{first.ID, reportTotals{events: 2, contacts: 1}},
		{second.ID, reportTotals{events: 1, contacts: 1}},
	} {
		if got := totalsOf(report(t, f, want.eventID, "2024-06-10", "2024-06-10")); got != want.expected {
			t.Errorf("totals of event %d on 2024-06-10 = %+v, want %+v", want.eventID, got, want.expected)
		}
	}
	if n := dbtest.Count(t, bdb, "event_contact_days WHERE contact_id = "+itoa(ann.ContactID)+" AND day = '2024-06-10'"); n != 2 {
		t.Errorf("daily rows of Ann on 2024-06-10 = %d, want one per event", n)
	}
	checkRollups(t, f)
}

// TestEnforceRetentionDeletesOldBeaconDrops keeps the reasons for dropped
// beacon messages of the last hour, which Check my site shows, and deletes
// older ones in every account.
func TestEnforceRetentionDeletesOldBeaconDrops(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	other := createAccount(t, f, "Other Company")
	var drops []db.BeaconDropCount
	for _, accountID := range []int64{f.Account.ID, other} {
		drops = append(drops,
			db.BeaconDropCount{AccountID: accountID, Reason: "old", Count: 3, At: now.Add(-61 * time.Minute)},
			db.BeaconDropCount{AccountID: accountID, Reason: "recent", Count: 2, At: now.Add(-59 * time.Minute)})
	}
	if err := f.Store.AddBeaconDrops(ctx, drops); err != nil {
		t.Fatal(err)
	}

	if _, err := f.Store.EnforceRetention(ctx, now); err != nil {
		t.Fatal(err)
	}
	var left []string
	err := f.Store.DB().NewRaw("SELECT account_id || ' ' || reason || ' ' || count FROM beacon_drops ORDER BY account_id, reason").Scan(ctx, &left)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{itoa(f.Account.ID) + " recent 2", itoa(other) + " recent 2"}; !reflect.DeepEqual(left, want) {
		t.Errorf("beacon_drops rows = %q, want %q", left, want)
	}
}
