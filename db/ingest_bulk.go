package db

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// isSimple reports whether the trigger can be written by recordBulk: it
// has no idempotency key to claim and no contact fields to fill.
func (p *preparedTrigger) isSimple() bool {
	return p.IdempotencyKey == "" && p.Contact == (ContactFields{})
}

type accountEmail struct {
	accountID int64
	email     string
}

type accountVisitor struct {
	accountID int64
	visitorID string
}

// recordBulk writes simple triggers with a fixed number of statements for
// the whole batch instead of several per trigger: it finds or creates
// their contacts by email and by visitor, then inserts every occurrence in
// one statement. It returns the occurrences in the order of triggers. Any
// error leaves tx aborted, and the caller writes the batch again trigger by
// trigger.
func recordBulk(ctx context.Context, tx bun.Tx, triggers []*preparedTrigger) ([]*EventOccurrence, error) {
	var emails []accountEmail
	var visitors []accountVisitor
	for _, p := range triggers {
		if p.Email != "" {
			emails = append(emails, accountEmail{p.AccountID, p.Email})
		} else {
			visitors = append(visitors, accountVisitor{p.AccountID, p.VisitorID})
		}
	}
	byEmail, err := bulkContactsByEmail(ctx, tx, emails)
	if err != nil {
		return nil, err
	}
	byVisitor, err := bulkContactsByVisitor(ctx, tx, visitors)
	if err != nil {
		return nil, err
	}

	ids, err := nextIDs(ctx, tx, "event_occurrences", len(triggers))
	if err != nil {
		return nil, err
	}
	occurrences := make([]*EventOccurrence, len(triggers))
	cols := struct {
		id, account, event, contact                            []int64
		at                                                     []time.Time
		page, source, metadata, referrer, channel              []string
		utmSource, utmMedium, utmCampaign, utmTerm, utmContent []string
	}{}
	for i, p := range triggers {
		contactID := byEmail[accountEmail{p.AccountID, p.Email}]
		if p.Email == "" {
			contactID = byVisitor[accountVisitor{p.AccountID, p.VisitorID}]
		}
		if contactID == 0 {
			return nil, fmt.Errorf("bulk insert: no contact resolved for trigger %d of %q", i, p.Slug)
		}
		metadata, err := json.Marshal(p.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode metadata of %q: %w", p.Slug, err)
		}
		o := &EventOccurrence{
			ID: ids[i], AccountID: p.AccountID, CustomEventID: p.customEventID, ContactID: contactID,
			OccurredAt: p.OccurredAt.UTC(), PageURL: p.PageURL, Source: p.Source, Metadata: p.Metadata,
			Referrer: p.Referrer, Channel: p.Channel, UTMSource: p.UTMSource, UTMMedium: p.UTMMedium,
			UTMCampaign: p.UTMCampaign, UTMTerm: p.UTMTerm, UTMContent: p.UTMContent,
		}
		occurrences[i] = o
		cols.id = append(cols.id, o.ID)
		cols.account = append(cols.account, o.AccountID)
		cols.event = append(cols.event, o.CustomEventID)
		cols.contact = append(cols.contact, o.ContactID)
		cols.at = append(cols.at, o.OccurredAt)
		cols.page = append(cols.page, o.PageURL)
		cols.source = append(cols.source, o.Source)
		cols.metadata = append(cols.metadata, string(metadata))
		cols.referrer = append(cols.referrer, o.Referrer)
		cols.channel = append(cols.channel, o.Channel)
		cols.utmSource = append(cols.utmSource, o.UTMSource)
		cols.utmMedium = append(cols.utmMedium, o.UTMMedium)
		cols.utmCampaign = append(cols.utmCampaign, o.UTMCampaign)
		cols.utmTerm = append(cols.utmTerm, o.UTMTerm)
		cols.utmContent = append(cols.utmContent, o.UTMContent)
	}

	var created []struct {
		ID        int64     `bun:"id"`
		CreatedAt time.Time `bun:"created_at"`
	}
	err = tx.NewRaw(`
		INSERT INTO event_occurrences (id, account_id, custom_event_id, contact_id, occurred_at,
			page_url, source, metadata, referrer, channel,
			utm_source, utm_medium, utm_campaign, utm_term, utm_content)
		SELECT id, account_id, custom_event_id, contact_id, occurred_at,
			page_url, source, metadata::jsonb, referrer, channel,
			utm_source, utm_medium, utm_campaign, utm_term, utm_content
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::timestamptz[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
			AS t(id, account_id, custom_event_id, contact_id, occurred_at,
				page_url, source, metadata, referrer, channel,
				utm_source, utm_medium, utm_campaign, utm_term, utm_content)
		RETURNING id, created_at`,
		pgdialect.Array(cols.id), pgdialect.Array(cols.account), pgdialect.Array(cols.event),
		pgdialect.Array(cols.contact), pgdialect.Array(cols.at),
		pgdialect.Array(cols.page), pgdialect.Array(cols.source), pgdialect.Array(cols.metadata),
		pgdialect.Array(cols.referrer), pgdialect.Array(cols.channel),
		pgdialect.Array(cols.utmSource), pgdialect.Array(cols.utmMedium), pgdialect.Array(cols.utmCampaign),
		pgdialect.Array(cols.utmTerm), pgdialect.Array(cols.utmContent),
	).Scan(ctx, &created)
	if err != nil {
		return nil, fmt.Errorf("bulk insert occurrences: %w", err)
	}
	createdAt := make(map[int64]time.Time, len(created))
	for _, c := range created {
		createdAt[c.ID] = c.CreatedAt
	}
	for _, o := range occurrences {
		o.CreatedAt = createdAt[o.ID]
	}
	return occurrences, nil
}

