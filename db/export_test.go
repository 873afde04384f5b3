package db

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"customevents/app/apitype"
)

// DrilldownBound returns the min_count, scan_range and read_links that
// event_drilldown_threshold.sql computes for a page in the count order, so
// tests can tell which way EventDrilldown reads the range.
func (s *Store) DrilldownBound(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (minCount int64, scanRange, linksFirst bool, err error) {
	query, err := newDrilldownQuery(account.ID, eventID, days, opts)
	if err != nil {
		return 0, false, false, err
	}
	err = s.db.NewRaw(drilldownThresholdQuery, query).Scan(ctx, &minCount, &scanRange, &linksFirst)
	return minCount, scanRange, linksFirst, err
}

// EventDrilldownRead runs EventDrilldown and also returns how its last
// query read the counts: "lookups", "links", "range", or "" in the last-trigger
// order.
func (s *Store) EventDrilldownRead(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (*DrilldownPage, string, error) {
	return s.eventDrilldown(ctx, account, eventID, days, opts)
}

// SetCacheClock sets the clock by which the store's site key and API key
// cache entries expire.
func SetCacheClock(s *Store, now func() time.Time) {
	s.caches.now = now
}

// SetLiveGatherTime sets how long the live event notifier gathers batches
// before it notifies them, until the test ends.
func SetLiveGatherTime(t testing.TB, d time.Duration) {
	old := liveGatherTime
	liveGatherTime = d
	t.Cleanup(func() { liveGatherTime = old })
}

// SendLiveAfterStop queues batches on a new live event notifier of s that
// has already stopped, then runs its sending loop until it returns.
func SendLiveAfterStop(s *Store, batches [][]LiveEvent) {
	n := &liveNotifier{
		store: s,
		log:   slog.New(slog.DiscardHandler),
		queue: make(chan []LiveEvent, liveQueueSize),
		quit:  make(chan struct{}),
	}
	for _, batch := range batches {
		n.queue <- batch
	}
	close(n.quit)
	n.wg.Add(1)
	n.send()
}

// SetBatchConnIdleCheck sets how long an ingest worker's connection may be
// idle before its next batch pings it, until the test ends.
func SetBatchConnIdleCheck(t testing.TB, d time.Duration) {
	old := batchConnIdleCheck
	batchConnIdleCheck = d
	t.Cleanup(func() { batchConnIdleCheck = old })
}

// SetMaxRebuildQueue sets how many triggers of one account an ingester
// queues during a rebuild of the account's rollups, until the test ends.
func SetMaxRebuildQueue(t testing.TB, n int) {
	old := maxRebuildQueue
	maxRebuildQueue = n
	t.Cleanup(func() { maxRebuildQueue = old })
}

// SetBatchStatementTimeout sets the statement timeout of the connections
// that ingest workers open, until the test ends.
func SetBatchStatementTimeout(t testing.TB, d time.Duration) {
	old := batchStatementTimeout
	batchStatementTimeout = d
	t.Cleanup(func() { batchStatementTimeout = old })
}

// BulkFallbackLevel is bulkFallbackLevel, for tests with a real database
// error.
var BulkFallbackLevel = bulkFallbackLevel
