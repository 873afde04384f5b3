package actions_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"customevents/actions"
	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func TestPoolAppliesDatabaseActions(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	createEvent(t, f, "other")
	keep := dbtest.CreateList(t, bdb, f.Account.ID, "Keep")
	join := dbtest.CreateList(t, bdb, f.Account.ID, "Join")
	leave := dbtest.CreateList(t, bdb, f.Account.ID, "Leave")

	// The contact exists with a list and a tag that the actions remove.
	o := record(t, f, "other", "ann@example.com")
	contactID := o.ContactID
	_, err := bdb.NewRaw(`
		INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?), (?, ?, ?);
		INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, 'old'), (?, ?, 'kept');
		UPDATE contacts SET custom_fields = '{"size": "50"}', lead_score = 3 WHERE id = ?`,
		f.Account.ID, keep, contactID, f.Account.ID, leave, contactID,
		f.Account.ID, contactID, f.Account.ID, contactID, contactID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 7},
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: -2},
		// Set fields are stored in NFC, as names from events are.
		apitype.Action{Type: apitype.ActionSetField, Field: "first_name", Value: "Zoe\u0308"},
		apitype.Action{Type: apitype.ActionSetField, Field: "job_title", Value: "CTO"},
		apitype.Action{Type: apitype.ActionSetField, Field: "custom.plan", Value: "pro"},
		apitype.Action{Type: apitype.ActionSetStage, Value: "mql"},
		apitype.Action{Type: apitype.ActionAddToList, ListID: join},
		apitype.Action{Type: apitype.ActionRemoveFromList, ListID: leave},
		apitype.Action{Type: apitype.ActionAddTag, Value: " VIP "},
		apitype.Action{Type: apitype.ActionRemoveTag, Value: "old"},
	)
	occurrence := record(t, f, "signed-up", "ann@example.com")

	startPool(t, ctx, f.Store, testConfig())
	counts := waitSettled(t, f.Store, 10*time.Second)
	if counts[apitype.RunSucceeded] != 10 {
		t.Errorf("run outcomes = %v, want 10 succeeded", counts)
	}

	c := loadContact(t, f, contactID)
	if c.LeadScore != 8 {
		t.Errorf("lead score = %d, want 3 + 7 - 2 = 8", c.LeadScore)
	}
	if c.FirstName != "Zo\u00eb" || c.JobTitle != "CTO" || c.LifecycleStage != "mql" {
		t.Errorf("first name, job title, stage = %+q, %q, %q; want Zo\u00eb, CTO, mql", c.FirstName, c.JobTitle, c.LifecycleStage)
	}
	if want := map[string]string{"size": "50", "plan": "pro"}; !reflect.DeepEqual(c.CustomFields, want) {
		t.Errorf("custom fields = %v, want %v", c.CustomFields, want)
	}
	var lists []int64
	if err := bdb.NewRaw("SELECT list_id FROM contact_list_members WHERE contact_id = ? ORDER BY list_id", contactID).Scan(ctx, &lists); err != nil {
		t.Fatal(err)
	}
	if want := []int64{keep, join}; !reflect.DeepEqual(lists, want) {
		t.Errorf("lists = %v, want %v", lists, want)
	}
	var tags []string
	if err := bdb.NewRaw("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag", contactID).Scan(ctx, &tags); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kept", "vip"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags = %v, want %v", tags, want)
	}

	runs := occurrenceRuns(t, f, occurrence)
	for i, run := range runs {
		if run.Position != i || run.Outcome != apitype.RunSucceeded || run.Attempts != 1 || run.Error != "" || run.NextAttemptAt != nil {
			t.Errorf("run %d = %+v, want position %d succeeded after 1 attempt", i, run, i)
		}
	}
}

func TestPoolDeadOnMissingList(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionAddToList, ListID: 999999},
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 4})
	o := record(t, f, "signed-up", "ann@example.com")

	startPool(t, context.Background(), f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	runs := occurrenceRuns(t, f, o)
	want := "list 999999 was not found in this account: choose another list for the action"
	if runs[0].Outcome != apitype.RunDead || runs[0].Attempts != 1 || runs[0].Error != want {
		t.Errorf("list run = %+v, want dead after 1 attempt with error %q", runs[0], want)
	}
	// The failed action rolled back alone; the other one ran.
	if runs[1].Outcome != apitype.RunSucceeded {
		t.Errorf("score run = %+v, want succeeded", runs[1])
	}
	if c := loadContact(t, f, o.ContactID); c.LeadScore != 4 {
		t.Errorf("lead score = %d, want 4", c.LeadScore)
	}
}

