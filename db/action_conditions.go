package db

import (
	"context"
	"fmt"
	"strconv"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// conditionMatched returns whether the conditional entry of claim matched
// its occurrence. The first call for an occurrence evaluates every entry
// of the plan against the snapshot and stores the outcomes, under a lock on
// the job, so later calls and retries read them and never evaluate again.
// outcomes caches them for the rest of the transaction.
func conditionMatched(ctx context.Context, tx bun.Tx, claim *ActionClaim, outcomes map[int64][]bool) (bool, error) {
	matched, ok := outcomes[claim.OccurrenceID]
	if !ok {
		var job struct {
			Plan    apitype.ActionList `bun:"plan,type:jsonb"`
			Matched []bool             `bun:"matched,array"`
		}
		err := tx.NewRaw("SELECT plan, matched FROM action_jobs WHERE occurrence_id = ? FOR UPDATE", claim.OccurrenceID).
			Scan(ctx, &job)
		if err != nil {
			return false, fmt.Errorf("lock action job %d: %w", claim.OccurrenceID, err)
		}
		if job.Matched == nil {
			job.Matched, err = evaluateConditions(ctx, tx, claim, job.Plan)
			if err != nil {
				return false, err
			}
			_, err = tx.NewRaw("UPDATE action_jobs SET matched = ?, evaluated_at = now() WHERE occurrence_id = ?",
				boolArray(job.Matched), claim.OccurrenceID).Exec(ctx)
			if err != nil {
				return false, fmt.Errorf("store condition outcomes of job %d: %w", claim.OccurrenceID, err)
			}
		}
		matched = job.Matched
		outcomes[claim.OccurrenceID] = matched
	}
	i := *claim.ConditionIndex
	if i < 0 || i >= len(matched) {
		return false, &PermanentError{Message: fmt.Sprintf("conditional entry %d is missing from the plan of occurrence %d", i, claim.OccurrenceID)}
	}
	return matched[i], nil
}

// evaluateConditions evaluates each conditional entry of plan against the
// snapshot of claim's contact. The behaviour conditions read the
// occurrences of the contact, the merged ones included, up to the time of
// claim's occurrence.
func evaluateConditions(ctx context.Context, tx bun.Tx, claim *ActionClaim, plan apitype.ActionList) (matched []bool, err error) {
	behaviour := ContactBehaviour(ctx, tx, claim.AccountID, claim.ContactID, claim.OccurredAt)
	facts := claim.Snapshot.Contact.Facts(behaviour)
	defer func() {
		// A bug in the evaluator fails this attempt instead of the worker.
		if r := recover(); r != nil {
			matched, err = nil, fmt.Errorf("evaluate conditions of occurrence %d: %v", claim.OccurrenceID, r)
		}
	}()
	matched = make([]bool, len(plan.Conditional))
	for i, entry := range plan.Conditional {
		matched[i] = segment.Evaluate(entry.Condition, facts)
	}
	// A failed behaviour query returned 0 or false, so the outcomes are
	// not stored and a later attempt evaluates again.
	if err := behaviour.Err(); err != nil {
		return nil, fmt.Errorf("evaluate conditions of occurrence %d: %w", claim.OccurrenceID, err)
	}
	return matched, nil
}

// boolArray formats bools as a Postgres boolean[] literal.
func boolArray(values []bool) string {
	b := []byte{'{'}
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendBool(b, v)
	}
	return string(append(b, '}'))
}
