package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// isSimple reports whether the trigger can be written by recordBulk: it
// has no idempotency key to claim and no contact fields to fill.
func (p *preparedTrigger) isSimple() bool {
	return p.IdempotencyKey == "" && p.Contact == (ContactFields{})
}

type accountEmail struct {
	accountID int64
	email     string
}

type accountVisitor struct {
	accountID int64
	visitorID string
}

// errNotSent fails a batch that failed before it was sent to the database.
var errNotSent = errors.New("the event batch was not sent")

// unstoredOccurrence returns the occurrence that p stores, without the
// id, contact and creation time that the database assigns.
func (p *preparedTrigger) unstoredOccurrence() *EventOccurrence {
	return &EventOccurrence{
		AccountID: p.AccountID, CustomEventID: p.customEventID,
		OccurredAt: p.OccurredAt.UTC(), PageURL: p.PageURL, Source: p.Source, Metadata: p.Metadata,
		Referrer: p.Referrer, Channel: p.Channel, UTMSource: p.UTMSource, UTMMedium: p.UTMMedium,
		UTMCampaign: p.UTMCampaign, UTMTerm: p.UTMTerm, UTMContent: p.UTMContent,
	}
}

// bulkRow is one row that record_simple_triggers returns: the position
// of a stored trigger in the batch (from 1) and its occurrence.
type bulkRow struct {
	TriggerIndex int       `bun:"trigger_index"`
	ID           int64     `bun:"id"`
	ContactID    int64     `bun:"contact_id"`
	CreatedAt    time.Time `bun:"created_at"`
}

// recordBulk writes simple triggers in one call of the SQL function
// record_simple_triggers, which finds or creates their contacts by email
// and by visitor and inserts every occurrence. It returns the occurrences
// in the order of triggers. A statement that the server rejects writes
// nothing, and the caller writes the batch again trigger by trigger.
func recordBulk(ctx context.Context, tx bun.IDB, triggers []*preparedTrigger) ([]*EventOccurrence, error) {
	occurrences, cols, err := newBulkColumns(triggers)
	if err != nil {
		return nil, err
	}
	var stored []bulkRow
	err = tx.NewRaw(`
		SELECT trigger_index, id, contact_id, created_at
		FROM record_simple_triggers(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::timestamptz[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[], false)`,
		pgdialect.Array(cols.account), pgdialect.Array(cols.event),
		pgdialect.Array(cols.email), pgdialect.Array(cols.visitor), pgdialect.Array(cols.at),
		pgdialect.Array(cols.page), pgdialect.Array(cols.source), pgdialect.Array(cols.metadata),
		pgdialect.Array(cols.referrer), pgdialect.Array(cols.channel),
		pgdialect.Array(cols.utmSource), pgdialect.Array(cols.utmMedium), pgdialect.Array(cols.utmCampaign),
		pgdialect.Array(cols.utmTerm), pgdialect.Array(cols.utmContent),
	).Scan(ctx, &stored)
	if err != nil {
		return nil, fmt.Errorf("record a batch of triggers: %w", err)
	}
	if len(stored) != len(triggers) {
		return nil, fmt.Errorf("record a batch of triggers: %d occurrences stored for %d triggers", len(stored), len(triggers))
	}
	return placeBulkRows(occurrences, stored)
}

// recordReceiptSQL is the statement of an ingest worker's batch, which
// its connection prepares once, so PostgreSQL does not parse and plan it
// for every batch (68 µs of planning per batch in pg_stat_statements).
// It records the triggers, leaving out accounts whose report rollups are
// being rebuilt, stores the batch's receipt and deletes earlier receipts.
// PostgreSQL materializes stored, because two queries read it and it
// calls a volatile function, so the function runs once. Data-modifying
// WITH queries run to completion even when the main query skips them.
const recordReceiptSQL = `
	WITH stored AS (
		SELECT trigger_index, id, contact_id, created_at
		FROM record_simple_triggers($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[],
			$6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::text[], $15::text[], true)
	),
	receipt AS (
		INSERT INTO ingest_receipts (id, positions, occurrence_ids, contact_ids, created_ats)
		SELECT $16::uuid,
			coalesce(array_agg(trigger_index ORDER BY trigger_index), '{}'),
			coalesce(array_agg(id ORDER BY trigger_index), '{}'),
			coalesce(array_agg(contact_id ORDER BY trigger_index), '{}'),
			coalesce(array_agg(created_at ORDER BY trigger_index), '{}')
		FROM stored
	),
	done AS (
		DELETE FROM ingest_receipts WHERE id = ANY ($17::uuid[])
	)
	SELECT trigger_index, id, contact_id, created_at FROM stored`

