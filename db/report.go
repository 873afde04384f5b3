package db

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// The report queries do not check custom_events.deleted_at, so they also read
// the occurrences of a deleted definition. The admin API and GraphQL look the
// event up among live definitions first, so they return NOT_FOUND for a
// deleted one. Exports of old data may pass its id directly.
//
// EventReport and EventDrilldown read the rollups that triggers keep next to
// event_occurrences (migration 20261204000009). RawEventReport and
// RawEventDrilldown compute the same results from event_occurrences, as a
// reference for tests and benchmarks.

var (
	//go:embed queries/event_report.sql
	eventReportQuery string
	//go:embed queries/event_report_raw.sql
	rawEventReportQuery string
	//go:embed queries/event_drilldown_threshold.sql
	drilldownThresholdQuery string
	//go:embed queries/event_drilldown_by_count.sql
	drilldownByCountQuery string
	//go:embed queries/event_drilldown_by_last_triggered.sql
	drilldownByLastTriggeredQuery string
	//go:embed queries/event_drilldown_raw.sql
	rawEventDrilldownQuery string
)

// drilldownSample is how many of the event's busiest contacts over all days
// event_drilldown_threshold.sql counts to bound a page in the count order.
// More costs one index lookup each. Fewer lowers the bound when the range's
// busiest contacts are not among the busiest overall.
const drilldownSample = 200

// EventReport contains the numbers of one custom event over a range of
// calendar days and over the previous period of equal length.
type EventReport struct {
	Days     apitype.DateRange
	Previous apitype.DateRange

	EventsTriggered         int64
	UniqueContacts          int64
	PreviousEventsTriggered int64
	PreviousUniqueContacts  int64

	// ByDay has one entry per day of Days, in order, days without
	// occurrences included.
	ByDay []DayCount
}

// DayCount contains the occurrences and distinct contacts of one calendar
// day in the account's time zone.
type DayCount struct {
	// Date is the day as YYYY-MM-DD.
	Date           string
	Count          int64
	UniqueContacts int64
}

// reportRow is one row of event_report.sql.
type reportRow struct {
	Date                    string `bun:"date"`
	Count                   int64  `bun:"count"`
	DayUniqueContacts       int64  `bun:"day_unique_contacts"`
	EventsTriggered         int64  `bun:"events_triggered"`
	UniqueContacts          int64  `bun:"unique_contacts"`
	PreviousEventsTriggered int64  `bun:"previous_events_triggered"`
	PreviousUniqueContacts  int64  `bun:"previous_unique_contacts"`
}

// EventReport counts a custom event's occurrences and distinct contacts over
// days, per day of days, and over the period of equal length before days.
// Days are the account's local days (accounts.time_zone). A range whose
// previous period would start before 0001-01-01 returns an
// *apitype.ValidationError on from.
func (s *Store) EventReport(ctx context.Context, account *Account, eventID int64, days apitype.DateRange) (*EventReport, error) {
	return s.eventReport(ctx, eventReportQuery, account, eventID, days)
}

// RawEventReport returns what EventReport returns, computed from every
// occurrence in the two periods instead of the rollups. Its cost grows with
// the number of occurrences, so only tests and benchmarks call it.
func (s *Store) RawEventReport(ctx context.Context, account *Account, eventID int64, days apitype.DateRange) (*EventReport, error) {
	return s.eventReport(ctx, rawEventReportQuery, account, eventID, days)
}

