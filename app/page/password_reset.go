package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// ForgotPassword requests a password reset link by email. The server's
// response is the same for every email.
type ForgotPassword struct {
	app.Compo

	ctx app.Context

	email    string
	emailErr string
	message  string
	err      string
	busy     bool
}

// OnMount keeps the page's context.
func (p *ForgotPassword) OnMount(ctx app.Context) {
	p.ctx = ctx
}

// Render draws the email form and the server's response.
func (p *ForgotPassword) Render() app.UI {
	return app.Main().ID("content").Class("login").Body(
		app.H1().Text("Reset your password"),
		app.Form().ID("forgot-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
			field("forgot-email", "Email", p.emailErr,
				app.Input().
					ID("forgot-email").
					Type("email").
					Attr("autocomplete", "username").
					Required(true).
					Aria("invalid", p.emailErr != "").
					Aria("describedby", "forgot-email-error").
					Value(renderedValue("forgot-email", p.email)).
					OnInput(p.ValueTo(&p.email)),
			),
			alert("forgot-error", p.err),
			app.Button().ID("forgot-submit").Type("submit").Disabled(p.busy).Text("Send reset link"),
		),
		app.If(p.message != "", func() app.UI {
			return app.P().ID("forgot-message").Class("notice").Role("status").Text(p.message)
		}),
		app.P().Body(app.A().Href(PathLogin).Text("Back to sign-in")),
	)
}

func (p *ForgotPassword) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	email, verr := apitype.NormalizeEmail("email", p.email)
	if verr != nil {
		p.emailErr = verr.Message
		return
	}
	p.emailErr, p.err, p.message = "", "", ""
	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		message, err := api().RequestPasswordReset(context.Background(), email)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = err.Error()
				return
			}
			p.message = message
		})
	})
}

// ResetPassword is the page a password reset link opens: it sets a new
// password, which signs the user out everywhere else, and signs in.
type ResetPassword struct {
	app.Compo

	ctx app.Context

	token   string
	details *apitype.PasswordResetDetails
	loadErr string

	password    string
	passwordErr string
	err         string
	busy        bool
}

// OnMount reads the token from the address and checks the link.
func (p *ResetPassword) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.token = ctx.Page().URL().Query().Get("token")
	if p.token == "" {
		p.loadErr = "This page needs the whole password reset link: open it again from the message you received."
		return
	}
	ctx.Async(func() {
		details, err := api().LookupPasswordReset(context.Background(), p.token)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = err.Error()
				return
			}
			p.details = &details
		})
	})
}

// Render draws the new password form.
func (p *ResetPassword) Render() app.UI {
	return app.Main().ID("content").Class("login").Body(
		app.H1().Text("Choose a new password"),
		alert("reset-error", p.loadErr),
		app.If(p.details != nil, func() app.UI {
			return app.Form().ID("reset-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
				app.P().ID("reset-summary").Text("For "+p.details.Email+". Setting it signs you out of every other session."),
				app.Input().Type("email").Name("email").Attr("autocomplete", "username").Value(p.details.Email).ReadOnly(true).Hidden(true),
				field("reset-password", "New password", p.passwordErr,
					app.Input().
						ID("reset-password").
						Type("password").
						Name("password").
						Attr("autocomplete", "new-password").
						Required(true).
						Aria("invalid", p.passwordErr != "").
						Aria("describedby", "reset-password-hint reset-password-error").
						Value(renderedValue("reset-password", p.password)).
						OnInput(p.ValueTo(&p.password)),
					app.P().ID("reset-password-hint").Class("hint").Text("At least 8 characters."),
				),
				alert("reset-form-error", p.err),
				app.Button().ID("reset-submit").Type("submit").Disabled(p.busy).Text("Set password and sign in"),
			)
		}),
	)
}

func (p *ResetPassword) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	if verr := apitype.ValidatePassword("password", p.password); verr != nil {
		p.passwordErr = verr.Message
		return
	}
	p.passwordErr, p.err = "", ""
	p.busy = true
	token, password := p.token, p.password
	ctx = p.ctx
	ctx.Async(func() {
		s, err := api().ResetPassword(context.Background(), token, password)
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