// recordReceipted writes simple triggers as recordBulk does, with the
// prepared statement of an ingest worker's connection, and stores the
// batch's receipt in the same statement (see batchReceipt). The triggers
// of accounts whose report rollups are being rebuilt are left out, and
// their occurrences are nil.
func recordReceipted(ctx context.Context, stmt *sql.Stmt, triggers []*preparedTrigger, receipt *batchReceipt) ([]*EventOccurrence, error) {
	occurrences, cols, err := newBulkColumns(triggers)
	if err != nil {
		return nil, err
	}
	at := make([]string, len(cols.at))
	for i, t := range cols.at {
		at[i] = t.Format(receiptTimeLayout)
	}
	done := receipt.done
	if done == nil {
		done = []string{}
	}
	rows, err := stmt.QueryContext(ctx,
		pq.Array(cols.account), pq.Array(cols.event), pq.Array(cols.email), pq.Array(cols.visitor), pq.Array(at),
		pq.Array(cols.page), pq.Array(cols.source), pq.Array(cols.metadata), pq.Array(cols.referrer), pq.Array(cols.channel),
		pq.Array(cols.utmSource), pq.Array(cols.utmMedium), pq.Array(cols.utmCampaign), pq.Array(cols.utmTerm), pq.Array(cols.utmContent),
		receipt.id, pq.Array(done))
	if err != nil {
		return nil, fmt.Errorf("record a batch of triggers: %w", err)
	}
	stored := make([]bulkRow, 0, len(triggers))
	for rows.Next() {
		var r bulkRow
		if err := rows.Scan(&r.TriggerIndex, &r.ID, &r.ContactID, &r.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("record a batch of triggers: %w", err)
		}
		stored = append(stored, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("record a batch of triggers: %w", err)
	}
	written, err := placeBulkRows(occurrences, stored)
	if err != nil || len(stored) == len(triggers) {
		return written, err
	}
	// Skipping leaves out whole accounts.
	left := make(map[int64]bool)
	for i, o := range written {
		left[triggers[i].AccountID] = left[triggers[i].AccountID] || o == nil
	}
	for i, o := range written {
		if o != nil && left[triggers[i].AccountID] {
			return nil, fmt.Errorf("record a batch of triggers: account %d has triggers both stored and left out", triggers[i].AccountID)
		}
	}
	return written, nil
}

// receiptTimeLayout is the layout of occurrence times in a timestamptz[]
// parameter. Trigger times are whole microseconds already.
const receiptTimeLayout = "2006-01-02T15:04:05.999999Z07:00"

// bulkColumns is a batch's triggers column by column, in the arrays that
// record_simple_triggers takes.
type bulkColumns struct {
	account, event                                         []int64
	email, visitor                                         []string
	at                                                     []time.Time
	page, source, metadata, referrer, channel              []string
	utmSource, utmMedium, utmCampaign, utmTerm, utmContent []string
}

// newBulkColumns returns the unstored occurrences of triggers and their
// columns.
func newBulkColumns(triggers []*preparedTrigger) ([]*EventOccurrence, *bulkColumns, error) {
	occurrences := make([]*EventOccurrence, len(triggers))
	cols := &bulkColumns{}
	for i, p := range triggers {
		metadata, err := json.Marshal(p.Metadata)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: encode metadata of %q: %w", errNotSent, p.Slug, err)
		}
		o := p.unstoredOccurrence()
		occurrences[i] = o
		cols.account = append(cols.account, o.AccountID)
		cols.event = append(cols.event, o.CustomEventID)
		cols.email = append(cols.email, p.Email)
		cols.visitor = append(cols.visitor, p.VisitorID)
		cols.at = append(cols.at, o.OccurredAt)
		cols.page = append(cols.page, o.PageURL)
		cols.source = append(cols.source, o.Source)
		cols.metadata = append(cols.metadata, string(metadata))
		cols.referrer = append(cols.referrer, o.Referrer)
		cols.channel = append(cols.channel, o.Channel)
		cols.utmSource = append(cols.utmSource, o.UTMSource)
		cols.utmMedium = append(cols.utmMedium, o.UTMMedium)
		cols.utmCampaign = append(cols.utmCampaign, o.UTMCampaign)
		cols.utmTerm = append(cols.utmTerm, o.UTMTerm)
		cols.utmContent = append(cols.utmContent, o.UTMContent)
	}
	return occurrences, cols, nil
}

// placeBulkRows completes the occurrences of the stored rows and returns
// them at the rows' trigger positions, with nil at the others.
func placeBulkRows(occurrences []*EventOccurrence, rows []bulkRow) ([]*EventOccurrence, error) {
	written := make([]*EventOccurrence, len(occurrences))
	for _, row := range rows {
		if row.TriggerIndex < 1 || row.TriggerIndex > len(occurrences) {
			return nil, fmt.Errorf("record a batch of triggers: trigger index %d is out of range 1 to %d", row.TriggerIndex, len(occurrences))
		}
		o := occurrences[row.TriggerIndex-1]
		o.ID, o.ContactID, o.CreatedAt = row.ID, row.ContactID, row.CreatedAt
		written[row.TriggerIndex-1] = o
	}
	return written, nil
}
