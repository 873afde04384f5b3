package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// IngestConfig sizes an Ingester.
type IngestConfig struct {
	// Workers is the number of batches written at once. Default: half
	// the CPUs that Go may use, from 1 to 16. Fewer workers make larger
	// batches, and every statement of a batch runs once for all of its
	// triggers: on two CPUs shared with PostgreSQL, 1 worker ingested
	// more beacon events per second than 2, and 2 more than 4
	// (docs/benchmarks.md).
	//
	// A batch that waits on a lock holds up its worker, and with it the
	// batches queued behind. So a worker's batch leaves out the triggers
	// of an account whose report rollups are being rebuilt, as after a
	// time zone change, and a goroutine per such account writes them
	// once the rebuild ends.
	Workers int
	// MaxBatch is the most triggers one transaction writes. Each trigger
	// runs in a savepoint, and Postgres keeps the ids of up to 64
	// subtransactions per backend in shared memory before it has to look
	// them up on disk, so larger batches slow down every session.
	// Default: 64.
	MaxBatch int
}

// maxBatchAttempts is how often a batch is written in all when it fails on
// a deadlock, a serialization failure or errNotStored. A batch deadlocks
// again only while other transactions keep taking its contacts, as a
// burst of identify calls for one email does, and the pause before each
// new attempt lets them finish.
const maxBatchAttempts = 8

// Ingester writes the triggers of concurrent RecordEvent calls in shared
// transactions (group commit), so that ingest is not bound by one commit
// per event. A call returns only after its batch has committed, so an
// acknowledged event is stored. A trigger that fails rolls back to its own
// savepoint and leaves the rest of its batch alone.
type Ingester struct {
	store    *Store
	log      *slog.Logger
	requests chan *ingestRequest
	// quit is closed by the stop function of StartIngester, which also
	// cancels stopping.
	quit     chan struct{}
	stopping context.Context
	cancel   context.CancelFunc
	maxBatch int
	wg       sync.WaitGroup

	// rebuilding queues the triggers of each account whose report
	// rollups are being rebuilt, by account id. An account has an entry
	// exactly while a writeRebuilt goroutine runs for it.
	rebuildMu    sync.Mutex
	rebuilding   map[int64][]*ingestRequest
	rebuildSlots chan struct{}

	// Counters for IngestStats.
	batches            atomic.Int64
	triggers           atomic.Int64
	waiting            atomic.Int64
	rebuildingTriggers atomic.Int64
}

// IngestStats counts the work of the store's running ingester.
type IngestStats struct {
	// Batches and Triggers count the batches written and the triggers in
	// them.
	Batches  int64
	Triggers int64
	// Waiting is the number of RecordEvent calls waiting to join a batch.
	Waiting int64
	// AwaitingRebuild is the number of triggers that a worker left out of
	// its batch because their account's report rollups were being
	// rebuilt, and that are queued until the rebuild ends.
	AwaitingRebuild int64
}

// IngestStats returns the counters of the running ingester, or zeros when
// none runs.
func (s *Store) IngestStats() IngestStats {
	in := s.ingester.Load()
	if in == nil {
		return IngestStats{}
	}
	return IngestStats{Batches: in.batches.Load(), Triggers: in.triggers.Load(), Waiting: in.waiting.Load(), AwaitingRebuild: in.rebuildingTriggers.Load()}
}

type ingestRequest struct {
	ctx     context.Context
	trigger *preparedTrigger
	reply   chan ingestResult
	// state is one of requestInBatch and the others. queued is closed
	// when the request is queued for its account's rebuild.
	state  atomic.Int32
	queued chan struct{}
}

type ingestResult struct {
	occurrence *EventOccurrence
	err        error
}

