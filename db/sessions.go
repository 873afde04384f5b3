package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// insertSession stores a new session of the user on the account and
// returns its cookie token. Callers check the membership first.
func insertSession(ctx context.Context, db bun.IDB, userID, accountID int64) (string, error) {
	token := randomToken(32)
	session := Session{
		TokenHash: hashToken(token),
		AccountID: accountID,
		UserID:    userID,
		CSRFToken: randomToken(24),
		ExpiresAt: time.Now().Add(SessionTTL),
	}
	if _, err := db.NewInsert().Model(&session).Exec(ctx); err != nil {
		return "", fmt.Errorf("insert session of user %d on account %d: %w", userID, accountID, err)
	}
	return token, nil
}

// memberRole returns the user's role in the account, or a *NotFoundError
// when the user is not a member. With forUpdate it locks the membership
// row until the transaction ends.
func memberRole(ctx context.Context, db bun.IDB, accountID, userID int64, forUpdate bool) (string, error) {
	query := "SELECT role FROM memberships WHERE account_id = ? AND user_id = ?"
	if forUpdate {
		query += " FOR UPDATE"
	}
	var role string
	err := db.NewRaw(query, accountID, userID).Scan(ctx, &role)
	if isNoRows(err) {
		return "", &NotFoundError{Resource: "Member with user id", Key: fmt.Sprint(userID), Hint: "Reload the list of members: they may have been removed."}
	}
	if err != nil {
		return "", fmt.Errorf("find role of user %d in account %d: %w", userID, accountID, err)
	}
	return role, nil
}

// OpenSession opens a session of a member on the account, without a
// password, and returns its cookie token. It is for callers that have
// already authenticated the user. A user who is not a member of the account
// gets a *NotFoundError naming the account.
func (s *Store) OpenSession(ctx context.Context, userID, accountID int64) (string, *SessionInfo, error) {
	if _, err := memberRole(ctx, s.db, accountID, userID, false); err != nil {
		return "", nil, accountNotFound(accountID)
	}
	token, err := insertSession(ctx, s.db, userID, accountID)
	if err != nil {
		return "", nil, err
	}
	info, err := s.Session(ctx, token)
	if err != nil {
		return "", nil, err
	}
	return token, info, nil
}

// SwitchAccount ends the session with token and opens a new one of the same
// user on another of the user's accounts, with a new CSRF token. An account
// the user is not a member of returns a *NotFoundError and leaves the
// session as it was.
func (s *Store) SwitchAccount(ctx context.Context, token string, accountID int64) (string, *SessionInfo, error) {
	current, err := s.Session(ctx, token)
	if err != nil {
		return "", nil, err
	}
	var newToken string
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := memberRole(ctx, tx, accountID, current.User.ID, false); err != nil {
			return accountNotFound(accountID)
		}
		if _, err := tx.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx); err != nil {
			return fmt.Errorf("delete session of user %d: %w", current.User.ID, err)
		}
		newToken, err = insertSession(ctx, tx, current.User.ID, accountID)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	info, err := s.Session(ctx, newToken)
	if err != nil {
		return "", nil, err
	}
	return newToken, info, nil
}

// LogoutEverywhere deletes every session of the user, on all accounts, and
// returns how many there were.
func (s *Store) LogoutEverywhere(ctx context.Context, userID int64) (int64, error) {
	res, err := s.db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("count deleted sessions of user %d: %w", userID, err)
	}
	return n, nil
}

func accountNotFound(accountID int64) error {
	return &NotFoundError{
		Resource: "account",
		Key:      fmt.Sprint(accountID),
		Message:  fmt.Sprintf("Account %d was not found among your accounts: pick one that GET /api/accounts lists.", accountID),
	}
}
