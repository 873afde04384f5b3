package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// ActionConfig returns what the event runs when it fires, with empty lists
// in place of missing ones.
func (e *CustomEvent) ActionConfig() apitype.EventActions {
	out := apitype.EventActions{
		Mode:          e.ActionMode,
		Frequency:     e.ActionFrequency,
		FrequencyDays: e.ActionFrequencyDays,
	}
	if e.Actions != nil {
		out.OnTheFly = *e.Actions
	}
	out.OnTheFly = emptyActionList(out.OnTheFly)
	if e.ActionSetID != nil {
		out.ActionSetID = *e.ActionSetID
	}
	return out
}

// EventActions returns what the account's live custom event with id runs
// when it fires.
func (s *Store) EventActions(ctx context.Context, accountID, id int64) (apitype.EventActions, error) {
	event, err := s.CustomEvent(ctx, accountID, id)
	if err != nil {
		return apitype.EventActions{}, err
	}
	return event.ActionConfig(), nil
}

// SetEventActions validates in and replaces what the event runs, in one
// transaction. Only the side that in.Mode uses is stored: the on-the-fly
// list is emptied unless the mode is on_the_fly, and the linked action set
// is cleared unless the mode is action_set. The linked set and every list
// that the actions name must belong to the account, or a *NotFoundError
// names the field. Invalid input returns an *apitype.ValidationError.
func (s *Store) SetEventActions(ctx context.Context, accountID, id int64, in apitype.EventActions) (apitype.EventActions, error) {
	if verr := segment.ValidateEventActions(in); verr != nil {
		return apitype.EventActions{}, verr
	}
	event := CustomEvent{
		ID:                  id,
		AccountID:           accountID,
		ActionMode:          in.Mode,
		ActionFrequency:     in.Frequency,
		ActionFrequencyDays: in.FrequencyDays,
		UpdatedAt:           time.Now(),
	}
	list := emptyActionList(apitype.ActionList{})
	var refs []listRef
	switch in.Mode {
	case apitype.ActionModeOnTheFly:
		list = emptyActionList(in.OnTheFly)
		refs = actionListRefs("onTheFly", list)
	case apitype.ActionModeActionSet:
		event.ActionSetID = &in.ActionSetID
	}
	event.Actions = &list

	// Ingest caches definitions with their actions.
	defer s.events.forget(accountID)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var found int64
		err := tx.NewRaw(`SELECT id FROM custom_events WHERE account_id = ? AND id = ? AND deleted_at IS NULL FOR UPDATE`,
			accountID, id).Scan(ctx, &found)
		if isNoRows(err) {
			return customEventIDNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("lock custom event %d: %w", id, err)
		}
		if event.ActionSetID != nil {
			// The share lock keeps DeleteActionSet from removing the set
			// before the link is stored.
			err := tx.NewRaw(`SELECT id FROM action_sets WHERE account_id = ? AND id = ? FOR SHARE`,
				accountID, in.ActionSetID).Scan(ctx, &found)
			if isNoRows(err) {
				return actionSetIDNotFound(in.ActionSetID, "actionSetId")
			}
			if err != nil {
				return fmt.Errorf("lock action set %d: %w", in.ActionSetID, err)
			}
		}
		if err := lockListRefs(ctx, tx, accountID, refs); err != nil {
			return err
		}

		_, err = tx.NewUpdate().Model(&event).
			Column("action_mode", "actions", "action_set_id", "action_frequency", "action_frequency_days", "updated_at").
			Where("account_id = ? AND id = ?", accountID, id).
			Returning("*").
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("update actions of custom event %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return apitype.EventActions{}, err
	}
	return event.ActionConfig(), nil
}
