package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file settles the outcome of an ingest batch whose connection to
// the database broke before its commit was confirmed.

// receiptMaxAge is the age after which StartIngester deletes a batch
// receipt. A worker reads a batch's receipt within seconds of a broken
// connection, so older receipts with results are left by servers that
// stopped while a batch was in flight. A row that fenced a batch off must
// outlive that batch's statement, which may still run on the server.
//
// NOTE: a statement that waits on a lock for longer than receiptMaxAge
// and outlives a server restart could still commit after its fence row is
// deleted. Nothing ends such a statement early.
const receiptMaxAge = 24 * time.Hour

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
// returns rolls the transaction back and is returned. When the commit
// fails with an error that the server did not report, the outcome is
// unknown, and resolveCommit looks it up. runBatchTx then returns nil when
// the transaction committed and errNotStored when it did not. When the
// lookup fails too, it returns an error that matches ErrUnconfirmed.
func (s *Store) runBatchTx(ctx context.Context, log *slog.Logger, fn func(context.Context, bun.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin an event batch: %w", err)
	}
	var xid, pid int64
	if err := tx.QueryRowContext(ctx, "SELECT txid_current(), pg_backend_pid()").Scan(&xid, &pid); err != nil {
		tx.Rollback()
		if !isStatementError(err) {
			// A transaction that is never committed stores nothing.
			err = fmt.Errorf("%w: %w", errNotStored, err)
		}
		return fmt.Errorf("start an event batch: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	if err == nil || isStatementError(err) {
		return err
	}
	return s.resolveCommit(ctx, log, xid, pid, err)
}

// resolveCommit finds out whether the transaction xid, whose commit failed
// with commitErr on the connection to backend pid, committed. While the
// transaction is in progress, its backend still runs: it is terminated, so
// that the transaction aborts unless it has committed already.
func (s *Store) resolveCommit(ctx context.Context, log *slog.Logger, xid, pid int64, commitErr error) error {
	delay := receiptLookupDelay
	var err error
	for attempt := 1; attempt <= receiptLookupAttempts; attempt++ {
		if attempt > 1 {
			time.Sleep(delay)
			delay *= 2
		}
		var status sql.NullString
		err = s.db.QueryRowContext(ctx, "SELECT txid_status(?)", xid).Scan(&status)
		if err != nil {
			log.Warn("event batch commit lookup failed", "xid", xid, "attempt", attempt, "error", err)
			continue
		}
		log.Warn("event batch commit looked up after a broken connection", "xid", xid, "status", status.String, "attempt", attempt)
		switch status.String {
		case "committed":
			return nil
		case "aborted":
			return fmt.Errorf("%w: %w", errNotStored, commitErr)
		case "in progress":
			// backend_xid is the 32 bits of the transaction id that
			// txid_current extends with an epoch, so a backend that has
			// reused the pid does not match.
			_, err = s.db.ExecContext(ctx, `
				SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE pid = ? AND backend_xid::text = (?::bigint % 4294967296)::text`, pid, xid)
			if err != nil {
				log.Warn("terminate the backend of an event batch failed", "pid", pid, "xid", xid, "error", err)
			}
		default:
			// txid_status returns NULL for a transaction too old to know.
			err = fmt.Errorf("transaction %d has status %q", xid, status.String)
			return fmt.Errorf("%w: %w", ErrUnconfirmed, errors.Join(commitErr, err))
		}
	}
	if err == nil {
		err = fmt.Errorf("transaction %d is still in progress", xid)
	}
	return fmt.Errorf("%w: retry with an idempotency key to avoid a duplicate: %w", ErrUnconfirmed, errors.Join(commitErr, err))
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
	// done lists receipts of the worker's earlier batches, whose outcome
	// is settled, for the statement to delete.
	done []string
}

func newReceiptID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// receiptLookupAttempts and receiptLookupDelay bound how long resolve
// tries to reach the database: 6 attempts, 100 ms apart at first and
// twice as long after each, 3.1 s in all.
const (
	receiptLookupAttempts = 6
	receiptLookupDelay    = 100 * time.Millisecond
)

// resolve finds out, on a new connection, whether the batch with the
// receipt id committed. It inserts a receipt row with that id and no
// results, which waits for the batch's transaction if that has inserted
// its row, and otherwise makes the batch fail. When the batch committed,
// it returns the batch's occurrences in the order of triggers, with nil
// for those left out, and stored set.
func (c *batchConn) resolve(ctx context.Context, receipt string, triggers []*preparedTrigger) (occurrences []*EventOccurrence, stored bool, err error) {
	delay := receiptLookupDelay
	for attempt := 1; attempt <= receiptLookupAttempts; attempt++ {
		if attempt > 1 {
			time.Sleep(delay)
			delay *= 2
		}
		occurrences, stored, err = c.lookUpReceipt(ctx, receipt, triggers)
		if err == nil {
			c.log.Warn("event batch connection broke, receipt looked up", "receipt", receipt, "stored", stored, "attempt", attempt)
			return occurrences, stored, nil
		}
		c.log.Warn("event batch receipt lookup failed", "receipt", receipt, "attempt", attempt, "error", err)
	}
	return nil, false, err
}

func (c *batchConn) lookUpReceipt(ctx context.Context, receipt string, triggers []*preparedTrigger) ([]*EventOccurrence, bool, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, false, err
	}
	res, err := conn.ExecContext(ctx, "INSERT INTO ingest_receipts (id) VALUES (?) ON CONFLICT (id) DO NOTHING", receipt)
	c.used(err)
	if err != nil {
		return nil, false, fmt.Errorf("insert receipt %s: %w", receipt, err)
	}
	if inserted, err := res.RowsAffected(); err != nil || inserted == 1 {
		return nil, false, err
	}

	// The row is the batch's, or an earlier lookup's without results.
	var row struct {
		Stored     bool
		Positions  []int64
		IDs        []int64
		ContactIDs []int64
		CreatedAts []time.Time
	}
	err = conn.QueryRowContext(ctx, `
		SELECT positions IS NOT NULL, coalesce(positions, '{}'), coalesce(occurrence_ids, '{}'),
			coalesce(contact_ids, '{}'), coalesce(created_ats, '{}')
		FROM ingest_receipts WHERE id = ?`, receipt).
		Scan(&row.Stored, pgdialect.Array(&row.Positions), pgdialect.Array(&row.IDs),
			pgdialect.Array(&row.ContactIDs), pgdialect.Array(&row.CreatedAts))
	c.used(err)
	if err != nil {
		return nil, false, fmt.Errorf("read receipt %s: %w", receipt, err)
	}
	if !row.Stored {
		return nil, false, nil
	}
	n := len(row.Positions)
	if len(row.IDs) != n || len(row.ContactIDs) != n || len(row.CreatedAts) != n {
		return nil, false, fmt.Errorf("receipt %s has arrays of different lengths", receipt)
	}
	rows := make([]bulkRow, n)
	for k := range n {
		rows[k] = bulkRow{TriggerIndex: int(row.Positions[k]), ID: row.IDs[k], ContactID: row.ContactIDs[k], CreatedAt: row.CreatedAts[k]}
	}
	occurrences := make([]*EventOccurrence, len(triggers))
	for j, p := range triggers {
		occurrences[j] = p.unstoredOccurrence()
	}
	placed, err := placeBulkRows(occurrences, rows)
	return placed, err == nil, err
}

