package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// Trigger is one firing of a custom event as the beacon or the API reports
// it. Exactly one of Email and VisitorID names the contact. Callers
// validate and normalize every field first.
type Trigger struct {
	AccountID int64
	Slug      string
	// Email is already validated and in the form of apitype.CanonicalEmail.
	Email string
	// VisitorID is the beacon's first-party visitor id.
	VisitorID string
	PageURL   string
	Referrer  string
	Source    string
	// Channel is a MarketingChannel value. An empty one stores DIRECT.
	Channel     string
	UTMSource   string
	UTMMedium   string
	UTMCampaign string
	UTMTerm     string
	UTMContent  string
	// Metadata is a flat object of string, float64 and bool values.
	Metadata map[string]any
	// OccurredAt is the time of the event. The zero time means now.
	OccurredAt time.Time
	// Contact fills the contact's empty name and company fields.
	Contact ContactFields
	// IdempotencyKey, when set, makes a repeated trigger with the same key
	// and input within 7 days return the first occurrence instead of
	// storing another.
	IdempotencyKey string
}

// ContactFields are the profile fields a trigger or an identify call may
// set on a contact. Only the contact's empty fields take them.
type ContactFields struct {
	FirstName string
	LastName  string
	Company   string
}

// IdempotencyWindow is how long an idempotency key stays bound to its
// first occurrence.
const IdempotencyWindow = 7 * 24 * time.Hour

// ErrIdempotencyConflict means that an idempotency key was reused with a
// different input while it was still bound to its first occurrence.
var ErrIdempotencyConflict = errors.New("idempotency key reused with a different input")

// ConflictError reports a request that conflicts with stored data. Its
// message is meant for clients.
type ConflictError struct {
	Message string
	Err     error
	// Field is the request field at fault, such as "name", or empty.
	Field string
}

func (e *ConflictError) Error() string { return e.Message }
func (e *ConflictError) Unwrap() error { return e.Err }

// RecordEvent stores one occurrence of a custom event in one transaction:
// it finds or creates the contact, fills its empty fields, then inserts the
// occurrence. An unknown slug stores nothing and returns an error matching
// ErrNotFound. With an idempotency key, a repeat of an earlier trigger
// returns the earlier occurrence and stores nothing. A different trigger
// with the same key returns a *ConflictError and stores nothing either.
//
// When the store has a running Ingester, the trigger joins its next batch,
// and RecordEvent returns once that batch has committed.
func (s *Store) RecordEvent(ctx context.Context, t Trigger) (*EventOccurrence, error) {
	p, err := s.prepareTrigger(ctx, t)
	if err != nil {
		return nil, err
	}
	var occurrence *EventOccurrence
	if in := s.ingester.Load(); in != nil {
		occurrence, err = in.submit(ctx, p)
	} else {
		occurrence, err = s.recordDirect(ctx, p)
	}
	if err == nil && p.hasActions {
		s.wakeActionWorkers()
	}
	return occurrence, err
}

// recordDirect writes one prepared trigger in its own transaction, as a
// batch of one, which settles a commit that a broken connection left
// unconfirmed. It logs with the default logger.
func (s *Store) recordDirect(ctx context.Context, p *preparedTrigger) (*EventOccurrence, error) {
	res := s.writeBatch(slog.Default(), []batchItem{{ctx: ctx, trigger: p}}, batchRoute{wait: ctx})[0]
	return res.occurrence, res.err
}

// preparedTrigger is a checked trigger with its custom event resolved,
// ready to be written in a transaction.
type preparedTrigger struct {
	Trigger
	customEventID int64
	// requestHash is the hash of the input, for a trigger with an
	// idempotency key.
	requestHash []byte
	// hasActions reports that the event's action mode was not none when
	// its definition was read, so recording it likely enqueued actions.
	hasActions bool
	// repeated is set by record when the trigger repeats an earlier one
	// with the same idempotency key, so nothing new was stored.
	repeated bool
}

