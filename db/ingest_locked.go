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
// rollups are being counted again, as after a time zone change.

// maxLockedAccounts is how many locked accounts an ingester waits for at
// once. Each wait holds a database connection from the pool of 50. The
// triggers of further locked accounts stay queued until a wait ends.
const maxLockedAccounts = 8

// queueLocked queues req for the writeLocked goroutine of its account and
// starts one when none runs.
func (in *Ingester) queueLocked(req *ingestRequest) {
	accountID := req.trigger.AccountID
	in.lockedTriggers.Add(1)
	in.lockedMu.Lock()
	queue, running := in.locked[accountID]
	in.locked[accountID] = append(queue, req)
	in.lockedMu.Unlock()
	if !running {
		in.wg.Add(1)
		go in.writeLocked(accountID)
	}
}

// writeLocked writes the queued triggers of a locked account in batches
// that wait for the account's lock, until the queue is empty. When the
// ingester stops, the waits end and the triggers that were waiting fail.
func (in *Ingester) writeLocked(accountID int64) {
	defer in.wg.Done()
	in.log.Info("event ingest waits for a locked account", "account_id", accountID)
	select {
	case in.lockedSlots <- struct{}{}:
		defer func() { <-in.lockedSlots }()
	case <-in.stopping.Done():
	}
	written := 0
	for {
		in.lockedMu.Lock()
		queue := in.locked[accountID]
		if len(queue) == 0 {
			delete(in.locked, accountID)
			in.lockedMu.Unlock()
			in.log.Info("event ingest of a locked account resumed", "account_id", accountID, "triggers", written)
			return
		}
		n := min(len(queue), in.maxBatch)
		batch := queue[:n:n]
		in.locked[accountID] = queue[n:]
		in.lockedMu.Unlock()

		results := in.store.writeBatch(in.log, batchItems(batch), batchRoute{account: accountID, wait: in.stopping})
		in.batches.Add(1)
		in.triggers.Add(int64(n))
		in.lockedTriggers.Add(int64(-n))
		written += n
		for i, req := range batch {
			req.reply <- results[i]
		}
	}
}

// errAccountLocked is the result of a trigger that a worker's batch left
// out because its account's rollups were being counted again.
var errAccountLocked = errors.New("the account's report rollups are being counted again")

// skipLockedAccounts takes the rebuild lock of the ordered items' accounts
// shared, for the rest of tx, with a try that never waits. It gives the
// items of the accounts whose try failed errAccountLocked and returns the
// order of the others.
func skipLockedAccounts(ctx context.Context, tx bun.Tx, items []batchItem, order []int, results []ingestResult) ([]int, error) {
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
			results[i] = ingestResult{err: errAccountLocked}
		}
	}
	return kept, nil
}
