package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file settles the outcome of an ingest batch whose connection to
// the database broke before its commit was confirmed.

// receiptMaxAge is the age after which StartIngester deletes a batch
// receipt. A worker reads a batch's receipt within seconds of a broken
// connection, so older receipts with results are left by servers that
// stopped while a batch was in flight. A row that fenced a batch off must
// outlive that batch's statement, which may still run on the server. That
// statement ends within batchStatementTimeout, which is far shorter.
const receiptMaxAge = 24 * time.Hour

// batchStatementTimeout is the statement_timeout of an ingest worker's own
// connection. A batch statement there commits by itself, even after its
// client is gone, so the timeout ends it long before its fence row is
// pruned. A cancelled batch is written again in a transaction instead.
var batchStatementTimeout = time.Minute

// pruneReceipts deletes the batch receipts older than receiptMaxAge and
// logs how many.
func (s *Store) pruneReceipts(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.db.NewRaw("DELETE FROM ingest_receipts WHERE created_at < now() - make_interval(secs => ?)", receiptMaxAge.Seconds()).Exec(ctx)
	if err != nil {
		log.Error("delete old event batch receipts failed", "error", err)
		return
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		log.Info("old event batch receipts deleted", "receipts", n)
	}
}

// runBatchTx runs fn in a transaction and commits it. An error that fn
// returns rolls the transaction back and is returned, wrapped in
// errNotStored when the connection broke before COMMIT. The transaction's
// first statement stores its receipt, so when the commit fails on a broken
// connection, settleReceipt finds out whether it committed. runBatchTx
// then returns nil when it did and errNotStored when it did not. When
// that lookup fails too, it returns an error that matches ErrUnconfirmed.
// wait ends the lookup early.
func (s *Store) runBatchTx(wait context.Context, log *slog.Logger, fn func(context.Context, bun.Tx) error) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin an event batch: %w", err)
	}

	// The receipts of earlier batches go back to the list unless this
	// transaction is known to have deleted them. Deleting receipts that
	// are gone already does no harm.
	done := s.receipts.take()
	committed := false
	defer func() {
		if !committed {
			s.receipts.add(done...)
		}
	}()
	receipt := newReceiptID()
	var pid, xid int64
	err = tx.QueryRowContext(ctx, `
		WITH done AS (DELETE FROM ingest_receipts WHERE id = ANY (?::uuid[]))
		INSERT INTO ingest_receipts (id, positions) VALUES (?, '{}')
		RETURNING pg_backend_pid(), txid_current()`, pgdialect.Array(done), receipt).Scan(&pid, &xid)
	if err != nil {
		tx.Rollback()
		if isConnectionError(err) {
			// A transaction that is never committed stores nothing.
			err = fmt.Errorf("%w: %w", errNotStored, err)
		}
		return fmt.Errorf("start an event batch: %w", err)
	}

	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		if isConnectionError(err) {
			// COMMIT was never sent, so the server rolls the
			// transaction back.
			err = fmt.Errorf("%w: %w", errNotStored, err)
		}
		return err
	}

	err = tx.Commit()
	if err == nil {
		committed = true
		s.receipts.add(receipt)
		return nil
	}
	if !isConnectionError(err) {
		return err
	}
	_, stored, settleErr := s.settleReceipt(wait, log, receipt, s.batchTerminator(pid, xid))
	switch {
	case settleErr != nil:
		return fmt.Errorf("%w: retry with an idempotency key to avoid a duplicate: %w", ErrUnconfirmed, errors.Join(err, settleErr))
	case !stored:
		return fmt.Errorf("%w: %w", errNotStored, err)
	}
	s.receipts.add(receipt)
	return nil
}

// batchTerminator returns a function that ends the transaction xid if its
// backend pid still runs it. While the transaction is open, it holds its
// receipt row, and settleReceipt would wait for it. backend_xid is the low
// 32 bits of the id that txid_current extends with an epoch, so a backend
// that reused the pid does not match.
func (s *Store) batchTerminator(pid, xid int64) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.db.ExecContext(ctx, `
			SELECT pg_terminate_backend(pid, 1000) FROM pg_stat_activity
			WHERE pid = ? AND backend_xid::text = (?::bigint % 4294967296)::text`, pid, xid)
		return err
	}
}