// nextIDs takes n values from the id sequence of table, so that rows
// inserted together get ids known before the insert.
func nextIDs(ctx context.Context, tx bun.Tx, table string, n int) ([]int64, error) {
	var ids []int64
	err := tx.NewRaw("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", table, n).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("reserve %d ids of %s: %w", n, table, err)
	}
	return ids, nil
}

// bulkContactsByEmail returns the contact id of each account and email,
// creating the contacts that do not exist yet.
func bulkContactsByEmail(ctx context.Context, tx bun.Tx, pairs []accountEmail) (map[accountEmail]int64, error) {
	out := map[accountEmail]int64{}
	if len(pairs) == 0 {
		return out, nil
	}
	slices.SortFunc(pairs, func(a, b accountEmail) int {
		return cmp.Or(cmp.Compare(a.accountID, b.accountID), cmp.Compare(a.email, b.email))
	})
	pairs = slices.Compact(pairs)
	accounts := make([]int64, len(pairs))
	emails := make([]string, len(pairs))
	for i, p := range pairs {
		accounts[i], emails[i] = p.accountID, p.email
	}

	// A new email is inserted; DO NOTHING leaves existing contacts
	// unlocked and unwritten, and the SELECT that follows reads them.
	_, err := tx.NewRaw(`
		INSERT INTO contacts (account_id, email)
		SELECT a, e FROM unnest(?::bigint[], ?::text[]) AS t(a, e)
		ON CONFLICT (account_id, email) WHERE email IS NOT NULL DO NOTHING`,
		pgdialect.Array(accounts), pgdialect.Array(emails)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk insert contacts by email: %w", err)
	}
	var rows []struct {
		ID        int64  `bun:"id"`
		AccountID int64  `bun:"account_id"`
		Email     string `bun:"email"`
	}
	err = tx.NewRaw(`
		SELECT c.id, c.account_id, c.email FROM contacts c
		JOIN unnest(?::bigint[], ?::text[]) AS t(a, e) ON c.account_id = t.a AND c.email = t.e`,
		pgdialect.Array(accounts), pgdialect.Array(emails)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("bulk find contacts by email: %w", err)
	}
	for _, r := range rows {
		out[accountEmail{r.AccountID, r.Email}] = r.ID
	}
	return out, nil
}

