package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// UserAccount is one account of a user, with the user's role in it.
type UserAccount struct {
	ID   int64  `bun:"id"`
	Name string `bun:"name"`
	Role string `bun:"role"`
}

// UserAccounts returns the accounts the user is a member of, ordered by
// name and then id.
func (s *Store) UserAccounts(ctx context.Context, userID int64) ([]UserAccount, error) {
	var accounts []UserAccount
	err := s.db.NewRaw(`
		SELECT a.id, a.name, m.role
		FROM memberships m JOIN accounts a ON a.id = m.account_id
		WHERE m.user_id = ?
		ORDER BY lower(a.name), a.id`, userID).Scan(ctx, &accounts)
	if err != nil {
		return nil, fmt.Errorf("list accounts of user %d: %w", userID, err)
	}
	return accounts, nil
}

// CreateAccount creates an account with its own site key and makes the user
// its owner. An empty time zone means UTC. Invalid input returns an
// *apitype.ValidationError and creates nothing.
func (s *Store) CreateAccount(ctx context.Context, ownerID int64, in apitype.AccountInput) (*Account, error) {
	name, verr := apitype.NormalizeAccountName(in.Name)
	if verr != nil {
		return nil, verr
	}
	zone := strings.TrimSpace(in.TimeZone)
	if zone == "" {
		zone = "UTC"
	}
	if err := s.validateTimeZone(ctx, zone); err != nil {
		return nil, err
	}

	account := &Account{Name: name, TimeZone: zone, SiteKey: "site_" + randomToken(12)}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(account).Returning("id, created_at").Exec(ctx); err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		membership := Membership{AccountID: account.ID, UserID: ownerID, Role: apitype.RoleOwner}
		if _, err := tx.NewInsert().Model(&membership).Exec(ctx); err != nil {
			return fmt.Errorf("insert owner %d of account %d: %w", ownerID, account.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return account, nil
}

// UpdateAccount changes the account's name and time zone. Invalid input
// returns an *apitype.ValidationError and changes nothing.
func (s *Store) UpdateAccount(ctx context.Context, accountID int64, in apitype.AccountInput) (*Account, error) {
	name, verr := apitype.NormalizeAccountName(in.Name)
	if verr != nil {
		return nil, verr
	}
	zone := strings.TrimSpace(in.TimeZone)
	if err := s.validateTimeZone(ctx, zone); err != nil {
		return nil, err
	}

	var account Account
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// A new zone rebuilds the rollups, whose lock comes before the
		// row's (see rebuild_xact_lock).
		_, err := tx.NewRaw("SELECT rebuild_xact_lock(id) FROM accounts WHERE id = ? AND time_zone IS DISTINCT FROM ?", accountID, zone).Exec(ctx)
		if err != nil {
			return fmt.Errorf("take the rebuild lock: %w", err)
		}
		return tx.NewUpdate().Model(&account).
			Set("name = ?", name).
			Set("time_zone = ?", zone).
			Where("id = ?", accountID).
			Returning("id, name, time_zone, site_key, created_at").
			Scan(ctx)
	})
	if isNoRows(err) {
		return nil, &NotFoundError{Resource: "account", Key: fmt.Sprint(accountID)}
	}
	if err != nil {
		return nil, fmt.Errorf("update account %d: %w", accountID, err)
	}
	s.caches.forget(accountID)
	return &account, nil
}

// validateTimeZone checks that both Go, which computes report ranges, and
// PostgreSQL, which groups occurrences by day, know the IANA time zone.
// Names are case-sensitive, as in Go.
func (s *Store) validateTimeZone(ctx context.Context, zone string) error {
	invalid := func(message string) error {
		return &apitype.ValidationError{Field: "timeZone", Message: message}
	}
	if zone == "" {
		return invalid("Time zone is required: use an IANA name such as Europe/Berlin or UTC.")
	}
	if len(zone) > 64 || zone == "Local" {
		return invalid(fmt.Sprintf("Time zone %q is not an IANA time zone: use a name such as Europe/Berlin or UTC.", zone))
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return invalid(fmt.Sprintf("Time zone %q is not an IANA time zone: use a name such as Europe/Berlin or UTC.", zone))
	}
	var known bool
	if err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ?)", zone).Scan(ctx, &known); err != nil {
		return fmt.Errorf("look up time zone %q: %w", zone, err)
	}
	if !known {
		return invalid(fmt.Sprintf("Time zone %q is not known to the database: choose another name for the same zone.", zone))
	}
	return nil
}
