package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// ActionPolicy sets how a worker claims and retries action runs.
type ActionPolicy struct {
	// Worker names the claiming worker in action_runs.locked_by and logs.
	Worker string
	// MaxAttempts is the number of attempts after which a failing run is
	// dead.
	MaxAttempts int
	// Lease is how long a claimed webhook or email run stays with its
	// worker. After that, another worker may claim it again.
	Lease time.Duration
	// Backoff returns the wait before the attempt after attempt number
	// attempt (1 for the first) failed.
	Backoff func(attempt int) time.Duration
}

// ActionClaim is an action run that a worker claimed, with what the action
// needs to run.
type ActionClaim struct {
	OccurrenceID  int64
	Position      int
	AccountID     int64
	CustomEventID int64
	// ContactID is the occurrence's contact at the time of the claim,
	// which differs from Snapshot.Contact.ID after a merge.
	ContactID  int64
	ActionType string
	Action     apitype.Action
	// ConditionIndex is the index of the conditional entry that gates the
	// action, or nil for a global action.
	ConditionIndex *int
	// Attempt numbers this attempt, from 1.
	Attempt int
	// ClaimNumber numbers the claims of the run, released ones included.
	// Results are written only while the run's claims still equals it.
	ClaimNumber int
	OccurredAt  time.Time
	PageURL     string
	Metadata    map[string]any
	Snapshot    ActionSnapshot
	// LockedUntil is the end of the lease of a webhook or email run.
	LockedUntil time.Time
}

// ClaimResult is the outcome of one run that ClaimActions claimed.
type ClaimResult struct {
	Claim *ActionClaim
	// Finished reports that the claim's transaction ended the attempt: a
	// database action was applied or failed, a conditional action was
	// skipped, or a run out of attempts was marked dead. Otherwise the
	// caller runs the action and reports with FinishAction.
	Finished bool
	// Outcome is the run's apitype.Run* outcome after a finished attempt.
	Outcome string
	// Err is the error of a failed attempt.
	Err error
	// NextAttemptAt is when a failed run is due again.
	NextAttemptAt time.Time
}

// PermanentError is an action error that retrying cannot fix, such as a
// list that no longer exists or a webhook target that is not allowed. The
// run is marked dead at once.
type PermanentError struct {
	Message string
}

func (e *PermanentError) Error() string { return e.Message }

// ErrLeaseLost means that another worker claimed a run again after this
// worker's lease ended, or that the run is gone, so this worker's result
// was not written.
var ErrLeaseLost = errors.New("action run lease lost: another worker claimed the run again, or it was deleted")

// maxRunErrorLength caps action_runs.last_error, in bytes.
const maxRunErrorLength = 1000

// IsDatabaseAction reports whether actionType changes only this database,
// so that ClaimActions applies it in its own transaction.
func IsDatabaseAction(actionType string) bool {
	switch actionType {
	case apitype.ActionAdjustScore, apitype.ActionSetField, apitype.ActionSetStage,
		apitype.ActionAddToList, apitype.ActionRemoveFromList, apitype.ActionAddTag, apitype.ActionRemoveTag:
		return true
	}
	return false
}

// claimRow is a row that ClaimActions locks.
type claimRow struct {
	OccurrenceID int64  `bun:"occurrence_id"`
	Position     int    `bun:"position"`
	AccountID    int64  `bun:"account_id"`
	ActionType   string `bun:"action_type"`
	// Action is decoded per run, so that one run whose stored action does
	// not decode fails alone instead of every claim.
	Action         json.RawMessage `bun:"action,type:jsonb"`
	ConditionIndex *int            `bun:"condition_index"`
	Attempts       int             `bun:"attempts"`
	Claims         int             `bun:"claims"`
	CustomEventID  int64           `bun:"custom_event_id"`
	OccurredAt     time.Time       `bun:"occurred_at"`
	Snapshot       ActionSnapshot  `bun:"snapshot,type:jsonb"`
	ContactID      int64           `bun:"contact_id"`
	PageURL        string          `bun:"page_url"`
	Metadata       map[string]any  `bun:"metadata,type:jsonb"`
}

// MaxClaimBatch is the largest number of runs one ClaimActions call
// claims. A run takes up to two savepoints, for its condition and its
// effect, and Postgres keeps the ids of up to 64 subtransactions per
// backend in shared memory before it has to look them up on disk.
const MaxClaimBatch = 16

