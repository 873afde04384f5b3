package db

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"customevents/app/apitype"
)

// MaxContactActionRuns is the largest number of runs ContactActionRuns
// returns.
const MaxContactActionRuns = 500

// actionRunRow is one row of the run log as the queries below read it.
type actionRunRow struct {
	OccurrenceID  int64     `bun:"occurrence_id"`
	Position      int       `bun:"position"`
	ActionType    string    `bun:"action_type"`
	Outcome       string    `bun:"outcome"`
	Attempts      int       `bun:"attempts"`
	LastError     string    `bun:"last_error"`
	UpdatedAt     time.Time `bun:"updated_at"`
	RunAt         time.Time `bun:"run_at"`
	CustomEventID int64     `bun:"custom_event_id"`
	OccurredAt    time.Time `bun:"occurred_at"`
}

func (r *actionRunRow) apiType() apitype.ActionRun {
	run := apitype.ActionRun{
		OccurrenceID:  r.OccurrenceID,
		Position:      r.Position,
		ActionType:    r.ActionType,
		Outcome:       r.Outcome,
		Attempts:      r.Attempts,
		Error:         r.LastError,
		UpdatedAt:     r.UpdatedAt,
		CustomEventID: r.CustomEventID,
		OccurredAt:    r.OccurredAt,
	}
	if r.Outcome == apitype.RunPending || r.Outcome == apitype.RunFailed {
		next := r.RunAt
		run.NextAttemptAt = &next
	}
	return run
}

const actionRunColumns = `r.occurrence_id, r.position, r.action_type, r.outcome, r.attempts, r.last_error,
	r.updated_at, r.run_at, o.custom_event_id, o.occurred_at`

// OccurrenceActionRuns returns the run log of one occurrence of a custom
// event, by position. An occurrence whose actions were not enqueued has
// an empty log. An occurrence that is not the event's, or not the
// account's, returns a *NotFoundError.
func (s *Store) OccurrenceActionRuns(ctx context.Context, accountID, customEventID, occurrenceID int64) ([]apitype.ActionRun, error) {
	var found []int64
	err := s.db.NewRaw("SELECT id FROM event_occurrences WHERE account_id = ? AND custom_event_id = ? AND id = ?",
		accountID, customEventID, occurrenceID).Scan(ctx, &found)
	if err != nil {
		return nil, fmt.Errorf("find occurrence %d: %w", occurrenceID, err)
	}
	if len(found) == 0 {
		return nil, &NotFoundError{
			Resource: "Occurrence",
			Key:      strconv.FormatInt(occurrenceID, 10),
			Hint:     "Check the custom event and occurrence ids. Retention deletes old occurrences with their run logs.",
		}
	}
	var rows []actionRunRow
	err = s.db.NewRaw(`
		SELECT `+actionRunColumns+`
		FROM action_runs r JOIN event_occurrences o ON o.id = r.occurrence_id
		WHERE r.account_id = ? AND r.occurrence_id = ?
		ORDER BY r.position`, accountID, occurrenceID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read action runs of occurrence %d: %w", occurrenceID, err)
	}
	return actionRuns(rows), nil
}

// ContactActionRuns returns up to limit runs of the actions of the
// contact's occurrences, newest occurrence first and by position within
// one. After a merge, the runs of the merged contact's occurrences belong
// to the contact that remains. An unknown contact returns a
// *NotFoundError.
func (s *Store) ContactActionRuns(ctx context.Context, accountID, contactID int64, limit int) ([]apitype.ActionRun, error) {
	limit = min(max(limit, 1), MaxContactActionRuns)
	var found []int64
	err := s.db.NewRaw("SELECT id FROM contacts WHERE account_id = ? AND id = ?", accountID, contactID).Scan(ctx, &found)
	if err != nil {
		return nil, fmt.Errorf("find contact %d: %w", contactID, err)
	}
	if len(found) == 0 {
		return nil, &NotFoundError{
			Resource: "Contact",
			Key:      strconv.FormatInt(contactID, 10),
			Hint:     "An anonymous contact that was merged into a known one has the known contact's id now.",
		}
	}
	var rows []actionRunRow
	err = s.db.NewRaw(`
		SELECT `+actionRunColumns+`
		FROM event_occurrences o JOIN action_runs r ON r.occurrence_id = o.id
		WHERE o.account_id = ? AND o.contact_id = ?
		ORDER BY o.occurred_at DESC, o.id DESC, r.position
		LIMIT ?`, accountID, contactID, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read action runs of contact %d: %w", contactID, err)
	}
	return actionRuns(rows), nil
}

func actionRuns(rows []actionRunRow) []apitype.ActionRun {
	out := make([]apitype.ActionRun, len(rows))
	for i := range rows {
		out[i] = rows[i].apiType()
	}
	return out
}

// ActionRunCounts counts the action runs of every account by outcome.
func (s *Store) ActionRunCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Outcome string `bun:"outcome"`
		Runs    int64  `bun:"runs"`
	}
	if err := s.db.NewRaw("SELECT outcome, count(*) AS runs FROM action_runs GROUP BY outcome").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count action runs: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Outcome] = r.Runs
	}
	return out, nil
}
