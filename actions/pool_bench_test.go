package actions_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"customevents/actions"
	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// BenchmarkPoolDrain enqueues a backlog of occurrences and measures how
// fast a pool with default workers runs their actions. One op is one
// action run.
func BenchmarkPoolDrain(b *testing.B) {
	plans := []struct {
		name    string
		actions func(url string) []apitype.Action
	}{
		{"score", func(string) []apitype.Action {
			return []apitype.Action{{Type: apitype.ActionAdjustScore, Delta: 1}}
		}},
		{"webhook", func(url string) []apitype.Action {
			return []apitype.Action{{Type: apitype.ActionWebhook, URL: url, Secret: "bench-secret-0123456789"}}
		}},
	}
	for _, plan := range plans {
		b.Run(plan.name, func(b *testing.B) {
			f := dbtest.NewFixture(b)
			ctx := context.Background()
			rc := newReceiver(b, nil)
			event, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Bench", Slug: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			dbtest.SetEventActions(b, f.Store.DB(), event.ID, apitype.EventActions{
				Mode: apitype.ActionModeOnTheFly, OnTheFly: apitype.ActionList{Global: plan.actions(rc.URL)},
			})
			var triggers []db.Trigger
			for i := range b.N {
				triggers = append(triggers, db.Trigger{AccountID: f.Account.ID, Slug: "bench", Email: fmt.Sprintf("c%d@example.com", i%500), Source: db.SourceAPI})
			}
			if _, errs := f.Store.RecordEvents(ctx, discard, triggers); len(errs) > 0 && errs[0] != nil {
				b.Fatal(errs[0])
			}
			cfg := testConfig()
			cfg.Workers = 4
			b.ResetTimer()
			pool := actions.Start(ctx, f.Store, discard, cfg)
			for {
				counts, err := f.Store.ActionRunCounts(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if counts[apitype.RunPending] == 0 && counts[apitype.RunFailed] == 0 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			pool.Stop()
		})
	}
}
