package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Trigger is one firing of a custom event as the beacon or the API reports
// it. Exactly one of Email and VisitorID names the contact.
type Trigger struct {
	AccountID int64
	Slug      string
	// Email is already validated and in lowercase.
	Email string
	// VisitorID is the beacon's first-party visitor id.
	VisitorID  string
	PageURL    string
	Source     string
	OccurredAt time.Time
}

// RecordEvent stores one occurrence of a custom event in one transaction:
// it finds or creates the contact, then inserts the occurrence. An unknown
// slug stores nothing and returns an error matching ErrNotFound.
func (s *Store) RecordEvent(ctx context.Context, t Trigger) (*EventOccurrence, error) {
	if (t.Email == "") == (t.VisitorID == "") {
		return nil, fmt.Errorf("record event %q: exactly one of email and visitor id must be set", t.Slug)
	}
	if t.OccurredAt.IsZero() {
		t.OccurredAt = time.Now()
	}

	event, err := s.CustomEventBySlug(ctx, t.AccountID, t.Slug)
	if err != nil {
		return nil, err
	}

	occurrence := EventOccurrence{
		AccountID:     t.AccountID,
		CustomEventID: event.ID,
		OccurredAt:    t.OccurredAt.UTC(),
		PageURL:       t.PageURL,
		Source:        t.Source,
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if t.Email != "" {
			occurrence.ContactID, err = contactByEmail(ctx, tx, t.AccountID, t.Email)
		} else {
			occurrence.ContactID, err = contactByVisitor(ctx, tx, t.AccountID, t.VisitorID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&occurrence).Returning("*").Exec(ctx); err != nil {
			return fmt.Errorf("insert occurrence of %q: %w", t.Slug, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &occurrence, nil
}

// contactByEmail returns the id of the contact with email, creating it when
// it is new. The upsert makes concurrent first events for one email share a
// contact.
func contactByEmail(ctx context.Context, tx bun.Tx, accountID int64, email string) (int64, error) {
	var id int64
	err := tx.NewRaw(`
		INSERT INTO contacts (account_id, email) VALUES (?, ?)
		ON CONFLICT (account_id, email) WHERE email IS NOT NULL
		DO UPDATE SET email = EXCLUDED.email
		RETURNING id`, accountID, email).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("find or create contact by email: %w", err)
	}
	return id, nil
}

// contactByVisitor returns the id of the contact behind a visitor id. A new
// visitor becomes a new anonymous contact.
func contactByVisitor(ctx context.Context, tx bun.Tx, accountID int64, visitorID string) (int64, error) {
	var id int64
	err := tx.NewSelect().Model((*Visitor)(nil)).Column("contact_id").
		Where("account_id = ? AND id = ?", accountID, visitorID).
		Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !isNoRows(err) {
		return 0, fmt.Errorf("find visitor: %w", err)
	}

	// Serialize first events of one visitor so it gets one contact.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, hashtext(?))", accountID, visitorID); err != nil {
		return 0, fmt.Errorf("lock visitor: %w", err)
	}
	err = tx.NewSelect().Model((*Visitor)(nil)).Column("contact_id").
		Where("account_id = ? AND id = ?", accountID, visitorID).
		Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !isNoRows(err) {
		return 0, fmt.Errorf("find visitor: %w", err)
	}

	contact := Contact{AccountID: accountID}
	if _, err := tx.NewInsert().Model(&contact).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("insert anonymous contact: %w", err)
	}
	visitor := Visitor{AccountID: accountID, ID: visitorID, ContactID: contact.ID}
	if _, err := tx.NewInsert().Model(&visitor).Exec(ctx); err != nil {
		return 0, fmt.Errorf("insert visitor: %w", err)
	}
	return contact.ID, nil
}
