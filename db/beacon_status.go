package db

import (
	"context"
	"fmt"
	"time"

	"customevents/app/apitype"
)

// BeaconEvent is an occurrence that a website sent through the beacon.
type BeaconEvent struct {
	OccurredAt time.Time `bun:"occurred_at"`
	Slug       string    `bun:"slug"`
	PageURL    string    `bun:"page_url"`
}

// LatestBeaconEvent returns the account's latest occurrence from the
// beacon, or nil when none is among its apitype.BeaconStatusScanLimit most
// recent occurrences. The limit bounds the work of each call on accounts
// with many API events, and spares the ingest path an index on source.
func (s *Store) LatestBeaconEvent(ctx context.Context, accountID int64) (*BeaconEvent, error) {
	var rows []BeaconEvent
	err := s.db.NewRaw(`
		SELECT r.occurred_at, e.slug, r.page_url
		FROM (
			SELECT o.id, o.occurred_at, o.source, o.page_url, o.custom_event_id
			FROM event_occurrences o
			WHERE o.account_id = ?
			ORDER BY o.occurred_at DESC
			LIMIT ?
		) r
		JOIN custom_events e ON e.account_id = ? AND e.id = r.custom_event_id
		WHERE r.source = ?
		ORDER BY r.occurred_at DESC, r.id DESC
		LIMIT 1`, accountID, apitype.BeaconStatusScanLimit, accountID, SourceBeacon).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find latest beacon event of account %d: %w", accountID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	rows[0].OccurredAt = rows[0].OccurredAt.UTC()
	return &rows[0], nil
}
