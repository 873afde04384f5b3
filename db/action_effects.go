package db

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// applyDatabaseAction applies a database action of claim to the contact of
// its occurrence, in tx, and sets claim.ContactID to that contact.
func applyDatabaseAction(ctx context.Context, tx bun.Tx, claim *ActionClaim) error {
	a := claim.Action
	switch claim.ActionType {
	case apitype.ActionAdjustScore:
		return updateOccurrenceContact(ctx, tx, claim, "lead_score = least(greatest(c.lead_score::numeric + ?, ?), ?)::integer",
			a.Delta, math.MinInt32, math.MaxInt32)
	case apitype.ActionSetField:
		set, args, err := setFieldClause(a.Field, a.Value)
		if err != nil {
			return err
		}
		return updateOccurrenceContact(ctx, tx, claim, set, args...)
	case apitype.ActionSetStage:
		if !slices.Contains(apitype.LifecycleStages, a.Value) {
			return &PermanentError{Message: fmt.Sprintf("lifecycle stage %q is unknown: use one of %s", a.Value, strings.Join(apitype.LifecycleStages, ", "))}
		}
		return updateOccurrenceContact(ctx, tx, claim, "lifecycle_stage = ?", a.Value)
	}

	contactID, err := lockOccurrenceContact(ctx, tx, claim.AccountID, claim.OccurrenceID)
	if err != nil {
		return err
	}
	claim.ContactID = contactID
	switch claim.ActionType {
	case apitype.ActionAddToList:
		return addToList(ctx, tx, claim.AccountID, contactID, a.ListID)
	case apitype.ActionRemoveFromList:
		return removeFromList(ctx, tx, claim.AccountID, contactID, a.ListID)
	case apitype.ActionAddTag:
		return addTag(ctx, tx, claim.AccountID, contactID, a.Value)
	case apitype.ActionRemoveTag:
		return removeTag(ctx, tx, claim.AccountID, contactID, a.Value)
	}
	return &PermanentError{Message: fmt.Sprintf("action type %q is not a database action", claim.ActionType)}
}

// maxContactRetries is how often the effect of an action looks up the
// occurrence's contact again after a merge deleted the one it found.
const maxContactRetries = 3

// updateOccurrenceContact runs "UPDATE contacts AS c SET set" on the
// contact of claim's occurrence; args fill the placeholders of set. The
// UPDATE locks the contact until tx ends. Identify locks both contacts of
// a merge first, so a merge either waits for this action, which it then
// carries over to the known contact, or finishes before, and the
// occurrence then points at the known contact. A merge that deletes the
// contact while the UPDATE waits for it leaves no row to update, so the
// UPDATE runs again and finds the known contact.
func updateOccurrenceContact(ctx context.Context, tx bun.Tx, claim *ActionClaim, set string, args ...any) error {
	query := "UPDATE contacts AS c SET " + set + `
		FROM event_occurrences AS o
		WHERE o.account_id = ? AND o.id = ? AND c.id = o.contact_id AND c.account_id = o.account_id
		RETURNING c.id`
	args = append(args, claim.AccountID, claim.OccurrenceID)
	for range maxContactRetries {
		var ids []int64
		if err := tx.NewRaw(query, args...).Scan(ctx, &ids); err != nil {
			return fmt.Errorf("%s for occurrence %d: %w", claim.ActionType, claim.OccurrenceID, err)
		}
		if len(ids) == 1 {
			claim.ContactID = ids[0]
			return nil
		}
	}
	return fmt.Errorf("%s for occurrence %d: the occurrence's contact was deleted %d times in a row", claim.ActionType, claim.OccurrenceID, maxContactRetries)
}

// lockOccurrenceContact returns the contact of an occurrence and locks it
// until tx ends, with the same guarantees as updateOccurrenceContact.
func lockOccurrenceContact(ctx context.Context, tx bun.Tx, accountID, occurrenceID int64) (int64, error) {
	for range maxContactRetries {
		var ids []int64
		err := tx.NewRaw(`
			SELECT c.id FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id
			WHERE o.account_id = ? AND o.id = ?
			FOR NO KEY UPDATE OF c`, accountID, occurrenceID).Scan(ctx, &ids)
		if err != nil {
			return 0, fmt.Errorf("lock contact of occurrence %d: %w", occurrenceID, err)
		}
		if len(ids) == 1 {
			return ids[0], nil
		}
	}
	return 0, fmt.Errorf("lock contact of occurrence %d: the contact was deleted %d times in a row", occurrenceID, maxContactRetries)
}

