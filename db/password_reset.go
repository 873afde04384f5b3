package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// Lifetimes of password reset links. A link made by an admin lasts longer,
// because the admin passes it on by hand.
const (
	PasswordResetTTL       = time.Hour
	MemberPasswordResetTTL = 24 * time.Hour
)

// CreatePasswordReset makes a password reset link for the user with email
// (matched without regard to case) and returns its token and the user. An
// email that no user has returns an empty token, a nil user and no error, so
// that callers can respond the same either way.
func (s *Store) CreatePasswordReset(ctx context.Context, email string) (string, *User, error) {
	var user User
	err := s.db.NewSelect().Model(&user).Where("lower(email) = ?", apitype.CanonicalEmail(email)).Scan(ctx)
	if isNoRows(err) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("find user for password reset: %w", err)
	}
	token, _, err := insertPasswordReset(ctx, s.db, user.ID, nil, PasswordResetTTL)
	if err != nil {
		return "", nil, err
	}
	return token, &user, nil
}

func insertPasswordReset(ctx context.Context, db bun.IDB, userID int64, createdBy *int64, ttl time.Duration) (string, time.Time, error) {
	token := randomToken(32)
	now := time.Now()
	reset := PasswordReset{
		TokenHash: hashToken(token),
		UserID:    userID,
		CreatedBy: createdBy,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if _, err := db.NewInsert().Model(&reset).Exec(ctx); err != nil {
		return "", time.Time{}, fmt.Errorf("insert password reset of user %d: %w", userID, err)
	}
	return token, reset.ExpiresAt, nil
}

// CreateMemberPasswordReset makes a password reset link for a member of
// the account, for an admin to pass on, and returns its token and expiry.
// The actor must be able to manage the member in every account the member
// belongs to, because the new password opens all of them. Otherwise it
// returns a *ForbiddenError. A user who is not a member of the account
// returns a *NotFoundError.
func (s *Store) CreateMemberPasswordReset(ctx context.Context, accountID int64, actor Actor, userID int64) (string, time.Time, error) {
	var rows []struct {
		AccountID  int64  `bun:"account_id"`
		TargetRole string `bun:"target_role"`
		ActorRole  string `bun:"actor_role"`
	}
	err := s.db.NewRaw(`
		SELECT t.account_id, t.role AS target_role, coalesce(a.role, '') AS actor_role
		FROM memberships t
		LEFT JOIN memberships a ON a.account_id = t.account_id AND a.user_id = ?
		WHERE t.user_id = ?`, actor.UserID, userID).Scan(ctx, &rows)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("find accounts of user %d: %w", userID, err)
	}

	targetRole := ""
	for _, row := range rows {
		if row.AccountID == accountID {
			targetRole = row.TargetRole
		}
	}
	if targetRole == "" {
		return "", time.Time{}, &NotFoundError{Resource: "Member with user id", Key: fmt.Sprint(userID), Hint: "Reload the list of members: they may have been removed."}
	}
	if userID == actor.UserID {
		return "", time.Time{}, &ForbiddenError{Message: "You cannot make a reset link for yourself: sign out and use Forgot password on the sign-in page."}
	}
	if !apitype.CanManageMember(actor.Role, targetRole) {
		return "", time.Time{}, &ForbiddenError{Message: fmt.Sprintf("Making a password reset link for %s needs the owner role.", apitype.RoleWithArticle(targetRole))}
	}
	for _, row := range rows {
		if !apitype.CanManageMember(row.ActorRole, row.TargetRole) {
			return "", time.Time{}, &ForbiddenError{Message: "This member also belongs to an account where you cannot manage them, so only they can reset their password: ask them to use Forgot password on the sign-in page."}
		}
	}
	return insertPasswordReset(ctx, s.db, userID, &actor.UserID, MemberPasswordResetTTL)
}

