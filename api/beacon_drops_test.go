package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db/dbtest"
)

// newTestDrops returns a beaconDrops over a new database, and the
// database's fixture.
func newTestDrops(t *testing.T) (*beaconDrops, *dbtest.Fixture) {
	t.Helper()
	f := dbtest.NewFixture(t)
	drops := &beaconDrops{store: f.Store, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Cleanup(func() {
		if err := drops.close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return drops, f
}

// dropLines formats drops as "count × reason", in order.
func dropLines(drops []apitype.BeaconDrop) []string {
	lines := []string{}
	for _, drop := range drops {
		lines = append(lines, fmt.Sprintf("%d × %s", drop.Count, drop.Reason))
	}
	return lines
}

func TestBeaconDropsKeepLatest(t *testing.T) {
	drops, f := newTestDrops(t)
	accountID := f.Account.ID
	ctx := context.Background()
	start := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for i := range 12 {
		drops.add(accountID, start.Add(time.Duration(i)*time.Minute), fmt.Sprintf("reason %d", i))
	}
	// The same reason again takes no second entry.
	drops.add(accountID, start.Add(11*time.Minute), "reason 10")

	got, err := drops.recent(ctx, accountID, start.Add(70*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// Ten reasons are kept, and those over an hour old at 11:10 are left
	// out.
	if want := []string{"2 × reason 10", "1 × reason 11"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("recent drops = %q, want %q", dropLines(got), want)
	}
	all, err := drops.recent(ctx, accountID, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != apitype.MaxBeaconDrops {
		t.Errorf("drops kept = %d, want %d", len(all), apitype.MaxBeaconDrops)
	}
	if all[len(all)-1].Reason != "reason 2" {
		t.Errorf("oldest kept = %q, want reason 2", all[len(all)-1].Reason)
	}

	// Later flushes add to the stored counts and keep ten reasons.
	drops.add(accountID, start.Add(12*time.Minute), "reason 12")
	drops.add(accountID, start.Add(13*time.Minute), "reason 11")
	got, err = drops.recent(ctx, accountID, start.Add(70*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2 × reason 11", "1 × reason 12", "2 × reason 10"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("recent drops after a second flush = %q, want %q", dropLines(got), want)
	}
	if n := dbtest.Count(t, drops.store.DB(), "beacon_drops"); n != apitype.MaxBeaconDrops {
		t.Errorf("stored reasons = %d, want %d", n, apitype.MaxBeaconDrops)
	}
}

func TestBeaconDropsOfOtherAccount(t *testing.T) {
	drops, f := newTestDrops(t)
	ctx := context.Background()
	other := f.AddAccount(t, "Other Company")
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	drops.add(other, at, "other account")

	got, err := drops.recent(ctx, f.Account.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("drops of an account without any = %#v, want an empty list", got)
	}
	got, err = drops.recent(ctx, other, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 × other account"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("drops of the other account = %q, want %q", dropLines(got), want)
	}
}

// TestBeaconDropsFromTwoProcesses stands for two server processes over one
// database: each lists the other's drops, and their counts add up.
func TestBeaconDropsFromTwoProcesses(t *testing.T) {
	first, f := newTestDrops(t)
	accountID := f.Account.ID
	second := &beaconDrops{store: first.store, log: first.log}
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	first.add(accountID, at, "wrong slug")
	second.add(accountID, at.Add(time.Second), "wrong slug")
	second.add(accountID, at.Add(2*time.Second), "wrong origin")
	if err := second.close(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := first.recent(ctx, accountID, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 × wrong origin", "2 × wrong slug"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("recent drops = %q, want %q", dropLines(got), want)
	}
	if !got[1].At.Equal(at.Add(time.Second)) {
		t.Errorf("wrong slug last at %v, want %v", got[1].At, at.Add(time.Second))
	}
}

// TestBeaconDropsCountAgainAfterQuietHour checks that a reason without
// drops for over an hour starts a new count.
func TestBeaconDropsCountAgainAfterQuietHour(t *testing.T) {
	drops, f := newTestDrops(t)
	accountID := f.Account.ID
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	drops.add(accountID, at, "wrong slug")
	drops.add(accountID, at.Add(time.Minute), "wrong slug")
	if err := drops.flush(ctx); err != nil {
		t.Fatal(err)
	}
	drops.add(accountID, at.Add(59*time.Minute), "wrong origin")
	drops.add(accountID, at.Add(time.Minute+apitype.BeaconDropWindow), "wrong origin")
	drops.add(accountID, at.Add(2*time.Minute+apitype.BeaconDropWindow), "wrong slug")

	got, err := drops.recent(ctx, accountID, at.Add(2*time.Minute+apitype.BeaconDropWindow))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 × wrong slug", "2 × wrong origin"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("recent drops = %q, want %q", dropLines(got), want)
	}
}

// TestBeaconDropsScheduledFlush checks that drops reach the database
// without a call of recent or close, so that other processes list them.
func TestBeaconDropsScheduledFlush(t *testing.T) {
	drops, f := newTestDrops(t)
	accountID := f.Account.ID
	ctx := context.Background()
	at := time.Now().UTC()
	drops.add(accountID, at, "wrong slug")

	// The flush is due after beaconDropFlushDelay, so the loop polls the
	// table, not recent, which would flush itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		stored, err := drops.store.RecentBeaconDrops(ctx, accountID, at.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) == 1 {
			if stored[0].Reason != "wrong slug" || stored[0].Count != 1 {
				t.Errorf("stored drop = %+v, want 1 × wrong slug", stored[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drop stored within 10s of a flush delay of %s", beaconDropFlushDelay)
		}
		time.Sleep(20 * time.Millisecond)
	}
	drops.mu.Lock()
	defer drops.mu.Unlock()
	if drops.timer != nil || len(drops.pending) != 0 {
		t.Errorf("after the flush: timer %v, %d accounts pending, want neither", drops.timer, len(drops.pending))
	}
}

func TestBeaconDropsCleanReason(t *testing.T) {
	drops, f := newTestDrops(t)
	accountID := f.Account.ID
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	drops.add(accountID, at.Add(time.Second), "from https://a\u202eexample\x00\xff")
	drops.add(accountID, at, strings.Repeat("é", 400))

	got, err := drops.recent(context.Background(), accountID, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := "from https://a\uFFFDexample\uFFFD\uFFFD"; got[0].Reason != want {
		t.Errorf("reason = %q, want %q", got[0].Reason, want)
	}
	if want := strings.Repeat("é", 299) + "…"; got[1].Reason != want {
		t.Errorf("long reason has %d runes, want 300 ending in an ellipsis", len([]rune(got[1].Reason)))
	}
}

// TestBeaconDropsConcurrentFlushes runs flushes of four processes at once,
// each adding and trimming reasons of one account, and checks that every
// flush succeeds.
func TestBeaconDropsConcurrentFlushes(t *testing.T) {
	first, f := newTestDrops(t)
	at := time.Now().UTC()
	var wg sync.WaitGroup
	errs := make(chan error, 4*20)
	for process := range 4 {
		drops := &beaconDrops{store: first.store, log: first.log}
		wg.Go(func() {
			for round := range 20 {
				for i := range apitype.MaxBeaconDrops {
					drops.add(f.Account.ID, at.Add(time.Duration(round)*time.Second), fmt.Sprintf("reason %d", (process+round+i)%15))
				}
				errs <- drops.flush(context.Background())
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := dbtest.Count(t, first.store.DB(), "beacon_drops"); n != apitype.MaxBeaconDrops {
		t.Errorf("stored reasons = %d, want %d", n, apitype.MaxBeaconDrops)
	}
}

// TestBeaconDropsStatusOfGoneClient checks that a status request whose
// client went away, which cancels its context, still stores the drops
// that its flush took, which are those of every account.
func TestBeaconDropsStatusOfGoneClient(t *testing.T) {
	drops, f := newTestDrops(t)
	other := f.AddAccount(t, "Other Company")
	at := time.Now().UTC()
	drops.add(other, at, "other account")

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := drops.recent(canceled, f.Account.ID, at); !errors.Is(err, context.Canceled) {
		t.Errorf("recent with a canceled context: %v, want context.Canceled", err)
	}
	stored, err := drops.store.RecentBeaconDrops(context.Background(), other, at.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 × other account"}; !slices.Equal(dropLines(stored), want) {
		t.Errorf("stored drops of the other account = %q, want %q", dropLines(stored), want)
	}
}

// TestBeaconDropsKeptAfterFailedWrite checks that drops whose write failed
// go back to the pending ones, merged with drops added meanwhile, and that
// the next flush stores them.
func TestBeaconDropsKeptAfterFailedWrite(t *testing.T) {
	drops, f := newTestDrops(t)
	// PostgreSQL keeps microseconds.
	at := time.Now().UTC().Truncate(time.Second)
	drops.add(f.Account.ID, at, "wrong slug")
	drops.add(f.Account.ID, at, "wrong slug")

	failing, cancel := context.WithCancel(context.Background())
	cancel()
	if err := drops.flush(failing); err == nil || !strings.Contains(err.Error(), "drops of 1 accounts kept for the next attempt") {
		t.Errorf("flush with a canceled context: %v, want the drops kept", err)
	}
	drops.mu.Lock()
	scheduled := drops.timer != nil
	drops.mu.Unlock()
	if !scheduled {
		t.Error("no flush scheduled after the failed one")
	}
	drops.add(f.Account.ID, at.Add(time.Second), "wrong slug")

	got, err := drops.recent(context.Background(), f.Account.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"3 × wrong slug"}; !slices.Equal(dropLines(got), want) {
		t.Errorf("recent drops = %q, want %q", dropLines(got), want)
	}
	if !got[0].At.Equal(at.Add(time.Second)) {
		t.Errorf("last at %v, want %v", got[0].At, at.Add(time.Second))
	}
}