// ClaimActions claims up to limit due action runs, those that have waited
// longest first, in one transaction, and returns none when none is due.
// Workers of any number of processes can call it at once: each run goes
// to one of them.
//
// A database action is applied, and its run marked succeeded or failed, in
// the claim's transaction, so it takes effect exactly once. A webhook or
// email run is leased to the caller for p.Lease instead, and the caller
// reports its result with FinishAction or gives it back with
// ReleaseAction. A conditional run first needs the outcome of its
// occurrence's conditions, which the first claim of a conditional run of
// that occurrence evaluates and stores. A run whose condition did not
// match is marked skipped.
func (s *Store) ClaimActions(ctx context.Context, p ActionPolicy, limit int) ([]*ClaimResult, error) {
	limit = min(max(limit, 1), MaxClaimBatch)
	var results []*ClaimResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		results = nil
		var rows []claimRow
		err := tx.NewRaw(`
			SELECT r.occurrence_id, r.position, r.account_id, r.action_type, r.action, r.condition_index, r.attempts, r.claims,
				j.custom_event_id, j.occurred_at, j.snapshot, o.contact_id, o.page_url, o.metadata
			FROM action_runs r
			JOIN action_jobs j ON j.occurrence_id = r.occurrence_id
			JOIN event_occurrences o ON o.id = r.occurrence_id
			WHERE r.outcome IN ('pending', 'failed') AND r.run_at <= now()
			ORDER BY r.run_at
			LIMIT ?
			FOR UPDATE OF r SKIP LOCKED`, limit).Scan(ctx, &rows)
		if err != nil {
			return fmt.Errorf("claim action runs: %w", err)
		}
		if err := lockClaimedContacts(ctx, tx, rows); err != nil {
			return err
		}
		outcomes := map[int64][]bool{}
		var leased []*ActionClaim
		for _, row := range rows {
			claim := &ActionClaim{
				OccurrenceID: row.OccurrenceID, Position: row.Position, AccountID: row.AccountID,
				CustomEventID: row.CustomEventID, ContactID: row.ContactID, ActionType: row.ActionType,
				ConditionIndex: row.ConditionIndex, Attempt: row.Attempts + 1, ClaimNumber: row.Claims + 1,
				OccurredAt: row.OccurredAt, PageURL: row.PageURL, Metadata: row.Metadata, Snapshot: row.Snapshot,
			}
			var result *ClaimResult
			if decodeErr := json.Unmarshal(row.Action, &claim.Action); decodeErr != nil {
				result, err = finish(claim, p, &PermanentError{Message: fmt.Sprintf("stored action is invalid: %v", decodeErr)})
			} else {
				result, err = runClaim(ctx, tx, claim, p, outcomes)
			}
			if err != nil {
				return err
			}
			if !result.Finished {
				leased = append(leased, claim)
			}
			results = append(results, result)
		}
		if err := writeOutcomes(ctx, tx, results); err != nil {
			return err
		}
		return leaseRuns(ctx, tx, leased, p)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// lockClaimedContacts locks the contacts that the claimed database actions
// change, in id order, before any action runs. Two claims that share
// contacts then wait for each other instead of deadlocking, which would
// fail one attempt.
func lockClaimedContacts(ctx context.Context, tx bun.Tx, rows []claimRow) error {
	var accounts, contacts []int64
	for _, row := range rows {
		if IsDatabaseAction(row.ActionType) {
			accounts = append(accounts, row.AccountID)
			contacts = append(contacts, row.ContactID)
		}
	}
	if len(contacts) == 0 {
		return nil
	}
	_, err := tx.NewRaw(`
		SELECT c.id FROM contacts c
		JOIN (SELECT DISTINCT * FROM unnest(?::bigint[], ?::bigint[]) AS k (account_id, id)) k
			ON c.account_id = k.account_id AND c.id = k.id
		ORDER BY c.id
		FOR NO KEY UPDATE OF c`, pgdialect.Array(accounts), pgdialect.Array(contacts)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("lock the contacts of %d action runs: %w", len(contacts), err)
	}
	return nil
}

// runClaim does the part of ClaimActions that follows the lock on one run:
// it evaluates the run's condition and applies a database action. The
// result is finished, with its outcome still to be written, or not
// finished for a webhook or email, which is still to be leased. outcomes
// holds the condition outcomes read so far in the transaction, by
// occurrence.
func runClaim(ctx context.Context, tx bun.Tx, claim *ActionClaim, p ActionPolicy, outcomes map[int64][]bool) (*ClaimResult, error) {
	// A run found due with its attempts used up was leased for its last
	// attempt by a worker that stopped before it reported.
	if claim.Attempt > p.MaxAttempts {
		claim.Attempt--
		cause := &PermanentError{Message: fmt.Sprintf("the worker stopped during attempt %d of %d and its lease ended", claim.Attempt, p.MaxAttempts)}
		return finish(claim, p, cause)
	}

	if claim.ConditionIndex != nil {
		var matched bool
		err := inSavepoint(ctx, tx, func() error {
			var err error
			matched, err = conditionMatched(ctx, tx, claim, outcomes)
			return err
		})
		if err != nil {
			return finish(claim, p, err)
		}
		if !matched {
			return finish(claim, p, errSkipped)
		}
	}

	if IsDatabaseAction(claim.ActionType) {
		err := inSavepoint(ctx, tx, func() error { return applyDatabaseAction(ctx, tx, claim) })
		return finish(claim, p, err)
	}
	return &ClaimResult{Claim: claim}, nil
}

// leaseRuns leases the claimed webhook and email runs to p.Worker.
func leaseRuns(ctx context.Context, tx bun.Tx, claims []*ActionClaim, p ActionPolicy) error {
	if len(claims) == 0 {
		return nil
	}
	var occurrences []int64
	var positions, attempts, claimNumbers []int
	for _, c := range claims {
		occurrences = append(occurrences, c.OccurrenceID)
		positions = append(positions, c.Position)
		attempts = append(attempts, c.Attempt)
		claimNumbers = append(claimNumbers, c.ClaimNumber)
	}
	var until []time.Time
	err := tx.NewRaw(`
		UPDATE action_runs AS r SET attempts = v.attempts, claims = v.claims,
			locked_until = now() + ?::interval, run_at = now() + ?::interval, locked_by = ?, updated_at = now()
		FROM unnest(?::bigint[], ?::int[], ?::int[], ?::int[]) AS v(occurrence_id, position, attempts, claims)
		WHERE r.occurrence_id = v.occurrence_id AND r.position = v.position
		RETURNING r.locked_until`,
		intervalText(p.Lease), intervalText(p.Lease), p.Worker,
		pgdialect.Array(occurrences), pgdialect.Array(positions), pgdialect.Array(attempts), pgdialect.Array(claimNumbers)).
		Scan(ctx, &until)
	if err != nil {
		return fmt.Errorf("lease %d action runs: %w", len(claims), err)
	}
	if len(until) != len(claims) {
		return fmt.Errorf("lease %d action runs: %d were updated", len(claims), len(until))
	}
	for _, c := range claims {
		c.LockedUntil = until[0]
	}
	return nil
}

// writeOutcomes writes the outcomes of the finished results in one
// statement. The claim's transaction holds the locks on their runs.
func writeOutcomes(ctx context.Context, tx bun.Tx, results []*ClaimResult) error {
	var occurrences []int64
	var positions, attempts, claimNumbers []int
	var outcomes, messages, runAts []string
	for _, res := range results {
		if !res.Finished {
			continue
		}
		c := res.Claim
		occurrences = append(occurrences, c.OccurrenceID)
		positions = append(positions, c.Position)
		attempts = append(attempts, c.Attempt)
		claimNumbers = append(claimNumbers, c.ClaimNumber)
		outcomes = append(outcomes, res.Outcome)
		messages = append(messages, errorMessage(res.Err))
		runAt := ""
		if !res.NextAttemptAt.IsZero() {
			runAt = res.NextAttemptAt.UTC().Format(time.RFC3339Nano)
		}
		runAts = append(runAts, runAt)
	}
	if len(occurrences) == 0 {
		return nil
	}
	res, err := tx.NewRaw(`
		UPDATE action_runs AS r SET outcome = v.outcome, attempts = v.attempts, claims = v.claims,
			last_error = v.last_error, run_at = coalesce(nullif(v.run_at, '')::timestamptz, r.run_at),
			locked_until = NULL, locked_by = '', updated_at = now()
		FROM unnest(?::bigint[], ?::int[], ?::int[], ?::int[], ?::text[], ?::text[], ?::text[])
			AS v(occurrence_id, position, attempts, claims, outcome, last_error, run_at)
		WHERE r.occurrence_id = v.occurrence_id AND r.position = v.position
			AND r.outcome IN ('pending', 'failed') AND r.claims = v.claims - 1`,
		pgdialect.Array(occurrences), pgdialect.Array(positions), pgdialect.Array(attempts), pgdialect.Array(claimNumbers),
		pgdialect.Array(outcomes), pgdialect.Array(messages), pgdialect.Array(runAts)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("write outcomes of %d action runs: %w", len(occurrences), err)
	}
	if n, err := res.RowsAffected(); err == nil && int(n) != len(occurrences) {
		return fmt.Errorf("write outcomes of %d action runs: %d were updated", len(occurrences), n)
	}
	return nil
}

// inSavepoint runs fn in a savepoint of tx and rolls back what fn wrote
// when it fails, so that a failed statement leaves tx usable for the rest
// of the batch. A failure of the savepoint itself ends the transaction, so
// it is returned wrapped in a *savepointError.
func inSavepoint(ctx context.Context, tx bun.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT action_step"); err != nil {
		return &savepointError{fmt.Errorf("start savepoint: %w", err)}
	}
	if err := fn(); err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT action_step"); rbErr != nil {
			return &savepointError{errors.Join(err, fmt.Errorf("roll back savepoint: %w", rbErr))}
		}
		return err
	}
	// The savepoint stays until the transaction ends, which saves a round
	// trip; the next one nests inside it.
	return nil
}

