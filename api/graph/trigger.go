package graph

import (
	"context"
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
// account. now is the server time that occurredAt is checked against.
func newTrigger(account *db.Account, input *model.TriggerCustomEventInput, now time.Time) (db.Trigger, *apitype.ValidationError) {
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
		at := *input.OccurredAt
		if at.Before(now.Add(-maxBackdate)) {
			return db.Trigger{}, &apitype.ValidationError{
				Field:   "occurredAt",
				Message: fmt.Sprintf("occurredAt %s is more than 30 days ago: record events within 30 days of when they happened.", at.UTC().Format(time.RFC3339)),
			}
		}
		if at.After(now.Add(maxClockSkew)) {
			return db.Trigger{}, &apitype.ValidationError{
				Field:   "occurredAt",
				Message: fmt.Sprintf("occurredAt %s is in the future: send the time the event happened, and check the sender's clock.", at.UTC().Format(time.RFC3339)),
			}
		}
		t.OccurredAt = at
	}

	utm := apitype.UTM{}
	utmFields := []struct {
		name  string
		value *string
		dest  *string
	}{
		{"utmSource", input.UtmSource, &utm.Source},
		{"utmMedium", input.UtmMedium, &utm.Medium},
		{"utmCampaign", input.UtmCampaign, &utm.Campaign},
		{"utmTerm", input.UtmTerm, &utm.Term},
		{"utmContent", input.UtmContent, &utm.Content},
	}
	for _, f := range utmFields {
		value, verr := optionalText(f.name, f.value, apitype.MaxUTMLength, "bytes", byteLength)
		if verr != nil {
			return db.Trigger{}, verr
		}
		*f.dest = value
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

// optionalText trims an optional text field and rejects it when size(value)
// exceeds limit. A nil value returns "".
func optionalText(field string, value *string, limit int, unit string, size func(string) int) (string, *apitype.ValidationError) {
	if value == nil {
		return "", nil
	}
	text := strings.TrimSpace(*value)
	if !utf8.ValidString(text) {
		return "", &apitype.ValidationError{Field: field, Message: fmt.Sprintf("%s is not valid UTF-8: send text.", field)}
	}
	if size(text) > limit {
		return "", &apitype.ValidationError{Field: field, Message: fmt.Sprintf("%s is too long: use at most %d %s.", field, limit, unit)}
	}
	return text, nil
}

// trigger validates and records one input, and returns the occurrence id.
func (r *Resolver) trigger(ctx context.Context, account *db.Account, input *model.TriggerCustomEventInput) (string, error) {
	t, verr := newTrigger(account, input, time.Now())
	if verr != nil {
		return "", verr
	}
	occurrence, err := r.store.RecordEvent(ctx, t)
	if err != nil {
		return "", err
	}
	r.log.DebugContext(ctx, "custom event triggered",
		"account_id", account.ID,
		"slug", t.Slug,
		"occurrence_id", occurrence.ID,
		"contact_id", occurrence.ContactID)
	return strconv.FormatInt(occurrence.ID, 10), nil
}

func byteLength(s string) int { return len(s) }
