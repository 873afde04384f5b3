package db_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// jobRow is an action_jobs row as the tests read it.
type jobRow struct {
	OccurrenceID int64              `bun:"occurrence_id"`
	Snapshot     db.ActionSnapshot  `bun:"snapshot,type:jsonb"`
	Plan         apitype.ActionList `bun:"plan,type:jsonb"`
}

// runRow is an action_runs row as the tests read it.
type runRow struct {
	OccurrenceID   int64          `bun:"occurrence_id"`
	Position       int            `bun:"position"`
	ActionType     string         `bun:"action_type"`
	Action         apitype.Action `bun:"action,type:jsonb"`
	ConditionIndex *int           `bun:"condition_index"`
	Outcome        string         `bun:"outcome"`
	Attempts       int            `bun:"attempts"`
}

func readJobs(t *testing.T, f *dbtest.Fixture) []jobRow {
	t.Helper()
	var jobs []jobRow
	if err := f.Store.DB().NewRaw("SELECT occurrence_id, snapshot, plan FROM action_jobs ORDER BY occurrence_id").Scan(context.Background(), &jobs); err != nil {
		t.Fatalf("read action jobs: %v", err)
	}
	return jobs
}

func readRuns(t *testing.T, f *dbtest.Fixture, occurrenceID int64) []runRow {
	t.Helper()
	var runs []runRow
	err := f.Store.DB().NewRaw(`
		SELECT occurrence_id, position, action_type, action, condition_index, outcome, attempts
		FROM action_runs WHERE occurrence_id = ? ORDER BY position`, occurrenceID).Scan(context.Background(), &runs)
	if err != nil {
		t.Fatalf("read action runs: %v", err)
	}
	return runs
}

func emailTrigger(f *dbtest.Fixture, slug, email string) db.Trigger {
	return db.Trigger{AccountID: f.Account.ID, Slug: slug, Email: email, Source: db.SourceAPI}
}

func record(t *testing.T, f *dbtest.Fixture, trigger db.Trigger) *db.EventOccurrence {
	t.Helper()
	o, err := f.Store.RecordEvent(context.Background(), trigger)
	if err != nil {
		t.Fatalf("record %q: %v", trigger.Slug, err)
	}
	return o
}

func intPtr(i int) *int { return &i }

func TestEnqueueModeNoneStoresNoJob(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	// Actions stored for another mode stay off while the mode is none.
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode:     apitype.ActionModeNone,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 5}}},
	})

	record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))

	if n := dbtest.Count(t, f.Store.DB(), "action_jobs"); n != 0 {
		t.Errorf("action jobs = %d, want 0", n)
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_runs"); n != 0 {
		t.Errorf("action runs = %d, want 0", n)
	}
}

