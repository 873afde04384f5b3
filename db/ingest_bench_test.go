package db_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// BenchmarkRecordBatch measures what one batch of triggers costs the
// ingester, per event, for the batch sizes that the ingester forms under
// load, and reports the median time per event. In "new-visitors" every
// trigger comes from a new beacon visitor, so each one creates an
// anonymous contact and a visitor, as in make bench-ingest. In
// "repeat-contacts" the triggers cycle through 1,000 emails, so most of
// them add to a contact-day row that exists. "returning-contacts" cycles
// through the same emails, a day later on each pass, so most triggers add
// a contact-day row after the contact's previous one.
func BenchmarkRecordBatch(b *testing.B) {
	returningStart := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	kinds := []struct {
		name    string
		trigger func(accountID int64, n int) db.Trigger
	}{
		{"new-visitors", func(accountID int64, n int) db.Trigger {
			return db.Trigger{AccountID: accountID, Slug: "bench", Source: db.SourceBeacon,
				VisitorID: fmt.Sprintf("%032x", n), PageURL: "https://www.example.com/p"}
		}},
		{"repeat-contacts", func(accountID int64, n int) db.Trigger {
			return db.Trigger{AccountID: accountID, Slug: "bench", Source: db.SourceAPI,
				Email: fmt.Sprintf("c%d@example.com", n%1000)}
		}},
		{"returning-contacts", func(accountID int64, n int) db.Trigger {
			return db.Trigger{AccountID: accountID, Slug: "bench", Source: db.SourceAPI,
				Email:      fmt.Sprintf("c%d@example.com", n%1000),
				OccurredAt: returningStart.AddDate(0, 0, n/1000)}
		}},
	}
	for _, kind := range kinds {
		for _, batchSize := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", kind.name, batchSize), func(b *testing.B) {
				ctx := context.Background()
				f := dbtest.NewFixture(b)
				if _, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Bench", Slug: "bench"}); err != nil {
					b.Fatal(err)
				}
				batch := make([]db.Trigger, batchSize)
				perEvent := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for n := range b.N {
					for j := range batch {
						batch[j] = kind.trigger(f.Account.ID, n*batchSize+j)
					}
					start := time.Now()
					_, errs := f.Store.RecordEvents(ctx, discardLog, batch)
					perEvent = append(perEvent, time.Since(start)/time.Duration(batchSize))
					for _, err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				slices.Sort(perEvent)
				b.ReportMetric(float64(perEvent[len(perEvent)/2].Microseconds()), "µs/event")
				if n := dbtest.Count(b, f.Store.DB(), "event_occurrences"); n != b.N*batchSize {
					b.Fatalf("occurrences = %d, want %d", n, b.N*batchSize)
				}
			})
		}
	}
}

// BenchmarkIngester measures the ingester's own path: one worker, beacon
// triggers of new visitors, which it writes in batches of simple triggers
// outside a transaction, with 1 and 16 concurrent callers. It reports the
// wall time per event and the average batch size.
func BenchmarkIngester(b *testing.B) {
	for _, callers := range []int{1, 16} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			ctx := context.Background()
			f := dbtest.NewFixture(b)
			if _, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Bench", Slug: "bench"}); err != nil {
				b.Fatal(err)
			}
			stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1})
			defer stop()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range callers {
				wg.Go(func() {
					for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
						_, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "bench", Source: db.SourceBeacon,
							VisitorID: fmt.Sprintf("%032x", n), PageURL: "https://www.example.com/p"})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			stats := f.Store.IngestStats()
			b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N), "µs/event")
			b.ReportMetric(float64(stats.Triggers)/float64(max(stats.Batches, 1)), "events/batch")
		})
	}
}