// isConnectionError reports whether err came from a connection that broke
// or closed, after which the server may or may not have run what was
// sent. database/sql reports sql.ErrConnDone for a statement prepared on
// a connection that broke while the statement ran.
func isConnectionError(err error) bool {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		return pqErr.Fatal()
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// errNotStored fails a batch whose connection broke before it committed.
// The database confirmed that it stored nothing, so it can be written
// again.
var errNotStored = errors.New("the connection broke before the event batch committed")

// batchReceipt identifies a batch that an ingest worker writes outside a
// transaction, in the table ingest_receipts, where the batch's statement
// stores the batch's results (migration 20261204000022_ingest_receipts).
type batchReceipt struct {
	// id is a random UUID.
	id string
	// done lists receipts of earlier batches, whose outcome is settled,
	// for the statement to delete.
	done []string
}

func newReceiptID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// doneReceipts lists the receipts of batches whose outcome is settled,
// for the next batch to delete. A batch takes the whole list and gives it
// back when it fails.
type doneReceipts struct {
	mu  sync.Mutex
	ids []string
}

func (d *doneReceipts) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := d.ids
	d.ids = nil
	return ids
}

func (d *doneReceipts) add(ids ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids = append(d.ids, ids...)
}

// receiptsPerDelete is how many receipts of settled batches an ingest
// worker gathers before its next batch deletes them.
const receiptsPerDelete = 16

// settleReceipt starts attempts until receiptLookupWindow has passed
// since its first, so that a database restart of a few seconds does not
// leave a batch's outcome unknown. Each attempt is bounded by
// receiptLookupTimeout, and the pauses between attempts double from
// receiptLookupDelay up to receiptLookupMaxDelay. A refused connection
// fails an attempt at once, so the window, not a number of attempts, sets
// how long it tries.
const (
	receiptLookupWindow   = 7 * time.Second
	receiptLookupDelay    = 100 * time.Millisecond
	receiptLookupMaxDelay = time.Second
	receiptLookupTimeout  = time.Second
)

// receiptRow is the list of stored triggers in a receipt of a batch
// outside a transaction, by position in the batch, with their occurrences.
type receiptRow []bulkRow

// occurrences returns the occurrences of triggers, the batch that the
// receipt row belongs to, at their positions, with nil for those that the
// batch left out.
func (row receiptRow) occurrences(triggers []*preparedTrigger) ([]*EventOccurrence, error) {
	unstored := make([]*EventOccurrence, len(triggers))
	for j, p := range triggers {
		unstored[j] = p.unstoredOccurrence()
	}
	return placeBulkRows(unstored, row)
}

// settleReceipt finds out whether the batch with the receipt id committed.
// It inserts a receipt row with that id and no results, which waits for
// the batch's transaction if that has inserted its row, and otherwise
// makes the batch fail if it is still running. terminate, when set, runs
// before each attempt, to end a transaction that would keep the insert
// waiting. When the batch committed, settleReceipt returns its row and
// stored set. wait ends the attempts early.
func (s *Store) settleReceipt(wait context.Context, log *slog.Logger, receipt string, terminate func(context.Context) error) (receiptRow, bool, error) {
	delay := receiptLookupDelay
	deadline := time.Now().Add(receiptLookupWindow)
	var err error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			pause := min(delay, time.Until(deadline))
			if pause < 0 {
				return nil, false, err
			}
			select {
			case <-time.After(pause):
			case <-wait.Done():
				return nil, false, errors.Join(err, wait.Err())
			}
			delay = min(2*delay, receiptLookupMaxDelay)
		}
		var row receiptRow
		var stored bool
		row, stored, err = s.lookUpReceipt(wait, receipt, terminate)
		if err == nil {
			log.Warn("event batch outcome settled after a broken connection", "receipt", receipt, "stored", stored, "attempt", attempt)
			return row, stored, nil
		}
		log.Warn("event batch receipt lookup failed", "receipt", receipt, "attempt", attempt, "error", err)
	}
}