func TestEnqueueSnapshotsContactAndPlan(t *testing.T) {
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	plan := apitype.ActionList{
		Global: []apitype.Action{
			{Type: apitype.ActionAdjustScore, Delta: 5},
			{Type: apitype.ActionAddTag, Value: "trial"},
		},
		Conditional: []apitype.ConditionalActions{
			{
				Condition: apitype.Segment{Version: 1, Root: apitype.Condition{Kind: apitype.ConditionLeadScore, Op: "gt", Number: 10}},
				Actions:   []apitype.Action{{Type: apitype.ActionSetStage, Value: "mql"}},
			},
			{
				Condition: apitype.Segment{Version: 1, Root: apitype.Condition{Kind: apitype.ConditionTag, Op: "has", Value: "vip"}},
				Actions: []apitype.Action{
					{Type: apitype.ActionWebhook, URL: "https://hooks.example.com/x", Secret: "s"},
					{Type: apitype.ActionSetField, Field: "custom.plan", Value: "pro"},
				},
			},
		},
	}
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeOnTheFly, OnTheFly: plan})

	// The contact exists with fields, lists and tags before the event.
	first := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	listB := dbtest.CreateList(t, bdb, f.Account.ID, "B")
	listA := dbtest.CreateList(t, bdb, f.Account.ID, "A")
	exec(t, f, `UPDATE contacts SET first_name = 'Ann', last_name = 'Lee', company = 'Acme', job_title = 'CTO',
		lead_score = 12, lifecycle_stage = 'lead', custom_fields = '{"size": "50"}' WHERE id = ?`, first.ContactID)
	exec(t, f, "INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?), (?, ?, ?)",
		f.Account.ID, listB, first.ContactID, f.Account.ID, listA, first.ContactID)
	exec(t, f, "INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'vip'), (?, ?, 'beta')",
		f.Account.ID, first.ContactID, f.Account.ID, first.ContactID)

	second := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))

	jobs := readJobs(t, f)
	if len(jobs) != 2 {
		t.Fatalf("action jobs = %d, want 2", len(jobs))
	}
	email := "ann@example.com"
	want := db.ActionSnapshot{
		Event: db.EventSnapshot{Slug: "signed-up", Name: "Event signed-up"},
		Contact: db.ContactSnapshot{
			ID: first.ContactID, Email: &email, FirstName: "Ann", LastName: "Lee", Company: "Acme", JobTitle: "CTO",
			LeadScore: 12, LifecycleStage: "lead", CustomFields: map[string]string{"size": "50"},
			ListIDs: []int64{min(listA, listB), max(listA, listB)}, Tags: []string{"beta", "vip"},
		},
	}
	if jobs[1].OccurrenceID != second.ID {
		t.Errorf("second job occurrence = %d, want %d", jobs[1].OccurrenceID, second.ID)
	}
	if !reflect.DeepEqual(jobs[1].Snapshot, want) {
		t.Errorf("snapshot = %+v\nwant %+v", jobs[1].Snapshot, want)
	}
	if !reflect.DeepEqual(jobs[1].Plan, plan) {
		t.Errorf("plan = %+v\nwant %+v", jobs[1].Plan, plan)
	}
	// The first occurrence saw the new contact as it was then.
	if got := jobs[0].Snapshot.Contact; got.LeadScore != 0 || got.LifecycleStage != "subscriber" || len(got.Tags) != 0 || len(got.ListIDs) != 0 {
		t.Errorf("first snapshot = %+v, want a new contact with score 0, stage subscriber, no tags and no lists", got)
	}

	runs := readRuns(t, f, second.ID)
	wantRuns := []runRow{
		{second.ID, 0, apitype.ActionAdjustScore, plan.Global[0], nil, apitype.RunPending, 0},
		{second.ID, 1, apitype.ActionAddTag, plan.Global[1], nil, apitype.RunPending, 0},
		{second.ID, 2, apitype.ActionSetStage, plan.Conditional[0].Actions[0], intPtr(0), apitype.RunPending, 0},
		{second.ID, 3, apitype.ActionWebhook, plan.Conditional[1].Actions[0], intPtr(1), apitype.RunPending, 0},
		{second.ID, 4, apitype.ActionSetField, plan.Conditional[1].Actions[1], intPtr(1), apitype.RunPending, 0},
	}
	if !reflect.DeepEqual(runs, wantRuns) {
		t.Errorf("runs =\n%s\nwant\n%s", dump(runs), dump(wantRuns))
	}
}

func TestEnqueueActionSetRunsOnlyTheSet(t *testing.T) {
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	setPlan := apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "from-set"}}}
	setID := dbtest.CreateActionSet(t, bdb, f.Account.ID, "Onboarding", setPlan)
	onTheFly := apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 1}}}

	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeOnTheFly, OnTheFly: onTheFly})
	before := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	// The on-the-fly actions stay stored but do not run in action_set mode.
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeActionSet, OnTheFly: onTheFly, ActionSetID: setID})
	after := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))

	jobs := readJobs(t, f)
	if len(jobs) != 2 {
		t.Fatalf("action jobs = %d, want 2", len(jobs))
	}
	if !reflect.DeepEqual(jobs[0].Plan, onTheFly) {
		t.Errorf("plan before the switch = %+v, want the on-the-fly actions %+v", jobs[0].Plan, onTheFly)
	}
	if !reflect.DeepEqual(jobs[1].Plan, setPlan) {
		t.Errorf("plan after the switch = %+v, want the set's actions %+v", jobs[1].Plan, setPlan)
	}
	if runs := readRuns(t, f, before.ID); len(runs) != 1 || runs[0].ActionType != apitype.ActionAdjustScore {
		t.Errorf("runs before the switch = %s, want one adjust_score", dump(runs))
	}
	if runs := readRuns(t, f, after.ID); len(runs) != 1 || runs[0].ActionType != apitype.ActionAddTag {
		t.Errorf("runs after the switch = %s, want one add_tag", dump(runs))
	}
}

