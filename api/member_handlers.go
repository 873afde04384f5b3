package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/app/page"
	"customevents/db"
)

// actor returns the signed-in member for the store's role checks.
func actor(c echo.Context) db.Actor {
	info := currentSession(c)
	return db.Actor{UserID: info.User.ID, Role: info.Role}
}

// tokenLink returns the address of an admin app page with a link token.
func (s *Server) tokenLink(path, token string) string {
	return s.cfg.PublicURL + path + "?" + url.Values{"token": {token}}.Encode()
}

func (s *Server) listMembers(c echo.Context) error {
	members, err := s.store.Members(c.Request().Context(), currentSession(c).Account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, members)
}

// putMemberRole changes a member's role. The id in the path is the
// member's user id. Admins change editors and viewers. Owners change
// anyone, but the last owner stays an owner.
func (s *Server) putMemberRole(c echo.Context) error {
	info := currentSession(c)
	userID, err := pathID(c)
	if err != nil {
		return err
	}
	var in apitype.MemberRoleInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"role": "editor"}.`}
	}

	member, err := s.store.SetMemberRole(c.Request().Context(), info.Account.ID, actor(c), userID, in.Role)
	if err != nil {
		return err
	}
	s.log.Info("member role changed", "account_id", info.Account.ID, "user_id", info.User.ID, "member_user_id", userID, "role", member.Role)
	return c.JSON(http.StatusOK, member)
}

// deleteMember removes a member from the account and ends their sessions
// on it. The rules of putMemberRole apply.
func (s *Server) deleteMember(c echo.Context) error {
	info := currentSession(c)
	userID, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(c.Request().Context(), info.Account.ID, actor(c), userID); err != nil {
		return err
	}
	s.log.Info("member removed", "account_id", info.Account.ID, "user_id", info.User.ID, "member_user_id", userID)
	return c.NoContent(http.StatusNoContent)
}

// createMemberPasswordReset returns a password reset link for a member,
// for the admin to pass on. The response is the only place the link
// appears, so servers without email can still recover a lost password.
func (s *Server) createMemberPasswordReset(c echo.Context) error {
	info := currentSession(c)
	userID, err := pathID(c)
	if err != nil {
		return err
	}
	token, expiresAt, err := s.store.CreateMemberPasswordReset(c.Request().Context(), info.Account.ID, actor(c), userID)
	if err != nil {
		return err
	}
	s.log.Info("member password reset link created", "account_id", info.Account.ID, "user_id", info.User.ID, "member_user_id", userID)
	return c.JSON(http.StatusCreated, apitype.ResetLink{Link: s.tokenLink(page.PathResetPassword, token), ExpiresAt: expiresAt})
}

func (s *Server) listInvites(c echo.Context) error {
	invites, err := s.store.Invites(c.Request().Context(), currentSession(c).Account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, invites)
}

// createInvite invites an email with a role and returns the invite link,
// which only this response contains. With a mailer the link is also sent
// to the invited email. A failed send is logged and reported as
// emailed: false, and the invite stays valid.
func (s *Server) createInvite(c echo.Context) error {
	info := currentSession(c)
	var in apitype.InviteInput
	if err := c.Bind(&in); err != nil {
		return &apitype.ValidationError{Field: "body", Message: `Request body must be JSON such as {"email": "ann@example.com", "role": "editor"}.`}
	}

	token, invite, err := s.store.CreateInvite(c.Request().Context(), info.Account.ID, actor(c), in)
	if err != nil {
		return err
	}
	s.log.Info("invite created", "account_id", info.Account.ID, "user_id", info.User.ID, "invite_id", invite.ID, "role", invite.Role)

	out := apitype.CreatedInvite{Invite: *invite, Link: s.tokenLink(page.PathAcceptInvite, token)}
	if s.cfg.Mailer != nil {
		subject, body := inviteMail(info.Account.Name, invite.Role, out.Link, invite.ExpiresAt)
		ctx, cancel := context.WithTimeout(c.Request().Context(), mailTimeout)
		defer cancel()
		if err := s.cfg.Mailer.SendMail(ctx, invite.Email, subject, body); err != nil {
			s.log.Warn("invite email failed", "account_id", info.Account.ID, "invite_id", invite.ID, "error", err)
		} else {
			out.Emailed = true
		}
	}
	return c.JSON(http.StatusCreated, out)
}

// revokeInvite makes an open invite's link unusable.
func (s *Server) revokeInvite(c echo.Context) error {
	info := currentSession(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.RevokeInvite(c.Request().Context(), info.Account.ID, id); err != nil {
		return err
	}
	s.log.Info("invite revoked", "account_id", info.Account.ID, "user_id", info.User.ID, "invite_id", id)
	return c.NoContent(http.StatusNoContent)
}