// prepareTrigger checks t, resolves its slug and fills the defaults.
func (s *Store) prepareTrigger(ctx context.Context, t Trigger) (*preparedTrigger, error) {
	if (t.Email == "") == (t.VisitorID == "") {
		return nil, fmt.Errorf("record event %q: exactly one of email and visitor id must be set", t.Slug)
	}

	// Postgres text cannot hold NUL, and array parameters would drop it
	// silently, so a trigger with one is rejected whole. Errors name the
	// fields as the GraphQL input does.
	for _, f := range []struct{ field, value string }{
		{"email", t.Email}, {"visitorId", t.VisitorID}, {"pageUrl", t.PageURL}, {"referrer", t.Referrer},
		{"channel", t.Channel}, {"utmSource", t.UTMSource}, {"utmMedium", t.UTMMedium}, {"utmCampaign", t.UTMCampaign},
		{"utmTerm", t.UTMTerm}, {"utmContent", t.UTMContent}, {"firstName", t.Contact.FirstName},
		{"lastName", t.Contact.LastName}, {"company", t.Contact.Company}, {"idempotencyKey", t.IdempotencyKey},
	} {
		if strings.ContainsRune(f.value, 0) {
			return nil, &apitype.ValidationError{Field: f.field,
				Message: fmt.Sprintf("%s contains a NUL character, which cannot be stored: remove it.", f.field)}
		}
	}

	p := &preparedTrigger{Trigger: t}
	if t.IdempotencyKey != "" {
		p.requestHash = t.hash()
	}
	if p.OccurredAt.IsZero() {
		p.OccurredAt = time.Now()
	}
	// PostgreSQL keeps microseconds and would round the rest, so the
	// occurrence that a batch returns would differ from the stored one.
	p.OccurredAt = p.OccurredAt.Truncate(time.Microsecond)
	if p.Channel == "" {
		p.Channel = "DIRECT"
	}
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}

	event, err := s.triggerEvent(ctx, t.AccountID, t.Slug)
	if err != nil {
		return nil, err
	}
	p.customEventID = event.ID
	p.hasActions = event.ActionMode != "" && event.ActionMode != apitype.ActionModeNone
	return p, nil
}

// triggerEvent returns the account's live custom event with slug, for a
// trigger of it. When there is none, the NotFoundError names the field
// slug, because the slug is a field of the trigger's input.
func (s *Store) triggerEvent(ctx context.Context, accountID int64, slug string) (*CustomEvent, error) {
	event, err := s.liveEventBySlug(ctx, accountID, slug)
	if nferr, ok := errors.AsType[*NotFoundError](err); ok && nferr.Field == "" {
		nferr.Field = "slug"
	}
	return event, err
}

// CheckTriggerSlug returns the error that RecordEvent would return for a
// trigger of slug because the account has no live custom event with it,
// or nil when it has one.
func (s *Store) CheckTriggerSlug(ctx context.Context, accountID int64, slug string) error {
	_, err := s.triggerEvent(ctx, accountID, slug)
	return err
}

// contactKey orders triggers within a batch, so that concurrent batches
// lock contacts and visitors in the same order.
func (p *preparedTrigger) contactKey() string {
	if p.Email != "" {
		return "e:" + p.Email
	}
	return "v:" + p.VisitorID
}