// StartIngester starts batching the store's RecordEvent calls. The
// returned function waits for the batches in flight and makes RecordEvent
// write directly again, also for calls that are waiting to join a batch.
// Triggers still queued for their account's report rebuild fail with an
// error instead.
func (s *Store) StartIngester(log *slog.Logger, cfg IngestConfig) (stop func()) {
	if cfg.Workers <= 0 {
		// Each worker holds a database connection while it writes, so
		// the default stays well below the pool's 50.
		cfg.Workers = min(max(1, runtime.GOMAXPROCS(0)/2), 16)
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	in := &Ingester{
		store: s, log: log, requests: make(chan *ingestRequest), quit: make(chan struct{}), maxBatch: cfg.MaxBatch,
		rebuilding: make(map[int64][]*ingestRequest), rebuildSlots: make(chan struct{}, maxRebuildWaits),
	}
	in.stopping, in.cancel = context.WithCancel(context.Background())
	s.pruneReceipts(log)
	for range cfg.Workers {
		in.wg.Add(1)
		go in.work()
	}
	s.ingester.Store(in)
	log.Info("ingester started", "workers", cfg.Workers, "max_batch", cfg.MaxBatch)
	return func() {
		s.ingester.CompareAndSwap(in, nil)
		close(in.quit)
		in.cancel()
		in.wg.Wait()
		log.Info("ingester stopped", "batches", in.batches.Load(), "triggers", in.triggers.Load())
	}
}

// submit queues p for the next batch and waits for its result.
func (in *Ingester) submit(ctx context.Context, p *preparedTrigger) (*EventOccurrence, error) {
	req := &ingestRequest{ctx: ctx, trigger: p, reply: make(chan ingestResult, 1), queued: make(chan struct{})}
	in.waiting.Add(1)
	defer in.waiting.Add(-1)
	select {
	case in.requests <- req:
	case <-in.quit:
		return in.store.recordDirect(ctx, p)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case res := <-req.reply:
		return res.occurrence, res.err
	case <-ctx.Done():
	}
	// A batch replies even after ctx ends, because the trigger may be
	// committed already, and waiting keeps "acknowledged" equal to
	// "stored". Only a trigger queued for its account's rebuild is not
	// written yet, so it can be dropped.
	select {
	case res := <-req.reply:
		return res.occurrence, res.err
	case <-req.queued:
		if in.abandon(req) {
			return nil, ctx.Err()
		}
	}
	res := <-req.reply
	return res.occurrence, res.err
}

// work takes one request, adds the requests already waiting, up to
// maxBatch, and writes them in one transaction.
func (in *Ingester) work() {
	defer in.wg.Done()
	conn := &batchConn{db: in.store.db}
	defer conn.close()
	for {
		var first *ingestRequest
		select {
		case first = <-in.requests:
		case <-in.quit:
			return
		}
		batch := []*ingestRequest{first}
	fill:
		for len(batch) < in.maxBatch {
			select {
			case req := <-in.requests:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		in.write(batch, conn)
	}
}

// write records a batch and replies to every request in it, except those
// of accounts whose report rollups are being rebuilt, which it queues.
func (in *Ingester) write(batch []*ingestRequest, conn *batchConn) {
	results := in.store.writeBatch(in.log, batchItems(batch), batchRoute{conn: conn, wait: in.stopping})
	in.batches.Add(1)
	for i, req := range batch {
		if errors.Is(results[i].err, errAccountRebuilding) {
			in.queueForRebuild(req)
			continue
		}
		in.triggers.Add(1)
		req.reply <- results[i]
	}
}

func batchItems(batch []*ingestRequest) []batchItem {
	items := make([]batchItem, len(batch))
	for i, req := range batch {
		items[i] = batchItem{ctx: req.ctx, trigger: req.trigger}
	}
	return items
}

// batchItem is one trigger of a batch with the context of its caller.
type batchItem struct {
	ctx     context.Context
	trigger *preparedTrigger
}

// RecordEvents records several triggers, in transactions of at most 64, and
// returns each one's occurrence or error at its index. A trigger that
// fails, such as one with an unknown slug, stores nothing and leaves the
// others alone.
func (s *Store) RecordEvents(ctx context.Context, log *slog.Logger, triggers []Trigger) ([]*EventOccurrence, []error) {
	occurrences := make([]*EventOccurrence, len(triggers))
	errs := make([]error, len(triggers))
	var items []batchItem
	var index []int
	for i, t := range triggers {
		p, err := s.prepareTrigger(ctx, t)
		if err != nil {
			errs[i] = err
			continue
		}
		items = append(items, batchItem{ctx: ctx, trigger: p})
		index = append(index, i)
	}
	const chunk = 64
	wake := false
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		batch := items[start:end]
		results := s.writeBatch(log, batch, batchRoute{account: soleAccount(batch), wait: ctx})
		for j, res := range results {
			i := index[start+j]
			occurrences[i], errs[i] = res.occurrence, res.err
			wake = wake || (res.err == nil && items[start+j].trigger.hasActions)
		}
	}
	if wake {
		s.wakeActionWorkers()
	}
	return occurrences, errs
}

// RecordEventsTogether records triggers in one transaction, all or none,
// and returns their occurrences at their indexes. When one trigger fails,
// nothing is stored, and the error is a *TriggerError with that trigger's
// index and error. Other errors mean that nothing was stored, or, when
// they match ErrUnconfirmed, that the outcome is unknown.
//
// NOTE: the triggers are one batch, whatever their number. After a failed
// statement the batch runs again with a savepoint per trigger, so a
// request of 200 fields uses more than the 64 subtransactions that
// IngestConfig.MaxBatch keeps below.
func (s *Store) RecordEventsTogether(ctx context.Context, log *slog.Logger, triggers []Trigger) ([]*EventOccurrence, error) {
	items := make([]batchItem, len(triggers))
	wake := false
	for i, t := range triggers {
		p, err := s.prepareTrigger(ctx, t)
		if err != nil {
			return nil, &TriggerError{Index: i, Err: err}
		}
		items[i] = batchItem{ctx: ctx, trigger: p}
		wake = wake || p.hasActions
	}
	results := s.writeBatch(log, items, batchRoute{account: soleAccount(items), wait: ctx, together: true})
	occurrences := make([]*EventOccurrence, len(triggers))
	for i, res := range results {
		if res.err != nil {
			if failed, ok := errors.AsType[*TriggerError](res.err); ok {
				return nil, failed
			}
			return nil, res.err
		}
		occurrences[i] = res.occurrence
	}
	if wake {
		s.wakeActionWorkers()
	}
	return occurrences, nil
}

// soleAccount returns the account that all items share, or 0 when they
// belong to several. A batch of one account waits for a rebuild of the
// account's report rollups only as long as its callers wait.
func soleAccount(items []batchItem) int64 {
	if len(items) == 0 {
		return 0
	}
	account := items[0].trigger.AccountID
	for _, item := range items[1:] {
		if item.trigger.AccountID != account {
			return 0
		}
	}
	return account
}

// TriggerError is the error of RecordEventsTogether, and of every trigger
// of a batch written together, when the trigger at Index failed with Err
// and so nothing was stored.
type TriggerError struct {
	Index int
	Err   error
}

func (e *TriggerError) Error() string {
	return fmt.Sprintf("trigger %d: %v", e.Index, e.Err)
}

func (e *TriggerError) Unwrap() error { return e.Err }

// batchRoute configures writeBatch: the connection that a batch runs on,
// and how it treats an account whose report rollups are being rebuilt, as
// after a time zone change. The rebuild's transaction holds the account's
// rebuild lock (SQL rebuild_xact_lock) and its row FOR UPDATE until it
// ends, and every write of the account's occurrences waits for the row.
// The zero value writes in a transaction from the pool, which waits like
// any other.
type batchRoute struct {
	// conn is the ingest worker's own connection. A batch of simple
	// triggers runs on it as one statement (see writeSimpleAlone). A
	// worker's batch takes each account's rebuild lock shared, with a
	// try, and leaves out the triggers of the accounts whose try failed.
	// Their results are errAccountRebuilding.
	conn *batchConn
	// account, when not zero, is the one account of the batch. The batch
	// first waits for the account's row lock, giving up when wait ends,
	// and leaves out the triggers whose callers have gone meanwhile.
	account int64
	// wait, when set, ends waits for the account's lock and for the
	// outcome of a batch whose connection broke.
	wait context.Context
	// together rolls the whole batch back when one of its triggers fails,
	// which writeBatch then reports as a *TriggerError for every trigger.
	together bool
}

// writeBatch writes items in one transaction, running it again after a
// deadlock, a serialization failure or errNotStored, and returns a result
// per item.
func (s *Store) writeBatch(log *slog.Logger, items []batchItem, route batchRoute) []ingestResult {
	// Lock contacts in one order in every batch, so that concurrent
	// batches wait for each other instead of deadlocking. The order is
	// kept in a copy, so results stay at the callers' indexes.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return strings.Compare(items[a].trigger.contactKey(), items[b].trigger.contactKey())
	})
	order = repeatedKeysLast(items, order)

	var results []ingestResult
	var err error
	// The first attempt writes without savepoints, which saves two round
	// trips per trigger and lets even a batch of one use the set-based
	// statements. A statement that fails aborts that transaction, so the
	// batch is then written again with a savepoint per trigger.
	savepoints := false
	for attempt := 1; attempt <= maxBatchAttempts; attempt++ {
		results, err = s.writeOnce(log, items, order, savepoints, route)
		if errors.Is(err, errNeedSavepoints) {
			savepoints = true
			attempt--
			continue
		}
		// A batch that the database confirmed it did not store is
		// written again like one that failed on a deadlock.
		if !isRetryable(err) && !errors.Is(err, errNotStored) {
			break
		}
		log.Warn("event batch retried", "error", err, "attempt", attempt, "triggers", len(items))
		if attempt < maxBatchAttempts {
			contentionPause(context.Background(), attempt)
		}
	}
	var failed *TriggerError
	switch {
	case err == nil || errors.As(err, &failed):
	case route.wait != nil && route.wait.Err() != nil && !errors.Is(err, ErrUnconfirmed):
		// The callers have gone, or the ingester is stopping. A batch
		// whose outcome is unknown may be stored, so it is an error.
		log.Info("event batch stopped: callers left or ingester stopping", "error", err, "triggers", len(items), "account_id", route.account)
	default:
		log.Error("event batch failed", "error", err, "triggers", len(items))
	}
	if err != nil {
		results = make([]ingestResult, len(items))
		for i := range results {
			results[i] = ingestResult{err: fmt.Errorf("write event batch: %w", err)}
		}
		return results
	}

	// The batch has committed: its stored occurrences go to live streams.
	triggers := make([]*preparedTrigger, len(items))
	occurrences := make([]*EventOccurrence, len(items))
	for i, res := range results {
		triggers[i] = items[i].trigger
		if res.err == nil {
			occurrences[i] = res.occurrence
		}
	}
	s.announce(triggers, occurrences)
	return results
}

