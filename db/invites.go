package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"customevents/app/apitype"
)

// InviteTTL is how long an invite link can be used.
const InviteTTL = 7 * 24 * time.Hour

// CreateInvite invites email to the account with role and returns the
// link's token, which is stored only as a hash. Inviting an email again
// revokes its earlier open invite. Admins invite editors and viewers; only
// owners invite admins and owners. An email that already belongs to a
// member returns a *ConflictError.
func (s *Store) CreateInvite(ctx context.Context, accountID int64, actor Actor, in apitype.InviteInput) (string, *apitype.Invite, error) {
	email, verr := apitype.NormalizeEmail("email", in.Email)
	if verr != nil {
		return "", nil, verr
	}
	if verr := apitype.ValidateRole("role", in.Role); verr != nil {
		return "", nil, verr
	}
	if !apitype.CanGrantRole(actor.Role, in.Role) {
		return "", nil, &ForbiddenError{Message: fmt.Sprintf("Inviting %s needs the owner role.", apitype.RoleWithArticle(in.Role))}
	}

	token := randomToken(32)
	now := time.Now()
	invite := &Invite{
		AccountID: accountID,
		Email:     email,
		Role:      in.Role,
		TokenHash: hashToken(token),
		InvitedBy: &actor.UserID,
		CreatedAt: now,
		ExpiresAt: now.Add(InviteTTL),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockMemberships(ctx, tx, accountID); err != nil {
			return err
		}
		var isMember bool
		if err := tx.NewRaw(`
			SELECT EXISTS (
				SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.account_id = ? AND lower(u.email) = ?
			)`, accountID, email).Scan(ctx, &isMember); err != nil {
			return fmt.Errorf("find member %s of account %d: %w", email, accountID, err)
		}
		if isMember {
			return &ConflictError{Message: fmt.Sprintf("%s is already a member of this account: change their role under Members instead.", email)}
		}
		_, err := tx.NewRaw(`
			UPDATE invites SET revoked_at = now()
			WHERE account_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, accountID, email).Exec(ctx)
		if err != nil {
			return fmt.Errorf("revoke earlier invites of %s to account %d: %w", email, accountID, err)
		}
		if _, err := tx.NewInsert().Model(invite).Exec(ctx); err != nil {
			return fmt.Errorf("insert invite to account %d: %w", accountID, err)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	invites, err := s.invites(ctx, accountID, invite.ID)
	if err != nil {
		return "", nil, err
	}
	if len(invites) != 1 {
		return "", nil, fmt.Errorf("read invite %d of account %d: got %d rows", invite.ID, accountID, len(invites))
	}
	return token, &invites[0], nil
}

// Invites returns the account's open invites, newest first: not accepted,
// not revoked and not expired.
func (s *Store) Invites(ctx context.Context, accountID int64) ([]apitype.Invite, error) {
	return s.invites(ctx, accountID, 0)
}

// invites returns the account's open invites, or only the one with id when
// id is not 0.
func (s *Store) invites(ctx context.Context, accountID, id int64) ([]apitype.Invite, error) {
	invites := []apitype.Invite{}
	err := s.db.NewRaw(`
		SELECT i.id, i.email, i.role, coalesce(u.email, '') AS invited_by, i.created_at, i.expires_at
		FROM invites i LEFT JOIN users u ON u.id = i.invited_by
		WHERE i.account_id = ? AND (? = 0 OR i.id = ?)
			AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
		ORDER BY i.created_at DESC, i.id DESC`, accountID, id, id).Scan(ctx, &invites)
	if err != nil {
		return nil, fmt.Errorf("list invites of account %d: %w", accountID, err)
	}
	return invites, nil
}

// RevokeInvite makes an open invite's link unusable. An invite of another
// account, or one that is no longer open, returns a *NotFoundError.
func (s *Store) RevokeInvite(ctx context.Context, accountID, id int64) error {
	res, err := s.db.NewRaw(`
		UPDATE invites SET revoked_at = now()
		WHERE id = ? AND account_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
		id, accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke invite %d of account %d: %w", id, accountID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("revoke invite %d of account %d: %w", id, accountID, err)
	}
	if n == 0 {
		return &NotFoundError{Resource: "Open invite with id", Key: fmt.Sprint(id), Hint: "Reload the list of invites: it may have been accepted, revoked or have expired."}
	}
	return nil
}

// openInvite finds the invite with token and checks that it can still be
// accepted. With a transaction it locks the invite until the transaction
// ends.
func openInvite(ctx context.Context, db bun.IDB, token string, forUpdate bool) (*Invite, error) {
	var invite Invite
	query := db.NewSelect().Model(&invite).Where("token_hash = ?", hashToken(token))
	if forUpdate {
		query = query.For("UPDATE")
	}
	err := query.Scan(ctx)
	if isNoRows(err) || token == "" {
		return nil, &LinkError{Unknown: true, Message: "This invite link is not valid: check that you opened the whole link, or ask for a new invite."}
	}
	if err != nil {
		return nil, fmt.Errorf("find invite: %w", err)
	}
	switch {
	case !invite.AcceptedAt.IsZero():
		return nil, &LinkError{Message: "This invite was already used: sign in with your email and password instead."}
	case !invite.RevokedAt.IsZero():
		return nil, &LinkError{Message: "This invite was revoked or replaced by a newer one: ask the person who invited you for a new link."}
	case !invite.ExpiresAt.After(time.Now()):
		return nil, &LinkError{Message: fmt.Sprintf("This invite expired on %s: ask the person who invited you for a new link.",
			invite.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))}
	}
	return &invite, nil
}

