package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// Actor is the signed-in member who makes a change, for the role checks.
type Actor struct {
	UserID int64
	Role   string
}

// Members returns the account's members, owners first, then by role and
// email.
func (s *Store) Members(ctx context.Context, accountID int64) ([]apitype.Member, error) {
	var members []apitype.Member
	err := s.db.NewRaw(`
		SELECT u.id AS user_id, u.email, m.role, m.created_at AS joined_at
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = ?
		ORDER BY array_position(ARRAY['owner', 'admin', 'editor', 'viewer'], m.role), lower(u.email)`,
		accountID).Scan(ctx, &members)
	if err != nil {
		return nil, fmt.Errorf("list members of account %d: %w", accountID, err)
	}
	return members, nil
}

// lockMemberships serializes changes to the account's members until the
// transaction ends, so two owners cannot demote each other at once and
// leave the account without an owner. FOR NO KEY UPDATE leaves inserts of
// rows that refer to the account free to run.
func lockMemberships(ctx context.Context, tx bun.Tx, accountID int64) error {
	var id int64
	err := tx.NewRaw("SELECT id FROM accounts WHERE id = ? FOR NO KEY UPDATE", accountID).Scan(ctx, &id)
	if isNoRows(err) {
		return &NotFoundError{Resource: "account", Key: fmt.Sprint(accountID)}
	}
	if err != nil {
		return fmt.Errorf("lock members of account %d: %w", accountID, err)
	}
	return nil
}

// checkNotLastOwner returns a *ConflictError when the account has no owner
// but the user. Call it under lockMemberships.
func checkNotLastOwner(ctx context.Context, tx bun.Tx, accountID, userID int64, change string) error {
	var others int
	err := tx.NewRaw("SELECT count(*) FROM memberships WHERE account_id = ? AND role = 'owner' AND user_id <> ?", accountID, userID).
		Scan(ctx, &others)
	if err != nil {
		return fmt.Errorf("count owners of account %d: %w", accountID, err)
	}
	if others == 0 {
		return &ConflictError{Message: fmt.Sprintf("The last owner of an account cannot be %s: make another member an owner first.", change)}
	}
	return nil
}

// SetMemberRole changes a member's role and returns the member. Owners
// change any role. Admins change editors and viewers, and only to editor or
// viewer. The last owner keeps the owner role. A rejected change returns a
// *ForbiddenError or a *ConflictError, an unknown member a *NotFoundError,
// and none of them changes anything.
func (s *Store) SetMemberRole(ctx context.Context, accountID int64, actor Actor, userID int64, role string) (*apitype.Member, error) {
	if verr := apitype.ValidateRole("role", role); verr != nil {
		return nil, verr
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockMemberships(ctx, tx, accountID); err != nil {
			return err
		}
		current, err := memberRole(ctx, tx, accountID, userID, true)
		if err != nil {
			return err
		}
		if !apitype.CanManageMember(actor.Role, current) {
			return &ForbiddenError{Message: fmt.Sprintf("Changing the role of %s needs the owner role.", apitype.RoleWithArticle(current))}
		}
		if !apitype.CanGrantRole(actor.Role, role) {
			return &ForbiddenError{Message: fmt.Sprintf("Making a member %s needs the owner role.", apitype.RoleWithArticle(role))}
		}
		if current == apitype.RoleOwner && role != apitype.RoleOwner {
			if err := checkNotLastOwner(ctx, tx, accountID, userID, "made "+apitype.RoleWithArticle(role)); err != nil {
				return err
			}
		}
		_, err = tx.NewRaw("UPDATE memberships SET role = ? WHERE account_id = ? AND user_id = ?", role, accountID, userID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("set role of user %d in account %d: %w", userID, accountID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.member(ctx, accountID, userID)
}

// RemoveMember takes the user out of the account and ends the user's
// sessions on it. The permission rules of SetMemberRole apply, and the last
// owner cannot be removed.
func (s *Store) RemoveMember(ctx context.Context, accountID int64, actor Actor, userID int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockMemberships(ctx, tx, accountID); err != nil {
			return err
		}
		current, err := memberRole(ctx, tx, accountID, userID, true)
		if err != nil {
			return err
		}
		if !apitype.CanManageMember(actor.Role, current) {
			return &ForbiddenError{Message: fmt.Sprintf("Removing %s needs the owner role.", apitype.RoleWithArticle(current))}
		}
		if current == apitype.RoleOwner {
			if err := checkNotLastOwner(ctx, tx, accountID, userID, "removed"); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw("DELETE FROM memberships WHERE account_id = ? AND user_id = ?", accountID, userID).Exec(ctx); err != nil {
			return fmt.Errorf("remove user %d from account %d: %w", userID, accountID, err)
		}
		if _, err := tx.NewRaw("DELETE FROM sessions WHERE account_id = ? AND user_id = ?", accountID, userID).Exec(ctx); err != nil {
			return fmt.Errorf("delete sessions of user %d on account %d: %w", userID, accountID, err)
		}
		return nil
	})
}

func (s *Store) member(ctx context.Context, accountID, userID int64) (*apitype.Member, error) {
	var member apitype.Member
	err := s.db.NewRaw(`
		SELECT u.id AS user_id, u.email, m.role, m.created_at AS joined_at
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = ? AND m.user_id = ?`, accountID, userID).Scan(ctx, &member)
	if isNoRows(err) {
		return nil, &NotFoundError{Resource: "Member with user id", Key: fmt.Sprint(userID)}
	}
	if err != nil {
		return nil, fmt.Errorf("find member %d of account %d: %w", userID, accountID, err)
	}
	return &member, nil
}
