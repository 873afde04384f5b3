package db_test

import (
	"context"
	"testing"

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
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "watched-demo-video", Email: "contact@example.com", Source: db.SourceAPI}); err != nil {
		t.Errorf("trigger watched-demo-video on demo data: %v", err)
	}
}