func TestPoolSendsSignedWebhook(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	rc := newReceiver(t, nil)
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 10},
		apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL + "/hook?token=abc", Secret: "s3cret"})
	_, err := f.Store.DB().NewRaw("INSERT INTO contacts (account_id, email, first_name, last_name, company, lead_score, lifecycle_stage) VALUES (?, 'ann@example.com', 'Ann', 'Lee', 'Acme', 20, 'lead')", f.Account.ID).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o := record(t, f, "signed-up", "ann@example.com")

	startPool(t, context.Background(), f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("deliveries = %d, want 1", len(got))
	}
	d := got[0]
	wantID := fmt.Sprintf("%d-1", o.ID)
	if d.ID != wantID {
		t.Errorf("delivery id header = %q, want %q", d.ID, wantID)
	}
	ts, err := strconv.ParseInt(d.Timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)) > time.Minute {
		t.Errorf("timestamp header = %q, want the Unix time of the request", d.Timestamp)
	}
	if want := actions.Sign("s3cret", ts, d.Body); d.Signature != want {
		t.Errorf("signature = %q, want %q", d.Signature, want)
	}

	email := "ann@example.com"
	want := actions.WebhookPayload{
		DeliveryID: wantID,
		Event: actions.WebhookEvent{
			Slug: "signed-up", Name: "Event signed-up",
			PageURL: "https://www.example.com/pricing", Metadata: map[string]any{"plan": "pro", "seats": 5.0},
		},
		// The snapshot is taken before the score action runs.
		Contact: actions.WebhookContact{ID: o.ContactID, Email: &email, FirstName: "Ann", LastName: "Lee", Company: "Acme", LeadScore: 20, LifecycleStage: "lead"},
	}
	p := decodePayload(t, d.Body)
	if !p.Event.OccurredAt.Equal(o.OccurredAt.Round(time.Microsecond)) {
		t.Errorf("occurredAt = %s, want %s", p.Event.OccurredAt, o.OccurredAt)
	}
	p.Event.OccurredAt = time.Time{}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("body = %+v\nwant %+v", p, want)
	}
	if c := loadContact(t, f, o.ContactID); c.LeadScore != 30 {
		t.Errorf("lead score = %d, want 30", c.LeadScore)
	}
}

func TestPoolRetriesWebhookWithSameDeliveryID(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	onTheFly(t, f, event.ID, apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL, Secret: "k"})
	o := record(t, f, "signed-up", "ann@example.com")

	_, logs := startPool(t, context.Background(), f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	got := rc.received()
	if len(got) != 3 {
		t.Fatalf("deliveries = %d, want 3", len(got))
	}
	for i, d := range got {
		if d.ID != got[0].ID || string(d.Body) != string(got[0].Body) {
			t.Errorf("delivery %d: id %q and body %s differ from the first: %q, %s", i+1, d.ID, d.Body, got[0].ID, got[0].Body)
		}
	}
	runs := occurrenceRuns(t, f, o)
	if len(runs) != 1 || runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 3 || runs[0].Error != "" {
		t.Errorf("runs = %+v, want one succeeded after 3 attempts", runs)
	}
	if !logs.contains(`msg="action run failed; retrying later"`) {
		t.Errorf("log has no retry line")
	}
}

func TestPoolDeadAfterMaxAttempts(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusInternalServerError })
	onTheFly(t, f, event.ID, apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL + "/secret-path"})
	o := record(t, f, "signed-up", "ann@example.com")

	cfg := testConfig()
	cfg.MaxAttempts = 3
	_, logs := startPool(t, context.Background(), f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)

	if n := len(rc.received()); n != 3 {
		t.Errorf("deliveries = %d, want 3", n)
	}
	runs := occurrenceRuns(t, f, o)
	host := strings.TrimPrefix(rc.URL, "http://")
	want := "webhook to " + host + " returned status 500"
	if len(runs) != 1 || runs[0].Outcome != apitype.RunDead || runs[0].Attempts != 3 || runs[0].Error != want {
		t.Errorf("runs = %+v, want one dead after 3 attempts with error %q", runs, want)
	}
	if !logs.contains(`msg="action run dead: no more attempts"`) {
		t.Errorf("log has no dead-run line")
	}
	if logs.contains("secret-path") {
		t.Errorf("log contains the webhook URL's path")
	}
}

