package page

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// Members is Settings → Members: invite people by email with a role, list
// and revoke open invites, change members' roles, remove members and make
// password reset links for them.
type Members struct {
	app.Compo

	// ctx is the context of the mounted page. Requests dispatch their
	// results through it, because go-app drops a dispatch whose source
	// element is gone.
	ctx app.Context

	session *apitype.Session

	// members and invites are nil until loaded.
	members []apitype.Member
	invites []apitype.Invite
	loadErr string
	errMsg  string
	notice  string
	busy    bool

	inviteEmail string
	inviteRole  string
	inviteErr   string
	// created is the last invite, whose link the API returns only once.
	created *apitype.CreatedInvite
	// resetLink is the last reset link and resetFor the member's email.
	resetLink *apitype.ResetLink
	resetFor  string

	// removingID is the user id of the member whose removal awaits
	// confirmation, or 0.
	removingID int64
}

// OnMount loads the session, then the members and invites when the role
// allows.
func (p *Members) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.inviteRole = apitype.RoleViewer
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if pageAllowed(PathMembers, s) {
			p.load()
		}
	})
}

func (p *Members) load() {
	ctx := p.ctx
	ctx.Async(func() {
		members, err := api().Members(context.Background())
		var invites []apitype.Invite
		if err == nil {
			invites, err = api().Invites(context.Background())
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = "The members could not be loaded: " + err.Error()
				return
			}
			p.loadErr = ""
			p.members = members
			p.invites = invites
		})
	})
}

// Render draws the invite form, the new link, the members and the open
// invites.
func (p *Members) Render() app.UI {
	return frame(PathMembers, p.session, "Members",
		p.renderInviteForm(),
		app.If(p.created != nil, p.renderCreated),
		app.If(p.resetLink != nil, p.renderResetLink),
		alert("members-load-error", p.loadErr),
		alert("members-error", p.errMsg),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("members-notice").Class("notice").Role("status").Text(p.notice)
		}),
		p.renderMembers(),
		p.renderInvites(),
	)
}

// grantableRoles returns the roles the signed-in member may give.
func (p *Members) grantableRoles() []string {
	var roles []string
	for _, role := range apitype.Roles {
		if p.session != nil && apitype.CanGrantRole(p.session.Role, role) {
			roles = append(roles, role)
		}
	}
	return roles
}

func (p *Members) renderInviteForm() app.UI {
	roles := p.grantableRoles()
	return app.Form().ID("invite-form").Class("panel").NoValidate(true).OnSubmit(p.onInvite).Body(
		app.H2().Text("Invite someone"),
		app.P().Class("lead").Text("The invite link works once, for 7 days. Viewers read reports and definitions, editors also change custom events and their actions, admins also change settings and members, and owners also manage admins and owners."),
		field("invite-email", "Email", p.inviteErr,
			app.Input().
				ID("invite-email").
				Type("email").
				MaxLength(apitype.MaxEmailLength).
				Required(true).
				Placeholder("colleague@example.com").
				Attr("autocomplete", "off").
				Aria("invalid", p.inviteErr != "").
				Aria("describedby", "invite-email-error").
				Value(renderedValue("invite-email", p.inviteEmail)).
				OnInput(p.ValueTo(&p.inviteEmail)),
		),
		app.Div().Class("field").Body(
			app.Label().For("invite-role").Text("Role"),
			app.Select().ID("invite-role").OnChange(p.ValueTo(&p.inviteRole)).Body(
				app.Range(roles).Slice(func(i int) app.UI {
					return app.Option().Value(roles[i]).Selected(roles[i] == p.inviteRole).Text(roles[i])
				}),
			),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("invite-submit").Type("submit").Disabled(p.busy).Text("Create invite link"),
		),
	)
}

func (p *Members) renderCreated() app.UI {
	invite := p.created.Invite
	text := "Send this link to " + invite.Email + ". It is shown only once and works once, until " + formatKeyTime(invite.ExpiresAt) + "."
	if p.created.Emailed {
		text = "The link was emailed to " + invite.Email + ". It is shown here only once and works once, until " + formatKeyTime(invite.ExpiresAt) + "."
	}
	return app.Div().ID("invite-created").Class("panel").Role("region").Aria("label", "New invite link").Body(
		app.P().Text(text),
		app.Pre().Class("code").Body(app.Code().ID("invite-link").Text(p.created.Link)),
	)
}

