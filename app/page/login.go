package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Login is the sign-in page. After signing in it opens the page named by
// its next query parameter.
type Login struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	email    string
	password string
	err      string
	busy     bool
}

// OnMount keeps the page's context.
func (p *Login) OnMount(ctx app.Context) {
	p.ctx = ctx
	markInteractive()
}

// Render draws the sign-in form.
func (p *Login) Render() app.UI {
	return app.Main().ID("content").Class("login").Body(
		app.H1().Text("Sign in to Custom Events"),
		offlineNotice(),
		app.Form().ID("login-form").OnSubmit(p.submit).Body(
			app.Label().For("login-email").Text("Email"),
			app.Input().
				ID("login-email").
				Type("email").
				Name("email").
				AutoComplete(true).
				Attr("autocomplete", "username").
				Required(true).
				Value(renderedValue("login-email", p.email)).
				OnInput(p.ValueTo(&p.email)),
			app.Label().For("login-password").Text("Password"),
			app.Input().
				ID("login-password").
				Type("password").
				Name("password").
				Attr("autocomplete", "current-password").
				Required(true).
				Value(renderedValue("login-password", p.password)).
				OnInput(p.ValueTo(&p.password)),
			alert("login-error", p.err),
			app.Button().ID("login-submit").Type("submit").Disabled(p.busy).Text("Sign in"),
		),
		app.P().Body(app.A().ID("forgot-link").Href(PathForgotPassword).Text("Forgot your password?")),
	)
}

func (p *Login) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.busy = true
	p.err = ""
	email, password := p.email, p.password
	next := safeNext(ctx.Page().URL().Query().Get("next"))
	ctx = p.ctx

	ctx.Async(func() {
		s, err := api().Login(context.Background(), email, password)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = err.Error()
				return
			}
			session = &s
			accountList = nil
			p.password = ""
			ctx.Navigate(next)
		})
	})
}