// record writes the trigger in tx and returns its occurrence, or the
// earlier occurrence of its idempotency key.
func (p *preparedTrigger) record(ctx context.Context, tx bun.Tx) (*EventOccurrence, error) {
	p.repeated = false
	if p.IdempotencyKey != "" {
		earlier, err := claimIdempotencyKey(ctx, tx, p.AccountID, p.IdempotencyKey, p.requestHash)
		if err != nil || earlier != nil {
			p.repeated = earlier != nil
			return earlier, err
		}
	}

	occurrence := EventOccurrence{
		AccountID:     p.AccountID,
		CustomEventID: p.customEventID,
		OccurredAt:    p.OccurredAt.UTC(),
		PageURL:       p.PageURL,
		Source:        p.Source,
		Metadata:      p.Metadata,
		Referrer:      p.Referrer,
		Channel:       p.Channel,
		UTMSource:     p.UTMSource,
		UTMMedium:     p.UTMMedium,
		UTMCampaign:   p.UTMCampaign,
		UTMTerm:       p.UTMTerm,
		UTMContent:    p.UTMContent,
	}
	var err error
	if p.Email != "" {
		occurrence.ContactID, err = contactByEmail(ctx, tx, p.AccountID, p.Email)
	} else {
		occurrence.ContactID, err = contactByVisitor(ctx, tx, p.AccountID, p.VisitorID)
	}
	if err != nil {
		return nil, err
	}
	if err := fillContactFields(ctx, tx, p.AccountID, occurrence.ContactID, p.Contact); err != nil {
		return nil, err
	}
	if _, err := tx.NewInsert().Model(&occurrence).Returning("*").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert occurrence of %q: %w", p.Slug, err)
	}

	if p.IdempotencyKey != "" {
		_, err := tx.NewRaw("UPDATE idempotency_keys SET occurrence_id = ? WHERE account_id = ? AND key = ?",
			occurrence.ID, p.AccountID, p.IdempotencyKey).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("bind idempotency key: %w", err)
		}
	}
	return &occurrence, nil
}

