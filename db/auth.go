package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"customevents/app/apitype"
)

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 14 * 24 * time.Hour

// APIKeyPrefix starts every API key, so leaked keys are easy to search for.
const APIKeyPrefix = "ce_"

// ErrBadCredentials is returned for an unknown email or a wrong password,
// without saying which.
var ErrBadCredentials = errors.New("email or password is incorrect")

// ErrInvalidAPIKey is returned for a missing, unknown or revoked API key.
var ErrInvalidAPIKey = errors.New("API key is missing, unknown or revoked")

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var dummyPasswordHash = sync.OnceValue(func() []byte {
	hash, _ := bcrypt.GenerateFromPassword([]byte(randomToken(16)), bcrypt.DefaultCost)
	return hash
})

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// NewAPIKey returns a fresh random API key.
func NewAPIKey() string {
	return APIKeyPrefix + randomToken(32)
}

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// SessionInfo is a valid session with its user and account.
type SessionInfo struct {
	Session Session
	User    User
	Account Account
	Role    string
}

// Login checks the password and opens a session on the user's first
// account. It returns the cookie token, which is stored only as a hash.
func (s *Store) Login(ctx context.Context, email, password string) (string, *SessionInfo, error) {
	var user User
	err := s.db.NewSelect().Model(&user).Where("lower(email) = ?", apitype.CanonicalEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		// Hash anyway so an unknown email takes as long as a wrong password.
		bcrypt.CompareHashAndPassword(dummyPasswordHash(), []byte(password))
		return "", nil, ErrBadCredentials
	}
	if err != nil {
		return "", nil, fmt.Errorf("find user: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(password)) != nil {
		return "", nil, ErrBadCredentials
	}

	var membership Membership
	err = s.db.NewSelect().Model(&membership).Where("user_id = ?", user.ID).Order("account_id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrBadCredentials
	}
	if err != nil {
		return "", nil, fmt.Errorf("find membership of user %d: %w", user.ID, err)
	}

	token, err := insertSession(ctx, s.db, user.ID, membership.AccountID)
	if err != nil {
		return "", nil, err
	}
	info, err := s.Session(ctx, token)
	if err != nil {
		return "", nil, err
	}
	return token, info, nil
}

// Session returns the live session for a cookie token, or an error matching
// ErrNotFound.
func (s *Store) Session(ctx context.Context, token string) (*SessionInfo, error) {
	if token == "" {
		return nil, &NotFoundError{Resource: "session", Key: ""}
	}
	var info SessionInfo
	err := s.db.NewSelect().Model(&info.Session).
		Where("token_hash = ?", hashToken(token)).
		Where("expires_at > now()").
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "session", Key: ""}
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if err := s.db.NewSelect().Model(&info.User).Where("id = ?", info.Session.UserID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("find user %d: %w", info.Session.UserID, err)
	}
	if err := s.db.NewSelect().Model(&info.Account).Where("id = ?", info.Session.AccountID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("find account %d: %w", info.Session.AccountID, err)
	}
	err = s.db.NewSelect().Model((*Membership)(nil)).Column("role").
		Where("account_id = ? AND user_id = ?", info.Session.AccountID, info.Session.UserID).
		Scan(ctx, &info.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "session", Key: ""}
	}
	if err != nil {
		return nil, fmt.Errorf("find role of user %d: %w", info.Session.UserID, err)
	}
	return &info, nil
}

// Logout ends the session with the given cookie token.
func (s *Store) Logout(ctx context.Context, token string) error {
	_, err := s.db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AccountByAPIKey returns the account of a live API key and records its use.
func (s *Store) AccountByAPIKey(ctx context.Context, key string) (*Account, error) {
	if key == "" {
		return nil, ErrInvalidAPIKey
	}
	// One round trip finds the key's account and records the use. The
	// update skips a key used in the last minute, because every request of
	// an integration updating the same row would queue on its lock.
	var account Account
	err := s.db.NewRaw(`
		WITH k AS (
			SELECT id, account_id, last_used_at FROM api_keys
			WHERE key_hash = ? AND revoked_at IS NULL
		), touched AS (
			UPDATE api_keys SET last_used_at = now()
			FROM k
			WHERE api_keys.id = k.id
				AND (k.last_used_at IS NULL OR k.last_used_at < now() - ?::interval)
			RETURNING api_keys.id
		)
		SELECT a.id, a.name, a.time_zone, a.site_key, a.created_at
		FROM accounts a JOIN k ON a.id = k.account_id`,
		hashToken(key), fmt.Sprintf("%d seconds", int(apiKeyUseResolution.Seconds()))).Scan(ctx, &account)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidAPIKey
	}
	if err != nil {
		return nil, fmt.Errorf("find API key: %w", err)
	}
	return &account, nil
}

// apiKeyUseResolution is the maximum age of an API key's last_used_at
// while the key is in use.
const apiKeyUseResolution = time.Minute

// Account returns the account with the given id.
func (s *Store) Account(ctx context.Context, id int64) (*Account, error) {
	var account Account
	err := s.db.NewSelect().Model(&account).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "account", Key: fmt.Sprint(id)}
	}
	if err != nil {
		return nil, fmt.Errorf("find account %d: %w", id, err)
	}
	return &account, nil
}

// AccountBySiteKey returns the account that a beacon site key names.
func (s *Store) AccountBySiteKey(ctx context.Context, siteKey string) (*Account, error) {
	var account Account
	err := s.db.NewSelect().Model(&account).Where("site_key = ?", siteKey).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "site key", Key: siteKey}
	}
	if err != nil {
		return nil, fmt.Errorf("find account by site key: %w", err)
	}
	return &account, nil
}

// CreateAPIKey stores the hash of key for the account.
func (s *Store) CreateAPIKey(ctx context.Context, accountID int64, name, key string) error {
	_, err := insertAPIKey(ctx, s.db, accountID, name, key)
	return err
}

// insertAPIKey stores the hash and the display prefix of key and returns
// the stored row.
func insertAPIKey(ctx context.Context, db bun.IDB, accountID int64, name, key string) (*APIKey, error) {
	apiKey := &APIKey{
		AccountID: accountID,
		Name:      name,
		Prefix:    apiKeyDisplayPrefix(key),
		KeyHash:   hashToken(key),
	}
	if _, err := db.NewInsert().Model(apiKey).Returning("*").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert API key for account %d: %w", accountID, err)
	}
	return apiKey, nil
}

// apiKeyDisplayPrefix returns the leading characters of key that are stored
// in the clear, so people and audit records can tell keys apart.
func apiKeyDisplayPrefix(key string) string {
	return key[:min(len(key), 10)]
}
