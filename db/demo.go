package db

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// demoEvents are the definitions SeedDemo creates.
var demoEvents = []CustomEvent{
	{Name: "Downloaded Pricing PDF", Slug: "downloaded-pricing-pdf", Description: "Clicked the pricing PDF link on /pricing.", IsConversion: true},
	{Name: "Started Free Trial", Slug: "started-free-trial", Description: "Submitted the trial sign-up form.", IsConversion: true},
	{Name: "Opened Chat", Slug: "opened-chat", Description: "Opened the support chat widget."},
	{Name: "Watched Demo Video", Slug: "watched-demo-video", Description: "Played the product demo video to the end.", IsConversion: true},
}

// demoVisits are the page URLs and referrers that demo occurrences come
// with. The seed classifies each, as ingest does, so that a contact's
// timeline shows the referrer or UTM behind its channel: DIRECT,
// ORGANIC_SEARCH, PAID_SEARCH, EMAIL, ORGANIC_SOCIAL and REFERRAL.
var demoVisits = []struct{ pageURL, referrer string }{
	{"https://www.example.com/pricing", ""},
	{"https://www.example.com/pricing", "https://www.google.com/"},
	{"https://www.example.com/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand", "https://www.google.com/"},
	{"https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest", ""},
	{"https://www.example.com/pricing", "https://www.linkedin.com/"},
	{"https://www.example.com/pricing", "https://blog.example.org/tools-we-use"},
}

// SeedDemo fills a new account with demo definitions, contacts and 30 days
// of occurrences, so the reports have something to show.
func (s *Store) SeedDemo(ctx context.Context, accountID int64) error {
	rng := rand.New(rand.NewPCG(uint64(accountID), 42))
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		events := make([]CustomEvent, len(demoEvents))
		for i, e := range demoEvents {
			e.AccountID = accountID
			events[i] = e
		}
		if _, err := tx.NewInsert().Model(&events).Exec(ctx); err != nil {
			return fmt.Errorf("insert demo events: %w", err)
		}

		contacts := make([]Contact, 25)
		firstNames := []string{"Ada", "Ben", "Chloe", "Dev", "Ema"}
		companies := []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli"}
		for i := range contacts {
			email := fmt.Sprintf("demo.contact%02d@example.com", i+1)
			contacts[i] = Contact{
				AccountID: accountID,
				Email:     &email,
				FirstName: firstNames[i%len(firstNames)],
				LastName:  fmt.Sprintf("Demo%02d", i+1),
				Company:   companies[i%len(companies)],
			}
		}
		if _, err := tx.NewInsert().Model(&contacts).Exec(ctx); err != nil {
			return fmt.Errorf("insert demo contacts: %w", err)
		}

		now := time.Now().UTC()
		var occurrences []EventOccurrence
		for i, event := range events {
			for range 60 - 15*i {
				visit := demoVisits[rng.IntN(len(demoVisits))]
				utm := apitype.UTMFromURL(visit.pageURL)
				channel := apitype.ClassifyChannel(apitype.Attribution{UTM: utm, Referrer: visit.referrer, PageURL: visit.pageURL})
				occurrences = append(occurrences, EventOccurrence{
					AccountID:     accountID,
					CustomEventID: event.ID,
					ContactID:     contacts[rng.IntN(len(contacts))].ID,
					OccurredAt:    now.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))),
					PageURL:       visit.pageURL,
					Source:        SourceBeacon,
					Referrer:      visit.referrer,
					Channel:       string(channel),
					UTMSource:     utm.Source,
					UTMMedium:     utm.Medium,
					UTMCampaign:   utm.Campaign,
				})
			}
		}
		if _, err := tx.NewInsert().Model(&occurrences).Exec(ctx); err != nil {
			return fmt.Errorf("insert demo occurrences: %w", err)
		}
		return nil
	})
}