// errNeedSavepoints rolls back a batch written without savepoints after
// one of its statements failed.
var errNeedSavepoints = errors.New("a statement failed in a batch without savepoints")

// writeOnce writes the items in the given order in one transaction. It
// returns an error only when the transaction as a whole failed, and then no
// item is stored, or when the outcome is unknown (ErrUnconfirmed).
// Without savepoints, a failed statement returns errNeedSavepoints. Errors
// that come before any failed statement, such as an idempotency conflict,
// stay per item.
func (s *Store) writeOnce(log *slog.Logger, items []batchItem, order []int, savepoints bool, route batchRoute) ([]ingestResult, error) {
	// The batch outlives any one caller, so it runs without their
	// contexts, which are checked per item instead.
	results := make([]ingestResult, len(items))
	if route.wait == nil {
		route.wait = context.Background()
	}
	if route.conn != nil && !savepoints && allSimple(items) {
		return s.writeSimpleAlone(log, route, items, order, results)
	}
	err := s.runBatchTx(route.wait, log, func(ctx context.Context, tx bun.Tx) error {
		var err error
		switch {
		case route.account != 0:
			if err := lockAccountRollups(route.wait, tx, route.account); err != nil {
				if waitErr := route.wait.Err(); waitErr != nil {
					return fmt.Errorf("%w: stopped waiting for the report rebuild of account %d", waitErr, route.account)
				}
				return err
			}
		case route.conn != nil:
			if order, err = skipRebuildingAccounts(ctx, tx, items, order, results); err != nil {
				return err
			}
		}
		if err := lockIdempotencyKeys(ctx, tx, items, order); err != nil {
			return err
		}
		if !savepoints {
			order, err = writeSimple(ctx, tx, items, order, results)
			if err != nil {
				return errNeedSavepoints
			}
		}
		for _, i := range order {
			if err := items[i].ctx.Err(); err != nil {
				results[i] = ingestResult{err: err}
				continue
			}
			var occurrence *EventOccurrence
			var err error
			if savepoints {
				occurrence, err = recordInSavepoint(ctx, tx, items[i].trigger)
			} else {
				occurrence, err = items[i].trigger.record(ctx, tx)
				if isStatementError(err) {
					return errNeedSavepoints
				}
			}
			if isRetryable(err) {
				return err
			}
			results[i] = ingestResult{occurrence: occurrence, err: err}
		}
		if route.together {
			for i, res := range results {
				if res.err != nil {
					return &TriggerError{Index: i, Err: res.err}
				}
			}
		}
		return nil
	})
	return results, err
}

