package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// RecordTestEvent records one occurrence of the custom event slug for the
// account's test contact, apitype.TestContactEmail, through RecordEvent
// like any API event, with the metadata {"test": true}. It first creates
// the test contact when it is missing, named "Test Contact" and tagged
// apitype.TestContactTag, so people can tell it from real ones. The
// occurrence counts in reports like any other. An unknown slug returns an
// error matching ErrNotFound.
func (s *Store) RecordTestEvent(ctx context.Context, accountID int64, slug string) (*EventOccurrence, error) {
	// Check the slug first, so an unknown one leaves no test contact.
	if _, err := s.liveEventBySlug(ctx, accountID, slug); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		contactID, err := contactByEmail(ctx, tx, accountID, apitype.TestContactEmail)
		if err != nil {
			return err
		}
		if err := fillContactFields(ctx, tx, accountID, contactID, ContactFields{FirstName: "Test", LastName: "Contact"}); err != nil {
			return err
		}
		_, err = tx.NewRaw(`
			INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, ?)
			ON CONFLICT (contact_id, tag) DO NOTHING`, accountID, contactID, apitype.TestContactTag).Exec(ctx)
		if err != nil {
			return fmt.Errorf("tag test contact %d: %w", contactID, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prepare test contact: %w", err)
	}
	return s.RecordEvent(ctx, Trigger{
		AccountID: accountID,
		Slug:      slug,
		Email:     apitype.TestContactEmail,
		Source:    SourceAPI,
		Metadata:  map[string]any{"test": true},
	})
}