func TestPoolRejectsInternalWebhookTarget(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	rc := newReceiver(t, nil)
	port := rc.URL[strings.LastIndexByte(rc.URL, ':')+1:]
	// localhost is a name, so only the address that the dialer gets
	// after resolving it can show that it is loopback.
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionWebhook, URL: rc.URL},
		apitype.Action{Type: apitype.ActionWebhook, URL: "http://localhost:" + port + "/"})
	o := record(t, f, "signed-up", "ann@example.com")

	cfg := testConfig()
	cfg.WebhookAllowPrivate = false
	startPool(t, context.Background(), f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)

	if n := len(rc.received()); n != 0 {
		t.Errorf("deliveries = %d, want 0", n)
	}
	for _, run := range occurrenceRuns(t, f, o) {
		if run.Outcome != apitype.RunDead || run.Attempts != 1 {
			t.Errorf("run %d = %+v, want dead after 1 attempt", run.Position, run)
		}
		if !strings.Contains(run.Error, "is a loopback address. Set CE_WEBHOOK_ALLOW_PRIVATE=1 to allow internal targets") {
			t.Errorf("run %d error = %q, want the loopback rejection", run.Position, run.Error)
		}
	}
}

func TestPoolSendsNotificationEmail(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	sink := newSMTPSink(t)
	onTheFly(t, f, event.ID, apitype.Action{Type: apitype.ActionNotifyEmail, To: []string{"sales@example.com", "Boss <boss@example.com>", "j\u00f6rg@b\u00fccher.example"}, Subject: "New sign-up\r\nBcc: evil@example.com"})
	_, err := f.Store.DB().NewRaw("INSERT INTO contacts (account_id, email, first_name, company, lead_score) VALUES (?, 'ann@example.com', 'Ann', 'Acme', 12)", f.Account.ID).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o := record(t, f, "signed-up", "ann@example.com")

	cfg := testConfig()
	cfg.SMTP = actions.SMTPConfig{Addr: sink.addr(), From: "events@ce.example.com"}
	startPool(t, context.Background(), f.Store, cfg)
	waitSettled(t, f.Store, 10*time.Second)

	var m sinkMessage
	select {
	case m = <-sink.messages:
	default:
		t.Fatal("the SMTP sink received no message")
	}
	if m.From != "events@ce.example.com" {
		t.Errorf("MAIL FROM = %q, want events@ce.example.com", m.From)
	}
	if want := []string{"sales@example.com", "boss@example.com", "j\u00f6rg@xn--bcher-kva.example"}; !slices.Equal(m.To, want) {
		t.Errorf("RCPT TO = %v, want %v", m.To, want)
	}
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if subject != "New sign-up  Bcc: evil@example.com" {
		t.Errorf("subject = %q, want the line breaks replaced by spaces", subject)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Errorf("message has a Bcc header: %q", msg.Header.Get("Bcc"))
	}
	if want := fmt.Sprintf("<ce-%d-0@ce.example.com>", o.ID); msg.Header.Get("Message-Id") != want {
		t.Errorf("Message-ID = %q, want %q", msg.Header.Get("Message-Id"), want)
	}
	body := decodeQuotedPrintable(t, msg)
	for _, line := range []string{
		"Event signed-up (signed-up) was triggered.",
		"Page: https://www.example.com/pricing",
		fmt.Sprintf("Contact: Ann, ann@example.com (id %d)", o.ContactID),
		"Company: Acme",
		"Lead score: 12",
		"Lifecycle stage: subscriber",
	} {
		if !strings.Contains(body, line+"\r\n") {
			t.Errorf("body lacks line %q:\n%s", line, body)
		}
	}
	runs := occurrenceRuns(t, f, o)
	if len(runs) != 1 || runs[0].Outcome != apitype.RunSucceeded || runs[0].Attempts != 1 {
		t.Errorf("runs = %+v, want one succeeded after 1 attempt", runs)
	}
}