func (s *Store) lookUpReceipt(wait context.Context, receipt string, terminate func(context.Context) error) (receiptRow, bool, error) {
	ctx, cancel := context.WithTimeout(wait, receiptLookupTimeout)
	defer cancel()
	if terminate != nil {
		if err := terminate(ctx); err != nil {
			return nil, false, fmt.Errorf("end the transaction of receipt %s: %w", receipt, err)
		}
	}
	// database/sql may send this insert again on another connection, and
	// then it finds its own row, which has no results, as below.
	res, err := s.db.ExecContext(ctx, "INSERT INTO ingest_receipts (id) VALUES (?) ON CONFLICT (id) DO NOTHING", receipt)
	if err != nil {
		return nil, false, fmt.Errorf("insert receipt %s: %w", receipt, err)
	}
	if inserted, err := res.RowsAffected(); err != nil || inserted == 1 {
		return nil, false, err
	}

	// The row is the batch's, or an earlier lookup's without results.
	var found struct {
		stored     bool
		positions  []int64
		ids        []int64
		contactIDs []int64
		createdAts []time.Time
	}
	err = s.db.QueryRowContext(ctx, `
		SELECT positions IS NOT NULL, coalesce(positions, '{}'), coalesce(occurrence_ids, '{}'),
			coalesce(contact_ids, '{}'), coalesce(created_ats, '{}')
		FROM ingest_receipts WHERE id = ?`, receipt).
		Scan(&found.stored, pgdialect.Array(&found.positions), pgdialect.Array(&found.ids),
			pgdialect.Array(&found.contactIDs), pgdialect.Array(&found.createdAts))
	if err != nil {
		return nil, false, fmt.Errorf("read receipt %s: %w", receipt, err)
	}
	if !found.stored {
		return nil, false, nil
	}
	n := len(found.positions)
	if len(found.ids) != n || len(found.contactIDs) != n || len(found.createdAts) != n {
		return nil, false, fmt.Errorf("receipt %s has arrays of different lengths", receipt)
	}
	row := make(receiptRow, n)
	for k := range n {
		row[k] = bulkRow{TriggerIndex: int(found.positions[k]), ID: found.ids[k], ContactID: found.contactIDs[k], CreatedAt: found.createdAts[k]}
	}
	return row, true, nil
}

// batchConnIdleCheck is how long an ingest worker's connection may stay
// unused before the worker checks it with a ping, so that a connection
// that the server closed meanwhile, for example in a restart, is replaced
// before it carries a batch.
var batchConnIdleCheck = time.Second

// batchConn is an ingest worker's own database connection for the batches
// it writes outside a transaction.
type batchConn struct {
	db   *bun.DB
	conn bun.Conn
	// record is recordReceiptSQL, prepared on conn.
	record   *sql.Stmt
	open     bool
	lastUsed time.Time
	// doneReceipts are the receipts that a later batch deletes.
	doneReceipts []string
}

// get returns the batch statement prepared on the connection, after a
// ping when the connection has been idle for batchConnIdleCheck. It opens
// a new connection when it has none or the ping failed.
func (c *batchConn) get(ctx context.Context) (*sql.Stmt, error) {
	if c.open && time.Since(c.lastUsed) >= batchConnIdleCheck {
		if err := c.conn.PingContext(ctx); err != nil {
			c.close()
		}
	}
	if !c.open {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("get a database connection for an event batch: %w", err)
		}
		timeout := strconv.FormatInt(batchStatementTimeout.Milliseconds(), 10)
		if _, err := conn.NewRaw("SELECT set_config('statement_timeout', ?, false)", timeout).Exec(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("set the statement timeout of an event batch connection: %w", err)
		}
		record, err := conn.PrepareContext(ctx, recordReceiptSQL)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("prepare the statement of event batches: %w", err)
		}
		c.conn, c.record, c.open = conn, record, true
	}
	return c.record, nil
}

// used records the result of a statement on the connection. After an error
// that the server did not report, the connection may be broken, so it is
// closed and the next batch opens another.
func (c *batchConn) used(err error) {
	c.lastUsed = time.Now()
	if err != nil && !isStatementError(err) {
		c.close()
	}
}

func (c *batchConn) close() {
	if c.open {
		c.record.Close()
		c.conn.Close()
		c.open = false
	}
}

// ErrUnconfirmed matches the error of a trigger whose batch may have been
// stored, but the database did not confirm it, for example because the
// connection broke. The ingester does not write such a batch again, but a
// client that sends the trigger again may store it a second time.
var ErrUnconfirmed = errors.New("the database did not confirm the batch, which may be stored")