func TestEnqueueEmptyPlanLeavesGateOpen(t *testing.T) {
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Conditional: []apitype.ConditionalActions{{Actions: nil}}},
	})
	record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	if n := dbtest.Count(t, bdb, "action_jobs"); n != 0 {
		t.Errorf("action jobs = %d, want 0 for a plan without actions", n)
	}
	if n := dbtest.Count(t, bdb, "action_frequency"); n != 0 {
		t.Errorf("frequency gates = %d, want 0 for a plan without actions", n)
	}

	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "x"}}},
	})
	record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	if n := dbtest.Count(t, bdb, "action_jobs"); n != 1 {
		t.Errorf("action jobs = %d, want 1 once the plan has an action", n)
	}
}

func TestEnqueueOncePerContact(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "x"}}},
	})

	first := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	// A batch writes its simple triggers in one statement.
	_, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		emailTrigger(f, "signed-up", "ann@example.com"),
		emailTrigger(f, "signed-up", "bob@example.com"),
		emailTrigger(f, "signed-up", "bob@example.com"),
		emailTrigger(f, "signed-up", "cy@example.com"),
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("trigger %d: %v", i, err)
		}
	}

	perContact := jobsPerEmail(t, f)
	want := map[string]int{"ann@example.com": 1, "bob@example.com": 1, "cy@example.com": 1}
	if !reflect.DeepEqual(perContact, want) {
		t.Errorf("jobs per contact = %v, want %v", perContact, want)
	}
	if jobs := readJobs(t, f); jobs[0].OccurrenceID != first.ID {
		t.Errorf("Ann's job is for occurrence %d, want the first one, %d", jobs[0].OccurrenceID, first.ID)
	}
}

func TestEnqueueOncePerDays(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 7,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "x"}}},
	})
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		after   time.Duration
		enqueue bool
	}{
		{0, true},
		{3 * 24 * time.Hour, false},
		{7*24*time.Hour - time.Second, false},
		{7 * 24 * time.Hour, true},
		{8 * 24 * time.Hour, false},
		{20 * 24 * time.Hour, true},
	}
	for _, c := range cases {
		trigger := emailTrigger(f, "signed-up", "ann@example.com")
		trigger.OccurredAt = start.Add(c.after)
		o := record(t, f, trigger)
		var jobs int
		if err := f.Store.DB().NewRaw("SELECT count(*) FROM action_jobs WHERE occurrence_id = ?", o.ID).Scan(context.Background(), &jobs); err != nil {
			t.Fatal(err)
		}
		if got := jobs == 1; got != c.enqueue {
			t.Errorf("occurrence %s after the first: enqueued = %v, want %v", c.after, got, c.enqueue)
		}
	}
}

