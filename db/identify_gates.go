package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// gatePassPair is an event whose action frequency gate both contacts of a
// merge passed, with each contact's last pass, at times the merged contact
// could not both have passed.
type gatePassPair struct {
	CustomEventID int64    `bun:"custom_event_id"`
	Known         gatePass `bun:"embed:known_"`
	Anonymous     gatePass `bun:"embed:anonymous_"`
}

// gatePass is the occurrence that last passed a frequency gate, as
// action_frequency stores it.
type gatePass struct {
	WindowDays   int       `bun:"window_days"`
	OccurrenceID int64     `bun:"occurrence_id"`
	OccurredAt   time.Time `bun:"occurred_at"`
}

// mergeActionGates moves the action frequency gates of the anonymous
// contact to the known one. When both passed the gate of one event, the
// later pass stays, so the merged contact waits as long as either would
// have.
//
// When the merged contact could not have passed the gate both times, the
// actions of one pass are a repeat, and its runs that wait for an attempt
// are marked skipped with the reason as their error. The repeat is the
// anonymous contact's pass, unless only the known contact's pass has no
// run started yet. A run has started when it is leased, claimed by a
// transaction at this moment, or finished, and a merge leaves such runs
// alone. When the repeat had no run started, the gate keeps the other pass
// instead of the later one.
func mergeActionGates(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64) error {
	pairs, err := conflictingGatePasses(ctx, tx, accountID, anonID, knownID)
	if err != nil {
		return err
	}
	keptPasses := map[int64]gatePass{}
	for _, pair := range pairs {
		pass, skippedAll, err := skipRepeatedPass(ctx, tx, accountID, anonID, knownID, pair)
		if err != nil {
			return err
		}
		if skippedAll {
			keptPasses[pair.CustomEventID] = pass
		}
	}

	_, err = tx.NewRaw(`
		WITH moved AS (
			DELETE FROM action_frequency WHERE account_id = ? AND contact_id = ?
			RETURNING custom_event_id, account_id, window_days, last_occurrence_id, last_occurred_at
		)
		INSERT INTO action_frequency AS f
			(custom_event_id, contact_id, account_id, window_days, last_occurrence_id, last_occurred_at)
		SELECT custom_event_id, ?, account_id, window_days, last_occurrence_id, last_occurred_at FROM moved
		ON CONFLICT (custom_event_id, contact_id) DO UPDATE
			SET window_days = EXCLUDED.window_days,
				last_occurrence_id = EXCLUDED.last_occurrence_id,
				last_occurred_at = EXCLUDED.last_occurred_at
			WHERE EXCLUDED.last_occurred_at > f.last_occurred_at`, accountID, anonID, knownID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("move action frequency of contact %d to %d: %w", anonID, knownID, err)
	}

	for eventID, pass := range keptPasses {
		_, err := tx.NewRaw(`
			UPDATE action_frequency SET window_days = ?, last_occurrence_id = ?, last_occurred_at = ?
			WHERE account_id = ? AND custom_event_id = ? AND contact_id = ?`,
			pass.WindowDays, pass.OccurrenceID, pass.OccurredAt, accountID, eventID, knownID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("set action frequency of event %d for contact %d to occurrence %d: %w",
				eventID, knownID, pass.OccurrenceID, err)
		}
	}
	return nil
}

// conflictingGatePasses returns the events whose gate both contacts
// passed, where the later pass would not have passed after the earlier
// one. The rule is that of the enqueue_event_actions trigger. A window of
// 0 days (once per contact) never lets a second occurrence through, and a
// window of N days lets one through N days after the last.
//
// NOTE: action_frequency keeps only each contact's last pass, so an older
// pass of the anonymous contact that repeats the known contact's pass is
// not found.
func conflictingGatePasses(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64) ([]gatePassPair, error) {
	var pairs []gatePassPair
	err := tx.NewRaw(`
		SELECT k.custom_event_id,
			k.window_days AS known_window_days, k.last_occurrence_id AS known_occurrence_id,
			k.last_occurred_at AS known_occurred_at,
			a.window_days AS anonymous_window_days, a.last_occurrence_id AS anonymous_occurrence_id,
			a.last_occurred_at AS anonymous_occurred_at
		FROM action_frequency k
		JOIN action_frequency a ON a.custom_event_id = k.custom_event_id AND a.account_id = k.account_id AND a.contact_id = ?
		CROSS JOIN LATERAL (SELECT
			CASE WHEN a.last_occurred_at > k.last_occurred_at THEN a.window_days ELSE k.window_days END AS window_days,
			least(a.last_occurred_at, k.last_occurred_at) AS earlier_at,
			greatest(a.last_occurred_at, k.last_occurred_at) AS later_at) later
		WHERE k.account_id = ? AND k.contact_id = ?
			AND NOT (later.window_days > 0 AND later.later_at >= later.earlier_at + make_interval(days => later.window_days))
		ORDER BY k.custom_event_id`, anonID, accountID, knownID).Scan(ctx, &pairs)
	if err != nil {
		return nil, fmt.Errorf("find frequency gates that contacts %d and %d both passed: %w", anonID, knownID, err)
	}
	return pairs, nil
}

