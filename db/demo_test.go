package db_test

import (
	"context"
	"slices"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// TestSeedDemoHasReadmeEvent checks the demo data and that the README's
// GraphQL example, which triggers watched-demo-video, works on it.
func TestSeedDemoHasReadmeEvent(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	if err := f.Store.SeedDemo(ctx, f.Account.ID); err != nil {
		t.Fatal(err)
	}
	if got := dbtest.Count(t, f.Store.DB(), "custom_events"); got != 4 {
		t.Errorf("custom events = %d, want 4", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences"); got != 150 {
		t.Errorf("occurrences = %d, want 60 + 45 + 30 + 15 = 150", got)
	}
	if got := dbtest.Count(t, f.Store.DB(), "event_occurrences WHERE channel = ''"); got != 0 {
		t.Errorf("occurrences without a channel = %d, want 0", got)
	}
	// Each channel shows what it came from, as an ingested event does.
	var rows []struct {
		Channel   string `bun:"channel"`
		Referrer  string `bun:"referrer"`
		UTMSource string `bun:"utm_source"`
		UTMMedium string `bun:"utm_medium"`
	}
	if err := f.Store.DB().NewRaw(`SELECT DISTINCT channel, referrer, utm_source, utm_medium FROM event_occurrences ORDER BY 1`).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	var channels []string
	for _, r := range rows {
		channels = append(channels, r.Channel)
		got := apitype.ClassifyChannel(apitype.Attribution{
			UTM:      apitype.UTM{Source: r.UTMSource, Medium: r.UTMMedium},
			Referrer: r.Referrer, PageURL: "https://www.example.com/pricing",
		})
		if string(got) != r.Channel {
			t.Errorf("channel %s with referrer %q and UTM %q/%q, which classify as %s", r.Channel, r.Referrer, r.UTMSource, r.UTMMedium, got)
		}
	}
	want := []string{"DIRECT", "EMAIL", "ORGANIC_SEARCH", "ORGANIC_SOCIAL", "PAID_SEARCH", "REFERRAL"}
	if !slices.Equal(channels, want) {
		t.Errorf("channels = %v, want %v", channels, want)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "contact@example.com", Source: db.SourceAPI}); err != nil {
		t.Errorf("trigger watched-demo-video on demo data: %v", err)
	}
}
