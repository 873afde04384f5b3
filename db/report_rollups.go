package db

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// CompactionInterval is how often StartReportCompaction runs
// CompactReportRollups. Reports read the changes that are not compacted
// yet, so the interval bounds how many of them a report reads, not whether
// it is right.
const CompactionInterval = 10 * time.Second

// lockAccountRollups takes the account row lock that the rollup triggers
// take, FOR KEY SHARE, at the start of tx. A time zone change, which locks
// the row FOR UPDATE and rebuilds the account's rollups, then waits for tx,
// and tx waits for a change in progress before it writes anything. Without
// it, tx could lock rollup rows first and deadlock with the rebuild.
func lockAccountRollups(ctx context.Context, tx bun.Tx, accountID int64) error {
	if _, err := tx.NewRaw("SELECT 1 FROM accounts WHERE id = ? FOR KEY SHARE", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("lock account %d: %w", accountID, err)
	}
	return nil
}

// CompactReportRollups folds the pending rows of event_day_total_changes
// and event_day_gap_changes into event_day_totals and event_day_gaps, and
// deletes the rows that reach zero. It returns the number of change rows
// folded. Reports return the same numbers before and after.
func (s *Store) CompactReportRollups(ctx context.Context) (int64, error) {
	steps := []struct {
		name  string
		fold  string
		empty string
	}{
		{
			name: "day totals",
			fold: `
				WITH moved AS (
					DELETE FROM event_day_total_changes
					RETURNING account_id, custom_event_id, day, events, contacts
				), summed AS (
					SELECT account_id, custom_event_id, day, sum(events) AS events, sum(contacts) AS contacts
					FROM moved GROUP BY 1, 2, 3
				), folded AS (
					INSERT INTO event_day_totals AS t (account_id, custom_event_id, day, events, contacts)
					SELECT * FROM summed WHERE events <> 0 OR contacts <> 0
					ORDER BY 1, 2, 3
					ON CONFLICT (account_id, custom_event_id, day) DO UPDATE SET
						events = t.events + EXCLUDED.events,
						contacts = t.contacts + EXCLUDED.contacts
					RETURNING 1
				)
				SELECT count(*) FROM moved`,
			empty: "DELETE FROM event_day_totals WHERE contacts = 0",
		},
		{
			name: "day gaps",
			fold: `
				WITH moved AS (
					DELETE FROM event_day_gap_changes
					RETURNING account_id, custom_event_id, previous_day, day, contacts
				), summed AS (
					SELECT account_id, custom_event_id, previous_day, day, sum(contacts) AS contacts
					FROM moved GROUP BY 1, 2, 3, 4
				), folded AS (
					INSERT INTO event_day_gaps AS g (account_id, custom_event_id, previous_day, day, contacts)
					SELECT * FROM summed WHERE contacts <> 0
					ORDER BY 1, 2, 3, 4
					ON CONFLICT (account_id, custom_event_id, previous_day, day) DO UPDATE SET
						contacts = g.contacts + EXCLUDED.contacts
					RETURNING 1
				)
				SELECT count(*) FROM moved`,
			empty: "DELETE FROM event_day_gaps WHERE contacts = 0",
		},
	}

	var folded int64
	for _, step := range steps {
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var n int64
			if err := tx.NewRaw(step.fold).Scan(ctx, &n); err != nil {
				return err
			}
			folded += n
			_, err := tx.NewRaw(step.empty).Exec(ctx)
			return err
		})
		if err != nil {
			return folded, fmt.Errorf("compact report %s: %w", step.name, err)
		}
	}
	return folded, nil
}

// StartReportCompaction runs CompactReportRollups every interval until the
// returned function is called. That function cancels a run in progress
// and waits for it to end. Runs log their errors, and their counts at debug
// level.
func (s *Store) StartReportCompaction(log *slog.Logger, interval time.Duration) (stop func()) {
	log.Info("report compaction started", "interval", interval.String())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
			case <-ctx.Done():
				return
			}
			started := time.Now()
			folded, err := s.CompactReportRollups(ctx)
			switch {
			case err != nil && ctx.Err() != nil:
				log.Info("report compaction interrupted by shutdown", "error", err)
			case err != nil:
				log.Error("report compaction failed", "error", err, "changes_folded", folded)
			default:
				log.Debug("report compaction finished", "changes_folded", folded, "duration", time.Since(started).String())
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		log.Info("report compaction stopped")
	}
}

// RebuildReportRollups computes every rollup of the account again from its
// occurrences, in one transaction. Changing accounts.time_zone does the
// same. Reports return the same numbers before and after, unless the
// rollups were wrong. It locks the account's rollups until it commits, and
// its time grows with the account's occurrences.
func (s *Store) RebuildReportRollups(ctx context.Context, accountID int64) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Ingest workers skip an account while its rebuild lock is held,
		// rather than wait for its row (see rebuild_xact_lock).
		if _, err := tx.NewRaw("SELECT rebuild_xact_lock(?)", accountID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw("SELECT report_rebuild_account(?)", accountID).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("rebuild report rollups of account %d: %w", accountID, err)
	}
	return nil
}