// skipRepeatedPass marks the waiting runs of the repeated pass of pair
// skipped. It returns the pass whose actions stay, and whether every run
// of the repeated pass was skipped.
func skipRepeatedPass(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64, pair gatePassPair) (gatePass, bool, error) {
	occurrences := []int64{pair.Known.OccurrenceID, pair.Anonymous.OccurrenceID}
	// SKIP LOCKED leaves out the runs that a claim holds, so the merge
	// never waits for a claim, which may wait for the contacts that the
	// merge has locked.
	var waiting []struct {
		OccurrenceID int64 `bun:"occurrence_id"`
		Position     int   `bun:"position"`
	}
	err := tx.NewRaw(`
		SELECT occurrence_id, position FROM action_runs
		WHERE account_id = ? AND occurrence_id IN (?) AND outcome IN ('pending', 'failed') AND locked_until IS NULL
		ORDER BY occurrence_id, position
		FOR UPDATE SKIP LOCKED`, accountID, bun.In(occurrences)).Scan(ctx, &waiting)
	if err != nil {
		return gatePass{}, false, fmt.Errorf("lock waiting action runs of occurrences %v: %w", occurrences, err)
	}
	var totals []struct {
		OccurrenceID int64 `bun:"occurrence_id"`
		Runs         int   `bun:"runs"`
	}
	err = tx.NewRaw(`
		SELECT occurrence_id, count(*) AS runs FROM action_runs
		WHERE account_id = ? AND occurrence_id IN (?)
		GROUP BY occurrence_id`, accountID, bun.In(occurrences)).Scan(ctx, &totals)
	if err != nil {
		return gatePass{}, false, fmt.Errorf("count action runs of occurrences %v: %w", occurrences, err)
	}

	waitingPositions := map[int64][]int{}
	for _, run := range waiting {
		waitingPositions[run.OccurrenceID] = append(waitingPositions[run.OccurrenceID], run.Position)
	}
	runCounts := map[int64]int{}
	for _, total := range totals {
		runCounts[total.OccurrenceID] = total.Runs
	}
	// A job always has a run, so a pass without runs is one whose
	// occurrence retention deleted after its actions ran.
	notStarted := func(pass gatePass) bool {
		n := runCounts[pass.OccurrenceID]
		return n > 0 && len(waitingPositions[pass.OccurrenceID]) == n
	}

	repeatedPass, keptPass := pair.Anonymous, pair.Known
	if !notStarted(pair.Anonymous) && notStarted(pair.Known) {
		repeatedPass, keptPass = pair.Known, pair.Anonymous
	}
	positions := waitingPositions[repeatedPass.OccurrenceID]
	if len(positions) > 0 {
		reason := fmt.Sprintf("not run because contact %d merged into contact %d, and the event's frequency gate "+
			"lets the merged contact run the actions of occurrence %d instead", anonID, knownID, keptPass.OccurrenceID)
		_, err := tx.NewRaw(`
			UPDATE action_runs SET outcome = 'skipped', last_error = ?, updated_at = now()
			WHERE account_id = ? AND occurrence_id = ? AND position = ANY(?::int[])`,
			reason, accountID, repeatedPass.OccurrenceID, pgdialect.Array(positions)).Exec(ctx)
		if err != nil {
			return gatePass{}, false, fmt.Errorf("skip action runs of occurrence %d: %w", repeatedPass.OccurrenceID, err)
		}
	}
	return keptPass, notStarted(repeatedPass), nil
}
