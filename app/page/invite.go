package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// AcceptInvite is the page an invite link opens. A new user chooses a
// password. An existing user enters theirs, or joins with one click when
// already signed in as the invited email. Either way the page signs in on
// the invited account.
type AcceptInvite struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	token   string
	details *apitype.InviteDetails
	// signedInAs is the email of the browser's current session, or "".
	signedInAs string
	loadErr    string

	password    string
	passwordErr string
	err         string
	busy        bool
}

// OnMount reads the token from the address and loads the invite.
func (p *AcceptInvite) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.token = ctx.Page().URL().Query().Get("token")
	if p.token == "" {
		p.loadErr = "This page needs the whole link from your invite: open it again from the message you received."
		return
	}
	ctx.Async(func() {
		details, err := api().LookupInvite(context.Background(), p.token)
		// A current session lets an invited user who is signed in join
		// without typing the password.
		current, sessionErr := api().Session(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = err.Error()
				return
			}
			p.details = &details
			if sessionErr == nil {
				p.signedInAs = current.UserEmail
			}
		})
	})
}

// Render draws the invite and the form that accepts it.
func (p *AcceptInvite) Render() app.UI {
	title := "Accept an invite"
	if p.details != nil {
		title = "Join " + p.details.AccountName
	}
	return app.Main().ID("content").Class("login").Body(
		app.H1().Text(title),
		alert("invite-error", p.loadErr),
		app.If(p.details != nil, p.renderDetails),
	)
}

func (p *AcceptInvite) renderDetails() app.UI {
	d := p.details
	summary := d.Email + " is invited to " + d.AccountName + " as " + apitype.RoleWithArticle(d.Role) +
		". The link works once, until " + formatKeyTime(d.ExpiresAt) + "."
	if p.signedInAs == d.Email {
		return app.Div().Body(
			app.P().ID("invite-summary").Text(summary),
			app.P().Text("You are signed in as "+d.Email+"."),
			alert("invite-form-error", p.err),
			app.Button().ID("invite-accept").Type("button").Disabled(p.busy).OnClick(p.onAccept).Text("Join "+d.AccountName),
		)
	}

	label, autocomplete, submit := "Choose a password", "new-password", "Create account and join"
	if d.UserExists {
		label, autocomplete, submit = "Your password", "current-password", "Sign in and join"
	}
	return app.Form().ID("invite-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
		app.P().ID("invite-summary").Text(summary),
		app.If(p.signedInAs != "", func() app.UI {
			return app.P().Class("hint").Text("You are signed in as " + p.signedInAs + ". Joining signs you in as " + d.Email + " instead.")
		}),
		// The email field lets password managers store the new password
		// under the right account.
		app.Input().Type("email").Name("email").Attr("autocomplete", "username").Value(d.Email).ReadOnly(true).Hidden(true),
		field("invite-password", label, p.passwordErr,
			app.Input().
				ID("invite-password").
				Type("password").
				Name("password").
				Attr("autocomplete", autocomplete).
				Required(true).
				Aria("invalid", p.passwordErr != "").
				Aria("describedby", "invite-password-error").
				Value(renderedValue("invite-password", p.password)).
				OnInput(p.ValueTo(&p.password)),
			app.If(!d.UserExists, func() app.UI {
				return app.P().Class("hint").Text("At least 8 characters.")
			}),
		),
		alert("invite-form-error", p.err),
		app.Button().ID("invite-accept").Type("submit").Disabled(p.busy).Text(submit),
	)
}

func (p *AcceptInvite) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.details != nil && !p.details.UserExists {
		if verr := apitype.ValidatePassword("password", p.password); verr != nil {
			p.passwordErr = verr.Message
			return
		}
	}
	p.accept()
}

func (p *AcceptInvite) onAccept(ctx app.Context, e app.Event) {
	p.accept()
}

func (p *AcceptInvite) accept() {
	if p.busy {
		return
	}
	p.busy = true
	p.err, p.passwordErr = "", ""
	token, password := p.token, p.password
	ctx := p.ctx
	ctx.Async(func() {
		s, err := api().AcceptInvite(context.Background(), token, password)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "password" {
					p.passwordErr = message
					return
				}
				p.err = err.Error()
				return
			}
			session = &s
			accountList = nil
			p.password = ""
			ctx.Navigate(PathReport)
		})
	})
}
