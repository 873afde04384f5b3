package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
)

// Limits on trigger input.
const (
	// maxBatchTriggers is the most inputs one triggerCustomEvents call takes.
	maxBatchTriggers = 1000
	// maxBackdate is how far in the past occurredAt may lie.
	maxBackdate = 30 * 24 * time.Hour
	// maxClockSkew is how far ahead of the server's clock occurredAt may lie.
	maxClockSkew = 5 * time.Minute
	// maxIdempotencyKeyLength caps idempotencyKey, in characters.
	maxIdempotencyKeyLength = 200
)

// newTrigger validates a trigger input and returns it as a db.Trigger for
// account. It leaves the bounds of occurredAt to checkOccurredAt, so that
// a retry with an idempotency key can still find its first occurrence.
func newTrigger(account *db.Account, input *model.TriggerCustomEventInput) (db.Trigger, *apitype.ValidationError) {
	slug, verr := requireSlug("slug", input.Slug)
	if verr != nil {
		return db.Trigger{}, verr
	}
	email, verr := apitype.NormalizeEmail("email", input.Email)
	if verr != nil {
		return db.Trigger{}, verr
	}
	pageURL, verr := normalizePageURL(input.PageURL)
	if verr != nil {
		return db.Trigger{}, verr
	}
	t := db.Trigger{
		AccountID: account.ID,
		Slug:      slug,
		Email:     email,
		PageURL:   pageURL,
		Source:    db.SourceAPI,
	}

	if input.Metadata != nil {
		metadata, verr := apitype.NormalizeMetadata(input.Metadata)
		if verr != nil {
			return db.Trigger{}, verr
		}
		t.Metadata = metadata
	}
	if input.OccurredAt != nil {
		// A trigger reads Go's zero time as "not set" and stores the
		// time of the call instead.
		if input.OccurredAt.IsZero() {
			return db.Trigger{}, occurredTooEarly(*input.OccurredAt)
		}
		t.OccurredAt = *input.OccurredAt
	}

	utm, verr := apitype.NormalizeUTM(apitype.UTM{
		Source:   deref(input.UtmSource),
		Medium:   deref(input.UtmMedium),
		Campaign: deref(input.UtmCampaign),
		Term:     deref(input.UtmTerm),
		Content:  deref(input.UtmContent),
	})
	if verr != nil {
		return db.Trigger{}, verr
	}
	// Without UTM values, the page URL's utm_* parameters count, as they
	// do for the beacon.
	if utm.IsZero() {
		utm = apitype.UTMFromURL(pageURL)
	}
	t.UTMSource, t.UTMMedium, t.UTMCampaign, t.UTMTerm, t.UTMContent = utm.Source, utm.Medium, utm.Campaign, utm.Term, utm.Content
	if input.Channel != nil {
		t.Channel = string(*input.Channel)
	} else {
		t.Channel = string(apitype.ClassifyChannel(apitype.Attribution{UTM: utm, PageURL: pageURL}))
	}

	contactFields := []struct {
		name  string
		value *string
		dest  *string
	}{
		{"firstName", input.FirstName, &t.Contact.FirstName},
		{"lastName", input.LastName, &t.Contact.LastName},
		{"company", input.Company, &t.Contact.Company},
	}
	for _, f := range contactFields {
		if f.value == nil {
			continue
		}
		value, verr := apitype.ContactField(f.name, *f.value)
		if verr != nil {
			return db.Trigger{}, verr
		}
		*f.dest = value
	}

	if input.IdempotencyKey != nil {
		key := strings.TrimSpace(*input.IdempotencyKey)
		if key == "" {
			return db.Trigger{}, &apitype.ValidationError{Field: "idempotencyKey", Message: "idempotencyKey is empty: leave it out, or send a non-empty key such as order-1001."}
		}
		if utf8.RuneCountInString(key) > maxIdempotencyKeyLength {
			return db.Trigger{}, &apitype.ValidationError{Field: "idempotencyKey", Message: fmt.Sprintf("idempotencyKey is too long: use at most %d characters.", maxIdempotencyKeyLength)}
		}
		t.IdempotencyKey = key
	}
	return t, nil
}