// TestEnqueueOncePerContactConcurrent records one contact's event from
// many goroutines at once, half through the ingester's batches and half
// directly: the gate lets exactly one occurrence through.
func TestEnqueueOncePerContactConcurrent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "x"}}},
	})
	direct := db.NewStore(f.Store.DB())
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 4, MaxBatch: 8})
	defer stop()

	const calls = 40
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := f.Store
			if i%2 == 1 {
				store = direct
			}
			email := "ann@example.com"
			if i%3 == 0 {
				email = "ANN@example.com"
			}
			_, err := store.RecordEvent(ctx, emailTrigger(f, "signed-up", strings.ToLower(email)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	if n := dbtest.Count(t, f.Store.DB(), "event_occurrences"); n != calls {
		t.Errorf("occurrences = %d, want %d", n, calls)
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_jobs"); n != 1 {
		t.Errorf("action jobs = %d, want 1", n)
	}
}

// TestEnqueueEveryInsertPath checks that occurrences written one by one
// in a batch (keyed triggers), by the bulk statement and by plain SQL all
// get their jobs, and that a trigger that fails in a batch leaves no job.
func TestEnqueueEveryInsertPath(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode:     apitype.ActionModeOnTheFly,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAddTag, Value: "x"}}},
	})
	record(t, f, db.Trigger{AccountID: f.Account.ID, Slug: "signed-up", Email: "used@example.com", Source: db.SourceAPI, IdempotencyKey: "k1"})

	triggers := []db.Trigger{
		emailTrigger(f, "signed-up", "a@example.com"),
		emailTrigger(f, "signed-up", "b@example.com"),
		{AccountID: f.Account.ID, Slug: "signed-up", VisitorID: "0123456789abcdef0123456789abcdef", Source: db.SourceBeacon},
		{AccountID: f.Account.ID, Slug: "signed-up", Email: "c@example.com", Source: db.SourceAPI, IdempotencyKey: "k2"},
		// Reusing k1 with other input fails and stores nothing.
		{AccountID: f.Account.ID, Slug: "signed-up", Email: "other@example.com", Source: db.SourceAPI, IdempotencyKey: "k1"},
	}
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, triggers)
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("trigger %d: %v", i, errs[i])
		}
	}
	if errs[4] == nil {
		t.Fatalf("trigger 4 reused an idempotency key with other input and was stored as occurrence %d", occurrences[4].ID)
	}
	exec(t, f, `INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
		SELECT account_id, custom_event_id, contact_id, now(), 'api' FROM event_occurrences ORDER BY id LIMIT 1`)

	var orphans int
	err := f.Store.DB().NewRaw(`SELECT count(*) FROM event_occurrences o WHERE NOT EXISTS (
		SELECT 1 FROM action_jobs j JOIN action_runs r ON r.occurrence_id = j.occurrence_id WHERE j.occurrence_id = o.id)`).
		Scan(ctx, &orphans)
	if err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("occurrences without a job and run = %d, want 0", orphans)
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_jobs"); n != 6 {
		t.Errorf("action jobs = %d, want 6: one per stored occurrence", n)
	}
}

func jobsPerEmail(t *testing.T, f *dbtest.Fixture) map[string]int {
	t.Helper()
	var rows []struct {
		Email string `bun:"email"`
		Jobs  int    `bun:"jobs"`
	}
	err := f.Store.DB().NewRaw(`
		SELECT c.email, count(*) AS jobs FROM action_jobs j
		JOIN event_occurrences o ON o.id = j.occurrence_id JOIN contacts c ON c.id = o.contact_id
		GROUP BY c.email`).Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Email] = r.Jobs
	}
	return out
}

func exec(t *testing.T, f *dbtest.Fixture, query string, args ...any) {
	t.Helper()
	if _, err := f.Store.DB().NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestEraseContactRemovesActionTraces erases a contact whose occurrences
// enqueued actions: the snapshots, runs, gates, lists and tags go too.
func TestEraseContactRemovesActionTraces(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "signed-up")
	list := dbtest.CreateList(t, f.Store.DB(), f.Account.ID, "Leads")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{
			{Type: apitype.ActionAddTag, Value: "lead"},
			{Type: apitype.ActionAddToList, ListID: list},
			{Type: apitype.ActionWebhook, URL: "https://hooks.example.com/"},
		}},
	})
	o := record(t, f, emailTrigger(f, "signed-up", "ann@example.com"))
	if _, err := f.Store.ClaimActions(ctx, policy("w", time.Hour, 3), db.MaxClaimBatch); err != nil {
		t.Fatal(err)
	}

	before := findTraces(t, f, "ann@example.com", o.ContactID)
	wantBefore := []string{
		"action_frequency.contact_id", "action_jobs.snapshot", "contact_list_members.contact_id", "contact_tags.contact_id",
		"contacts.email", "contacts.id", "event_contact_days.contact_id", "event_contact_totals.contact_id",
		"event_occurrences.contact_id",
	}
	if !reflect.DeepEqual(before, wantBefore) {
		t.Fatalf("columns with traces before erasure = %v, want %v", before, wantBefore)
	}
	if _, err := f.Store.EraseContact(ctx, f.Account.ID, "ann@example.com", "admin@example.com"); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if after := findTraces(t, f, "ann@example.com", o.ContactID); len(after) != 0 {
		t.Errorf("columns with traces after erasure = %v, want none", after)
	}
	for _, table := range []string{"action_jobs", "action_runs", "action_frequency"} {
		if n := dbtest.Count(t, f.Store.DB(), table); n != 0 {
			t.Errorf("%s rows after erasure = %d, want 0", table, n)
		}
	}
}