// batchConnIdleCheck is how long an ingest worker's connection may stay
// unused before the worker checks it with a ping, so that a connection
// that the server closed meanwhile, for example in a restart, is replaced
// before it carries a batch.
var batchConnIdleCheck = time.Second

// batchConn is an ingest worker's own database connection for the batches
// it writes outside a transaction.
type batchConn struct {
	db       *bun.DB
	log      *slog.Logger
	conn     bun.Conn
	open     bool
	lastUsed time.Time
	// doneReceipts are the receipts that the next batch deletes.
	doneReceipts []string
}

// get returns the connection, after a ping when it has been idle for
// batchConnIdleCheck, and opens a new one when it has none or the ping
// failed.
func (c *batchConn) get(ctx context.Context) (bun.Conn, error) {
	if c.open && time.Since(c.lastUsed) >= batchConnIdleCheck {
		if err := c.conn.PingContext(ctx); err != nil {
			c.close()
		}
	}
	if !c.open {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return bun.Conn{}, fmt.Errorf("get a database connection for an event batch: %w", err)
		}
		c.conn, c.open = conn, true
	}
	return c.conn, nil
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
		c.conn.Close()
		c.open = false
	}
}

// ErrUnconfirmed matches the error of a trigger whose batch may have been
// stored, but the database did not confirm it, for example because the
// connection broke. The ingester does not write such a batch again, but a
// client that sends the trigger again may store it a second time.
var ErrUnconfirmed = errors.New("the database did not confirm the batch, which may be stored")
