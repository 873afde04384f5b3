package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
)

func TestBeaconDropsKeepLatest(t *testing.T) {
	var drops beaconDrops
	start := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for i := range 12 {
		drops.add(1, start.Add(time.Duration(i)*time.Minute), fmt.Sprintf("reason %d", i))
	}
	drops.add(2, start, "other account")
	// The same reason again takes no second entry.
	drops.add(1, start.Add(11*time.Minute), "reason 10")

	got := drops.recent(1, start.Add(70*time.Minute))
	var reasons []string
	for _, drop := range got {
		reasons = append(reasons, drop.Reason)
	}
	// Ten reasons are kept, and those over an hour old at 11:10 are left
	// out.
	want := []string{"reason 10", "reason 11"}
	if strings.Join(reasons, ",") != strings.Join(want, ",") {
		t.Errorf("recent drops = %q, want %q", reasons, want)
	}
	if got[0].Count != 2 || got[1].Count != 1 {
		t.Errorf("counts = %d and %d, want 2 and 1", got[0].Count, got[1].Count)
	}
	if n := len(drops.recent(1, start)); n != apitype.MaxBeaconDrops {
		t.Errorf("drops kept = %d, want %d", n, apitype.MaxBeaconDrops)
	}
	if got := drops.recent(3, start); got == nil || len(got) != 0 {
		t.Errorf("drops of an account without any = %#v, want an empty list", got)
	}
}

func TestBeaconDropsCleanReason(t *testing.T) {
	var drops beaconDrops
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	drops.add(1, at, "from https://a\u202eexample\x00\xff")
	drops.add(1, at, strings.Repeat("é", 400))

	got := drops.recent(1, at)
	if want := strings.Repeat("é", 299) + "…"; got[0].Reason != want {
		t.Errorf("long reason has %d runes, want 300 ending in an ellipsis", len([]rune(got[0].Reason)))
	}
	if want := "from https://a\uFFFDexample\uFFFD\uFFFD"; got[1].Reason != want {
		t.Errorf("reason = %q, want %q", got[1].Reason, want)
	}
}
