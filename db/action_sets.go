package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/app/segment"
)

const actionSetNameKey = "action_sets_name_key"

// maxNamedInMessage is how many custom events or action sets an error
// message names before it gives only the count of the rest.
const maxNamedInMessage = 10

// LinkedActionSet is an action set with the live custom events that link
// it, by name.
type LinkedActionSet struct {
	ActionSet
	LinkedEvents []apitype.EventRef
}

// actionSetIDNotFound is the error for an id that names no action set of
// the account. field is the request field that held the id, or empty when
// the path did.
func actionSetIDNotFound(id int64, field string) error {
	return &NotFoundError{
		Resource: "Action set with id",
		Key:      fmt.Sprint(id),
		Hint:     "It may have been deleted: reload the list of action sets.",
		Field:    field,
	}
}

// ActionSets lists the account's action sets by name, each with the live
// custom events that link it.
func (s *Store) ActionSets(ctx context.Context, accountID int64) ([]LinkedActionSet, error) {
	sets := []ActionSet{}
	err := s.db.NewSelect().Model(&sets).
		Where("account_id = ?", accountID).
		OrderExpr("lower(name), name, id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list action sets of account %d: %w", accountID, err)
	}
	links, err := linkedEvents(ctx, s.db, accountID, 0)
	if err != nil {
		return nil, err
	}
	out := make([]LinkedActionSet, len(sets))
	for i, set := range sets {
		out[i] = LinkedActionSet{ActionSet: set, LinkedEvents: links[set.ID]}
		out[i].LinkedEvents = nonNil(out[i].LinkedEvents)
		out[i].Actions = emptyActionList(set.Actions)
	}
	return out, nil
}

// ActionSet returns one of the account's action sets with the live custom
// events that link it.
func (s *Store) ActionSet(ctx context.Context, accountID, id int64) (*LinkedActionSet, error) {
	var set ActionSet
	err := s.db.NewSelect().Model(&set).
		Where("account_id = ? AND id = ?", accountID, id).
		Scan(ctx)
	if isNoRows(err) {
		return nil, actionSetIDNotFound(id, "")
	}
	if err != nil {
		return nil, fmt.Errorf("find action set %d: %w", id, err)
	}
	links, err := linkedEvents(ctx, s.db, accountID, id)
	if err != nil {
		return nil, err
	}
	set.Actions = emptyActionList(set.Actions)
	return &LinkedActionSet{ActionSet: set, LinkedEvents: nonNil(links[id])}, nil
}

// CreateActionSet validates in and stores a new action set. Invalid input
// returns an *apitype.ValidationError, a list of another account a
// *NotFoundError, and a name that another set of the account uses,
// ignoring case, a *ConflictError on the field "name".
func (s *Store) CreateActionSet(ctx context.Context, accountID int64, in apitype.ActionSetInput) (*LinkedActionSet, error) {
	if verr := validateActionSet(&in); verr != nil {
		return nil, verr
	}
	set := ActionSet{
		AccountID:   accountID,
		Name:        in.Name,
		Description: in.Description,
		Actions:     emptyActionList(in.Actions),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockListRefs(ctx, tx, accountID, actionListRefs("actions", set.Actions)); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&set).Returning("*").Exec(ctx)
		if isUniqueViolation(err, actionSetNameKey) {
			return actionSetNameTaken(in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert action set %q: %w", in.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &LinkedActionSet{ActionSet: set, LinkedEvents: []apitype.EventRef{}}, nil
}

// UpdateActionSet validates in and replaces the name, description and
// actions of an action set. Events that link the set run the new actions
// from their next occurrence on. Errors are those of CreateActionSet, and a
// *NotFoundError for an id that names no set of the account.
func (s *Store) UpdateActionSet(ctx context.Context, accountID, id int64, in apitype.ActionSetInput) (*LinkedActionSet, error) {
	if verr := validateActionSet(&in); verr != nil {
		return nil, verr
	}
	set := ActionSet{
		ID:          id,
		AccountID:   accountID,
		Name:        in.Name,
		Description: in.Description,
		Actions:     emptyActionList(in.Actions),
		UpdatedAt:   time.Now(),
	}
	var links map[int64][]apitype.EventRef
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockListRefs(ctx, tx, accountID, actionListRefs("actions", set.Actions)); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model(&set).
			Column("name", "description", "actions", "updated_at").
			Where("account_id = ? AND id = ?", accountID, id).
			Returning("*").
			Exec(ctx)
		if isUniqueViolation(err, actionSetNameKey) {
			return actionSetNameTaken(in.Name)
		}
		if err != nil {
			return fmt.Errorf("update action set %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return actionSetIDNotFound(id, "")
		}
		links, err = linkedEvents(ctx, tx, accountID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &LinkedActionSet{ActionSet: set, LinkedEvents: nonNil(links[id])}, nil
}

// DeleteActionSet deletes an action set that no live custom event links.
// While one does, it deletes nothing and returns a *ConflictError whose
// message names the events.
func (s *Store) DeleteActionSet(ctx context.Context, accountID, id int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The row lock waits for SetEventActions calls that are linking
		// the set, and makes later ones find it gone.
		var name string
		err := tx.NewRaw(`SELECT name FROM action_sets WHERE account_id = ? AND id = ? FOR UPDATE`,
			accountID, id).Scan(ctx, &name)
		if isNoRows(err) {
			return actionSetIDNotFound(id, "")
		}
		if err != nil {
			return fmt.Errorf("lock action set %d: %w", id, err)
		}

		links, err := linkedEvents(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if events := links[id]; len(events) > 0 {
			return &ConflictError{Message: actionSetInUseMessage(name, events)}
		}

		// Deleted custom events never run again but still link the set,
		// and the foreign key would reject the delete while they do.
		_, err = tx.NewUpdate().Model((*CustomEvent)(nil)).
			Set("action_mode = ?", apitype.ActionModeNone).
			Set("action_set_id = NULL").
			Where("account_id = ? AND action_set_id = ?", accountID, id).
			Where("deleted_at IS NOT NULL").
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("unlink deleted custom events from action set %d: %w", id, err)
		}
		_, err = tx.NewDelete().Model((*ActionSet)(nil)).
			Where("account_id = ? AND id = ?", accountID, id).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete action set %d: %w", id, err)
		}
		return nil
	})
}

// validateActionSet normalizes in and checks it.
func validateActionSet(in *apitype.ActionSetInput) *apitype.ValidationError {
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		return verr
	}
	if verr := segment.ValidateActionList(in.Actions); verr != nil {
		return prefixField("actions", verr)
	}
	return nil
}

