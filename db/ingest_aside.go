package db

import (
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// workerLockTimeout is how long a statement of an ingest worker waits for
// a lock. A batch that waits longer, such as one that holds an event of an
// account whose time zone change is recounting its rollups, is written
// aside, so that the worker goes on with the other accounts' events.
const workerLockTimeout = 250 * time.Millisecond

// asideWriters is the maximum number of batches written aside at once. Each holds a
// database connection while it waits for its lock.
const asideWriters = 4

// setWorkerLockTimeout gives a worker's own connection its lock timeout,
// and setLocalWorkerLockTimeout gives it to one transaction.
var (
	setWorkerLockTimeout      = fmt.Sprintf("SET lock_timeout = %d", workerLockTimeout.Milliseconds())
	setLocalWorkerLockTimeout = fmt.Sprintf("SET LOCAL lock_timeout = %d", workerLockTimeout.Milliseconds())
)

// isLockTimeout reports whether err is PostgreSQL's lock_not_available,
// which a statement raises when it waited for a lock longer than
// lock_timeout. The statement has then rolled back.
func isLockTimeout(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "55P03"
}

// settleLockWaits writes again the requests of a batch that waited too long
// for a lock. When they belong to several accounts, each account's
// requests are written apart on the worker's connection, so those of
// accounts without the lock go through now. The rest are written aside.
func (in *Ingester) settleLockWaits(waiting []*ingestRequest, conn *batchConn) {
	var accounts []int64
	byAccount := map[int64][]*ingestRequest{}
	for _, req := range waiting {
		id := req.trigger.AccountID
		if _, ok := byAccount[id]; !ok {
			accounts = append(accounts, id)
		}
		byAccount[id] = append(byAccount[id], req)
	}
	if len(accounts) == 1 {
		in.writeAside(waiting)
		return
	}
	for _, id := range accounts {
		group := byAccount[id]
		results := in.store.writeBatch(in.log, itemsOf(group), conn)
		if still := replyExceptLockWaits(group, results); len(still) > 0 {
			in.writeAside(still)
		}
	}
}

// writeAside writes requests in a goroutine of its own, in a transaction
// without the worker's lock timeout, so that they wait for their lock while
// the worker goes on. Until it is done, later requests of the same accounts
// skip the worker's batches and are written aside too (divertParked).
func (in *Ingester) writeAside(group []*ingestRequest) {
	in.parkedMu.Lock()
	for _, req := range group {
		in.parked[req.trigger.AccountID]++
	}
	in.parkedMu.Unlock()
	in.log.Info("event batch waits for a lock and is written aside", "triggers", len(group), "account_id", group[0].trigger.AccountID)

	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		in.asideSlots <- struct{}{}
		results := in.store.writeBatch(in.log, itemsOf(group), nil)
		<-in.asideSlots

		in.parkedMu.Lock()
		for _, req := range group {
			id := req.trigger.AccountID
			if in.parked[id]--; in.parked[id] == 0 {
				delete(in.parked, id)
			}
		}
		in.parkedMu.Unlock()
		for i, req := range group {
			req.reply <- results[i]
		}
	}()
}

// divertParked removes from batch the requests of accounts that have
// requests being written aside and returns them apart.
func (in *Ingester) divertParked(batch []*ingestRequest) (kept, diverted []*ingestRequest) {
	in.parkedMu.Lock()
	defer in.parkedMu.Unlock()
	if len(in.parked) == 0 {
		return batch, nil
	}
	for _, req := range batch {
		if in.parked[req.trigger.AccountID] > 0 {
			diverted = append(diverted, req)
		} else {
			kept = append(kept, req)
		}
	}
	return kept, diverted
}

// replyExceptLockWaits sends each request its result, except the requests
// whose statement waited too long for a lock, which it returns.
func replyExceptLockWaits(requests []*ingestRequest, results []ingestResult) (waiting []*ingestRequest) {
	for i, req := range requests {
		if isLockTimeout(results[i].err) {
			waiting = append(waiting, req)
			continue
		}
		req.reply <- results[i]
	}
	return waiting
}

// itemsOf returns the batch items of requests.
func itemsOf(requests []*ingestRequest) []batchItem {
	items := make([]batchItem, len(requests))
	for i, req := range requests {
		items[i] = batchItem{ctx: req.ctx, trigger: req.trigger}
	}
	return items
}
