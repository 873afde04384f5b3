package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// Shape of the seeded data.
const (
	benchTimeZone = "America/New_York"
	// benchEventCount custom events share the occurrences. Event i (from 0)
	// gets the share of floor(10·u²) = i for a uniform u: about 32 % for
	// the first, 5 % for the last.
	benchEventCount = 10
	// seedChunk is the number of occurrences one INSERT statement writes.
	seedChunk = 1_000_000
	// tailEvents occurrences arrive through Store.RecordEvents after the
	// rollups are built, and their changes stay pending, as they are
	// between two compaction runs.
	tailEvents = 2_000
)

// seedResult describes the seeded data.
type seedResult struct {
	account *db.Account
	// busiest is the event with the most occurrences. Its contacts follow
	// the skewed distribution of every event but the last.
	busiest *db.CustomEvent
	// flat is the last event, whose contacts are drawn uniformly.
	flat        *db.CustomEvent
	occurrences int64
	contacts    int64
	first, last time.Time
	// Durations of the seeding steps, zero for a reused database.
	insert, rebuild, tail, vacuum time.Duration
}

// seed fills the database: an account, benchEventCount custom events,
// opts.contacts contacts and opts.events occurrences spread evenly over
// opts.days days up to now, written by INSERT ... SELECT generate_series on
// the server. The rollup insert trigger is off during those inserts, and
// report_rebuild_account builds the rollups afterwards in one pass, as a
// time zone change does. Then tailEvents more go through Store.RecordEvents
// and the triggers, and VACUUM ANALYZE updates the statistics and the
// visibility map as autovacuum would.
func seed(ctx context.Context, database *benchDatabase, opts options) (*seedResult, error) {
	bdb := database.bdb
	store := database.store
	res := &seedResult{}

	var accountID int64
	err := bdb.NewRaw("INSERT INTO accounts (name, site_key, time_zone) VALUES ('Report Bench', ?, ?) RETURNING id",
		"site_"+database.name, benchTimeZone).Scan(ctx, &accountID)
	if err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	if res.account, err = store.Account(ctx, accountID); err != nil {
		return nil, err
	}
	var eventIDs []int64
	for i := range benchEventCount {
		event, err := store.CreateCustomEvent(ctx, accountID, apitype.CustomEventInput{
			Name: fmt.Sprintf("Bench Event %02d", i+1),
			Slug: fmt.Sprintf("bench-event-%02d", i+1),
		})
		if err != nil {
			return nil, err
		}
		eventIDs = append(eventIDs, event.ID)
		if i == 0 {
			res.busiest = event
		}
		res.flat = event
	}

	// Every second contact has an email. Names and companies repeat, so
	// that a drilldown search has matches.
	var firstContact, lastContact int64
	err = bdb.NewRaw(`
		WITH c AS (
			INSERT INTO contacts (account_id, email, first_name, last_name, company)
			SELECT ?, CASE WHEN g % 2 = 0 THEN format('contact%s@example.com', g) END,
				format('First%s', g % 997), format('Last%s', g % 991), format('Company %s', g % 5003)
			FROM generate_series(1, ?) g
			RETURNING id
		)
		SELECT min(id), max(id) FROM c`, accountID, opts.contacts).Scan(ctx, &firstContact, &lastContact)
	if err != nil {
		return nil, fmt.Errorf("insert contacts: %w", err)
	}
	if lastContact-firstContact+1 != int64(opts.contacts) {
		return nil, fmt.Errorf("contact ids %d to %d are not contiguous, which the occurrence generator needs", firstContact, lastContact)
	}
	if eventIDs[len(eventIDs)-1]-eventIDs[0] != benchEventCount-1 {
		return nil, fmt.Errorf("event ids %v are not contiguous, which the occurrence generator needs", eventIDs)
	}

	started := time.Now()
	res.last = started.UTC().Truncate(time.Second)
	res.first = res.last.AddDate(0, 0, -opts.days)
	if err := insertOccurrences(ctx, database, res, eventIDs[0], firstContact, opts); err != nil {
		return nil, err
	}
	res.insert = time.Since(started)

	started = time.Now()
	log.Print("building the rollups with report_rebuild_account")
	if err := store.RebuildReportRollups(ctx, accountID); err != nil {
		return nil, err
	}
	res.rebuild = time.Since(started)

	started = time.Now()
	if err := recordTail(ctx, store, res, opts); err != nil {
		return nil, err
	}
	res.tail = time.Since(started)

	started = time.Now()
	log.Print("running VACUUM ANALYZE")
	if _, err := bdb.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	res.vacuum = time.Since(started)

	res.occurrences = int64(opts.events + tailEvents)
	res.contacts = int64(opts.contacts)
	return res, nil
}