func (p *Members) renderResetLink() app.UI {
	return app.Div().ID("reset-created").Class("panel").Role("region").Aria("label", "Password reset link").Body(
		app.P().Text("Send this link to "+p.resetFor+" by a channel you trust. It sets a new password once, until "+
			formatKeyTime(p.resetLink.ExpiresAt)+", and signs them out everywhere else."),
		app.Pre().Class("code").Body(app.Code().ID("reset-link").Text(p.resetLink.Link)),
	)
}

func (p *Members) renderMembers() app.UI {
	if p.members == nil {
		return app.Div()
	}
	return app.Table().ID("members-table").Body(
		app.Caption().Text("Members of this account"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Email"),
			app.Th().Scope("col").Text("Role"),
			app.Th().Scope("col").Text("Joined"),
			app.Th().Scope("col").Text("Actions"),
		)),
		app.TBody().Body(
			app.Range(p.members).Slice(func(i int) app.UI {
				return p.renderMember(p.members[i])
			}),
		),
	)
}

func (p *Members) renderMember(m apitype.Member) app.UI {
	self := p.session != nil && m.UserID == p.session.UserID
	manageable := p.session != nil && apitype.CanManageMember(p.session.Role, m.Role)
	email := m.Email
	if self {
		email += " (you)"
	}

	var role app.UI = app.Span().Class("role").Text(m.Role)
	if manageable {
		roles := p.grantableRoles()
		role = app.Select().Class("role").Aria("label", "Role of "+m.Email).
			DataSet("id", m.UserID).Disabled(p.busy).OnChange(p.onRoleChange).Body(
			app.Range(roles).Slice(func(i int) app.UI {
				return app.Option().Value(roles[i]).Selected(roles[i] == m.Role).Text(roles[i])
			}),
		)
	}

	var actions app.UI = app.Span()
	switch {
	case p.removingID == m.UserID:
		actions = app.Div().Class("confirm").Role("group").Aria("label", "Confirm removal").Body(
			app.Span().Text("Remove "+m.Email+" from this account? They are signed out of it at once."),
			app.Button().ID("confirm-remove").Type("button").Class("danger").Disabled(p.busy).OnClick(p.onRemoveConfirmed).Text("Remove"),
			app.Button().ID("cancel-remove").Type("button").Class("secondary").OnClick(p.onRemoveCancel).Text("Cancel"),
		)
	case manageable:
		actions = app.Div().Class("row-actions").Body(
			app.If(!self, func() app.UI {
				return app.Button().Type("button").Class("secondary reset").Aria("label", "Make a password reset link for "+m.Email).
					DataSet("id", m.UserID).Disabled(p.busy).OnClick(p.onResetClick).Text("Reset link")
			}),
			app.Button().Type("button").Class("secondary remove").Aria("label", "Remove "+m.Email).
				DataSet("id", m.UserID).OnClick(p.onRemoveClick).Text("Remove"),
		)
	}

	return app.Tr().DataSet("user-id", m.UserID).DataSet("role", m.Role).Body(
		app.Td().Class("email").Text(email),
		app.Td().Body(role),
		app.Td().Class("joined").Text(m.JoinedAt.UTC().Format(time.DateOnly)),
		app.Td().Body(actions),
	)
}

func (p *Members) renderInvites() app.UI {
	if p.invites == nil {
		return app.Div()
	}
	if len(p.invites) == 0 {
		return app.P().ID("invites-empty").Class("empty").Text("No open invites.")
	}
	return app.Table().ID("invites-table").Body(
		app.Caption().Text("Open invites, newest first"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Email"),
			app.Th().Scope("col").Text("Role"),
			app.Th().Scope("col").Text("Invited by"),
			app.Th().Scope("col").Text("Expires"),
			app.Th().Scope("col").Text("Actions"),
		)),
		app.TBody().Body(
			app.Range(p.invites).Slice(func(i int) app.UI {
				invite := p.invites[i]
				return app.Tr().DataSet("id", invite.ID).Body(
					app.Td().Class("email").Text(invite.Email),
					app.Td().Class("role").Text(invite.Role),
					app.Td().Class("invited-by").Text(invite.InvitedBy),
					app.Td().Class("expires").Text(formatKeyTime(invite.ExpiresAt)),
					app.Td().Body(
						app.Button().Type("button").Class("secondary revoke").Aria("label", "Revoke the invite of "+invite.Email).
							DataSet("id", invite.ID).Disabled(p.busy).OnClick(p.onRevokeInvite).Text("Revoke"),
					),
				)
			}),
		),
	)
}

