package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// BenchmarkEnqueueTrigger measures what the enqueue trigger adds to
// recording events, for batches of 64 as the ingester writes them and for
// one event per transaction: without the trigger, with it for an event
// without actions, and with it for an event with one global action. The
// three variants take turns on three databases, so load from other
// processes spreads over all of them. It reports the median time per
// event of each. docs/actions.md records a run.
func BenchmarkEnqueueTrigger(b *testing.B) {
	variants := []struct {
		name    string
		trigger bool
		mode    string
	}{
		{"trigger-off", false, apitype.ActionModeNone},
		{"mode-none", true, apitype.ActionModeNone},
		{"one-action", true, apitype.ActionModeOnTheFly},
	}
	for _, batchSize := range []int{64, 1} {
		b.Run(fmt.Sprintf("batch=%d", batchSize), func(b *testing.B) {
			ctx := context.Background()
			stores := make([]*dbtest.Fixture, len(variants))
			for i, v := range variants {
				f := dbtest.NewFixture(b)
				event, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Bench", Slug: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				dbtest.SetEventActions(b, f.Store.DB(), event.ID, apitype.EventActions{
					Mode:     v.mode,
					OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 1}}},
				})
				if !v.trigger {
					if _, err := f.Store.DB().ExecContext(ctx, "ALTER TABLE event_occurrences DISABLE TRIGGER event_occurrences_enqueue_actions"); err != nil {
						b.Fatal(err)
					}
				}
				stores[i] = f
			}

			perEvent := make([][]time.Duration, len(variants))
			batch := make([]db.Trigger, batchSize)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				for i, f := range stores {
					for j := range batch {
						batch[j] = db.Trigger{AccountID: f.Account.ID, Slug: "bench", Email: fmt.Sprintf("c%d@example.com", (n*batchSize+j)%1000), Source: db.SourceAPI}
					}
					start := time.Now()
					if batchSize == 1 {
						if _, err := f.Store.RecordEvent(ctx, batch[0]); err != nil {
							b.Fatal(err)
						}
					} else if _, errs := f.Store.RecordEvents(ctx, discardLog, batch); errs[0] != nil {
						b.Fatal(errs[0])
					}
					perEvent[i] = append(perEvent[i], time.Since(start)/time.Duration(batchSize))
				}
			}
			b.StopTimer()
			for i, v := range variants {
				slices.Sort(perEvent[i])
				b.ReportMetric(float64(perEvent[i][len(perEvent[i])/2].Microseconds()), "µs/event-"+v.name)
			}
			if n := dbtest.Count(b, stores[2].Store.DB(), "action_jobs"); n != b.N*batchSize {
				b.Fatalf("jobs = %d, want %d", n, b.N*batchSize)
			}
		})
	}
}
