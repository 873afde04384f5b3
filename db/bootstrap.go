package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// BootstrapConfig seeds the first account. Empty fields are generated.
type BootstrapConfig struct {
	AccountName   string
	AdminEmail    string
	AdminPassword string
	APIKey        string
}

// BootstrapResult reports what Bootstrap created. Password and APIKey are
// set only when Bootstrap generated them, so they can be shown once.
type BootstrapResult struct {
	Created           bool
	AccountID         int64
	AdminEmail        string
	GeneratedPassword string
	GeneratedAPIKey   string
	AddedAPIKey       bool
	AddedAdmin        bool
}

// Bootstrap creates the first account, its owner and an API key when the
// database has no account. On later starts it adds the configured admin and
// API key to the first account if they are missing, and changes nothing
// else, so an existing password is never overwritten.
func (s *Store) Bootstrap(ctx context.Context, cfg BootstrapConfig) (*BootstrapResult, error) {
	var result BootstrapResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Serialize concurrent first starts.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey+1); err != nil {
			return fmt.Errorf("take bootstrap lock: %w", err)
		}

		var account Account
		err := tx.NewSelect().Model(&account).Order("id").Limit(1).Scan(ctx)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("find first account: %w", err)
		}
		if isNoRows(err) {
			account = Account{Name: cfg.AccountName, TimeZone: "UTC", SiteKey: "site_" + randomToken(12)}
			if account.Name == "" {
				account.Name = "Demo Company"
			}
			if _, err := tx.NewInsert().Model(&account).Exec(ctx); err != nil {
				return fmt.Errorf("insert first account: %w", err)
			}
			result.Created = true
		}
		result.AccountID = account.ID

		if err := bootstrapAdmin(ctx, tx, account.ID, cfg, &result); err != nil {
			return err
		}
		return bootstrapAPIKey(ctx, tx, account.ID, cfg, &result)
	})
	if err != nil {
		return nil, err
	}
	return &result, nil
}

func bootstrapAdmin(ctx context.Context, tx bun.Tx, accountID int64, cfg BootstrapConfig, result *BootstrapResult) error {
	email := apitype.CanonicalEmail(cfg.AdminEmail)
	if email == "" && !result.Created {
		return nil
	}
	if email == "" {
		email = "admin@example.com"
	}
	result.AdminEmail = email

	exists, err := tx.NewSelect().Model((*User)(nil)).Where("lower(email) = ?", email).Exists(ctx)
	if err != nil {
		return fmt.Errorf("find admin %s: %w", email, err)
	}
	if exists {
		return nil
	}

	password := cfg.AdminPassword
	if password == "" {
		password = randomToken(12)
		result.GeneratedPassword = password
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	user := User{Email: email, PasswordHash: hash}
	if _, err := tx.NewInsert().Model(&user).Exec(ctx); err != nil {
		return fmt.Errorf("insert admin %s: %w", email, err)
	}
	membership := Membership{AccountID: accountID, UserID: user.ID, Role: "owner"}
	if _, err := tx.NewInsert().Model(&membership).Exec(ctx); err != nil {
		return fmt.Errorf("insert membership of admin %s: %w", email, err)
	}
	result.AddedAdmin = true
	return nil
}

func bootstrapAPIKey(ctx context.Context, tx bun.Tx, accountID int64, cfg BootstrapConfig, result *BootstrapResult) error {
	key := cfg.APIKey
	if key == "" && !result.Created {
		return nil
	}
	if key == "" {
		key = NewAPIKey()
		result.GeneratedAPIKey = key
	}
	exists, err := tx.NewSelect().Model((*APIKey)(nil)).Where("key_hash = ?", hashToken(key)).Exists(ctx)
	if err != nil {
		return fmt.Errorf("find initial API key: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := insertAPIKey(ctx, tx, accountID, "Initial key", key); err != nil {
		return err
	}
	result.AddedAPIKey = true
	return nil
}