// prefixField returns verr with its field moved under prefix, as in
// "actions.global[0].delta" for "global[0].delta".
func prefixField(prefix string, verr *apitype.ValidationError) *apitype.ValidationError {
	out := *verr
	if out.Field == "" {
		out.Field = prefix
	} else {
		out.Field = prefix + "." + out.Field
	}
	return &out
}

func actionSetNameTaken(name string) error {
	return &ConflictError{
		Message: fmt.Sprintf("Name %q is already used by another action set in this account: choose another.", name),
		Field:   "name",
	}
}

// linkedEvents returns the live custom events that link action set id, or
// every action set of the account when id is 0, by set id and event name.
func linkedEvents(ctx context.Context, idb bun.IDB, accountID, id int64) (map[int64][]apitype.EventRef, error) {
	var rows []struct {
		ActionSetID int64
		ID          int64
		Name        string
		Slug        string
	}
	q := idb.NewSelect().Model((*CustomEvent)(nil)).
		Column("action_set_id", "id", "name", "slug").
		Where("account_id = ?", accountID).
		Where("action_set_id IS NOT NULL").
		Where("deleted_at IS NULL").
		OrderExpr("lower(name), name, id")
	if id != 0 {
		q = q.Where("action_set_id = ?", id)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list custom events that link action sets of account %d: %w", accountID, err)
	}
	links := map[int64][]apitype.EventRef{}
	for _, row := range rows {
		links[row.ActionSetID] = append(links[row.ActionSetID], apitype.EventRef{ID: row.ID, Name: row.Name, Slug: row.Slug})
	}
	return links, nil
}

// actionSetInUseMessage explains why an action set cannot be deleted.
func actionSetInUseMessage(name string, events []apitype.EventRef) string {
	names := make([]string, len(events))
	for i, event := range events {
		names[i] = fmt.Sprintf("%q (%s)", event.Name, event.Slug)
	}
	noun := "custom event"
	if len(events) > 1 {
		noun = "custom events"
	}
	return fmt.Sprintf("Action set %q is used by the %s %s. Choose other actions for them under Automations → Custom Events, then delete the set.",
		name, noun, joinNames(names))
}

// joinNames joins names as "a, b and c", naming at most maxNamedInMessage
// and counting the rest.
func joinNames(names []string) string {
	if len(names) > maxNamedInMessage {
		rest := len(names) - maxNamedInMessage
		names = append(names[:maxNamedInMessage:maxNamedInMessage], fmt.Sprintf("%d more", rest))
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
