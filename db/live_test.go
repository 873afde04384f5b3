package db_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// nextLive returns the subscription's next event, or fails after 10s.
func nextLive(t *testing.T, sub *db.LiveSubscription) db.LiveEvent {
	t.Helper()
	select {
	case event := <-sub.Events():
		return event
	case <-time.After(10 * time.Second):
		t.Fatal("no live event within 10s")
		return db.LiveEvent{}
	}
}

// assertNoLive checks that the subscription holds no event. Events are
// published before RecordEvent returns, so one that was due is there.
func assertNoLive(t *testing.T, sub *db.LiveSubscription) {
	t.Helper()
	select {
	case event := <-sub.Events():
		t.Errorf("unexpected live event %+v", event)
	default:
	}
}

func TestSubscribeLiveReceivesCommittedEvents(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	createEvent(t, f, "watched-demo-video")
	other := createAccount(t, f, "Other Company")
	if _, err := f.Store.CreateCustomEvent(ctx, other, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}

	all, err := f.Store.SubscribeLive(f.Account.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	signups, err := f.Store.SubscribeLive(f.Account.ID, "signup", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer signups.Close()

	at := mustTime(t, "2026-05-01T08:00:00.25Z")
	video, err := f.Store.RecordEvent(ctx, db.Trigger{
		AccountID: f.Account.ID, Slug: "watched-demo-video", VisitorID: "0123456789abcdef0123456789abcdef",
		Source: db.SourceBeacon, PageURL: "https://example.com/demo", Channel: "EMAIL", OccurredAt: at,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := db.LiveEvent{
		AccountID: f.Account.ID, OccurrenceID: video.ID, ContactID: video.ContactID, Slug: "watched-demo-video",
		PageURL: "https://example.com/demo", Channel: "EMAIL", Source: db.SourceBeacon, OccurredAt: at,
	}
	if got := nextLive(t, all); !reflect.DeepEqual(got, want) {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	assertNoLive(t, signups)

	// An unknown slug and another account's event publish nothing.
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "unknown", Email: "ann@example.com", Source: db.SourceAPI}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown slug: error = %v, want not found", err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: other, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	assertNoLive(t, all)
	assertNoLive(t, signups)

	// A repeat of an idempotency key stores nothing and publishes nothing.
	keyed := db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, IdempotencyKey: "order-1"}
	signup, err := f.Store.RecordEvent(ctx, keyed)
	if err != nil {
		t.Fatal(err)
	}
	if got := nextLive(t, signups); got.OccurrenceID != signup.ID || got.Slug != "signup" {
		t.Errorf("filtered event = %+v, want occurrence %d of signup", got, signup.ID)
	}
	if got := nextLive(t, all); got.OccurrenceID != signup.ID {
		t.Errorf("event = %+v, want occurrence %d", got, signup.ID)
	}
	repeat, err := f.Store.RecordEvent(ctx, keyed)
	if err != nil {
		t.Fatal(err)
	}
	if repeat.ID != signup.ID {
		t.Fatalf("repeat stored occurrence %d, want the first, %d", repeat.ID, signup.ID)
	}
	assertNoLive(t, all)
	assertNoLive(t, signups)
	if dropped, gap := all.TakeLosses(); dropped != 0 || gap {
		t.Errorf("losses = %d, %v, want none", dropped, gap)
	}
}

func TestSubscribeLiveThroughIngester(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 2})
	defer stop()
	sub, err := f.Store.SubscribeLive(f.Account.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	occurrence, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextLive(t, sub); got.OccurrenceID != occurrence.ID || got.ContactID != occurrence.ContactID {
		t.Errorf("event = %+v, want occurrence %d of contact %d", got, occurrence.ID, occurrence.ContactID)
	}

	// RecordEvents publishes each chunk after its commit, in input order,
	// and leaves out the triggers that failed.
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, []db.Trigger{
		{AccountID: f.Account.ID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI},
		{AccountID: f.Account.ID, Slug: "nope", Email: "bob@example.com", Source: db.SourceAPI},
		{AccountID: f.Account.ID, Slug: "signup", Email: "carol@example.com", Source: db.SourceAPI},
	})
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], db.ErrNotFound) {
		t.Fatalf("errors = %v, want only the second to fail", errs)
	}
	for _, want := range []int64{occurrences[0].ID, occurrences[2].ID} {
		if got := nextLive(t, sub); got.OccurrenceID != want {
			t.Errorf("event = %+v, want occurrence %d", got, want)
		}
	}
	assertNoLive(t, sub)
}

