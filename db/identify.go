package db

import (
	"context"
	"fmt"
	"log/slog"
	"math"

	"github.com/uptrace/bun"
)

// Identity ties a beacon visitor to a known contact.
type Identity struct {
	AccountID int64
	VisitorID string
	// Email is already validated and in the form of apitype.CanonicalEmail.
	Email  string
	Fields ContactFields
}

// Identify makes the visitor's events belong to the contact with the
// identity's email, in one transaction, and returns that contact's id.
//
// When the visitor was an anonymous contact, that contact merges into the
// known one. Its occurrences with their action jobs and runs, its visitors,
// lists and tags move over, and its lead score adds to the known one. Its
// non-empty fields and custom fields fill the known contact's empty ones.
// Waiting action runs that repeat a frequency gate pass of the other
// contact are skipped, as mergeActionGates describes. Then the anonymous
// contact is deleted, so reports count one contact. When the email has no
// contact yet, the anonymous contact becomes it and keeps its id. A visitor identified earlier as another
// known contact moves to the new one for its future events; the two known
// contacts do not merge.
//
// A contact that another transaction gives the email meanwhile, such as
// an API trigger for a new email or another visitor's identify, makes the
// first attempt fail on the email's unique index. The next attempt finds
// that contact and merges into it. An attempt can also deadlock, and
// PostgreSQL then aborts one of the transactions involved. The other one
// can be an event batch that locks the same contacts and report rows in
// another order, or another identify that takes the same two contacts
// the other way round. Identify runs
// again in both cases. Each retry is logged to log at Info level with the
// account id and the anonymous contact's id, never the email.
func (s *Store) Identify(ctx context.Context, log *slog.Logger, id Identity) (int64, error) {
	var contactID int64
	var err error
	for attempt := 1; ; attempt++ {
		var anonymousID int64
		contactID, anonymousID, err = s.identifyOnce(ctx, id)
		reason := identifyRetryReason(err)
		if reason == "" || attempt == identifyAttempts {
			break
		}
		log.InfoContext(ctx, "identify retried because "+reason,
			"account_id", id.AccountID, "contact_id", anonymousID, "attempt", attempt+1,
			"max_attempts", identifyAttempts, "error", err)
		if isRetryable(err) {
			// The event batches that took part in the deadlock hold their
			// locks until they commit.
			if err := contentionPause(ctx, attempt); err != nil {
				return 0, fmt.Errorf("identify visitor: %w", err)
			}
		}
	}
	if err != nil {
		return 0, fmt.Errorf("identify visitor: %w", err)
	}
	return contactID, nil
}

// identifyAttempts is how often Identify runs in all when an attempt
// fails for a reason that a new attempt may not meet. An attempt after a
// unique violation finds a committed contact, so it fails again only when
// that contact is deleted in between. Deadlocks repeat only under
// contention on the same contacts.
const identifyAttempts = 8

// identifyRetryReason returns why an attempt of Identify that failed with
// err may succeed when run again, or "" when it would not.
func identifyRetryReason(err error) string {
	switch {
	case isUniqueViolation(err, "contacts_email_key"):
		return "another transaction gave the email to a contact first"
	case isRetryable(err):
		return "it deadlocked or had a serialization failure with a concurrent transaction"
	}
	return ""
}

