package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// Actions of privacy_audit rows.
const (
	AuditErase  = "erase"
	AuditExport = "export"
)

// APIKeyActor returns the privacy_audit actor for a request made with an
// API key: "api-key:" and the key's first 10 characters, the prefix that
// api_keys.prefix stores.
func APIKeyActor(key string) string {
	return "api-key:" + apiKeyDisplayPrefix(key)
}

// contactNotFound is the error for an email that names no contact of the
// account.
func contactNotFound(email string) error {
	return &NotFoundError{
		Resource: "Contact with email",
		Key:      email,
		Hint:     "Check the spelling. A contact that was already erased is not found either.",
	}
}

// EraseContact deletes, in one transaction, the contact with email (matched
// without regard to case) and every row that refers to it: its event
// occurrences with their idempotency keys, and its visitors. Reports read
// the occurrences, so their counts drop at once. A privacy_audit row
// records the erasure and actor, without the email or the contact id. An
// unknown email returns a *NotFoundError and deletes nothing.
//
// Anonymous contacts that were merged into this one by Identify no longer
// exist. An anonymous contact without an email cannot be erased here.
// TODO: erase an anonymous contact by its visitor id.
//
// Events that arrive after the erasure create a new contact, and a browser
// whose visitor id was deleted counts as a new visitor.
func (s *Store) EraseContact(ctx context.Context, accountID int64, email, actor string) (*apitype.ErasureResult, error) {
	email = apitype.CanonicalEmail(email)
	result := &apitype.ErasureResult{}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockAccountRollups(ctx, tx, accountID); err != nil {
			return err
		}
		// Locking the row makes a concurrent Identify or trigger for the
		// email wait until the erasure commits.
		var contactID int64
		err := tx.NewRaw("SELECT id FROM contacts WHERE account_id = ? AND email = ? FOR UPDATE", accountID, email).
			Scan(ctx, &contactID)
		if isNoRows(err) {
			return contactNotFound(email)
		}
		if err != nil {
			return fmt.Errorf("find contact by email: %w", err)
		}

		// Deleting an occurrence deletes its idempotency keys through
		// ON DELETE CASCADE, and its count in the report rollups through
		// the triggers on event_occurrences.
		res, err := tx.NewRaw("DELETE FROM event_occurrences WHERE account_id = ? AND contact_id = ?", accountID, contactID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete occurrences of contact %d: %w", contactID, err)
		}
		result.Occurrences, _ = res.RowsAffected()
		// The daily counts left are those of expired occurrences. The
		// triggers on event_contact_days take them out of the day totals.
		_, err = tx.NewRaw("DELETE FROM event_contact_days WHERE account_id = ? AND contact_id = ?", accountID, contactID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete daily counts of contact %d: %w", contactID, err)
		}
		res, err = tx.NewRaw("DELETE FROM visitors WHERE account_id = ? AND contact_id = ?", accountID, contactID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete visitors of contact %d: %w", contactID, err)
		}
		result.Visitors, _ = res.RowsAffected()

		// Tables added later that refer to contacts need their rows
		// deleted here, before the contact, unless a foreign key removes
		// them: action jobs and runs go with their occurrences, and
		// frequency gates, lists and tags with the contact. The same list
		// is in mergeAnonymous in identify.go. TestEraseContactLeavesNoTrace
		// and TestEraseContactRemovesActionTraces scan every table for the
		// email and the contact id, so a table missing here fails them.

		if _, err := tx.NewRaw("DELETE FROM contacts WHERE account_id = ? AND id = ?", accountID, contactID).Exec(ctx); err != nil {
			return fmt.Errorf("delete contact %d: %w", contactID, err)
		}
		return insertAudit(ctx, tx, accountID, AuditErase, actor)
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// ExportContact returns every stored field of the contact with email
// (matched without regard to case): its profile, its visitors and its
// occurrences, oldest first. It records the export and actor in
// privacy_audit in the same transaction. An unknown email returns a
// *NotFoundError and records nothing.
func (s *Store) ExportContact(ctx context.Context, accountID int64, email, actor string) (*apitype.ContactExport, error) {
	email = apitype.CanonicalEmail(email)
	var export apitype.ContactExport
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var contact Contact
		err := tx.NewSelect().Model(&contact).Where("account_id = ? AND email = ?", accountID, email).Scan(ctx)
		if isNoRows(err) {
			return contactNotFound(email)
		}
		if err != nil {
			return fmt.Errorf("find contact by email: %w", err)
		}
		export = apitype.ContactExport{
			ID:        contact.ID,
			Email:     email,
			FirstName: contact.FirstName,
			LastName:  contact.LastName,
			Company:   contact.Company,
			CreatedAt: contact.CreatedAt.UTC(),
		}

		if export.Visitors, err = exportVisitors(ctx, tx, accountID, contact.ID); err != nil {
			return err
		}
		if export.Occurrences, err = exportOccurrences(ctx, tx, accountID, contact.ID); err != nil {
			return err
		}
		export.DailyCounts = []apitype.ContactDailyCount{}
		err = tx.NewRaw(`
			SELECT e.slug AS event_slug, to_char(r.day, 'YYYY-MM-DD') AS day, r.expired_events AS events
			FROM event_contact_days r JOIN custom_events e ON e.id = r.custom_event_id
			WHERE r.account_id = ? AND r.contact_id = ? AND r.expired_events > 0
			ORDER BY r.day, e.slug`, accountID, contact.ID).Scan(ctx, &export.DailyCounts)
		if err != nil {
			return fmt.Errorf("export daily counts of contact %d: %w", contact.ID, err)
		}
		return insertAudit(ctx, tx, accountID, AuditExport, actor)
	})
	if err != nil {
		return nil, err
	}
	return &export, nil
}

