package db

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// contactIDNotFound is the error for an id that names no contact of the
// account.
func contactIDNotFound(id int64) error {
	return &NotFoundError{
		Resource: "Contact with id",
		Key:      strconv.FormatInt(id, 10),
		Hint:     "It may have been erased or merged into another contact: search the contacts list again.",
	}
}

// ContactListOptions select and page the rows of Contacts.
type ContactListOptions struct {
	// Search keeps the contacts whose name, email or company contains it,
	// ignoring case, and the contact whose id it is, written with or
	// without a leading #. The characters % and _ match themselves.
	Search string
	// After is the NextCursor of the previous page, or empty for the first
	// page.
	After string
	// First is the number of rows, from 1 to apitype.MaxContactPageSize.
	// Zero means apitype.DefaultContactPageSize.
	First int
}

// ContactSummary is one row of Contacts.
type ContactSummary struct {
	ID             int64   `bun:"id"`
	Email          *string `bun:"email"`
	FirstName      string  `bun:"first_name"`
	LastName       string  `bun:"last_name"`
	Company        string  `bun:"company"`
	JobTitle       string  `bun:"job_title"`
	LifecycleStage string  `bun:"lifecycle_stage"`
	LeadScore      int64   `bun:"lead_score"`
	// Events counts the contact's occurrences. LastEventAt is the time of
	// the latest one, and nil without any.
	Events      int64      `bun:"events"`
	LastEventAt *time.Time `bun:"last_event_at"`
	CreatedAt   time.Time  `bun:"created_at"`
}

// ContactPage is one page of Contacts, newest contact first. NextCursor,
// passed as ContactListOptions.After, reads the next page. It is empty on
// the last page.
type ContactPage struct {
	Rows       []ContactSummary
	NextCursor string
}

// contactIDSearch matches a search that is a contact id, such as 42 or #42.
var contactIDSearch = regexp.MustCompile(`^#?([1-9][0-9]{0,17})$`)

// Contacts lists the account's contacts, newest first, a page at a time.
// An invalid option returns an *apitype.ValidationError that names it
// (search, after or first).
func (s *Store) Contacts(ctx context.Context, accountID int64, opts ContactListOptions) (*ContactPage, error) {
	search, verr := apitype.NormalizeDrilldownSearch(opts.Search)
	if verr != nil {
		return nil, verr
	}
	pageSize := opts.First
	if pageSize == 0 {
		pageSize = apitype.DefaultContactPageSize
	}
	if pageSize < 1 || pageSize > apitype.MaxContactPageSize {
		return nil, &apitype.ValidationError{
			Field:   "first",
			Message: fmt.Sprintf("First is %d: ask for 1 to %d contacts.", pageSize, apitype.MaxContactPageSize),
		}
	}
	var afterID int64
	if opts.After != "" {
		var err error
		if afterID, err = parseContactCursor(opts.After); err != nil {
			return nil, invalidCursorError(opts.After)
		}
	}
	pattern, searchID := "", int64(0)
	if search != "" {
		pattern = "%" + escapeLike(search) + "%"
		if m := contactIDSearch.FindStringSubmatch(search); m != nil {
			searchID, _ = strconv.ParseInt(m[1], 10, 64)
		}
	}

	rows := []ContactSummary{}
	err := s.db.NewRaw(`
		SELECT c.id, c.email, c.first_name, c.last_name, c.company, c.job_title,
			c.lifecycle_stage, c.lead_score, c.created_at, a.events, a.last_event_at
		FROM contacts c
		CROSS JOIN LATERAL (
			SELECT count(*) AS events, max(o.occurred_at) AS last_event_at
			FROM event_occurrences o
			WHERE o.account_id = c.account_id AND o.contact_id = c.id
		) a
		WHERE c.account_id = ?
			AND (? = ''
				OR segment_fold(concat_ws(' ', c.first_name, c.last_name)) LIKE segment_fold(?)
				OR segment_fold(c.email) LIKE segment_fold(?)
				OR segment_fold(c.company) LIKE segment_fold(?)
				OR c.id = ?)
			AND (? = 0 OR c.id < ?)
		ORDER BY c.id DESC
		LIMIT ?`,
		accountID, pattern, pattern, pattern, pattern, searchID, afterID, afterID, pageSize+1).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("list contacts of account %d: %w", accountID, err)
	}

	page := &ContactPage{Rows: rows}
	if len(rows) > pageSize {
		page.Rows = rows[:pageSize]
		page.NextCursor = contactCursor(page.Rows[pageSize-1].ID)
	}
	for i := range page.Rows {
		page.Rows[i].CreatedAt = page.Rows[i].CreatedAt.UTC()
		page.Rows[i].LastEventAt = utcOrNil(page.Rows[i].LastEventAt)
	}
	return page, nil
}

