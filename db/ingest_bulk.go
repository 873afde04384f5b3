package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
//
// With skipLocked, the triggers of accounts whose report rollups are being
// rebuilt are left out and their occurrences are nil. With receipt,
// the same statement stores the batch's receipt (see batchReceipt).
func recordBulk(ctx context.Context, tx bun.IDB, triggers []*preparedTrigger, skipLocked bool, receipt *batchReceipt) ([]*EventOccurrence, error) {
	occurrences := make([]*EventOccurrence, len(triggers))
	cols := struct {
		account, event                                         []int64
		email, visitor                                         []string
		at                                                     []time.Time
		page, source, metadata, referrer, channel              []string
		utmSource, utmMedium, utmCampaign, utmTerm, utmContent []string
	}{}
	for i, p := range triggers {
		metadata, err := json.Marshal(p.Metadata)
		if err != nil {
			return nil, fmt.Errorf("%w: encode metadata of %q: %w", errNotSent, p.Slug, err)
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

	call := tx.NewRaw(`
		SELECT trigger_index, id, contact_id, created_at
		FROM record_simple_triggers(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::timestamptz[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?)`,
		pgdialect.Array(cols.account), pgdialect.Array(cols.event),
		pgdialect.Array(cols.email), pgdialect.Array(cols.visitor), pgdialect.Array(cols.at),
		pgdialect.Array(cols.page), pgdialect.Array(cols.source), pgdialect.Array(cols.metadata),
		pgdialect.Array(cols.referrer), pgdialect.Array(cols.channel),
		pgdialect.Array(cols.utmSource), pgdialect.Array(cols.utmMedium), pgdialect.Array(cols.utmCampaign),
		pgdialect.Array(cols.utmTerm), pgdialect.Array(cols.utmContent), skipLocked,
	)
	query := call
	if receipt != nil {
		// PostgreSQL materializes stored, which two queries read and
		// which calls a volatile function, so the function runs once. The
		// data-modifying WITH queries run to completion whether or not
		// the main query reads them.
		done := tx.NewRaw("SELECT")
		if len(receipt.done) > 0 {
			done = tx.NewRaw("DELETE FROM ingest_receipts WHERE id = ANY (?::uuid[])", pgdialect.Array(receipt.done))
		}
		query = tx.NewRaw(`
			WITH stored AS (?),
			receipt AS (
				INSERT INTO ingest_receipts (id, positions, occurrence_ids, contact_ids, created_ats)
				SELECT ?,
					coalesce(array_agg(trigger_index ORDER BY trigger_index), '{}'),
					coalesce(array_agg(id ORDER BY trigger_index), '{}'),
					coalesce(array_agg(contact_id ORDER BY trigger_index), '{}'),
					coalesce(array_agg(created_at ORDER BY trigger_index), '{}')
				FROM stored
			),
			done AS (?)
			SELECT trigger_index, id, contact_id, created_at FROM stored`,
			call, receipt.id, done)
	}
	var stored []bulkRow
	if err := query.Scan(ctx, &stored); err != nil {
		return nil, fmt.Errorf("record a batch of triggers: %w", err)
	}
	if len(stored) != len(triggers) && !skipLocked {
		return nil, fmt.Errorf("record a batch of triggers: %d occurrences stored for %d triggers", len(stored), len(triggers))
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