// repeatedKeysLast moves each item whose idempotency key an earlier item
// of the batch carries to the end of order, in the callers' order. The
// first item with a key claims it, whatever its contact, and the others
// then find the key claimed: they get its occurrence, or a conflict when
// their input differs.
func repeatedKeysLast(items []batchItem, order []int) []int {
	// Most batches carry no key, so the maps are made on the first one.
	var first map[accountKey]bool
	var repeated map[int]bool
	var last []int
	for i, item := range items {
		if item.trigger.IdempotencyKey == "" {
			continue
		}
		if first == nil {
			first, repeated = make(map[accountKey]bool), make(map[int]bool)
		}
		k := accountKey{item.trigger.AccountID, item.trigger.IdempotencyKey}
		if first[k] {
			repeated[i] = true
			last = append(last, i)
		}
		first[k] = true
	}
	if len(last) == 0 {
		return order
	}
	order = slices.DeleteFunc(order, func(i int) bool { return repeated[i] })
	return append(order, last...)
}

type accountKey struct {
	accountID int64
	key       string
}

// lockIdempotencyKeys takes a transaction advisory lock for each
// idempotency key of the items, in one order in every batch, before the
// batch locks any contact. A trigger claims its key and then locks its
// contact, and the batch writes triggers in contact order, so two
// batches with keys of one contact would otherwise take them in
// opposite orders and deadlock. The locks use the one-bigint form, which
// does not meet the two-integer locks of new visitors.
func lockIdempotencyKeys(ctx context.Context, tx bun.Tx, items []batchItem, order []int) error {
	var accounts []int64
	var keys []string
	for _, i := range order {
		if t := items[i].trigger; t.IdempotencyKey != "" {
			accounts = append(accounts, t.AccountID)
			keys = append(keys, t.IdempotencyKey)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`
		SELECT count(pg_advisory_xact_lock(l.h))
		FROM (
			SELECT DISTINCT hashtextextended(k.a::text || ':' || k.key, 0) AS h
			FROM unnest(?::bigint[], ?::text[]) AS k (a, key)
			ORDER BY 1
		) l`, pgdialect.Array(accounts), pgdialect.Array(keys)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("lock the idempotency keys of an event batch: %w", err)
	}
	return nil
}

// allSimple reports whether recordBulk can write every item.
func allSimple(items []batchItem) bool {
	for _, item := range items {
		if !item.trigger.isSimple() {
			return false
		}
	}
	return true
}

// writeSimpleAlone writes a batch of simple triggers with one statement
// outside an explicit transaction. The statement commits or fails as a
// whole, and the batch costs one round trip to the server instead of three
// (BEGIN, the statement, COMMIT). Items whose caller has gone are left out.
//
// The statement runs on the worker's own connection, because database/sql
// sends a statement again on another connection when lib/pq reports a
// broken one, and lib/pq does so also when the connection broke after the
// server committed. After a deadlock, the batch is written again the same
// way, and after another error that the server reported, in a transaction
// with a savepoint per trigger. After a broken connection, the batch's
// receipt shows whether it committed (see settleReceipt). A batch that
// did not returns errNotStored, and one whose outcome stays unknown
// returns an error that matches ErrUnconfirmed.
func (s *Store) writeSimpleAlone(log *slog.Logger, route batchRoute, items []batchItem, order []int, results []ingestResult) ([]ingestResult, error) {
	ctx := context.Background()
	bc := route.conn
	record, err := bc.get(ctx)
	if err != nil {
		// Nothing was sent: the transaction path gets its own connection.
		log.Warn("event batch connection not ready, writing in a transaction", "error", err, "triggers", len(items))
		return nil, errNeedSavepoints
	}

	simple, rest := splitSimple(items, order)
	for _, i := range rest {
		results[i] = ingestResult{err: items[i].ctx.Err()}
	}
	if len(simple) == 0 {
		return results, nil
	}
	triggers := triggersAt(items, simple)
	// Receipts are deleted in groups, which saves a statement in most
	// batches.
	receipt := &batchReceipt{id: newReceiptID()}
	if len(bc.doneReceipts) >= receiptsPerDelete {
		receipt.done = bc.doneReceipts
	}
	occurrences, err := recordReceipted(ctx, record, triggers, receipt)
	bc.used(err)
	switch {
	case err == nil:
		if receipt.done != nil {
			bc.doneReceipts = nil
		}
		bc.doneReceipts = append(bc.doneReceipts, receipt.id)
	case isRetryable(err):
		return nil, err
	case isStatementError(err):
		// The connection's statement timeout, after a long wait for a
		// lock, also ends up here.
		log.Log(ctx, bulkFallbackLevel(err), "event batch statement failed, retrying in a transaction",
			"error", err, "triggers", len(triggers), "account_ids", distinctAccountIDs(triggers))
		return nil, errNeedSavepoints
	case errors.Is(err, errNotSent):
		return nil, err
	case !isConnectionError(err):
		// The statement ran, and its reply could not be read.
		return nil, fmt.Errorf("%w: %w", ErrUnconfirmed, err)
	default:
		row, stored, settleErr := s.settleReceipt(route.wait, log, receipt.id, nil)
		if settleErr != nil {
			return nil, fmt.Errorf("%w: retry with an idempotency key to avoid a duplicate: %w", ErrUnconfirmed, errors.Join(err, settleErr))
		}
		if !stored {
			// The row that fenced the batch off stays: deleting it would
			// let the batch's statement commit if it still runs.
			return nil, fmt.Errorf("%w: %w", errNotStored, err)
		}
		if occurrences, err = row.occurrences(triggers); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnconfirmed, err)
		}
		bc.doneReceipts = append(bc.doneReceipts, receipt.id)
	}
	placeSimpleResults(results, simple, occurrences)
	return results, nil
}

