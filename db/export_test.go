package db

import (
	"context"

	"customevents/app/apitype"
)

// DrilldownBound returns the min_count and scan_range that
// event_drilldown_threshold.sql computes for a page in the count order, so
// tests can tell which way EventDrilldown reads the range.
func (s *Store) DrilldownBound(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (int64, bool, error) {
	query, err := newDrilldownQuery(account.ID, eventID, days, opts)
	if err != nil {
		return 0, false, err
	}
	err = s.db.NewRaw(drilldownThresholdQuery, query).Scan(ctx, &query.MinCount, &query.ScanRange)
	return query.MinCount, query.ScanRange, err
}
