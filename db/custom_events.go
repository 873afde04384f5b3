package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"customevents/app/apitype"
)

const customEventSlugKey = "custom_events_slug_key"

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}

// CustomEventNotFound returns the error for a slug that names no live custom
// event of the account.
func CustomEventNotFound(slug string) error {
	return &NotFoundError{
		Resource: "Custom event",
		Key:      slug,
		Hint:     "Check the slug, or create the event under Settings → Custom Events.",
	}
}

// customEventIDNotFound is the error for an id that names no live custom
// event of the account, such as a deleted one.
func customEventIDNotFound(id int64) error {
	return &NotFoundError{
		Resource: "Custom event with id",
		Key:      fmt.Sprint(id),
		Hint:     "It may have been deleted: reload the list of custom events.",
	}
}

// CustomEvents lists the account's live custom event definitions by name.
func (s *Store) CustomEvents(ctx context.Context, accountID int64) ([]CustomEvent, error) {
	events := []CustomEvent{}
	err := s.db.NewSelect().Model(&events).
		Where("account_id = ?", accountID).
		Where("deleted_at IS NULL").
		OrderExpr("lower(name), name, id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list custom events of account %d: %w", accountID, err)
	}
	return events, nil
}

// CustomEvent returns a live custom event definition by id.
func (s *Store) CustomEvent(ctx context.Context, accountID, id int64) (*CustomEvent, error) {
	var event CustomEvent
	err := s.db.NewSelect().Model(&event).
		Where("account_id = ? AND id = ?", accountID, id).
		Where("deleted_at IS NULL").
		Scan(ctx)
	if isNoRows(err) {
		return nil, customEventIDNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("find custom event %d: %w", id, err)
	}
	return &event, nil
}

// CustomEventBySlug returns a live custom event definition by slug.
func (s *Store) CustomEventBySlug(ctx context.Context, accountID int64, slug string) (*CustomEvent, error) {
	// No slug has a NUL character or invalid UTF-8, and PostgreSQL text
	// cannot hold either.
	if strings.ContainsRune(slug, 0) || !utf8.ValidString(slug) {
		return nil, CustomEventNotFound(slug)
	}
	var event CustomEvent
	err := s.db.NewSelect().Model(&event).
		Where("account_id = ? AND slug = ?", accountID, slug).
		Where("deleted_at IS NULL").
		Scan(ctx)
	if isNoRows(err) {
		return nil, CustomEventNotFound(slug)
	}
	if err != nil {
		return nil, fmt.Errorf("find custom event %q: %w", slug, err)
	}
	return &event, nil
}

// CreateCustomEvent validates in and stores a new definition. Invalid input
// and a slug already in use return an *apitype.ValidationError.
func (s *Store) CreateCustomEvent(ctx context.Context, accountID int64, in apitype.CustomEventInput) (*CustomEvent, error) {
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		return nil, verr
	}
	event := CustomEvent{
		AccountID:    accountID,
		Name:         in.Name,
		Slug:         in.Slug,
		Description:  in.Description,
		IsConversion: in.IsConversion,
	}
	_, err := s.db.NewInsert().Model(&event).Returning("*").Exec(ctx)
	if isUniqueViolation(err, customEventSlugKey) {
		return nil, apitype.SlugTakenError(in.Slug)
	}
	if err != nil {
		return nil, fmt.Errorf("insert custom event %q: %w", in.Slug, err)
	}
	return &event, nil
}

// UpdateCustomEvent validates in and replaces every field of a definition.
func (s *Store) UpdateCustomEvent(ctx context.Context, accountID, id int64, in apitype.CustomEventInput) (*CustomEvent, error) {
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		return nil, verr
	}
	event := CustomEvent{
		ID:           id,
		AccountID:    accountID,
		Name:         in.Name,
		Slug:         in.Slug,
		Description:  in.Description,
		IsConversion: in.IsConversion,
		UpdatedAt:    time.Now(),
	}
	defer s.events.forget(accountID)
	res, err := s.db.NewUpdate().Model(&event).
		Column("name", "slug", "description", "is_conversion", "updated_at").
		Where("account_id = ? AND id = ?", accountID, id).
		Where("deleted_at IS NULL").
		Returning("*").
		Exec(ctx)
	if isUniqueViolation(err, customEventSlugKey) {
		return nil, apitype.SlugTakenError(in.Slug)
	}
	if err != nil {
		return nil, fmt.Errorf("update custom event %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, customEventIDNotFound(id)
	}
	return &event, nil
}

// DeleteCustomEvent removes a definition from use. Its occurrences stay, and
// its slug becomes free for a new definition.
func (s *Store) DeleteCustomEvent(ctx context.Context, accountID, id int64) error {
	defer s.events.forget(accountID)
	res, err := s.db.NewUpdate().Model((*CustomEvent)(nil)).
		Set("deleted_at = now()").
		Where("account_id = ? AND id = ?", accountID, id).
		Where("deleted_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete custom event %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return customEventIDNotFound(id)
	}
	return nil
}
