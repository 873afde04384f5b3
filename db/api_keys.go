package db

import (
	"context"
	"fmt"

	"customevents/app/apitype"
)

// ListAPIKeys returns the account's API keys, newest first, revoked ones
// included.
func (s *Store) ListAPIKeys(ctx context.Context, accountID int64) ([]APIKey, error) {
	var keys []APIKey
	err := s.db.NewSelect().Model(&keys).
		Where("account_id = ?", accountID).
		Order("created_at DESC", "id DESC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list API keys of account %d: %w", accountID, err)
	}
	return keys, nil
}

// CreateNamedAPIKey generates an API key for the account and stores its
// hash and prefix. It returns the full key, which is not stored and cannot
// be read again, and the stored row. An empty or too long name returns an
// *apitype.ValidationError on the field "name".
func (s *Store) CreateNamedAPIKey(ctx context.Context, accountID int64, name string) (string, *APIKey, error) {
	name, verr := apitype.NormalizeAPIKeyName(name)
	if verr != nil {
		return "", nil, verr
	}

	key := NewAPIKey()
	apiKey, err := insertAPIKey(ctx, s.db, accountID, name, key)
	if err != nil {
		return "", nil, err
	}
	return key, apiKey, nil
}

// RevokeAPIKey marks the account's API key as revoked, so AccountByAPIKey
// rejects it from the next request on. A key of another account, or one
// already revoked, returns a *NotFoundError.
func (s *Store) RevokeAPIKey(ctx context.Context, accountID, id int64) error {
	res, err := s.db.NewUpdate().Model((*APIKey)(nil)).
		Set("revoked_at = now()").
		Where("id = ?", id).
		Where("account_id = ?", accountID).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke API key %d of account %d: %w", id, accountID, err)
	}
	s.caches.apiKeys.forget(accountID)
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("revoke API key %d of account %d: %w", id, accountID, err)
	}
	if n == 0 {
		return &NotFoundError{Resource: "active API key", Key: fmt.Sprint(id), Hint: "Reload the list of API keys: it may have been revoked already."}
	}
	return nil
}
