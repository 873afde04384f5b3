package db

import (
	"context"

	"customevents/app/apitype"
)

// EventStats holds the metric cards of one custom event.
type EventStats struct {
	EventsTriggered int64
	UniqueContacts  int64
}

// EventStats counts a custom event's occurrences and distinct contacts over
// days in the account's time zone, as EventReport does, without the
// previous period and the days. It also counts a deleted definition, so
// callers decide whether deleted events are visible.
func (s *Store) EventStats(ctx context.Context, account *Account, eventID int64, days apitype.DateRange) (*EventStats, error) {
	report, err := s.EventReport(ctx, account, eventID, days)
	if err != nil {
		return nil, err
	}
	return &EventStats{EventsTriggered: report.EventsTriggered, UniqueContacts: report.UniqueContacts}, nil
}