func TestPoolModeSwitchRunsEachPlan(t *testing.T) {
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	event := createEvent(t, f, "signed-up")
	setID := dbtest.CreateActionSet(t, bdb, f.Account.ID, "Big", apitype.ActionList{Global: []apitype.Action{
		{Type: apitype.ActionAdjustScore, Delta: 100},
		{Type: apitype.ActionAddTag, Value: "from-set"},
	}})
	onTheFlyPlan := apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 1}}}

	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeOnTheFly, OnTheFly: onTheFlyPlan})
	first := record(t, f, "signed-up", "ann@example.com")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeActionSet, OnTheFly: onTheFlyPlan, ActionSetID: setID})
	second := record(t, f, "signed-up", "ann@example.com")
	dbtest.SetEventActions(t, bdb, event.ID, apitype.EventActions{Mode: apitype.ActionModeNone, OnTheFly: onTheFlyPlan, ActionSetID: 0})
	third := record(t, f, "signed-up", "ann@example.com")

	startPool(t, context.Background(), f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	if c := loadContact(t, f, first.ContactID); c.LeadScore != 101 {
		t.Errorf("lead score = %d, want 1 from the first plan + 100 from the set", c.LeadScore)
	}
	types := func(o *db.EventOccurrence) []string {
		var out []string
		for _, r := range occurrenceRuns(t, f, o) {
			out = append(out, r.ActionType+":"+r.Outcome)
		}
		return out
	}
	if got, want := types(first), []string{"adjust_score:succeeded"}; !slices.Equal(got, want) {
		t.Errorf("runs of the on-the-fly occurrence = %v, want %v", got, want)
	}
	if got, want := types(second), []string{"adjust_score:succeeded", "add_tag:succeeded"}; !slices.Equal(got, want) {
		t.Errorf("runs of the action-set occurrence = %v, want %v", got, want)
	}
	if got := types(third); len(got) != 0 {
		t.Errorf("runs of the occurrence in mode none = %v, want none", got)
	}
}

func TestPoolOncePerContactAppliesOnce(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	dbtest.SetEventActions(t, f.Store.DB(), event.ID, apitype.EventActions{
		Mode: apitype.ActionModeOnTheFly, Frequency: apitype.FrequencyOncePerContact,
		OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 5}}},
	})
	startPool(t, context.Background(), f.Store, testConfig())
	var o *db.EventOccurrence
	for range 3 {
		o = record(t, f, "signed-up", "ann@example.com")
		waitSettled(t, f.Store, 10*time.Second)
	}
	record(t, f, "signed-up", "bob@example.com")
	waitSettled(t, f.Store, 10*time.Second)

	if c := loadContact(t, f, o.ContactID); c.LeadScore != 5 {
		t.Errorf("Ann's lead score = %d, want 5 after three occurrences", c.LeadScore)
	}
	if n := dbtest.Count(t, f.Store.DB(), "action_runs WHERE outcome = 'succeeded'"); n != 2 {
		t.Errorf("succeeded runs = %d, want 2: Ann's first and Bob's", n)
	}
}

func decodeQuotedPrintable(t *testing.T, msg *mail.Message) string {
	t.Helper()
	if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q, want quoted-printable", msg.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestPoolInvalidStoredActionFailsAlone changes a queued action so that
// its delta is text: that run is dead and the other runs of the batch
// still run.
func TestPoolInvalidStoredActionFailsAlone(t *testing.T) {
	f := dbtest.NewFixture(t)
	event := createEvent(t, f, "signed-up")
	onTheFly(t, f, event.ID,
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 10},
		apitype.Action{Type: apitype.ActionAdjustScore, Delta: 4})
	o := record(t, f, "signed-up", "ann@example.com")
	_, err := f.Store.DB().NewRaw(`UPDATE action_runs SET action = '{"type": "adjust_score", "delta": "ten"}' WHERE occurrence_id = ? AND position = 0`, o.ID).
		Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	startPool(t, context.Background(), f.Store, testConfig())
	waitSettled(t, f.Store, 10*time.Second)

	runs := occurrenceRuns(t, f, o)
	if runs[0].Outcome != apitype.RunDead || !strings.HasPrefix(runs[0].Error, "stored action is invalid: ") {
		t.Errorf("run 0 = %+v, want dead with a decode error", runs[0])
	}
	if runs[1].Outcome != apitype.RunSucceeded {
		t.Errorf("run 1 = %+v, want succeeded", runs[1])
	}
	if c := loadContact(t, f, o.ContactID); c.LeadScore != 4 {
		t.Errorf("lead score = %d, want 4", c.LeadScore)
	}
}