// checkOccurredAt rejects an occurredAt more than 30 days before now or
// more than 5 minutes after it. A trigger without one passes. The messages
// quote the time with its own offset, because in UTC a time such as
// 9999-12-31T23:59:59-23:59 falls in year 10000, which RFC 3339 cannot write.
func checkOccurredAt(t db.Trigger, now time.Time) *apitype.ValidationError {
	at := t.OccurredAt
	if at.IsZero() {
		return nil
	}
	if at.Before(now.Add(-maxBackdate)) {
		return occurredTooEarly(at)
	}
	if at.After(now.Add(maxClockSkew)) {
		return &apitype.ValidationError{
			Field:   "occurredAt",
			Message: fmt.Sprintf("occurredAt %s is in the future: send the time the event happened, and check the sender's clock.", at.Format(time.RFC3339Nano)),
		}
	}
	return nil
}

func occurredTooEarly(at time.Time) *apitype.ValidationError {
	return &apitype.ValidationError{
		Field:   "occurredAt",
		Message: fmt.Sprintf("occurredAt %s is more than 30 days ago: record events within 30 days of when they happened.", at.Format(time.RFC3339Nano)),
	}
}

// repeatOf returns the first occurrence of a retry whose trigger failed
// with err, or err. The retry must carry the idempotency key that the same
// input claimed in the last 7 days. It then gets that occurrence even when
// its occurredAt is now out of bounds or its slug was renamed since, because
// the client is asking whether the first call was stored.
func (r *Resolver) repeatOf(ctx context.Context, t db.Trigger, err error) (*db.EventOccurrence, error) {
	occurrence := r.repeatsOf(ctx, t.AccountID, []failedTrigger{{trigger: t, err: err}})[0]
	if occurrence == nil {
		return nil, err
	}
	return occurrence, nil
}

// failedTrigger is a trigger that failed with err, at index in the inputs
// of a batch.
type failedTrigger struct {
	index   int
	trigger db.Trigger
	err     error
}

// repeatsOf returns, at each index of failed, the first occurrence that
// repeatOf would return for the trigger, or nil where repeatOf would
// return the error. It looks up the keys of all the triggers in one query.
// A failed lookup is logged, and every trigger then gets nil.
func (r *Resolver) repeatsOf(ctx context.Context, accountID int64, failed []failedTrigger) []*db.EventOccurrence {
	occurrences := make([]*db.EventOccurrence, len(failed))
	var retries []db.Trigger
	var index []int
	for i, f := range failed {
		if mayBeRetry(f.trigger, f.err) {
			retries = append(retries, f.trigger)
			index = append(index, i)
		}
	}
	if len(retries) == 0 {
		return occurrences
	}
	found, err := r.store.RepeatedTriggers(ctx, accountID, retries)
	if err != nil {
		r.log.ErrorContext(ctx, "idempotency key lookup failed", "account_id", accountID, "keys", len(retries), "error", err, "request_id", requestID(ctx))
		return occurrences
	}
	for j, i := range index {
		occurrences[i] = found[j]
	}
	return occurrences
}

// mayBeRetry reports whether a trigger that failed with err may be the
// retry of a stored one. Such a trigger has an idempotency key, and it
// failed because its occurredAt is out of bounds or because something it
// names was not found.
func mayBeRetry(t db.Trigger, err error) bool {
	if t.IdempotencyKey == "" {
		return false
	}
	var verr *apitype.ValidationError
	return errors.Is(err, db.ErrNotFound) || (errors.As(err, &verr) && verr.Field == "occurredAt")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// trigger validates and records one input, and returns the occurrence id.
func (r *Resolver) trigger(ctx context.Context, account *db.Account, input *model.TriggerCustomEventInput) (string, error) {
	t, verr := newTrigger(account, input)
	if verr != nil {
		return "", verr
	}
	var occurrence *db.EventOccurrence
	var err error
	if verr := checkOccurredAt(t, triggerTime(ctx)); verr != nil {
		err = verr
	} else {
		occurrence, err = r.store.RecordEvent(ctx, t)
	}
	if err != nil {
		if occurrence, err = r.repeatOf(ctx, t, err); err != nil {
			return "", err
		}
	}
	r.logTriggered(ctx, account, t.Slug, occurrence)
	return strconv.FormatInt(occurrence.ID, 10), nil
}

// logTriggered logs at debug level that a triggerCustomEvent field stored
// occurrence, or found it stored by an earlier trigger with its key.
func (r *Resolver) logTriggered(ctx context.Context, account *db.Account, slug string, occurrence *db.EventOccurrence) {
	// Checking first avoids allocating the arguments for every trigger
	// while debug logging is off.
	if !r.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	r.log.DebugContext(ctx, "custom event triggered",
		"account_id", account.ID,
		"slug", slug,
		"occurrence_id", occurrence.ID,
		"contact_id", occurrence.ContactID)
}
