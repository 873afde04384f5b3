package db

import (
	"context"
	_ "embed"
	"fmt"

	"customevents/app/apitype"
)

//go:embed queries/event_stats.sql
var eventStatsQuery string

// EventStats holds the metric cards of one custom event.
type EventStats struct {
	EventsTriggered int64 `bun:"events_triggered"`
	UniqueContacts  int64 `bun:"unique_contacts"`
}

// EventStats counts a custom event's occurrences and distinct contacts over
// days in the account's time zone. It also counts a deleted definition, so
// callers decide whether deleted events are visible. EventReport returns the
// same two totals together with the previous period and one row per day.
func (s *Store) EventStats(ctx context.Context, account *Account, eventID int64, days apitype.DateRange) (*EventStats, error) {
	var stats EventStats
	err := s.db.NewRaw(eventStatsQuery,
		account.ID,
		eventID,
		days.From.Format(apitype.DateLayout),
		days.To.Format(apitype.DateLayout),
		account.TimeZone,
	).Scan(ctx, &stats)
	if err != nil {
		return nil, fmt.Errorf("count occurrences of custom event %d: %w", eventID, err)
	}
	return &stats, nil
}
