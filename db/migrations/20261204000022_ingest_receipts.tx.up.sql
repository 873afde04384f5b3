-- An ingest worker writes a batch of simple triggers as one statement
-- outside a transaction (Go's writeSimpleAlone). When the connection
-- breaks before the reply arrives, the batch may have committed or not.
-- ingest_receipts lets the worker find out and acknowledge or write again
-- each trigger once. Batch transactions (Go's runBatchTx) store a receipt
-- in the same way, with empty results, because after a crash PostgreSQL
-- may give their transaction id to another transaction.
--
-- The batch's statement inserts a row with a new random id and what it
-- stored. After a break, the worker inserts a row with the same id and
-- no results, with ON CONFLICT DO NOTHING, on a new connection:
-- - When the batch's transaction has inserted its row, this insert waits
--   for it to end. If the batch committed, the insert does nothing, and
--   the worker reads the batch's results from the row. If it aborted, the
--   insert stores the row.
-- - Otherwise the insert stores the row, and a batch statement that is
--   still running fails on the primary key when it inserts its own. The
--   worker writes the batch again.
--
-- Rows are the ingester's bookkeeping, with ids of several accounts, and
-- belong to no account. Each batch deletes the receipts of the worker's
-- earlier batches. Rows that fenced a batch off stay, because the batch's
-- statement may still run, and StartIngester deletes rows older than a
-- day.
CREATE TABLE ingest_receipts (
	id             uuid PRIMARY KEY,
	created_at     timestamptz NOT NULL DEFAULT now(),
	-- The positions in the batch (from 1) of the stored triggers, and
	-- each one's occurrence, contact and creation time. All four are NULL
	-- in a row that a worker inserted after a break.
	positions      bigint[],
	occurrence_ids bigint[],
	contact_ids    bigint[],
	created_ats    timestamptz[]
);