// clickedID returns the id in the data-id attribute of the element that
// fired the event. Row controls read it from the DOM because go-app keeps
// a row's first handler while the rows change under it.
func clickedID(ctx app.Context) int64 {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func (p *Members) memberEmail(userID int64) string {
	for _, m := range p.members {
		if m.UserID == userID {
			return m.Email
		}
	}
	return ""
}

// run sends one request, then shows its error or notice and reloads the
// lists. onError, when not nil, runs after a failed request.
func (p *Members) run(request func() error, notice string, onError func()) {
	p.busy = true
	p.errMsg, p.notice = "", ""
	ctx := p.ctx
	ctx.Async(func() {
		err := request()
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errMsg = err.Error()
				if onError != nil {
					onError()
				}
			} else {
				p.notice = notice
			}
			p.load()
		})
	})
}

func (p *Members) onInvite(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	email, verr := apitype.NormalizeEmail("email", p.inviteEmail)
	if verr != nil {
		p.inviteErr = verr.Message
		return
	}
	p.inviteErr, p.errMsg, p.notice = "", "", ""
	in := apitype.InviteInput{Email: email, Role: p.inviteRole}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		created, err := api().CreateInvite(context.Background(), in)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "email" {
					p.inviteErr = message
					return
				}
				p.errMsg = "The invite was not created: " + err.Error()
				return
			}
			p.created = &created
			p.resetLink = nil
			p.inviteEmail = ""
			setControlValue("invite-email", "")
			p.load()
		})
	})
}

func (p *Members) onRoleChange(ctx app.Context, e app.Event) {
	userID := clickedID(ctx)
	role := ctx.JSSrc().Get("value").String()
	if userID == 0 || p.busy {
		return
	}
	email := p.memberEmail(userID)
	var previous string
	for _, m := range p.members {
		if m.UserID == userID {
			previous = m.Role
		}
	}
	sel := ctx.JSSrc()
	p.run(func() error {
		_, err := api().SetMemberRole(context.Background(), userID, role)
		return err
	}, email+" is now "+apitype.RoleWithArticle(role)+".", func() {
		// The select shows the rejected role, so put the stored one back.
		sel.Set("value", previous)
	})
}

func (p *Members) onRemoveClick(ctx app.Context, e app.Event) {
	p.removingID = clickedID(ctx)
	p.notice = ""
}

func (p *Members) onRemoveCancel(ctx app.Context, e app.Event) {
	p.removingID = 0
}

func (p *Members) onRemoveConfirmed(ctx app.Context, e app.Event) {
	userID := p.removingID
	if userID == 0 || p.busy {
		return
	}
	p.removingID = 0
	email := p.memberEmail(userID)
	p.run(func() error {
		return api().RemoveMember(context.Background(), userID)
	}, "Removed "+email+".", nil)
}

func (p *Members) onResetClick(ctx app.Context, e app.Event) {
	userID := clickedID(ctx)
	if userID == 0 || p.busy {
		return
	}
	email := p.memberEmail(userID)
	p.busy = true
	p.errMsg, p.notice = "", ""
	ctx = p.ctx
	ctx.Async(func() {
		link, err := api().MemberResetLink(context.Background(), userID)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errMsg = "No reset link was made: " + err.Error()
				return
			}
			p.resetLink = &link
			p.resetFor = email
			p.created = nil
		})
	})
}

func (p *Members) onRevokeInvite(ctx app.Context, e app.Event) {
	id := clickedID(ctx)
	if id == 0 || p.busy {
		return
	}
	var email string
	for _, invite := range p.invites {
		if invite.ID == id {
			email = invite.Email
		}
	}
	p.run(func() error {
		return api().RevokeInvite(context.Background(), id)
	}, "Revoked the invite of "+email+".", nil)
	if p.created != nil && p.created.Invite.ID == id {
		p.created = nil
	}
}