// bulkContactsByVisitor returns the contact id behind each account and
// visitor id, creating an anonymous contact for each new visitor. New
// visitors are locked as contactByVisitor locks one, in a fixed order.
func bulkContactsByVisitor(ctx context.Context, tx bun.Tx, pairs []accountVisitor) (map[accountVisitor]int64, error) {
	out := map[accountVisitor]int64{}
	if len(pairs) == 0 {
		return out, nil
	}
	slices.SortFunc(pairs, func(a, b accountVisitor) int {
		return cmp.Or(cmp.Compare(a.accountID, b.accountID), cmp.Compare(a.visitorID, b.visitorID))
	})
	pairs = slices.Compact(pairs)

	find := func(pairs []accountVisitor) error {
		accounts, ids := splitVisitors(pairs)
		var rows []struct {
			AccountID int64  `bun:"account_id"`
			ID        string `bun:"id"`
			ContactID int64  `bun:"contact_id"`
		}
		// The key-share lock is visitorContact's: a merge cannot delete
		// these contacts before the batch commits.
		err := tx.NewRaw(`
			SELECT v.account_id, v.id, v.contact_id FROM visitors v
			JOIN unnest(?::bigint[], ?::text[]) AS t(a, i) ON v.account_id = t.a AND v.id = t.i
			JOIN contacts c ON c.id = v.contact_id
			FOR KEY SHARE OF c`,
			pgdialect.Array(accounts), pgdialect.Array(ids)).Scan(ctx, &rows)
		if err != nil {
			return fmt.Errorf("bulk find visitors: %w", err)
		}
		for _, r := range rows {
			out[accountVisitor{r.AccountID, r.ID}] = r.ContactID
		}
		return nil
	}
	missing := func() []accountVisitor {
		var m []accountVisitor
		for _, p := range pairs {
			if out[p] == 0 {
				m = append(m, p)
			}
		}
		return m
	}

	if err := find(pairs); err != nil {
		return nil, err
	}
	newVisitors := missing()
	if len(newVisitors) == 0 {
		return out, nil
	}
	accounts, ids := splitVisitors(newVisitors)
	_, err := tx.NewRaw(`
		SELECT count(pg_advisory_xact_lock(a::int, hashtext(i)))
		FROM (SELECT a, i FROM unnest(?::bigint[], ?::text[]) AS t(a, i) ORDER BY a, i) AS s`,
		pgdialect.Array(accounts), pgdialect.Array(ids)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock new visitors: %w", err)
	}
	// Another transaction may have created some of them before the lock.
	if err := find(newVisitors); err != nil {
		return nil, err
	}
	newVisitors = missing()
	if len(newVisitors) == 0 {
		return out, nil
	}

	contactIDs, err := nextIDs(ctx, tx, "contacts", len(newVisitors))
	if err != nil {
		return nil, err
	}
	accounts, ids = splitVisitors(newVisitors)
	_, err = tx.NewRaw(`INSERT INTO contacts (id, account_id) SELECT * FROM unnest(?::bigint[], ?::bigint[])`,
		pgdialect.Array(contactIDs), pgdialect.Array(accounts)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk insert anonymous contacts: %w", err)
	}
	_, err = tx.NewRaw(`INSERT INTO visitors (account_id, id, contact_id) SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[])`,
		pgdialect.Array(accounts), pgdialect.Array(ids), pgdialect.Array(contactIDs)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk insert visitors: %w", err)
	}
	for i, p := range newVisitors {
		out[p] = contactIDs[i]
	}
	return out, nil
}

func splitVisitors(pairs []accountVisitor) ([]int64, []string) {
	accounts := make([]int64, len(pairs))
	ids := make([]string, len(pairs))
	for i, p := range pairs {
		accounts[i], ids[i] = p.accountID, p.visitorID
	}
	return accounts, ids
}