// InviteDetails describes the open invite with token to the holder of its
// link. A token that cannot be accepted returns a *LinkError.
func (s *Store) InviteDetails(ctx context.Context, token string) (*apitype.InviteDetails, error) {
	invite, err := openInvite(ctx, s.db, token, false)
	if err != nil {
		return nil, err
	}
	account, err := s.Account(ctx, invite.AccountID)
	if err != nil {
		return nil, err
	}
	exists, err := s.db.NewSelect().Model((*User)(nil)).Where("lower(email) = ?", invite.Email).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", invite.Email, err)
	}
	return &apitype.InviteDetails{
		AccountName: account.Name,
		Email:       invite.Email,
		Role:        invite.Role,
		ExpiresAt:   invite.ExpiresAt,
		UserExists:  exists,
	}, nil
}

// InviteAcceptance is the proof of identity that the holder of an invite
// link gives.
type InviteAcceptance struct {
	// Password is the new user's password when no user has the invite's
	// email, and otherwise that user's current password.
	Password string
	// SessionUserID is the user of the request's session, or 0. When it is
	// the invited user, Password is not needed.
	SessionUserID int64
}

// AcceptInvite uses the invite with token, in one transaction: it creates
// the invited user when the email has none, adds the membership with the
// invite's role, marks the invite used and opens a session on the account.
// An existing user must be signed in or give their password, and a wrong
// one returns ErrBadCredentials. A user who is already a member keeps their
// role. On any error nothing changes and the invite stays open.
func (s *Store) AcceptInvite(ctx context.Context, token string, by InviteAcceptance) (string, *SessionInfo, error) {
	var sessionToken string
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		invite, err := openInvite(ctx, tx, token, true)
		if err != nil {
			return err
		}
		userID, err := inviteUser(ctx, tx, invite, by)
		if err != nil {
			return err
		}
		_, err = tx.NewRaw(`
			INSERT INTO memberships (account_id, user_id, role) VALUES (?, ?, ?)
			ON CONFLICT (account_id, user_id) DO NOTHING`, invite.AccountID, userID, invite.Role).Exec(ctx)
		if err != nil {
			return fmt.Errorf("add user %d to account %d: %w", userID, invite.AccountID, err)
		}
		_, err = tx.NewRaw("UPDATE invites SET accepted_at = now(), accepted_by = ? WHERE id = ?", userID, invite.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark invite %d accepted: %w", invite.ID, err)
		}
		sessionToken, err = insertSession(ctx, tx, userID, invite.AccountID)
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

// inviteUser returns the id of the user who accepts the invite: the
// existing user with its email, once authenticated, or a new user with the
// given password.
func inviteUser(ctx context.Context, tx bun.Tx, invite *Invite, by InviteAcceptance) (int64, error) {
	var user User
	err := tx.NewSelect().Model(&user).Where("lower(email) = ?", invite.Email).Scan(ctx)
	if err != nil && !isNoRows(err) {
		return 0, fmt.Errorf("find user %s: %w", invite.Email, err)
	}
	if err == nil {
		if by.SessionUserID == user.ID {
			return user.ID, nil
		}
		if by.Password == "" {
			return 0, &apitype.ValidationError{Field: "password", Message: "Password is required: enter the password you sign in with."}
		}
		if bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(by.Password)) != nil {
			return 0, ErrBadCredentials
		}
		return user.ID, nil
	}

	if verr := apitype.ValidatePassword("password", by.Password); verr != nil {
		return 0, verr
	}
	hash, err := HashPassword(by.Password)
	if err != nil {
		return 0, err
	}
	user = User{Email: invite.Email, PasswordHash: hash}
	if _, err := tx.NewInsert().Model(&user).Exec(ctx); err != nil {
		if isUniqueViolation(err, "users_email_key") {
			return 0, &ConflictError{Message: "An account for this email was created meanwhile: open the invite link again and enter that password.", Err: err}
		}
		return 0, fmt.Errorf("insert user %s: %w", invite.Email, err)
	}
	return user.ID, nil
}