func exportVisitors(ctx context.Context, tx bun.Tx, accountID, contactID int64) ([]apitype.ContactVisitor, error) {
	var visitors []Visitor
	err := tx.NewSelect().Model(&visitors).
		Where("account_id = ? AND contact_id = ?", accountID, contactID).
		Order("created_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list visitors of contact %d: %w", contactID, err)
	}
	out := make([]apitype.ContactVisitor, len(visitors))
	for i, v := range visitors {
		out[i] = apitype.ContactVisitor{ID: v.ID, FirstSeenAt: v.CreatedAt.UTC()}
	}
	return out, nil
}

func exportOccurrences(ctx context.Context, tx bun.Tx, accountID, contactID int64) ([]apitype.ContactOccurrence, error) {
	var rows []struct {
		EventOccurrence
		EventSlug string `bun:"event_slug"`
		EventName string `bun:"event_name"`
	}
	// Deleted definitions still name their occurrences, so the join does
	// not filter on deleted_at.
	err := tx.NewRaw(`
		SELECT eo.*, ce.slug AS event_slug, ce.name AS event_name
		FROM event_occurrences eo
		JOIN custom_events ce ON ce.account_id = eo.account_id AND ce.id = eo.custom_event_id
		WHERE eo.account_id = ? AND eo.contact_id = ?
		ORDER BY eo.occurred_at, eo.id`, accountID, contactID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("list occurrences of contact %d: %w", contactID, err)
	}
	out := make([]apitype.ContactOccurrence, len(rows))
	for i, row := range rows {
		metadata := row.Metadata
		if metadata == nil {
			metadata = map[string]any{}
		}
		out[i] = apitype.ContactOccurrence{
			EventSlug:   row.EventSlug,
			EventName:   row.EventName,
			OccurredAt:  row.OccurredAt.UTC(),
			Source:      row.Source,
			PageURL:     row.PageURL,
			Referrer:    row.Referrer,
			Channel:     row.Channel,
			UTMSource:   row.UTMSource,
			UTMMedium:   row.UTMMedium,
			UTMCampaign: row.UTMCampaign,
			UTMTerm:     row.UTMTerm,
			UTMContent:  row.UTMContent,
			Metadata:    metadata,
		}
	}
	return out, nil
}

// AuditEntry is one privacy_audit row.
type AuditEntry struct {
	bun.BaseModel `bun:"table:privacy_audit"`

	ID        int64     `bun:"id,pk,autoincrement"`
	AccountID int64     `bun:"account_id"`
	Action    string    `bun:"action"`
	Actor     string    `bun:"actor"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:now()"`
}

func insertAudit(ctx context.Context, tx bun.Tx, accountID int64, action, actor string) error {
	entry := AuditEntry{AccountID: accountID, Action: action, Actor: actor}
	if _, err := tx.NewInsert().Model(&entry).Exec(ctx); err != nil {
		return fmt.Errorf("record %s in privacy audit: %w", action, err)
	}
	return nil
}

// PrivacyAudit lists the account's privacy_audit rows, oldest first.
func (s *Store) PrivacyAudit(ctx context.Context, accountID int64) ([]AuditEntry, error) {
	entries := []AuditEntry{}
	err := s.db.NewSelect().Model(&entries).Where("account_id = ?", accountID).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list privacy audit of account %d: %w", accountID, err)
	}
	return entries, nil
}
