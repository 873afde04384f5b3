package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// IdentifySigning holds an account's settings for signed identify calls.
type IdentifySigning struct {
	// Secret is the key of the HMAC-SHA256 signatures, 64 hex digits.
	Secret string
	// Required drops identify calls without a valid signature.
	Required bool
}

// newIdentifySecret returns 32 random bytes as 64 lowercase hex digits.
func newIdentifySecret() string {
	b := make([]byte, 32)
	// crypto/rand.Read does not return an error; it crashes the program
	// when the system's source of randomness fails.
	rand.Read(b)
	return hex.EncodeToString(b)
}

// IdentifySigning returns the account's identify signing settings, and
// generates the secret when the account has none yet. Two calls that race
// for a new account return the same secret.
func (s *Store) IdentifySigning(ctx context.Context, accountID int64) (IdentifySigning, error) {
	var out IdentifySigning
	err := s.db.NewRaw(`SELECT coalesce(identify_secret, ''), identify_signature_required FROM accounts WHERE id = ?`,
		accountID).Scan(ctx, &out.Secret, &out.Required)
	if errors.Is(err, sql.ErrNoRows) {
		return out, &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	if err != nil {
		return out, fmt.Errorf("read identify signing of account %d: %w", accountID, err)
	}
	if out.Secret != "" {
		return out, nil
	}
	return s.updateIdentifySigning(ctx, accountID, "generate identify secret",
		"identify_secret = coalesce(identify_secret, ?)", newIdentifySecret())
}

// SetIdentifySignatureRequired turns the requirement of a valid signature
// on identify calls on or off, generates the secret when the account has
// none yet, and returns the settings.
func (s *Store) SetIdentifySignatureRequired(ctx context.Context, accountID int64, required bool) (IdentifySigning, error) {
	return s.updateIdentifySigning(ctx, accountID, "set identify signature requirement",
		"identify_secret = coalesce(identify_secret, ?), identify_signature_required = ?", newIdentifySecret(), required)
}

// RotateIdentifySecret replaces the account's identify secret with a new
// one and returns the settings. Signatures made with the old secret fail
// at once in this Store's collect settings, and in other server
// processes once their cache entries expire (accountCacheTTL).
func (s *Store) RotateIdentifySecret(ctx context.Context, accountID int64) (IdentifySigning, error) {
	return s.updateIdentifySigning(ctx, accountID, "rotate identify secret", "identify_secret = ?", newIdentifySecret())
}

// updateIdentifySigning runs UPDATE accounts SET assignments on the
// account, with args for the placeholders, and returns the stored
// settings. It clears the account's cached collect settings, and action
// names the change in errors.
func (s *Store) updateIdentifySigning(ctx context.Context, accountID int64, action, assignments string, args ...any) (IdentifySigning, error) {
	var out IdentifySigning
	query := "UPDATE accounts SET " + assignments + " WHERE id = ? RETURNING identify_secret, identify_signature_required"
	err := s.db.NewRaw(query, append(args, accountID)...).Scan(ctx, &out.Secret, &out.Required)
	if errors.Is(err, sql.ErrNoRows) {
		return out, &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	if err != nil {
		return out, fmt.Errorf("%s of account %d: %w", action, accountID, err)
	}
	s.caches.forget(accountID)
	return out, nil
}
