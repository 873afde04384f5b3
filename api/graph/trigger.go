package graph

import (
	"context"
	"errors"
	"fmt"
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
// more than 5 minutes after it. A trigger without one passes.
func checkOccurredAt(t db.Trigger, now time.Time) *apitype.ValidationError {
	at := t.OccurredAt
	if at.IsZero() {
		return nil
	}
	if at.Before(now.Add(-maxBackdate)) {
		return &apitype.ValidationError{
			Field:   "occurredAt",
			Message: fmt.Sprintf("occurredAt %s is more than 30 days ago: record events within 30 days of when they happened.", at.UTC().Format(time.RFC3339)),
		}
	}
	if at.After(now.Add(maxClockSkew)) {
		return &apitype.ValidationError{
			Field:   "occurredAt",
			Message: fmt.Sprintf("occurredAt %s is in the future: send the time the event happened, and check the sender's clock.", at.UTC().Format(time.RFC3339)),
		}
	}
	return nil
}

// repeatOf returns the first occurrence of a retry whose trigger failed
// with err, or err. The retry must carry the idempotency key that the same
// input claimed in the last 7 days. It then gets that occurrence even when
// its occurredAt is now out of bounds or its slug was renamed since, because
// the client is asking whether the first call was stored.
func (r *Resolver) repeatOf(ctx context.Context, t db.Trigger, err error) (*db.EventOccurrence, error) {
	if t.IdempotencyKey == "" {
		return nil, err
	}
	var verr *apitype.ValidationError
	if !errors.Is(err, db.ErrNotFound) && !(errors.As(err, &verr) && verr.Field == "occurredAt") {
		return nil, err
	}
	occurrence, lookupErr := r.store.RepeatedTrigger(ctx, t)
	if lookupErr != nil {
		r.log.ErrorContext(ctx, "idempotency key lookup failed", "account_id", t.AccountID, "error", lookupErr)
		return nil, err
	}
	if occurrence == nil {
		return nil, err
	}
	return occurrence, nil
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
	if verr := checkOccurredAt(t, time.Now()); verr != nil {
		err = verr
	} else {
		occurrence, err = r.store.RecordEvent(ctx, t)
	}
	if err != nil {
		if occurrence, err = r.repeatOf(ctx, t, err); err != nil {
			return "", err
		}
	}
	r.log.DebugContext(ctx, "custom event triggered",
		"account_id", account.ID,
		"slug", t.Slug,
		"occurrence_id", occurrence.ID,
		"contact_id", occurrence.ContactID)
	return strconv.FormatInt(occurrence.ID, 10), nil
}