func (s *Store) eventReport(ctx context.Context, query string, account *Account, eventID int64, days apitype.DateRange) (*EventReport, error) {
	previous := days.Previous()
	if previous.From.Year() < 1 {
		earliest := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days.Days())
		return nil, &apitype.ValidationError{
			Field: "from",
			Message: fmt.Sprintf("Range from %s has no previous period of %d days, which would start before 0001-01-01, the earliest date: start on or after %s.",
				days.From.Format(apitype.DateLayout), days.Days(), earliest.Format(apitype.DateLayout)),
		}
	}

	args := struct {
		AccountID        int64  `bun:"account_id"`
		EventID          int64  `bun:"event_id"`
		FirstDay         string `bun:"first_day"`
		LastDay          string `bun:"last_day"`
		PreviousFirstDay string `bun:"previous_first_day"`
	}{
		AccountID:        account.ID,
		EventID:          eventID,
		FirstDay:         days.From.Format(apitype.DateLayout),
		LastDay:          days.To.Format(apitype.DateLayout),
		PreviousFirstDay: previous.From.Format(apitype.DateLayout),
	}
	var rows []reportRow
	if err := s.db.NewRaw(query, &args).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("report on custom event %d: %w", eventID, err)
	}
	if len(rows) != days.Days() {
		return nil, fmt.Errorf("report on custom event %d: got %d days, want %d", eventID, len(rows), days.Days())
	}

	report := &EventReport{
		Days:                    days,
		Previous:                previous,
		EventsTriggered:         rows[0].EventsTriggered,
		UniqueContacts:          rows[0].UniqueContacts,
		PreviousEventsTriggered: rows[0].PreviousEventsTriggered,
		PreviousUniqueContacts:  rows[0].PreviousUniqueContacts,
		ByDay:                   make([]DayCount, len(rows)),
	}
	for i, row := range rows {
		report.ByDay[i] = DayCount{Date: row.Date, Count: row.Count, UniqueContacts: row.DayUniqueContacts}
	}
	return report, nil
}

// DrilldownOptions select and page the rows of EventDrilldown.
type DrilldownOptions struct {
	// Day, when set, narrows the range to that one day, which must be in
	// the range. It is midnight UTC of the day, as in apitype.DateRange.
	Day time.Time
	// Order is the sort key. Empty means apitype.DrilldownByCount.
	Order apitype.DrilldownOrder
	// Search keeps the contacts whose name, email or company contains it,
	// ignoring case. The characters % and _ match themselves.
	Search string
	// After is the NextCursor of the previous page, or empty for the first
	// page. It must come from a page with the same Order.
	After string
	// First is the number of rows, from 1 to apitype.MaxDrilldownPageSize.
	// Zero means apitype.DefaultDrilldownPageSize.
	First int
}

// DrilldownRow is one contact's occurrences of a custom event in the
// drilldown's days. PageURL, Channel and the UTM fields are those of the
// contact's last occurrence.
type DrilldownRow struct {
	ContactID int64  `bun:"contact_id"`
	FirstName string `bun:"first_name"`
	LastName  string `bun:"last_name"`
	// Email is nil for an anonymous contact.
	Email            *string   `bun:"email"`
	Company          string    `bun:"company"`
	TriggerCount     int64     `bun:"trigger_count"`
	FirstTriggeredAt time.Time `bun:"first_triggered_at"`
	LastTriggeredAt  time.Time `bun:"last_triggered_at"`
	PageURL          string    `bun:"page_url"`
	// Channel is a MarketingChannel value.
	Channel     string `bun:"channel"`
	UTMSource   string `bun:"utm_source"`
	UTMMedium   string `bun:"utm_medium"`
	UTMCampaign string `bun:"utm_campaign"`
	UTMTerm     string `bun:"utm_term"`
	UTMContent  string `bun:"utm_content"`
	// IsConversion is the custom event's flag, the same on every row.
	IsConversion bool `bun:"is_conversion"`
}

// Name returns the first and last name separated by a space, or "" when
// both are empty.
func (r *DrilldownRow) Name() string {
	return strings.TrimSpace(r.FirstName + " " + r.LastName)
}

// DrilldownPage is one page of EventDrilldown rows. NextCursor, passed as
// DrilldownOptions.After, reads the next page. It is empty on the last page.
type DrilldownPage struct {
	Rows       []DrilldownRow
	NextCursor string
}