// writeSimple writes the simple triggers among items with recordBulk,
// stores their results and returns the order of the others, which still
// have to be written one by one.
func writeSimple(ctx context.Context, tx bun.IDB, items []batchItem, order []int, results []ingestResult) ([]int, error) {
	simple, rest := splitSimple(items, order)
	if len(simple) == 0 {
		return order, nil
	}
	occurrences, err := recordBulk(ctx, tx, triggersAt(items, simple))
	if err != nil {
		return nil, err
	}
	placeSimpleResults(results, simple, occurrences)
	return rest, nil
}

// triggersAt returns the triggers of the items at the indexes.
func triggersAt(items []batchItem, indexes []int) []*preparedTrigger {
	triggers := make([]*preparedTrigger, len(indexes))
	for j, i := range indexes {
		triggers[j] = items[i].trigger
	}
	return triggers
}

// splitSimple splits the ordered items into the simple ones whose caller
// is still there and the others.
func splitSimple(items []batchItem, order []int) (simple, rest []int) {
	for _, i := range order {
		if items[i].ctx.Err() == nil && items[i].trigger.isSimple() {
			simple = append(simple, i)
		} else {
			rest = append(rest, i)
		}
	}
	return simple, rest
}

// placeSimpleResults stores the result of each simple item from the
// occurrences that recordBulk returned in the same order. A nil
// occurrence, which only a batch that skips rebuilding accounts returns,
// gives errAccountRebuilding.
func placeSimpleResults(results []ingestResult, simple []int, occurrences []*EventOccurrence) {
	for j, i := range simple {
		if occurrences[j] == nil {
			results[i] = ingestResult{err: errAccountRebuilding}
			continue
		}
		results[i] = ingestResult{occurrence: occurrences[j]}
	}
}

