package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// BeaconDropCount is a number of an account's beacon messages that one
// server process dropped for one reason, the latest of them at At.
type BeaconDropCount struct {
	AccountID int64
	// Reason is why, with what to fix. Callers cut it to a few hundred
	// characters, because it quotes values from the messages.
	Reason string
	Count  int
	At     time.Time
}

// AddBeaconDrops adds counts of dropped beacon messages to the accounts'
// lists. A reason whose last drop came more than apitype.BeaconDropWindow
// before the new ones starts counting again, and each account keeps its
// apitype.MaxBeaconDrops latest reasons.
func (s *Store) AddBeaconDrops(ctx context.Context, drops []BeaconDropCount) error {
	if len(drops) == 0 {
		return nil
	}
	accounts := make([]int64, len(drops))
	reasons := make([]string, len(drops))
	counts := make([]int64, len(drops))
	times := make([]time.Time, len(drops))
	for i, drop := range drops {
		accounts[i] = drop.AccountID
		reasons[i] = drop.Reason
		counts[i] = int64(drop.Count)
		times[i] = drop.At.UTC()
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockBeaconDrops(ctx, tx, accounts); err != nil {
			return err
		}
		_, err := tx.NewRaw(`
			INSERT INTO beacon_drops AS d (account_id, reason, count, last_at)
			SELECT t.account_id, t.reason, sum(t.count), max(t.last_at)
			FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::timestamptz[]) AS t (account_id, reason, count, last_at)
			GROUP BY t.account_id, t.reason
			ORDER BY t.account_id, t.reason
			ON CONFLICT (account_id, reason) DO UPDATE SET
				count = CASE WHEN d.last_at < excluded.last_at - make_interval(secs => ?)
					THEN excluded.count ELSE d.count + excluded.count END,
				last_at = greatest(d.last_at, excluded.last_at)`,
			pgdialect.Array(accounts), pgdialect.Array(reasons), pgdialect.Array(counts), pgdialect.Array(times),
			apitype.BeaconDropWindow.Seconds()).Exec(ctx)
		if err != nil {
			return err
		}
		_, err = tx.NewRaw(`
			DELETE FROM beacon_drops d
			USING (
				SELECT account_id, reason,
					row_number() OVER (PARTITION BY account_id ORDER BY last_at DESC, reason) AS n
				FROM beacon_drops
				WHERE account_id = ANY (?::bigint[])
			) r
			WHERE d.account_id = r.account_id AND d.reason = r.reason AND r.n > ?`,
			pgdialect.Array(accounts), apitype.MaxBeaconDrops).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("add %d reasons for dropped beacon messages: %w", len(drops), err)
	}
	return nil
}

// lockBeaconDrops takes the transaction's lock on the beacon_drops rows of
// each of accounts. The trim of an account's rows deletes rows that
// another process may be adding to, and the two would deadlock. So
// writers of an account's rows take turns, under a lock per account
// taken in the order of account ids. Class 0 of the two-key advisory
// locks is free: the visitor locks use account ids, from 1, and the
// report rebuild locks negative classes.
func lockBeaconDrops(ctx context.Context, tx bun.Tx, accounts []int64) error {
	_, err := tx.NewRaw(`
		SELECT count(pg_advisory_xact_lock(0, (s.a & 2147483647)::int))
		FROM (SELECT DISTINCT unnest(?::bigint[]) AS a ORDER BY 1) s`,
		pgdialect.Array(accounts)).Exec(ctx)
	return err
}

// expireBeaconDrops deletes the account's reasons for dropped beacon
// messages whose last drop came before cutoff. Check my site shows only
// the last apitype.BeaconDropWindow, and a reason quotes values from the
// messages, so older ones are not kept.
func (s *Store) expireBeaconDrops(ctx context.Context, accountID int64, cutoff time.Time) (int64, error) {
	var n int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockBeaconDrops(ctx, tx, []int64{accountID}); err != nil {
			return err
		}
		res, err := tx.NewRaw(`DELETE FROM beacon_drops WHERE account_id = ? AND last_at < ?`, accountID, cutoff.UTC()).Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete reasons for dropped beacon messages of account %d before %s: %w", accountID, cutoff.Format(time.RFC3339), err)
	}
	return n, nil
}

// RecentBeaconDrops returns the account's reasons for beacon messages
// dropped at since or later, the latest first, at most
// apitype.MaxBeaconDrops.
func (s *Store) RecentBeaconDrops(ctx context.Context, accountID int64, since time.Time) ([]apitype.BeaconDrop, error) {
	drops := []apitype.BeaconDrop{}
	err := s.db.NewRaw(`
		SELECT last_at AS at, reason, count
		FROM beacon_drops
		WHERE account_id = ? AND last_at >= ?
		ORDER BY last_at DESC, reason
		LIMIT ?`, accountID, since.UTC(), apitype.MaxBeaconDrops).Scan(ctx, &drops)
	if err != nil {
		return nil, fmt.Errorf("list dropped beacon messages of account %d: %w", accountID, err)
	}
	for i := range drops {
		drops[i].At = drops[i].At.UTC()
	}
	return drops, nil
}