// EventDrilldown lists the contacts behind a custom event's occurrences over
// days, or over opts.Day, with days read in the account's time zone. An
// invalid option returns an *apitype.ValidationError that names it (day,
// order, search, after or first).
func (s *Store) EventDrilldown(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (*DrilldownPage, error) {
	page, _, err := s.eventDrilldown(ctx, account, eventID, days, opts)
	return page, err
}

// eventDrilldown runs the queries of EventDrilldown and also returns how
// the last one read the counts: one of the read constants, or "" in the
// last-trigger order.
func (s *Store) eventDrilldown(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (*DrilldownPage, string, error) {
	query, err := newDrilldownQuery(account.ID, eventID, days, opts)
	if err != nil {
		return nil, "", err
	}
	var page *DrilldownPage
	err = s.db.RunInTx(ctx, drilldownTxOptions, func(ctx context.Context, tx bun.Tx) error {
		// The planner's estimates for the per-contact lookups can pass
		// jit_above_cost, and compiling the plan then takes longer than
		// running it.
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return err
		}
		// Counting every contact of a long range hashes up to a few
		// hundred thousand contacts. At the default 4 MB, that hash table
		// spills to disk.
		if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '32MB'"); err != nil {
			return err
		}
		if query.Order != string(apitype.DrilldownByCount) {
			var err error
			page, err = drilldownPage(ctx, tx, drilldownByLastTriggeredQuery, query)
			return err
		}

		var scanRange, linksFirst bool
		if err := tx.NewRaw(drilldownThresholdQuery, query).Scan(ctx, &query.MinCount, &scanRange, &linksFirst); err != nil {
			return fmt.Errorf("bound the page: %w", err)
		}
		switch {
		case !scanRange:
			query.Read = readLookups
		case linksFirst:
			// The links skip the contacts with one occurrence in the
			// range, which rank last. When the other contacts do not
			// fill the page, the page needs those, and only the range
			// read orders them.
			query.Read = readLinks
		default:
			query.Read = readRange
		}
		var err error
		page, err = drilldownPage(ctx, tx, drilldownByCountQuery, query)
		if err != nil || query.Read != readLinks || page.NextCursor != "" {
			return err
		}
		query.Read = readRange
		page, err = drilldownPage(ctx, tx, drilldownByCountQuery, query)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list contacts of custom event %d: %w", eventID, err)
	}
	return page, query.Read, nil
}

// The ways in which event_drilldown_by_count.sql reads counts. The query
// describes each.
const (
	readLookups = "lookups"
	readLinks   = "links"
	readRange   = "range"
)

// drilldownTxOptions gives the two queries of a page in the count order one
// snapshot, so the bound that the first one computes holds for the second.
var drilldownTxOptions = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// RawEventDrilldown returns what EventDrilldown returns, computed from every
// occurrence in the range instead of the rollups. Its cost grows with the
// number of occurrences, so only tests and benchmarks call it.
func (s *Store) RawEventDrilldown(ctx context.Context, account *Account, eventID int64, days apitype.DateRange, opts DrilldownOptions) (*DrilldownPage, error) {
	query, err := newDrilldownQuery(account.ID, eventID, days, opts)
	if err != nil {
		return nil, err
	}
	page, err := drilldownPage(ctx, s.db, rawEventDrilldownQuery, query)
	if err != nil {
		return nil, fmt.Errorf("list contacts of custom event %d: %w", eventID, err)
	}
	return page, nil
}

// drilldownPage runs a drilldown query and cuts its rows into a page.
func drilldownPage(ctx context.Context, idb bun.IDB, query string, args *drilldownQuery) (*DrilldownPage, error) {
	rows := []DrilldownRow{}
	if err := idb.NewRaw(query, args).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].FirstTriggeredAt = rows[i].FirstTriggeredAt.UTC()
		rows[i].LastTriggeredAt = rows[i].LastTriggeredAt.UTC()
	}

	page := &DrilldownPage{Rows: rows}
	if len(rows) > args.pageSize {
		page.Rows = rows[:args.pageSize]
		last := page.Rows[args.pageSize-1]
		page.NextCursor = drilldownCursor{
			Order:           apitype.DrilldownOrder(args.Order),
			Count:           last.TriggerCount,
			LastTriggeredAt: last.LastTriggeredAt,
			ContactID:       last.ContactID,
		}.String()
	}
	return page, nil
}