// contactFieldColumns maps the set_field field names of built-in contact
// fields to their columns.
var contactFieldColumns = map[string]string{
	"first_name": "first_name",
	"last_name":  "last_name",
	"company":    "company",
	"job_title":  "job_title",
}

// customFieldPrefix starts the set_field field name of a custom field.
const customFieldPrefix = "custom."

// setFieldClause returns the SET clause that writes value into a
// built-in field or, for custom.NAME, into the custom field NAME. The value
// is stored in Unicode NFC, the form that searches and segment conditions
// compare with.
func setFieldClause(field, value string) (string, []any, error) {
	if strings.ContainsRune(value, 0) {
		return "", nil, &PermanentError{Message: fmt.Sprintf("value for field %q contains a NUL character, which the database cannot store", field)}
	}
	value = norm.NFC.String(value)
	if name, ok := strings.CutPrefix(field, customFieldPrefix); ok {
		if name == "" || strings.ContainsRune(name, 0) {
			return "", nil, &PermanentError{Message: fmt.Sprintf("custom field name in %q is empty or contains a NUL character", field)}
		}
		return "custom_fields = c.custom_fields || jsonb_build_object(?::text, ?::text)", []any{name, value}, nil
	}
	column, ok := contactFieldColumns[field]
	if !ok {
		return "", nil, &PermanentError{Message: fmt.Sprintf("field %q cannot be set: use first_name, last_name, company, job_title or custom.NAME", field)}
	}
	return "? = ?", []any{bun.Ident(column), value}, nil
}

// listNotFound is the error of a list action whose list was deleted or
// belongs to another account.
func listNotFound(listID int64) error {
	return &PermanentError{Message: fmt.Sprintf("list %d was not found in this account: choose another list for the action", listID)}
}

func addToList(ctx context.Context, tx bun.Tx, accountID, contactID, listID int64) error {
	var lists int
	err := tx.NewRaw(`
		WITH list AS (
			SELECT id FROM contact_lists WHERE account_id = ? AND id = ? FOR KEY SHARE
		), added AS (
			INSERT INTO contact_list_members (account_id, list_id, contact_id)
			SELECT ?, id, ? FROM list
			ON CONFLICT (list_id, contact_id) DO NOTHING
		)
		SELECT count(*) FROM list`, accountID, listID, accountID, contactID).Scan(ctx, &lists)
	if err != nil {
		return fmt.Errorf("add contact %d to list %d: %w", contactID, listID, err)
	}
	if lists == 0 {
		return listNotFound(listID)
	}
	return nil
}

func removeFromList(ctx context.Context, tx bun.Tx, accountID, contactID, listID int64) error {
	var lists int
	err := tx.NewRaw(`
		WITH list AS (
			SELECT id FROM contact_lists WHERE account_id = ? AND id = ?
		), removed AS (
			DELETE FROM contact_list_members m USING list
			WHERE m.list_id = list.id AND m.contact_id = ? AND m.account_id = ?
		)
		SELECT count(*) FROM list`, accountID, listID, contactID, accountID).Scan(ctx, &lists)
	if err != nil {
		return fmt.Errorf("remove contact %d from list %d: %w", contactID, listID, err)
	}
	if lists == 0 {
		return listNotFound(listID)
	}
	return nil
}

// normalizeTag returns the stored form of a tag, as segment conditions
// compare it.
func normalizeTag(tag string) (string, error) {
	normalized, verr := segment.NormalizeTag(tag)
	if verr != nil {
		return "", &PermanentError{Message: verr.Message}
	}
	return normalized, nil
}

func addTag(ctx context.Context, tx bun.Tx, accountID, contactID int64, tag string) error {
	tag, err := normalizeTag(tag)
	if err != nil {
		return err
	}
	_, err = tx.NewRaw(`
		INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, ?)
		ON CONFLICT (contact_id, tag) DO NOTHING`, accountID, contactID, tag).Exec(ctx)
	if err != nil {
		return fmt.Errorf("add tag %q to contact %d: %w", tag, contactID, err)
	}
	return nil
}

func removeTag(ctx context.Context, tx bun.Tx, accountID, contactID int64, tag string) error {
	tag, err := normalizeTag(tag)
	if err != nil {
		return err
	}
	_, err = tx.NewRaw("DELETE FROM contact_tags WHERE account_id = ? AND contact_id = ? AND tag = ?", accountID, contactID, tag).Exec(ctx)
	if err != nil {
		return fmt.Errorf("remove tag %q from contact %d: %w", tag, contactID, err)
	}
	return nil
}
