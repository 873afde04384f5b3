package db

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"customevents/app/apitype"
)

// retentionBatchSize is the number of occurrences one DELETE statement of
// EnforceRetention removes. Each statement commits on its own, so a long
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
// keys, and adds it to event_contact_days, from which reports keep
// counting it. Contacts and visitors stay.
//
// It deletes in statements of at most 10,000 rows that commit one by one.
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
			// One statement deletes a batch and adds it to the daily
			// counts, so reports lose no number even if the job stops
			// between batches.
			var n int64
			err := s.db.NewRaw(`
				WITH doomed AS (
					DELETE FROM event_occurrences WHERE id IN (
						SELECT id FROM event_occurrences
						WHERE account_id = ? AND occurred_at < ?
						LIMIT ?)
					RETURNING account_id, custom_event_id, contact_id, occurred_at
				), rolled AS (
					INSERT INTO event_contact_days AS r (account_id, custom_event_id, day, contact_id, events)
					SELECT d.account_id, d.custom_event_id, (d.occurred_at AT TIME ZONE a.time_zone)::date, d.contact_id, count(*)
					FROM doomed d JOIN accounts a ON a.id = d.account_id
					GROUP BY 1, 2, 3, 4
					ON CONFLICT (account_id, custom_event_id, day, contact_id)
					DO UPDATE SET events = r.events + EXCLUDED.events
					RETURNING 1
				)
				SELECT count(*) FROM doomed`, account.ID, account.Cutoff, retentionBatchSize).Scan(ctx, &n)
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
	}
	return deleted, nil
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
