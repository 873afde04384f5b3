package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

const contactListNameKey = "contact_lists_name_key"

// listIDPath is a JSON path that matches any object with a listId equal to
// the variable id, at any depth of an action list.
const listIDPath = `$.** ? (@.listId == $id)`

// contactListIDNotFound is the error for an id that names no contact list
// of the account.
func contactListIDNotFound(id int64) error {
	return &NotFoundError{
		Resource: "Contact list with id",
		Key:      fmt.Sprint(id),
		Hint:     "It may have been deleted: reload the lists.",
	}
}

func contactListNameTaken(name string) error {
	return &ConflictError{
		Message: fmt.Sprintf("Name %q is already used by another contact list in this account: choose another.", name),
		Field:   "name",
	}
}

// ContactLists returns the account's contact lists by name, with their
// member counts.
func (s *Store) ContactLists(ctx context.Context, accountID int64) ([]apitype.ContactList, error) {
	lists := []apitype.ContactList{}
	err := s.db.NewRaw(`
		SELECT l.id, l.name, count(m.contact_id) AS members
		FROM contact_lists l
		LEFT JOIN contact_list_members m ON m.list_id = l.id
		WHERE l.account_id = ?
		GROUP BY l.id
		ORDER BY lower(l.name), l.name, l.id`, accountID).Scan(ctx, &lists)
	if err != nil {
		return nil, fmt.Errorf("list contact lists of account %d: %w", accountID, err)
	}
	return lists, nil
}

// CreateContactList validates in and stores an empty list. Invalid input
// returns an *apitype.ValidationError, and a name that another list of the
// account uses, ignoring case, a *ConflictError on the field "name".
func (s *Store) CreateContactList(ctx context.Context, accountID int64, in apitype.ContactListInput) (apitype.ContactList, error) {
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		return apitype.ContactList{}, verr
	}
	var list apitype.ContactList
	err := s.db.NewRaw(`INSERT INTO contact_lists (account_id, name) VALUES (?, ?) RETURNING id, name, 0 AS members`,
		accountID, in.Name).Scan(ctx, &list)
	if isUniqueViolation(err, contactListNameKey) {
		return apitype.ContactList{}, contactListNameTaken(in.Name)
	}
	if err != nil {
		return apitype.ContactList{}, fmt.Errorf("insert contact list %q: %w", in.Name, err)
	}
	return list, nil
}

// RenameContactList validates in and renames a list. Errors are those of
// CreateContactList, and a *NotFoundError for an id that names no list of
// the account.
func (s *Store) RenameContactList(ctx context.Context, accountID, id int64, in apitype.ContactListInput) (apitype.ContactList, error) {
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		return apitype.ContactList{}, verr
	}
	var list apitype.ContactList
	err := s.db.NewRaw(`
		UPDATE contact_lists SET name = ?
		WHERE account_id = ? AND id = ?
		RETURNING id, name, (SELECT count(*) FROM contact_list_members m WHERE m.list_id = contact_lists.id) AS members`,
		in.Name, accountID, id).Scan(ctx, &list)
	if isUniqueViolation(err, contactListNameKey) {
		return apitype.ContactList{}, contactListNameTaken(in.Name)
	}
	if isNoRows(err) {
		return apitype.ContactList{}, contactListIDNotFound(id)
	}
	if err != nil {
		return apitype.ContactList{}, fmt.Errorf("rename contact list %d: %w", id, err)
	}
	return list, nil
}

// DeleteContactList deletes a list and its memberships. While the actions
// or conditions of a live custom event or of an action set name the list,
// it deletes nothing and returns a *ConflictError whose message names them.
func (s *Store) DeleteContactList(ctx context.Context, accountID, id int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The row lock waits for writes that are adding a reference to
		// the list, which hold a share lock on it.
		var name string
		err := tx.NewRaw(`SELECT name FROM contact_lists WHERE account_id = ? AND id = ? FOR UPDATE`,
			accountID, id).Scan(ctx, &name)
		if isNoRows(err) {
			return contactListIDNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("lock contact list %d: %w", id, err)
		}

		users, err := listUsers(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &ConflictError{Message: fmt.Sprintf("Contact list %q is used by the actions or conditions of %s. Remove it from them first, then delete the list.",
				name, joinNames(users))}
		}

		_, err = tx.NewDelete().TableExpr("contact_lists").
			Where("account_id = ? AND id = ?", accountID, id).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete contact list %d: %w", id, err)
		}
		return nil
	})
}

// listUsers names the live custom events and the action sets whose actions
// or conditions name list id, events first, each by name.
func listUsers(ctx context.Context, idb bun.IDB, accountID, id int64) ([]string, error) {
	var rows []struct {
		Kind string
		Name string
		Slug string
	}
	err := idb.NewRaw(`
		SELECT kind, name, slug FROM (
			SELECT 'event' AS kind, name, slug, id
			FROM custom_events
			WHERE account_id = ?0 AND deleted_at IS NULL
				AND jsonb_path_exists(actions, ?1::jsonpath, jsonb_build_object('id', ?2::bigint))
			UNION ALL
			SELECT 'set', name, '', id
			FROM action_sets
			WHERE account_id = ?0
				AND jsonb_path_exists(actions, ?1::jsonpath, jsonb_build_object('id', ?2::bigint))
		) used
		ORDER BY kind, lower(name), name, id`, accountID, listIDPath, id).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find users of contact list %d: %w", id, err)
	}
	users := make([]string, len(rows))
	for i, row := range rows {
		if row.Kind == "event" {
			users[i] = fmt.Sprintf("the custom event %q (%s)", row.Name, row.Slug)
		} else {
			users[i] = fmt.Sprintf("the action set %q", row.Name)
		}
	}
	return users, nil
}