// bulkFallbackLevel returns the log level for a failed statement of
// record_simple_triggers, which the batch then writes again in a
// transaction. The function expects a merge by a concurrent identify to
// fail its insert on contact_id's NOT NULL now and then, so that failure
// logs at Debug. Others, such as a statement timeout, log at Warn.
func bulkFallbackLevel(err error) slog.Level {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23502" && pqErr.Column == "contact_id" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// distinctAccountIDs returns the account ids of the triggers in order of
// first appearance, each once.
func distinctAccountIDs(triggers []*preparedTrigger) []int64 {
	var ids []int64
	for _, t := range triggers {
		if !slices.Contains(ids, t.AccountID) {
			ids = append(ids, t.AccountID)
		}
	}
	return ids
}

// isStatementError reports whether err is an error that Postgres reported
// on a connection that stays usable: the statement rolled back, and a
// transaction around it is aborted.
func isStatementError(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && !pqErr.Fatal()
}

// recordInSavepoint records p, and on failure rolls back only p's writes.
func recordInSavepoint(ctx context.Context, tx bun.Tx, p *preparedTrigger) (*EventOccurrence, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT trigger"); err != nil {
		return nil, fmt.Errorf("start savepoint: %w", err)
	}
	occurrence, err := p.record(ctx, tx)
	if err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT trigger"); rbErr != nil {
			return nil, errors.Join(err, fmt.Errorf("roll back savepoint: %w", rbErr))
		}
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT trigger"); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return occurrence, nil
}

// contentionPause waits a random time of up to 20 ms per attempt made
// before a transaction that deadlocked or failed to serialize runs again.
// The other transactions involved can then finish, and two retried ones
// are unlikely to meet again. It returns ctx's error when ctx ends first.
func contentionPause(ctx context.Context, attempt int) error {
	pause := time.NewTimer(time.Duration(rand.Int64N(int64(20*time.Millisecond) * int64(attempt))))
	defer pause.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-pause.C:
		return nil
	}
}

// isRetryable reports whether err is a deadlock or a serialization
// failure, after which the same transaction may succeed when run again.
func isRetryable(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	return pqErr.Code == "40P01" || pqErr.Code == "40001"
}