// insertOccurrences writes opts.events occurrences in time order, as they
// would arrive, in statements of seedChunk rows, with the rollup insert
// trigger off.
func insertOccurrences(ctx context.Context, database *benchDatabase, res *seedResult, firstEvent, firstContact int64, opts options) (err error) {
	bdb := database.bdb
	if _, err := bdb.ExecContext(ctx, "ALTER TABLE event_occurrences DISABLE TRIGGER event_occurrences_report_insert"); err != nil {
		return fmt.Errorf("disable the rollup trigger: %w", err)
	}
	defer func() {
		_, enableErr := bdb.ExecContext(context.WithoutCancel(ctx), "ALTER TABLE event_occurrences ENABLE TRIGGER event_occurrences_report_insert")
		if err == nil && enableErr != nil {
			err = fmt.Errorf("enable the rollup trigger: %w", enableErr)
		}
	}()

	step := res.last.Sub(res.first).Seconds() / float64(opts.events)
	for from := 1; from <= opts.events; from += seedChunk {
		to := min(from+seedChunk-1, opts.events)
		// Occurrence g happens at first + (g - 1 + u) * step for a uniform
		// u. The event index is floor(10·u²). The contact index is
		// floor(n·u²), so that a few contacts are very busy. The last
		// event draws its contacts uniformly instead.
		_, err := bdb.NewRaw(`
			INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source,
				page_url, referrer, channel, utm_source, utm_medium, utm_campaign)
			SELECT ?, ? + s.event_index, ? + CASE WHEN s.event_index = ? THEN floor(? * random())::bigint ELSE floor(? * random() ^ 2)::bigint END,
				?::timestamptz + make_interval(secs => (s.g - 1 + random()) * ?),
				'beacon',
				format('https://www.example.com/page/%s', floor(random() * 40)::int),
				(ARRAY['', 'https://www.google.com/', 'https://news.example.org/'])[1 + floor(random() * 3)::int],
				s.channel,
				CASE WHEN s.channel = 'PAID_SEARCH' THEN 'google' WHEN s.channel = 'EMAIL' THEN 'newsletter' ELSE '' END,
				CASE WHEN s.channel = 'PAID_SEARCH' THEN 'cpc' WHEN s.channel = 'EMAIL' THEN 'email' ELSE '' END,
				CASE WHEN s.channel IN ('PAID_SEARCH', 'EMAIL') THEN format('campaign-%s', floor(random() * 12)::int) ELSE '' END
			FROM (
				SELECT g, floor(? * random() ^ 2)::int AS event_index,
					(ARRAY['DIRECT', 'ORGANIC_SEARCH', 'PAID_SEARCH', 'EMAIL', 'REFERRAL', 'ORGANIC_SOCIAL'])[1 + floor(random() * 6)::int] AS channel
				FROM generate_series(?::bigint, ?::bigint) g
			) s`,
			res.account.ID, firstEvent, firstContact, benchEventCount-1, opts.contacts, opts.contacts,
			res.first, step, benchEventCount, from, to).Exec(ctx)
		if err != nil {
			return fmt.Errorf("insert occurrences %d to %d: %w", from, to, err)
		}
		log.Printf("inserted %d of %d occurrences", to, opts.events)
	}
	return nil
}

// recordTail records tailEvents occurrences of the busiest event from the
// last hour through Store.RecordEvents, which writes them in batches with
// one INSERT each, as the GraphQL batch mutation does.
func recordTail(ctx context.Context, store *db.Store, res *seedResult, opts options) error {
	rng := rand.New(rand.NewPCG(1, 2))
	triggers := make([]db.Trigger, tailEvents)
	for i := range triggers {
		contact := 2 * (1 + rng.IntN(max(1, opts.contacts/2)))
		triggers[i] = db.Trigger{
			AccountID:  res.account.ID,
			Slug:       res.busiest.Slug,
			Email:      fmt.Sprintf("contact%d@example.com", contact),
			Source:     db.SourceAPI,
			OccurredAt: res.last.Add(-time.Duration(rng.Int64N(int64(time.Hour)))),
			Channel:    "EMAIL",
			UTMSource:  "newsletter",
		}
	}
	_, errs := store.RecordEvents(ctx, slog.New(slog.DiscardHandler), triggers)
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("record tail event %d: %w", i, err)
		}
	}
	log.Printf("recorded %d more occurrences through Store.RecordEvents", tailEvents)
	return nil
}

// describeSeed reads what an earlier run with -keep seeded.
func describeSeed(ctx context.Context, database *benchDatabase) (*seedResult, error) {
	res := &seedResult{}

	var accountID int64
	err := database.bdb.NewRaw("SELECT id FROM accounts WHERE name = 'Report Bench'").Scan(ctx, &accountID)
	if err != nil {
		return nil, fmt.Errorf("find the bench account in %s: %w", database.name, err)
	}
	if res.account, err = database.store.Account(ctx, accountID); err != nil {
		return nil, err
	}
	events, err := database.store.CustomEvents(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if len(events) != benchEventCount {
		return nil, fmt.Errorf("database %s has %d custom events, want %d", database.name, len(events), benchEventCount)
	}

	res.busiest, res.flat = &events[0], &events[0]
	for i := range events {
		if events[i].ID < res.busiest.ID {
			res.busiest = &events[i]
		}
		if events[i].ID > res.flat.ID {
			res.flat = &events[i]
		}
	}

	err = database.bdb.NewRaw("SELECT count(*), min(occurred_at), max(occurred_at) FROM event_occurrences WHERE account_id = ?", accountID).
		Scan(ctx, &res.occurrences, &res.first, &res.last)
	if err != nil {
		return nil, fmt.Errorf("count occurrences: %w", err)
	}
	err = database.bdb.NewRaw("SELECT count(*) FROM contacts WHERE account_id = ?", accountID).Scan(ctx, &res.contacts)
	if err != nil {
		return nil, fmt.Errorf("count contacts: %w", err)
	}
	return res, nil
}
