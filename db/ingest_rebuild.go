package db

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file keeps ingest workers from waiting for an account whose report
// rollups are being rebuilt, as after a time zone change. A rebuild holds
// the account's rebuild lock (SQL rebuild_xact_lock) until it commits.

// maxRebuildWaits is how many accounts an ingester waits for at once. Each
// wait holds a database connection from the pool of 50. The triggers of
// further accounts stay queued until a wait ends.
const maxRebuildWaits = 8

// maxRebuildQueue is how many triggers of one account an ingester queues
// while the account's rollups are rebuilt. Further triggers fail with
// ErrAccountBusy.
var maxRebuildQueue = 10000

// ErrAccountBusy matches the error of a trigger that was not stored
// because too many triggers of its account wait for the rebuild of the
// account's report rollups. Sending it again later stores it.
var ErrAccountBusy = errors.New("too many events of the account wait for its report rebuild")

// errAccountRebuilding is the result of a trigger that a worker's batch
// left out because its account's rollups were being rebuilt.
var errAccountRebuilding = errors.New("the account's report rollups are being rebuilt")

// States of an ingestRequest. A request that a batch holds stays
// requestInBatch: the batch may commit it, so its caller waits for the
// reply. A request queued for a rebuild can be abandoned by its caller
// until writeRebuilt takes it.
const (
	requestInBatch int32 = iota
	requestQueued
	requestAbandoned
	requestTaken
)

// queueForRebuild queues req for the writeRebuilt goroutine of its account
// and starts one when none runs. A full queue replies ErrAccountBusy.
func (in *Ingester) queueForRebuild(req *ingestRequest) {
	accountID := req.trigger.AccountID
	in.rebuildMu.Lock()
	queue, running := in.rebuilding[accountID]
	if len(queue) >= maxRebuildQueue {
		queue = slices.DeleteFunc(queue, func(r *ingestRequest) bool { return r.state.Load() == requestAbandoned })
		in.rebuilding[accountID] = queue
	}
	if len(queue) >= maxRebuildQueue {
		in.rebuildMu.Unlock()
		req.reply <- ingestResult{err: fmt.Errorf("%w: %d events of account %d wait, send the event again later", ErrAccountBusy, len(queue), accountID)}
		return
	}
	in.rebuildingTriggers.Add(1)
	req.state.Store(requestQueued)
	in.rebuilding[accountID] = append(queue, req)
	in.rebuildMu.Unlock()
	close(req.queued)
	if !running {
		in.wg.Add(1)
		go in.writeRebuilt(accountID)
	}
}

// abandon drops a queued request whose caller has gone, unless
// writeRebuilt has taken it. It reports whether it dropped it.
func (in *Ingester) abandon(req *ingestRequest) bool {
	if !req.state.CompareAndSwap(requestQueued, requestAbandoned) {
		return false
	}
	in.rebuildingTriggers.Add(-1)
	return true
}

// writeRebuilt writes the queued triggers of an account once its rebuild
// has ended, in batches of up to maxBatch, until the queue is empty. When
// the ingester stops, the triggers still queued fail.
func (in *Ingester) writeRebuilt(accountID int64) {
	defer in.wg.Done()
	in.log.Info("event ingest waits for an account's report rebuild", "account_id", accountID)
	stored, failed := 0, 0
	for {
		waitErr := in.awaitRebuild(accountID)
		if waitErr != nil && in.stopping.Err() == nil {
			// The batch below waits for the account's row lock instead.
			in.log.Warn("wait for an account's report rebuild failed", "account_id", accountID, "error", waitErr)
		}

		batch := in.takeQueued(accountID)
		if len(batch) == 0 {
			in.log.Info("event ingest of an account after its report rebuild ended", "account_id", accountID, "stored", stored, "failed", failed)
			return
		}
		var results []ingestResult
		if in.stopping.Err() != nil {
			results = make([]ingestResult, len(batch))
			for i := range results {
				results[i] = ingestResult{err: fmt.Errorf("the ingester stopped while the event waited for its account's report rebuild: %w", in.stopping.Err())}
			}
		} else {
			results = in.store.writeBatch(in.log, batchItems(batch), batchRoute{account: accountID, wait: in.stopping})
			in.batches.Add(1)
		}
		for i, req := range batch {
			if results[i].err == nil {
				stored++
			} else {
				failed++
			}
			in.triggers.Add(1)
			req.reply <- results[i]
		}
	}
}

// takeQueued takes up to maxBatch requests from the account's queue and
// drops the abandoned ones. With nothing left, it removes the queue.
func (in *Ingester) takeQueued(accountID int64) []*ingestRequest {
	in.rebuildMu.Lock()
	defer in.rebuildMu.Unlock()
	queue := in.rebuilding[accountID]
	var batch []*ingestRequest
	for len(queue) > 0 && len(batch) < in.maxBatch {
		req := queue[0]
		queue = queue[1:]
		if req.state.CompareAndSwap(requestQueued, requestTaken) {
			in.rebuildingTriggers.Add(-1)
			batch = append(batch, req)
		}
	}
	if len(batch) == 0 && len(queue) == 0 {
		delete(in.rebuilding, accountID)
		return nil
	}
	in.rebuilding[accountID] = queue
	return batch
}

// awaitRebuild returns once no rebuild of the account holds or waits for
// its rebuild lock, or when the ingester stops. A wait takes one of
// maxRebuildWaits slots, and a rebuild that has ended already takes none.
func (in *Ingester) awaitRebuild(accountID int64) error {
	var free bool
	if err := in.store.db.NewRaw("SELECT try_rebuild_xact_lock_shared(?)", accountID).Scan(in.stopping, &free); err != nil {
		return fmt.Errorf("try the rebuild lock of account %d: %w", accountID, err)
	}
	if free {
		return nil
	}
	select {
	case in.rebuildSlots <- struct{}{}:
		defer func() { <-in.rebuildSlots }()
	case <-in.stopping.Done():
		return in.stopping.Err()
	}
	if _, err := in.store.db.NewRaw("SELECT rebuild_xact_lock_shared(?)", accountID).Exec(in.stopping); err != nil {
		return fmt.Errorf("wait for the rebuild lock of account %d: %w", accountID, err)
	}
	return nil
}

// skipRebuildingAccounts takes the rebuild lock of the ordered items'
// accounts shared, for the rest of tx, with a try that never waits. It
// gives the items of the accounts whose try failed errAccountRebuilding
// and returns the order of the others.
func skipRebuildingAccounts(ctx context.Context, tx bun.Tx, items []batchItem, order []int, results []ingestResult) ([]int, error) {
	var ids []int64
	for _, i := range order {
		ids = append(ids, items[i].trigger.AccountID)
	}
	if len(ids) == 0 {
		return order, nil
	}
	var open []int64
	err := tx.NewRaw("SELECT a FROM (SELECT DISTINCT unnest(?::bigint[]) AS a) s WHERE try_rebuild_xact_lock_shared(a)", pgdialect.Array(ids)).Scan(ctx, &open)
	if err != nil {
		return nil, fmt.Errorf("lock the accounts of an event batch: %w", err)
	}
	var kept []int
	for _, i := range order {
		if slices.Contains(open, items[i].trigger.AccountID) {
			kept = append(kept, i)
		} else {
			results[i] = ingestResult{err: errAccountRebuilding}
		}
	}
	return kept, nil
}