// hash returns the SHA-256 of the trigger's input, without the key itself.
// encoding/json sorts map keys, so equal metadata hashes equally. Empty
// metadata hashes like none, because both are stored as {}.
func (t Trigger) hash() []byte {
	input := t
	input.IdempotencyKey = ""
	if len(input.Metadata) == 0 {
		input.Metadata = nil
	}
	if !input.OccurredAt.IsZero() {
		input.OccurredAt = input.OccurredAt.UTC()
	}
	b, err := json.Marshal(input)
	if err != nil {
		// Metadata holds only strings, float64 and bools, which always
		// encode, so a failure here is a caller bug.
		panic(fmt.Sprintf("encode trigger for idempotency hash: %v", err))
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// RepeatedTriggers returns, at the index of each trigger, the occurrence
// that its idempotency key is bound to when the key was claimed in the last
// 7 days by a trigger with the same input, and nil otherwise. It lets a
// retry get its first result after the trigger itself has become invalid,
// such as when its occurredAt is now more than 30 days ago or its custom
// event was renamed.
//
// Every trigger must belong to accountID, and one query reads all their
// keys. A trigger without a key gets nil, and so does one whose key
// contains a NUL character or invalid UTF-8, which no stored key does.
func (s *Store) RepeatedTriggers(ctx context.Context, accountID int64, triggers []Trigger) ([]*EventOccurrence, error) {
	occurrences := make([]*EventOccurrence, len(triggers))
	keys, err := lookupKeys(accountID, triggers)
	if err != nil {
		return nil, fmt.Errorf("read occurrences of idempotency keys: %w", err)
	}
	if len(keys.keys) == 0 {
		return occurrences, nil
	}

	var rows []struct {
		// Position is the 1-based position of the row's key in keys.
		Position int `bun:"position"`
		EventOccurrence
	}
	err = s.db.NewRaw(`
		SELECT w.position, o.*
		FROM unnest(?::text[], ?::bytea[]) WITH ORDINALITY AS w (key, request_hash, position)
		JOIN idempotency_keys k ON k.account_id = ? AND k.key = w.key AND k.request_hash = w.request_hash
		JOIN event_occurrences o ON o.account_id = k.account_id AND o.id = k.occurrence_id
		WHERE k.created_at >= now() - ?::interval`,
		pgdialect.Array(keys.keys), pgdialect.Array(keys.hashes), accountID, fmt.Sprintf("%d seconds", int(IdempotencyWindow.Seconds()))).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read occurrences of idempotency keys: %w", err)
	}
	for _, row := range rows {
		occurrence := row.EventOccurrence
		occurrences[keys.index[row.Position-1]] = &occurrence
	}
	return occurrences, nil
}

// keyLookup holds the idempotency keys of some triggers that a query
// looks up, with their input hashes, and the index of each key's trigger.
type keyLookup struct {
	keys   []string
	hashes [][]byte
	index  []int
}

// lookupKeys returns the keys of the triggers that can match a stored key.
// Every trigger must belong to accountID. It leaves out triggers without a
// key, and keys with a NUL character or invalid UTF-8, which no stored key
// contains. Array parameters of bun's pgdialect (v1.3.0) drop NUL
// characters and replace invalid UTF-8 with U+FFFD, so such a key could
// match another stored key.
func lookupKeys(accountID int64, triggers []Trigger) (keyLookup, error) {
	var lookup keyLookup
	for i, t := range triggers {
		if t.IdempotencyKey == "" {
			continue
		}
		if t.AccountID != accountID {
			return keyLookup{}, fmt.Errorf("trigger %d belongs to account %d, not to account %d", i, t.AccountID, accountID)
		}
		if strings.ContainsRune(t.IdempotencyKey, 0) || !utf8.ValidString(t.IdempotencyKey) {
			continue
		}
		lookup.keys = append(lookup.keys, t.IdempotencyKey)
		lookup.hashes = append(lookup.hashes, t.hash())
		lookup.index = append(lookup.index, i)
	}
	return lookup, nil
}

// IdempotencyConflict returns the error of a trigger whose idempotency key
// was used in the last 7 days for a trigger with another input.
func IdempotencyConflict(key string) error {
	return &ConflictError{
		Message: fmt.Sprintf("Idempotency key %q was already used for a different trigger in the last 7 days: send the same input to retry it, or use a new key.", key),
		Err:     ErrIdempotencyConflict,
	}
}

// SameInput reports whether t and other have the same input apart from
// their idempotency keys, as the check of a reused key compares them.
func (t Trigger) SameInput(other Trigger) bool {
	return bytes.Equal(t.hash(), other.hash())
}

// KeyState is the binding of an idempotency key, for a trigger that
// carries it.
type KeyState int

const (
	// KeyUnused: no trigger claimed the key in the last 7 days.
	KeyUnused KeyState = iota
	// KeySameInput: a trigger with the same input claimed the key, so the
	// trigger is a retry of it.
	KeySameInput
	// KeyOtherInput: a trigger with another input claimed the key, so the
	// trigger gets IdempotencyConflict.
	KeyOtherInput
)

// IdempotencyKeyStates returns, at the index of each trigger, the state
// of its idempotency key, in one query. Every trigger must belong to
// accountID. A trigger without a key, or with a key that contains a NUL
// character or invalid UTF-8, which no stored key does, gets KeyUnused.
func (s *Store) IdempotencyKeyStates(ctx context.Context, accountID int64, triggers []Trigger) ([]KeyState, error) {
	states := make([]KeyState, len(triggers))
	keys, err := lookupKeys(accountID, triggers)
	if err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	if len(keys.keys) == 0 {
		return states, nil
	}
	var rows []struct {
		// Position is the 1-based position of the row's key in keys.
		Position int  `bun:"position"`
		Same     bool `bun:"same"`
	}
	err = s.db.NewRaw(`
		SELECT w.position, k.request_hash = w.request_hash AS same
		FROM unnest(?::text[], ?::bytea[]) WITH ORDINALITY AS w (key, request_hash, position)
		JOIN idempotency_keys k ON k.account_id = ? AND k.key = w.key
		WHERE k.created_at >= now() - ?::interval`,
		pgdialect.Array(keys.keys), pgdialect.Array(keys.hashes), accountID, fmt.Sprintf("%d seconds", int(IdempotencyWindow.Seconds()))).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	for _, row := range rows {
		states[keys.index[row.Position-1]] = KeyOtherInput
		if row.Same {
			states[keys.index[row.Position-1]] = KeySameInput
		}
	}
	return states, nil
}

// claimIdempotencyKey binds key to the transaction's trigger. A key that
// is already bound to a live occurrence with the same input hash returns
// that occurrence, and one with another hash returns a *ConflictError. A
// concurrent claim of the same key waits on the primary key until the first
// transaction ends.
func claimIdempotencyKey(ctx context.Context, tx bun.Tx, accountID int64, key string, requestHash []byte) (*EventOccurrence, error) {
	var claimed []bool
	err := tx.NewRaw(`
		INSERT INTO idempotency_keys AS k (account_id, key, request_hash) VALUES (?, ?, ?)
		ON CONFLICT (account_id, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, occurrence_id = NULL, created_at = now()
			WHERE k.created_at < now() - ?::interval
		RETURNING true`, accountID, key, requestHash, fmt.Sprintf("%d seconds", int(IdempotencyWindow.Seconds()))).
		Scan(ctx, &claimed)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if len(claimed) == 1 {
		return nil, nil
	}

	var bound struct {
		RequestHash  []byte `bun:"request_hash"`
		OccurrenceID int64  `bun:"occurrence_id"`
	}
	err = tx.NewRaw("SELECT request_hash, occurrence_id FROM idempotency_keys WHERE account_id = ? AND key = ?", accountID, key).
		Scan(ctx, &bound)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if !bytes.Equal(bound.RequestHash, requestHash) {
		return nil, IdempotencyConflict(key)
	}
	var earlier EventOccurrence
	err = tx.NewSelect().Model(&earlier).
		Where("account_id = ? AND id = ?", accountID, bound.OccurrenceID).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load occurrence %d of idempotency key: %w", bound.OccurrenceID, err)
	}
	return &earlier, nil
}