// openPasswordReset finds the reset link with token and checks that it can
// still be used. With forUpdate it locks the link until the transaction
// ends.
func openPasswordReset(ctx context.Context, db bun.IDB, token string, forUpdate bool) (*PasswordReset, error) {
	var reset PasswordReset
	query := db.NewSelect().Model(&reset).Where("token_hash = ?", hashToken(token))
	if forUpdate {
		query = query.For("UPDATE")
	}
	err := query.Scan(ctx)
	if isNoRows(err) || token == "" {
		return nil, &LinkError{Unknown: true, Message: "This password reset link is not valid: check that you opened the whole link, or ask for a new one."}
	}
	if err != nil {
		return nil, fmt.Errorf("find password reset: %w", err)
	}
	switch {
	case !reset.UsedAt.IsZero():
		return nil, &LinkError{Message: "This password reset link was already used or replaced by a newer password: ask for a new link if you still need one."}
	case !reset.ExpiresAt.After(time.Now()):
		return nil, &LinkError{Message: fmt.Sprintf("This password reset link expired on %s: ask for a new one.", reset.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))}
	}
	return &reset, nil
}

// PasswordResetDetails returns the email of a usable reset link's user. A
// token that cannot be used returns a *LinkError.
func (s *Store) PasswordResetDetails(ctx context.Context, token string) (*apitype.PasswordResetDetails, error) {
	reset, err := openPasswordReset(ctx, s.db, token, false)
	if err != nil {
		return nil, err
	}
	var email string
	if err := s.db.NewRaw("SELECT email FROM users WHERE id = ?", reset.UserID).Scan(ctx, &email); err != nil {
		return nil, fmt.Errorf("find user %d: %w", reset.UserID, err)
	}
	return &apitype.PasswordResetDetails{Email: email, ExpiresAt: reset.ExpiresAt}, nil
}

// ResetPassword sets a new password with the reset link's token, in one
// transaction: it stores the password's hash, marks every open reset link
// of the user used, ends all of the user's sessions and opens a new one on
// the user's first account. A user who belongs to no account gets a
// *ForbiddenError, and an invalid password or token changes nothing.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (string, *SessionInfo, error) {
	if verr := apitype.ValidatePassword("password", password); verr != nil {
		return "", nil, verr
	}
	if _, err := openPasswordReset(ctx, s.db, token, false); err != nil {
		return "", nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", nil, err
	}

	var sessionToken string
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		reset, err := openPasswordReset(ctx, tx, token, true)
		if err != nil {
			return err
		}
		var accountID int64
		err = tx.NewRaw("SELECT account_id FROM memberships WHERE user_id = ? ORDER BY account_id LIMIT 1", reset.UserID).Scan(ctx, &accountID)
		if isNoRows(err) {
			return &ForbiddenError{Message: "You are not a member of any account, so a new password would not let you sign in: ask an admin for an invite."}
		}
		if err != nil {
			return fmt.Errorf("find first account of user %d: %w", reset.UserID, err)
		}

		if _, err := tx.NewRaw("UPDATE users SET password_hash = ? WHERE id = ?", hash, reset.UserID).Exec(ctx); err != nil {
			return fmt.Errorf("set password of user %d: %w", reset.UserID, err)
		}
		if _, err := tx.NewRaw("UPDATE password_resets SET used_at = now() WHERE user_id = ? AND used_at IS NULL", reset.UserID).Exec(ctx); err != nil {
			return fmt.Errorf("close password resets of user %d: %w", reset.UserID, err)
		}
		if _, err := tx.NewRaw("DELETE FROM sessions WHERE user_id = ?", reset.UserID).Exec(ctx); err != nil {
			return fmt.Errorf("delete sessions of user %d: %w", reset.UserID, err)
		}
		sessionToken, err = insertSession(ctx, tx, reset.UserID, accountID)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	info, err := s.Session(ctx, sessionToken)
	if err != nil {
		return "", nil, err
	}
	return sessionToken, info, nil
}