func TestLiveSubscriptionDropsWhenFull(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	slow, err := f.Store.SubscribeLive(f.Account.ID, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := f.Store.SubscribeLive(f.Account.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()

	triggers := make([]db.Trigger, 5)
	for i := range triggers {
		triggers[i] = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}
	}
	occurrences, errs := f.Store.RecordEvents(ctx, discardLog, triggers)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("trigger %d: %v", i, err)
		}
	}

	// The slow subscription keeps the first two and counts the rest.
	for _, want := range []int64{occurrences[0].ID, occurrences[1].ID} {
		if got := nextLive(t, slow); got.OccurrenceID != want {
			t.Errorf("slow event = %d, want %d", got.OccurrenceID, want)
		}
	}
	assertNoLive(t, slow)
	if dropped, gap := slow.TakeLosses(); dropped != 3 || gap {
		t.Errorf("slow losses = %d, %v, want 3 dropped and no gap", dropped, gap)
	}
	if dropped, _ := slow.TakeLosses(); dropped != 0 {
		t.Errorf("losses after taking them = %d, want 0", dropped)
	}
	// Another subscriber loses nothing.
	for _, o := range occurrences {
		if got := nextLive(t, fast); got.OccurrenceID != o.ID {
			t.Errorf("fast event = %d, want %d", got.OccurrenceID, o.ID)
		}
	}
	if dropped, _ := fast.TakeLosses(); dropped != 0 {
		t.Errorf("fast losses = %d, want 0", dropped)
	}
}

func TestSubscribeLiveLimitPerAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	var subs []*db.LiveSubscription
	for range db.MaxLiveSubscriptions {
		sub, err := f.Store.SubscribeLive(f.Account.ID, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	if _, err := f.Store.SubscribeLive(f.Account.ID, "", 1); !errors.Is(err, db.ErrTooManyLiveSubscriptions) {
		t.Fatalf("subscription over the limit: error = %v, want ErrTooManyLiveSubscriptions", err)
	}
	// Another account has its own limit, and closing frees a place.
	other, err := f.Store.SubscribeLive(f.Account.ID+1, "", 1)
	if err != nil {
		t.Fatalf("other account: %v", err)
	}
	other.Close()
	subs[0].Close()
	subs[0].Close()
	again, err := f.Store.SubscribeLive(f.Account.ID, "", 1)
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	again.Close()
	for _, sub := range subs[1:] {
		sub.Close()
	}
}

// TestLiveNotifyReachesOtherProcess runs two stores on one database, as
// two server processes would, and checks that an event committed through
// one reaches the subscriptions of both, once each.
func TestLiveNotifyReachesOtherProcess(t *testing.T) {
	bdb, dsn := dbtest.NewWithURL(t)
	ctx := context.Background()
	first := db.NewStore(bdb)
	second := openStore(t, dsn)
	res, err := first.Bootstrap(ctx, db.BootstrapConfig{AccountName: "Test Company", AdminEmail: "admin@example.com", AdminPassword: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.CreateCustomEvent(ctx, res.AccountID, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	for _, store := range []*db.Store{first, second} {
		stop, err := store.StartLiveNotify(discardLog, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	local, err := first.SubscribeLive(res.AccountID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	remote, err := second.SubscribeLive(res.AccountID, "signup", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()

	at := mustTime(t, "2026-05-01T08:00:00Z")
	occurrence, err := first.RecordEvent(ctx, db.Trigger{AccountID: res.AccountID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI, PageURL: "https://example.com/", OccurredAt: at})
	if err != nil {
		t.Fatal(err)
	}
	want := db.LiveEvent{
		AccountID: res.AccountID, OccurrenceID: occurrence.ID, ContactID: occurrence.ContactID, Slug: "signup",
		PageURL: "https://example.com/", Channel: "DIRECT", Source: db.SourceAPI, OccurredAt: at,
	}
	if got := nextLive(t, remote); !reflect.DeepEqual(got, want) {
		t.Errorf("other process event = %+v, want %+v", got, want)
	}
	if got := nextLive(t, local); !reflect.DeepEqual(got, want) {
		t.Errorf("own process event = %+v, want %+v", got, want)
	}

	// A second event proves the first was delivered once: the next event
	// on each subscription is the new one.
	next, err := second.RecordEvent(ctx, db.Trigger{AccountID: res.AccountID, Slug: "signup", Email: "bob@example.com", Source: db.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextLive(t, local); got.OccurrenceID != next.ID {
		t.Errorf("own process next event = %d, want %d", got.OccurrenceID, next.ID)
	}
	if got := nextLive(t, remote); got.OccurrenceID != next.ID {
		t.Errorf("other process next event = %d, want %d", got.OccurrenceID, next.ID)
	}
}

func TestLiveNotifyGathersBatches(t *testing.T) {
	bdb, dsn := dbtest.NewWithURL(t)
	ctx := context.Background()
	store := db.NewStore(bdb)
	res, err := store.Bootstrap(ctx, db.BootstrapConfig{AccountName: "Test Company", AdminEmail: "admin@example.com", AdminPassword: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateCustomEvent(ctx, res.AccountID, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	listener := pq.NewListener(dsn, time.Second, time.Second, nil)
	t.Cleanup(func() { listener.Close() })
	if err := listener.Listen("ce_live_events"); err != nil {
		t.Fatal(err)
	}

	// The notifier gathers until it stops, so the three commits below
	// are all queued before it sends.
	db.SetLiveGatherTime(t, time.Hour)
	started, err := store.StartLiveNotify(discardLog, dsn)
	if err != nil {
		t.Fatal(err)
	}
	// A failure before the test stops the notifier stops it at cleanup.
	stop := sync.OnceFunc(started)
	t.Cleanup(stop)
	var want []string
	for _, email := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		occurrence, err := store.RecordEvent(ctx, db.Trigger{AccountID: res.AccountID, Slug: "signup", Email: email, Source: db.SourceAPI})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d:%d", res.AccountID, occurrence.ID))
	}
	stop()

	payloads := notificationsUntilEnd(t, bdb, listener)
	if wantPayloads := []string{strings.Join(want, " ")}; !slices.Equal(payloads, wantPayloads) {
		t.Errorf("notifications = %q, want one with the three events: %q", payloads, wantPayloads)
	}
}

// Batches still queued when the notifier stops are sent before it returns,
// in one payload and in their order. The batches are queued before the
// sending loop starts, so a loop that let Go's select choose between the
// queue and the stop signal would leave some behind in most rounds.
func TestLiveNotifySendsQueuedOnStop(t *testing.T) {
	bdb, dsn := dbtest.NewWithURL(t)
	store := db.NewStore(bdb)
	listener := pq.NewListener(dsn, time.Second, time.Second, nil)
	t.Cleanup(func() { listener.Close() })
	if err := listener.Listen("ce_live_events"); err != nil {
		t.Fatal(err)
	}

	var want []string
	for round := range 10 {
		var batches [][]db.LiveEvent
		var refs []string
		for i := range 3 {
			id := int64(3*round + i + 1)
			batches = append(batches, []db.LiveEvent{{AccountID: 1, OccurrenceID: id}})
			refs = append(refs, fmt.Sprintf("1:%d", id))
		}
		db.SendLiveAfterStop(store, batches)
		want = append(want, strings.Join(refs, " "))
	}

	if payloads := notificationsUntilEnd(t, bdb, listener); !slices.Equal(payloads, want) {
		t.Errorf("notifications = %q, want one per round with its three batches: %q", payloads, want)
	}
}

// notificationsUntilEnd sends an end marker on ce_live_events and returns
// the payloads that listener receives before it.
func notificationsUntilEnd(t *testing.T, bdb *bun.DB, listener *pq.Listener) []string {
	t.Helper()
	if _, err := bdb.ExecContext(context.Background(), "SELECT pg_notify('ce_live_events', 'end')"); err != nil {
		t.Fatal(err)
	}
	var payloads []string
	for {
		select {
		case note := <-listener.NotificationChannel():
			if note == nil {
				t.Fatal("listener reconnected, so notifications may be lost")
			}
			if note.Extra == "end" {
				return payloads
			}
			payloads = append(payloads, note.Extra)
		case <-time.After(30 * time.Second):
			t.Fatalf("notifications = %q, and the end marker did not arrive within 30s", payloads)
		}
	}
}

func openStore(t *testing.T, dsn string) *db.Store {
	t.Helper()
	bdb, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	return db.NewStore(bdb)
}

func TestRecordTestEvent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	sub, err := f.Store.SubscribeLive(f.Account.ID, "signup", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	if _, err := f.Store.RecordTestEvent(ctx, f.Account.ID, "unknown"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown slug: error = %v, want not found", err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts after an unknown slug = %d, want 0", n)
	}

	occurrence, err := f.Store.RecordTestEvent(ctx, f.Account.ID, "signup")
	if err != nil {
		t.Fatal(err)
	}
	if occurrence.Source != db.SourceAPI {
		t.Errorf("source = %q, want api", occurrence.Source)
	}
	if !reflect.DeepEqual(occurrence.Metadata, map[string]any{"test": true}) {
		t.Errorf("metadata = %v, want test: true", occurrence.Metadata)
	}
	contact, err := f.Store.Contact(ctx, f.Account.ID, occurrence.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if contact.Email == nil || *contact.Email != apitype.TestContactEmail {
		t.Errorf("email = %v, want %s", contact.Email, apitype.TestContactEmail)
	}
	if contact.FirstName != "Test" || contact.LastName != "Contact" {
		t.Errorf("name = %q %q, want Test Contact", contact.FirstName, contact.LastName)
	}
	if !reflect.DeepEqual(contact.Tags, []string{"test"}) {
		t.Errorf("tags = %v, want [test]", contact.Tags)
	}
	if got := nextLive(t, sub); got.OccurrenceID != occurrence.ID || got.ContactID != contact.ID {
		t.Errorf("live event = %+v, want occurrence %d of contact %d", got, occurrence.ID, contact.ID)
	}

	// A second test event reuses the contact.
	again, err := f.Store.RecordTestEvent(ctx, f.Account.ID, "signup")
	if err != nil {
		t.Fatal(err)
	}
	if again.ContactID != contact.ID {
		t.Errorf("second test event contact = %d, want %d", again.ContactID, contact.ID)
	}
}

func TestLatestBeaconEvent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	other := createAccount(t, f, "Other Company")
	if _, err := f.Store.CreateCustomEvent(ctx, other, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	latest := func() *db.BeaconEvent {
		t.Helper()
		event, err := f.Store.LatestBeaconEvent(ctx, f.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		return event
	}
	if got := latest(); got != nil {
		t.Fatalf("latest before any event = %+v, want nil", got)
	}

	// API events and another account's beacon events do not count.
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: other, Slug: "signup", VisitorID: "0123456789abcdef0123456789abcdef", Source: db.SourceBeacon}); err != nil {
		t.Fatal(err)
	}
	if got := latest(); got != nil {
		t.Fatalf("latest with only API events = %+v, want nil", got)
	}

	for _, at := range []string{"2026-05-01T08:00:00Z", "2026-05-03T08:00:00.5Z", "2026-05-02T08:00:00Z"} {
		_, err := f.Store.RecordEvent(ctx, db.Trigger{
			AccountID: f.Account.ID, Slug: "signup", VisitorID: "0123456789abcdef0123456789abcdef",
			Source: db.SourceBeacon, PageURL: "https://example.com/" + at, OccurredAt: mustTime(t, at),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want := &db.BeaconEvent{OccurredAt: mustTime(t, "2026-05-03T08:00:00.5Z"), Slug: "signup", PageURL: "https://example.com/2026-05-03T08:00:00.5Z"}
	if got := latest(); !reflect.DeepEqual(got, want) {
		t.Errorf("latest = %+v, want %+v", got, want)
	}
}
