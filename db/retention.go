package db

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// retentionBatchSize is the number of occurrences one DELETE statement of
// EnforceRetention removes. Each batch commits on its own, so a long
// backlog never holds locks on millions of rows at once.
const retentionBatchSize = 10_000

// RetentionInterval is how often StartRetention runs EnforceRetention.
const RetentionInterval = 24 * time.Hour

// RetentionMonths returns how many months of occurrences the account keeps.
func (s *Store) RetentionMonths(ctx context.Context, accountID int64) (int, error) {
	var months int
	err := s.db.NewRaw("SELECT retention_months FROM accounts WHERE id = ?", accountID).Scan(ctx, &months)
	if isNoRows(err) {
		return 0, &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	if err != nil {
		return 0, fmt.Errorf("read retention of account %d: %w", accountID, err)
	}
	return months, nil
}

// SetRetentionMonths sets how many months of occurrences the account
// keeps. A value outside apitype.MinRetentionMonths to
// apitype.MaxRetentionMonths stores nothing and returns an
// *apitype.ValidationError. Older occurrences are deleted by the next
// EnforceRetention run, not here.
func (s *Store) SetRetentionMonths(ctx context.Context, accountID int64, months int) error {
	if verr := apitype.ValidateRetentionMonths(months); verr != nil {
		return verr
	}
	res, err := s.db.NewRaw("UPDATE accounts SET retention_months = ? WHERE id = ?", months, accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set retention of account %d: %w", accountID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	return nil
}

// EnforceRetention deletes the occurrences that are older than their
// account's retention_months, counted back from now in UTC, and returns the
// number deleted per account id. Accounts with nothing to delete are left
// out of the map. Deleting an occurrence also deletes its idempotency
// keys, and moves it to the expired counts of event_contact_days, from
// which reports keep counting it. Contacts and visitors stay. It also
// deletes each account's reasons for dropped beacon messages that are
// older than apitype.BeaconDropWindow.
//
// It deletes in transactions of at most 10,000 rows that commit one by one.
// When it fails or ctx ends partway, the returned map holds what was
// deleted until then, together with the error.
func (s *Store) EnforceRetention(ctx context.Context, now time.Time) (map[int64]int64, error) {
	// Subtracting months in PostgreSQL keeps the day of the month or takes
	// the month's last day, so 25 months before 2026-03-31 is 2024-02-29.
	var accounts []struct {
		ID     int64     `bun:"id"`
		Cutoff time.Time `bun:"cutoff"`
	}
	err := s.db.NewRaw(`
		SELECT id, (?::timestamptz AT TIME ZONE 'UTC' - make_interval(months => retention_months)) AT TIME ZONE 'UTC' AS cutoff
		FROM accounts ORDER BY id`, now.UTC()).Scan(ctx, &accounts)
	if err != nil {
		return nil, fmt.Errorf("list retention of accounts: %w", err)
	}

	deleted := map[int64]int64{}
	for _, account := range accounts {
		for {
			n, err := s.expireBatch(ctx, account.ID, account.Cutoff)
			if err != nil {
				return deleted, fmt.Errorf("delete occurrences of account %d before %s: %w", account.ID, account.Cutoff.Format(time.RFC3339), err)
			}
			if n > 0 {
				deleted[account.ID] += n
			}
			if n < retentionBatchSize {
				break
			}
		}
		if _, err := s.expireBeaconDrops(ctx, account.ID, now.Add(-apitype.BeaconDropWindow)); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// expireBatch deletes up to retentionBatchSize of the account's occurrences
// before cutoff in one transaction and returns how many it deleted.
func (s *Store) expireBatch(ctx context.Context, accountID int64, cutoff time.Time) (int64, error) {
	var n int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockAccountRollups(ctx, tx, accountID); err != nil {
			return err
		}
		ids, err := lockExpiredOccurrences(ctx, tx, accountID, cutoff)
		if err != nil || len(ids) == 0 {
			return err
		}
		// The statement moves the batch's counts from live_events to
		// expired_events: it adds them to expired_events here, and the
		// delete trigger takes them out of live_events. So reports lose
		// no number, even if the job stops between batches.
		//
		// The UPDATE of rolled reads event_contact_days in the snapshot of
		// this statement. The batch was locked before that snapshot, so
		// it shows the contact and day that each occurrence counts on.
		// Those event_contact_days rows stay until this transaction
		// commits, because other writers delete a row only after moving
		// or deleting its occurrences, which waits for these locks. A
		// rebuild of the rollups, which rewrites them, waits for the
		// account lock.
		return tx.NewRaw(`
			WITH doomed AS (
				DELETE FROM event_occurrences WHERE id = ANY(?)
				RETURNING account_id, custom_event_id, contact_id, occurred_at
			), expired AS (
				SELECT d.account_id, d.custom_event_id, (d.occurred_at AT TIME ZONE a.time_zone)::date AS day, d.contact_id, count(*) AS n
				FROM doomed d JOIN accounts a ON a.id = d.account_id
				GROUP BY 1, 2, 3, 4
			), rolled AS (
				UPDATE event_contact_days r SET expired_events = r.expired_events + e.n
				FROM expired e
				WHERE r.account_id = e.account_id AND r.custom_event_id = e.custom_event_id
					AND r.day = e.day AND r.contact_id = e.contact_id
				RETURNING 1
			)
			SELECT count(*) FROM doomed`, pgdialect.Array(ids)).Scan(ctx, &n)
	})
	return n, err
}

// lockExpiredOccurrences locks up to retentionBatchSize of the account's
// occurrences before cutoff FOR UPDATE and returns their ids.
//
// The lock must come in a statement before the DELETE. A DELETE that
// waits for a merge's uncommitted UPDATE of a row deletes the row's new
// version, with the new contact_id. But the rest of that statement reads
// event_contact_days in a snapshot taken before the merge, which may have
// no row for that contact and day. The expired count would then be lost,
// while the delete trigger still takes the live count away.
//
// Rows are locked in the order of (occurred_at, id), which
// event_occurrences_account_time_idx serves with an incremental sort.
// mergeAnonymous locks a contact's occurrences in the same order, so a
// merge and a batch that need the same rows wait for each other instead
// of deadlocking.
func lockExpiredOccurrences(ctx context.Context, tx bun.Tx, accountID int64, cutoff time.Time) ([]int64, error) {
	var ids []int64
	err := tx.NewRaw(`
		SELECT id FROM event_occurrences
		WHERE account_id = ? AND occurred_at < ?
		ORDER BY occurred_at, id
		LIMIT ?
		FOR UPDATE`, accountID, cutoff, retentionBatchSize).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("lock occurrences: %w", err)
	}
	return ids, nil
}

// StartRetention runs EnforceRetention now and then every interval until
// the returned function is called. That function cancels a run in
// progress and waits for it to end. Each run logs its counts or its error.
func (s *Store) StartRetention(log *slog.Logger, interval time.Duration) (stop func()) {
	log.Info("retention job started", "interval", interval.String())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			s.runRetention(ctx, log)
			select {
			case <-ticker.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		log.Info("retention job stopped")
	}
}

func (s *Store) runRetention(ctx context.Context, log *slog.Logger) {
	started := time.Now()
	deleted, err := s.EnforceRetention(ctx, started)
	for accountID, n := range deleted {
		log.Info("retention deleted occurrences", "account_id", accountID, "occurrences", n)
	}
	if err != nil && ctx.Err() != nil {
		log.Info("retention run interrupted by shutdown", "error", err, "accounts_with_deletions", len(deleted))
		return
	}
	if err != nil {
		log.Error("retention run failed", "error", err, "accounts_with_deletions", len(deleted))
		return
	}
	log.Info("retention run finished", "accounts_with_deletions", len(deleted), "duration", time.Since(started).String())
}
