package db

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// listRef is a contact list id inside an action list or a condition tree,
// with the request field that holds it, such as
// "actions.conditional[0].condition.root.conditions[1].listId".
type listRef struct {
	field string
	id    int64
}

// actionListRefs returns the list ids that list's actions and conditions
// name, in request order. prefix is the field that holds list.
func actionListRefs(prefix string, list apitype.ActionList) []listRef {
	var refs []listRef
	for i, action := range list.Global {
		refs = appendActionRef(refs, fmt.Sprintf("%s.global[%d]", prefix, i), action)
	}
	for i, block := range list.Conditional {
		blockField := fmt.Sprintf("%s.conditional[%d]", prefix, i)
		refs = conditionRefs(refs, blockField+".condition.root", block.Condition.Root)
		for j, action := range block.Actions {
			refs = appendActionRef(refs, fmt.Sprintf("%s.actions[%d]", blockField, j), action)
		}
	}
	return refs
}

func appendActionRef(refs []listRef, field string, action apitype.Action) []listRef {
	if action.ListID == 0 {
		return refs
	}
	return append(refs, listRef{field: field + ".listId", id: action.ListID})
}

// conditionRefs appends the list ids of c and its descendants to refs.
func conditionRefs(refs []listRef, field string, c apitype.Condition) []listRef {
	if c.ListID != 0 {
		refs = append(refs, listRef{field: field + ".listId", id: c.ListID})
	}
	for i, child := range c.Conditions {
		refs = conditionRefs(refs, fmt.Sprintf("%s.conditions[%d]", field, i), child)
	}
	return refs
}

// lockListRefs checks that every list in refs belongs to the account and
// holds a share lock on those lists until idb's transaction ends, so that
// DeleteContactList cannot remove one before the reference is stored. The
// first missing list returns a *NotFoundError on its field.
func lockListRefs(ctx context.Context, idb bun.IDB, accountID int64, refs []listRef) error {
	if len(refs) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(refs))
	for _, ref := range refs {
		ids = append(ids, ref.id)
	}
	var found []int64
	err := idb.NewRaw(`SELECT id FROM contact_lists WHERE account_id = ? AND id IN (?) ORDER BY id FOR SHARE`,
		accountID, bun.In(ids)).Scan(ctx, &found)
	if err != nil {
		return fmt.Errorf("check contact lists of account %d: %w", accountID, err)
	}
	for _, ref := range refs {
		if !slices.Contains(found, ref.id) {
			return &NotFoundError{
				Resource: "Contact list with id",
				Key:      fmt.Sprint(ref.id),
				Hint:     "It may have been deleted: pick another list.",
				Field:    ref.field,
			}
		}
	}
	return nil
}

// emptyActionList returns list with nil slices replaced by empty ones, so
// the stored JSON holds [] and never null.
func emptyActionList(list apitype.ActionList) apitype.ActionList {
	if list.Global == nil {
		list.Global = []apitype.Action{}
	}
	if list.Conditional == nil {
		list.Conditional = []apitype.ConditionalActions{}
	}
	list.Conditional = slices.Clone(list.Conditional)
	for i := range list.Conditional {
		if list.Conditional[i].Actions == nil {
			list.Conditional[i].Actions = []apitype.Action{}
		}
	}
	return list
}

// CountMatchingContacts counts the account's contacts that match seg now.
// Every list that seg names must belong to the account, or a
// *NotFoundError names the field, such as
// "condition.root.conditions[0].listId" as segment.Validate names fields.
func (s *Store) CountMatchingContacts(ctx context.Context, accountID int64, seg apitype.Segment) (int64, error) {
	if err := lockListRefs(ctx, s.db, accountID, conditionRefs(nil, "condition.root", seg.Root)); err != nil {
		return 0, err
	}
	n, err := CountSegment(ctx, s.db, accountID, seg)
	if err != nil {
		return 0, fmt.Errorf("count segment of account %d: %w", accountID, err)
	}
	return n, nil
}