// savepointError is a failed savepoint statement, after which the
// transaction can only roll back.
type savepointError struct{ err error }

func (e *savepointError) Error() string { return e.err.Error() }
func (e *savepointError) Unwrap() error { return e.err }

// errSkipped stands for the outcome of a run whose condition did not
// match, which is no error.
var errSkipped = errors.New("condition did not match")

// decideOutcome returns the outcome of an attempt that ended with cause:
// succeeded for nil, skipped for errSkipped, dead for a *PermanentError or
// the last attempt, and failed, due again after the backoff, otherwise.
func decideOutcome(claim *ActionClaim, p ActionPolicy, cause error) (outcome string, next time.Time) {
	var permanent *PermanentError
	switch {
	case cause == nil:
		return apitype.RunSucceeded, time.Time{}
	case errors.Is(cause, errSkipped):
		return apitype.RunSkipped, time.Time{}
	case errors.As(cause, &permanent) || claim.Attempt >= p.MaxAttempts:
		return apitype.RunDead, time.Time{}
	}
	return apitype.RunFailed, time.Now().Add(p.Backoff(claim.Attempt))
}

// finish returns the finished result of an attempt that ended with
// cause, for writeOutcomes. A failed savepoint ends the transaction
// instead.
func finish(claim *ActionClaim, p ActionPolicy, cause error) (*ClaimResult, error) {
	var spErr *savepointError
	if errors.As(cause, &spErr) {
		return nil, cause
	}
	outcome, next := decideOutcome(claim, p, cause)
	return finished(claim, outcome, cause, next), nil
}