// ContactDetail is one contact with its lists, tags and activity totals.
type ContactDetail struct {
	ContactSummary
	CustomFields map[string]string
	Lists        []apitype.ContactListRef
	Tags         []string
	Visitors     int64
	FirstEventAt *time.Time
}

// Contact returns one contact of the account with its lists, tags and
// totals. An unknown id returns a *NotFoundError.
func (s *Store) Contact(ctx context.Context, accountID, id int64) (*ContactDetail, error) {
	var row struct {
		ContactSummary
		CustomFields map[string]string `bun:"custom_fields,type:jsonb"`
		Visitors     int64             `bun:"visitors"`
		FirstEventAt *time.Time        `bun:"first_event_at"`
	}
	err := s.db.NewRaw(`
		SELECT c.id, c.email, c.first_name, c.last_name, c.company, c.job_title,
			c.lifecycle_stage, c.lead_score, c.custom_fields, c.created_at,
			a.events, a.first_event_at, a.last_event_at,
			(SELECT count(*) FROM visitors v WHERE v.account_id = c.account_id AND v.contact_id = c.id) AS visitors
		FROM contacts c
		CROSS JOIN LATERAL (
			SELECT count(*) AS events, min(o.occurred_at) AS first_event_at, max(o.occurred_at) AS last_event_at
			FROM event_occurrences o
			WHERE o.account_id = c.account_id AND o.contact_id = c.id
		) a
		WHERE c.account_id = ? AND c.id = ?`, accountID, id).Scan(ctx, &row)
	if isNoRows(err) {
		return nil, contactIDNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("find contact %d: %w", id, err)
	}

	detail := &ContactDetail{
		ContactSummary: row.ContactSummary,
		CustomFields:   row.CustomFields,
		Visitors:       row.Visitors,
		FirstEventAt:   utcOrNil(row.FirstEventAt),
		Lists:          []apitype.ContactListRef{},
		Tags:           []string{},
	}
	if detail.CustomFields == nil {
		detail.CustomFields = map[string]string{}
	}
	detail.CreatedAt = detail.CreatedAt.UTC()
	detail.LastEventAt = utcOrNil(detail.LastEventAt)

	err = s.db.NewRaw(`
		SELECT l.id, l.name FROM contact_list_members m
		JOIN contact_lists l ON l.account_id = m.account_id AND l.id = m.list_id
		WHERE m.account_id = ? AND m.contact_id = ?
		ORDER BY lower(l.name), l.id`, accountID, id).Scan(ctx, &detail.Lists)
	if err != nil {
		return nil, fmt.Errorf("list the lists of contact %d: %w", id, err)
	}
	err = s.db.NewRaw("SELECT tag FROM contact_tags WHERE account_id = ? AND contact_id = ? ORDER BY tag", accountID, id).
		Scan(ctx, &detail.Tags)
	if err != nil {
		return nil, fmt.Errorf("list the tags of contact %d: %w", id, err)
	}
	return detail, nil
}

// TimelineOptions page the entries of ContactTimeline.
type TimelineOptions struct {
	// Before is the NextCursor of the previous page, or empty for the
	// newest entries.
	Before string
	// First is the number of entries, from 1 to
	// apitype.MaxTimelinePageSize. Zero means
	// apitype.DefaultTimelinePageSize.
	First int
}

// TimelineEntry is one occurrence of a contact with its custom event.
type TimelineEntry struct {
	OccurrenceID int64  `bun:"id"`
	EventName    string `bun:"event_name"`
	EventSlug    string `bun:"event_slug"`
	// EventDeleted is true when the definition was deleted after the
	// occurrence was stored.
	EventDeleted bool           `bun:"event_deleted"`
	OccurredAt   time.Time      `bun:"occurred_at"`
	Source       string         `bun:"source"`
	PageURL      string         `bun:"page_url"`
	Referrer     string         `bun:"referrer"`
	Channel      string         `bun:"channel"`
	UTMSource    string         `bun:"utm_source"`
	UTMMedium    string         `bun:"utm_medium"`
	UTMCampaign  string         `bun:"utm_campaign"`
	UTMTerm      string         `bun:"utm_term"`
	UTMContent   string         `bun:"utm_content"`
	Metadata     map[string]any `bun:"metadata,type:jsonb"`
}