// identifyOnce runs one attempt of Identify in a transaction and returns
// the identified contact's id. It also returns the id of the visitor's
// anonymous contact, or 0 when the visitor had none, which Identify logs
// when the attempt fails.
func (s *Store) identifyOnce(ctx context.Context, id Identity) (contactID, anonymousID int64, err error) {
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockAccountRollups(ctx, tx, id.AccountID); err != nil {
			return err
		}
		// Serialize with the visitor's first event, which takes the same
		// lock before it creates the visitor's anonymous contact.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, hashtext(?))", id.AccountID, id.VisitorID); err != nil {
			return fmt.Errorf("lock visitor: %w", err)
		}
		var current struct {
			ContactID int64   `bun:"contact_id"`
			Email     *string `bun:"email"`
		}
		err := tx.NewRaw(`
			SELECT v.contact_id, c.email FROM visitors v JOIN contacts c ON c.id = v.contact_id
			WHERE v.account_id = ? AND v.id = ?
			FOR UPDATE OF c`, id.AccountID, id.VisitorID).Scan(ctx, &current)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("find visitor: %w", err)
		}
		hasVisitor := err == nil

		if hasVisitor && current.Email == nil {
			anonymousID = current.ContactID
			contactID, err = mergeAnonymous(ctx, tx, id.AccountID, current.ContactID, id.Email)
			if err != nil {
				return err
			}
			return fillContactFields(ctx, tx, id.AccountID, contactID, id.Fields)
		}

		contactID, err = contactByEmail(ctx, tx, id.AccountID, id.Email)
		if err != nil {
			return err
		}
		_, err = tx.NewRaw(`
			INSERT INTO visitors (account_id, id, contact_id) VALUES (?, ?, ?)
			ON CONFLICT (account_id, id) DO UPDATE SET contact_id = EXCLUDED.contact_id`,
			id.AccountID, id.VisitorID, contactID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("point visitor at contact %d: %w", contactID, err)
		}
		return fillContactFields(ctx, tx, id.AccountID, contactID, id.Fields)
	})
	return contactID, anonymousID, err
}

// mergeAnonymous gives the anonymous contact anonID the identity email and
// returns the id of the contact that holds its history afterwards.
func mergeAnonymous(ctx context.Context, tx bun.Tx, accountID, anonID int64, email string) (int64, error) {
	var knownID int64
	err := tx.NewRaw("SELECT id FROM contacts WHERE account_id = ? AND email = ? FOR UPDATE", accountID, email).
		Scan(ctx, &knownID)
	if isNoRows(err) {
		// No contact has the email: the anonymous one takes it. A
		// concurrent insert of the same email fails on the unique index,
		// and Identify tries again.
		_, err := tx.NewRaw("UPDATE contacts SET email = ? WHERE account_id = ? AND id = ?", email, accountID, anonID).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("set email of contact %d: %w", anonID, err)
		}
		return anonID, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find contact by email: %w", err)
	}

	// The UPDATE below locks the occurrences in the order of its plan.
	// So they are locked first in the order that lockExpiredOccurrences
	// uses, because a retention batch that holds some of them and waits
	// for others would otherwise deadlock with the merge.
	_, err = tx.NewRaw(`
		SELECT count(*) FROM (
			SELECT 1 FROM event_occurrences
			WHERE account_id = ? AND contact_id = ?
			ORDER BY occurred_at, id
			FOR NO KEY UPDATE) locked`, accountID, anonID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("lock occurrences of contact %d: %w", anonID, err)
	}

	// Move every row that refers to the anonymous contact. Tables added
	// later that refer to contacts must be moved here too, and
	// TestIdentifyMergeLeavesNoReference fails until they are. Action jobs and
	// runs belong to occurrences, so they move with them, and moving the
	// occurrences moves their live counts in the report rollups, through
	// the triggers on event_occurrences.
	moves := []string{
		"UPDATE event_occurrences SET contact_id = ? WHERE account_id = ? AND contact_id = ?",
		"UPDATE visitors SET contact_id = ? WHERE account_id = ? AND contact_id = ?",
	}
	for _, query := range moves {
		if _, err := tx.NewRaw(query, knownID, accountID, anonID).Exec(ctx); err != nil {
			return 0, fmt.Errorf("move rows of contact %d to %d: %w", anonID, knownID, err)
		}
	}
	if err := mergeCounts(ctx, tx, accountID, anonID, knownID); err != nil {
		return 0, err
	}
	if err := mergeActionGates(ctx, tx, accountID, anonID, knownID); err != nil {
		return 0, err
	}
	if err := mergeMemberships(ctx, tx, accountID, anonID, knownID); err != nil {
		return 0, err
	}
	if err := mergeContactFields(ctx, tx, accountID, anonID, knownID); err != nil {
		return 0, err
	}
	if _, err := tx.NewRaw("DELETE FROM contacts WHERE account_id = ? AND id = ?", accountID, anonID).Exec(ctx); err != nil {
		return 0, fmt.Errorf("delete merged contact %d: %w", anonID, err)
	}
	return knownID, nil
}