// drilldownQuery contains the named arguments of the drilldown queries.
type drilldownQuery struct {
	AccountID       int64  `bun:"account_id"`
	EventID         int64  `bun:"event_id"`
	FirstDay        string `bun:"first_day"`
	LastDay         string `bun:"last_day"`
	SearchPattern   string `bun:"search_pattern"`
	Order           string `bun:"order"`
	HasCursor       bool   `bun:"has_cursor"`
	CursorCount     int64  `bun:"cursor_count"`
	CursorTime      string `bun:"cursor_time"`
	CursorContactID int64  `bun:"cursor_contact_id"`
	// RowLimit is one more than pageSize, to learn whether a next page
	// exists.
	RowLimit int `bun:"row_limit"`
	// MinCount comes from event_drilldown_threshold.sql in the count
	// order. Read is the way event_drilldown_by_count.sql reads counts.
	MinCount int64  `bun:"min_count"`
	Read     string `bun:"read"`
	Sample   int    `bun:"sample"`

	pageSize int
}

// newDrilldownQuery checks opts and turns them into query arguments.
func newDrilldownQuery(accountID, eventID int64, days apitype.DateRange, opts DrilldownOptions) (*drilldownQuery, error) {
	// PostgreSQL has no year 0, which apitype.ParseDateRange accepts.
	if days.From.Year() < 1 {
		return nil, &apitype.ValidationError{
			Field:   "from",
			Message: fmt.Sprintf("Date %s is out of range: use a year from 0001 to 9999.", days.From.Format(apitype.DateLayout)),
		}
	}
	if !opts.Day.IsZero() {
		if !days.Contains(opts.Day) {
			return nil, &apitype.ValidationError{
				Field: "day",
				Message: fmt.Sprintf("Day %s is outside the range %s to %s: pick a day in the range.",
					opts.Day.Format(apitype.DateLayout), days.From.Format(apitype.DateLayout), days.To.Format(apitype.DateLayout)),
			}
		}
		days = apitype.DateRange{From: opts.Day, To: opts.Day}
	}
	order, verr := apitype.ParseDrilldownOrder(string(opts.Order))
	if verr != nil {
		return nil, verr
	}
	search, verr := apitype.NormalizeDrilldownSearch(opts.Search)
	if verr != nil {
		return nil, verr
	}
	pageSize := opts.First
	if pageSize == 0 {
		pageSize = apitype.DefaultDrilldownPageSize
	}
	if verr := apitype.ValidateDrilldownPageSize(pageSize); verr != nil {
		return nil, verr
	}

	query := &drilldownQuery{
		AccountID: accountID,
		EventID:   eventID,
		FirstDay:  days.From.Format(apitype.DateLayout),
		LastDay:   days.To.Format(apitype.DateLayout),
		Order:     string(order),
		// Any valid time: the query reads it only with a cursor of the
		// last_triggered order.
		CursorTime: time.Unix(0, 0).UTC().Format(time.RFC3339Nano),
		RowLimit:   pageSize + 1,
		MinCount:   1,
		Sample:     drilldownSample,
		pageSize:   pageSize,
	}
	if search != "" {
		query.SearchPattern = "%" + escapeLike(search) + "%"
	}
	if opts.After != "" {
		cursor, err := parseDrilldownCursor(opts.After)
		if err != nil {
			return nil, &apitype.ValidationError{
				Field:   "after",
				Message: fmt.Sprintf("Cursor %q is invalid: pass the cursor of the previous page unchanged, or leave it out for the first page.", opts.After),
			}
		}
		if cursor.Order != order {
			return nil, &apitype.ValidationError{
				Field:   "after",
				Message: fmt.Sprintf("Cursor %q belongs to the order %s, not %s: use the same order for every page.", opts.After, cursor.Order, order),
			}
		}
		query.HasCursor = true
		query.CursorCount = cursor.Count
		query.CursorTime = cursor.LastTriggeredAt.Format(time.RFC3339Nano)
		query.CursorContactID = cursor.ContactID
	}
	return query, nil
}

// likeEscaper puts a backslash, LIKE's default escape character in
// PostgreSQL, before each character that is special in a pattern. The
// searches apply segment_fold to both sides, because ILIKE folds only A-Z
// where LC_CTYPE is C.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike returns s as a LIKE pattern that matches s literally.
func escapeLike(s string) string {
	return likeEscaper.Replace(s)
}