// TimelinePage is one page of a contact's timeline, newest first.
// NextCursor, passed as TimelineOptions.Before, reads older entries. It is
// empty on the last page.
type TimelinePage struct {
	Entries    []TimelineEntry
	NextCursor string
}

// ContactTimeline lists a contact's occurrences, newest first, with those
// of deleted custom events. Occurrences at the same time are ordered by id,
// largest first. An unknown contact returns a *NotFoundError, and an
// invalid option an *apitype.ValidationError that names it (before or
// first).
func (s *Store) ContactTimeline(ctx context.Context, accountID, contactID int64, opts TimelineOptions) (*TimelinePage, error) {
	pageSize := opts.First
	if pageSize == 0 {
		pageSize = apitype.DefaultTimelinePageSize
	}
	if pageSize < 1 || pageSize > apitype.MaxTimelinePageSize {
		return nil, &apitype.ValidationError{
			Field:   "first",
			Message: fmt.Sprintf("First is %d: ask for 1 to %d events.", pageSize, apitype.MaxTimelinePageSize),
		}
	}
	var cursor timelineCursor
	if opts.Before != "" {
		var err error
		if cursor, err = parseTimelineCursor(opts.Before); err != nil {
			verr := invalidCursorError(opts.Before)
			verr.Field = "before"
			return nil, verr
		}
	}

	var exists bool
	err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM contacts WHERE account_id = ? AND id = ?)", accountID, contactID).
		Scan(ctx, &exists)
	if err != nil {
		return nil, fmt.Errorf("find contact %d: %w", contactID, err)
	}
	if !exists {
		return nil, contactIDNotFound(contactID)
	}

	entries := []TimelineEntry{}
	err = s.db.NewRaw(`
		SELECT o.id, e.name AS event_name, e.slug AS event_slug, e.deleted_at IS NOT NULL AS event_deleted,
			o.occurred_at, o.source, o.page_url, o.referrer, o.channel,
			o.utm_source, o.utm_medium, o.utm_campaign, o.utm_term, o.utm_content, o.metadata
		FROM event_occurrences o
		JOIN custom_events e ON e.account_id = o.account_id AND e.id = o.custom_event_id
		WHERE o.account_id = ? AND o.contact_id = ?
			AND (NOT ? OR (o.occurred_at, o.id) < (?::timestamptz, ?))
		ORDER BY o.occurred_at DESC, o.id DESC
		LIMIT ?`,
		accountID, contactID, cursor.set, cursor.occurredAt.Format(time.RFC3339Nano), cursor.id, pageSize+1).
		Scan(ctx, &entries)
	if err != nil {
		return nil, fmt.Errorf("list timeline of contact %d: %w", contactID, err)
	}

	page := &TimelinePage{Entries: entries}
	if len(entries) > pageSize {
		page.Entries = entries[:pageSize]
		last := page.Entries[pageSize-1]
		page.NextCursor = timelineCursor{set: true, occurredAt: last.OccurredAt, id: last.OccurrenceID}.String()
	}
	for i := range page.Entries {
		page.Entries[i].OccurredAt = page.Entries[i].OccurredAt.UTC()
	}
	return page, nil
}

// ContactName is the email and name of a contact, which the live event
// stream shows.
type ContactName struct {
	ID        int64   `bun:"id"`
	Email     *string `bun:"email"`
	FirstName string  `bun:"first_name"`
	LastName  string  `bun:"last_name"`
}

// ContactNames returns the email and name of each of the account's
// contacts in ids, by id. Ids of other accounts and unknown ids are left
// out.
func (s *Store) ContactNames(ctx context.Context, accountID int64, ids []int64) (map[int64]ContactName, error) {
	out := make(map[int64]ContactName, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []ContactName
	err := s.db.NewRaw("SELECT id, email, first_name, last_name FROM contacts WHERE account_id = ? AND id = ANY(?::bigint[])",
		accountID, pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find names of %d contacts: %w", len(ids), err)
	}
	for _, row := range rows {
		out[row.ID] = row
	}
	return out, nil
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