// mergeCounts moves the daily counts of the anonymous contact to the known
// one.
func mergeCounts(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64) error {
	// What is left of the anonymous contact's daily counts are the
	// expired ones. Counts of both contacts on one day add up into one
	// row, so the day counts the merged contact once.
	_, err := tx.NewRaw(`
		WITH moved AS (
			DELETE FROM event_contact_days WHERE account_id = ? AND contact_id = ?
			RETURNING account_id, custom_event_id, day, live_events, expired_events, first_at, last_at
		)
		INSERT INTO event_contact_days AS r (account_id, custom_event_id, day, contact_id, live_events, expired_events, first_at, last_at)
		SELECT account_id, custom_event_id, day, ?, live_events, expired_events, first_at, last_at FROM moved
		ORDER BY 1, 2, 3
		ON CONFLICT (account_id, custom_event_id, day, contact_id) DO UPDATE SET
			live_events = r.live_events + EXCLUDED.live_events,
			expired_events = r.expired_events + EXCLUDED.expired_events,
			first_at = least(r.first_at, EXCLUDED.first_at),
			last_at = greatest(r.last_at, EXCLUDED.last_at)`, accountID, anonID, knownID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("move daily counts of contact %d to %d: %w", anonID, knownID, err)
	}
	return nil
}

// mergeMemberships gives the known contact the lists and tags of the
// anonymous one as well. The anonymous contact's own rows go with it when
// it is deleted.
func mergeMemberships(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64) error {
	_, err := tx.NewRaw(`
		INSERT INTO contact_list_members (account_id, list_id, contact_id, added_at)
		SELECT account_id, list_id, ?, added_at FROM contact_list_members
		WHERE account_id = ? AND contact_id = ?
		ON CONFLICT (list_id, contact_id) DO NOTHING`, knownID, accountID, anonID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("copy lists of contact %d to %d: %w", anonID, knownID, err)
	}
	_, err = tx.NewRaw(`
		INSERT INTO contact_tags (account_id, contact_id, tag, added_at)
		SELECT account_id, ?, tag, added_at FROM contact_tags
		WHERE account_id = ? AND contact_id = ?
		ON CONFLICT (contact_id, tag) DO NOTHING`, knownID, accountID, anonID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("copy tags of contact %d to %d: %w", anonID, knownID, err)
	}
	return nil
}

// mergeContactFields fills the known contact's empty fields and custom
// fields from the anonymous contact and adds the lead scores up, within
// the range of the integer column. The known contact keeps its lifecycle
// stage and every field it has a value for.
func mergeContactFields(ctx context.Context, tx bun.Tx, accountID, anonID, knownID int64) error {
	_, err := tx.NewRaw(`
		UPDATE contacts k SET
			first_name = CASE WHEN k.first_name = '' THEN a.first_name ELSE k.first_name END,
			last_name  = CASE WHEN k.last_name = '' THEN a.last_name ELSE k.last_name END,
			company    = CASE WHEN k.company = '' THEN a.company ELSE k.company END,
			job_title  = CASE WHEN k.job_title = '' THEN a.job_title ELSE k.job_title END,
			lead_score = least(greatest(k.lead_score::bigint + a.lead_score, ?), ?)::integer,
			custom_fields = k.custom_fields || coalesce((
				SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(a.custom_fields) AS e
				WHERE e.value <> '""'::jsonb AND coalesce(k.custom_fields -> e.key, '""'::jsonb) = '""'::jsonb
			), '{}'::jsonb)
		FROM contacts a
		WHERE k.account_id = ? AND k.id = ? AND a.account_id = ? AND a.id = ?`,
		math.MinInt32, math.MaxInt32, accountID, knownID, accountID, anonID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("fill contact %d from %d: %w", knownID, anonID, err)
	}
	return nil
}