func finished(claim *ActionClaim, outcome string, cause error, next time.Time) *ClaimResult {
	if errors.Is(cause, errSkipped) {
		cause = nil
	}
	return &ClaimResult{Claim: claim, Finished: true, Outcome: outcome, Err: cause, NextAttemptAt: next}
}

// errorMessage returns the last_error text of an attempt's cause.
func errorMessage(cause error) string {
	if cause == nil || errors.Is(cause, errSkipped) {
		return ""
	}
	return truncateUTF8(cause.Error(), maxRunErrorLength)
}

// writeOutcome sets the run's outcome, error and next due time, provided
// the run is still open and its claims equal fence. It returns
// ErrLeaseLost otherwise.
func writeOutcome(ctx context.Context, idb bun.IDB, claim *ActionClaim, outcome string, cause error, next time.Time, fence int) error {
	message := errorMessage(cause)
	var runAt any = bun.Safe("run_at")
	if !next.IsZero() {
		runAt = next.UTC()
	}
	res, err := idb.NewRaw(`
		UPDATE action_runs SET outcome = ?, attempts = ?, claims = ?, last_error = ?, run_at = ?,
			locked_until = NULL, locked_by = '', updated_at = now()
		WHERE occurrence_id = ? AND position = ? AND outcome IN ('pending', 'failed') AND claims = ?`,
		outcome, claim.Attempt, claim.ClaimNumber, message, runAt, claim.OccurrenceID, claim.Position, fence).Exec(ctx)
	if err != nil {
		return fmt.Errorf("write outcome of action run %d/%d: %w", claim.OccurrenceID, claim.Position, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// FinishAction records the result of a leased webhook or email attempt:
// succeeded when cause is nil, otherwise failed or dead as in
// ClaimActions. It writes nothing and returns ErrLeaseLost when another
// worker has claimed the run again since, or the run was deleted.
func (s *Store) FinishAction(ctx context.Context, claim *ActionClaim, p ActionPolicy, cause error) (*ClaimResult, error) {
	outcome, next := decideOutcome(claim, p, cause)
	if err := writeOutcome(ctx, s.db, claim, outcome, cause, next, claim.ClaimNumber); err != nil {
		return nil, err
	}
	return finished(claim, outcome, cause, next), nil
}

// ReleaseAction gives a leased run back unfinished, as at shutdown: it is
// due at once and the attempt does not count. It returns ErrLeaseLost when
// another worker has claimed the run again since.
func (s *Store) ReleaseAction(ctx context.Context, claim *ActionClaim) error {
	res, err := s.db.NewRaw(`
		UPDATE action_runs SET attempts = attempts - 1, run_at = now(), locked_until = NULL, locked_by = '', updated_at = now()
		WHERE occurrence_id = ? AND position = ? AND outcome IN ('pending', 'failed') AND claims = ?`,
		claim.OccurrenceID, claim.Position, claim.ClaimNumber).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release action run %d/%d: %w", claim.OccurrenceID, claim.Position, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// intervalText formats d for a ?::interval parameter.
func intervalText(d time.Duration) string {
	return fmt.Sprintf("%d microseconds", d.Microseconds())
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