// fillContactFields sets the contact's empty name and company fields from
// fields and leaves the others as they are.
func fillContactFields(ctx context.Context, tx bun.IDB, accountID, contactID int64, fields ContactFields) error {
	if fields == (ContactFields{}) {
		return nil
	}
	_, err := tx.NewRaw(`
		UPDATE contacts SET
			first_name = CASE WHEN first_name = '' THEN ? ELSE first_name END,
			last_name  = CASE WHEN last_name = '' THEN ? ELSE last_name END,
			company    = CASE WHEN company = '' THEN ? ELSE company END
		WHERE account_id = ? AND id = ?`,
		fields.FirstName, fields.LastName, fields.Company, accountID, contactID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("fill fields of contact %d: %w", contactID, err)
	}
	return nil
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

// visitorContact returns the contact of a visitor and keeps that contact
// from being deleted until tx ends. Identify deletes an anonymous contact
// when it merges it into a known one. The key-share lock makes that merge
// wait for this transaction, or makes this read wait for the merge and then
// find no row. Either way, an occurrence never points at a deleted contact.
func visitorContact(ctx context.Context, tx bun.Tx, accountID int64, visitorID string) (int64, error) {
	var id int64
	err := tx.NewRaw(`
		SELECT v.contact_id FROM visitors v JOIN contacts c ON c.id = v.contact_id
		WHERE v.account_id = ? AND v.id = ?
		FOR KEY SHARE OF c`, accountID, visitorID).Scan(ctx, &id)
	return id, err
}

// contactByVisitor returns the id of the contact behind a visitor id. A new
// visitor becomes a new anonymous contact.
func contactByVisitor(ctx context.Context, tx bun.Tx, accountID int64, visitorID string) (int64, error) {
	id, err := visitorContact(ctx, tx, accountID, visitorID)
	if err == nil {
		return id, nil
	}
	if !isNoRows(err) {
		return 0, fmt.Errorf("find visitor: %w", err)
	}

	// Serialize first events of one visitor so it gets one contact.
	// NOTE: the first key is an int4, so an account id of 2^31 or more
	// fails here and in record_simple_triggers, which use the same keys.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, hashtext(?))", accountID, visitorID); err != nil {
		return 0, fmt.Errorf("lock visitor: %w", err)
	}
	id, err = visitorContact(ctx, tx, accountID, visitorID)
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
