package page

import (
	"context"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// accountMenu shows the account the session acts on. When the user belongs
// to several accounts it is a select that switches between them.
type accountMenu struct {
	app.Compo

	Session apitype.Session

	ctx  app.Context
	busy bool
	err  string
}

// OnMount loads the user's accounts once per sign-in.
func (m *accountMenu) OnMount(ctx app.Context) {
	m.ctx = ctx
	if accountList != nil {
		return
	}
	ctx.Async(func() {
		accounts, err := api().Accounts(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				app.Logf("load accounts: %v", err)
				return
			}
			accountList = accounts
		})
	})
}

// Render draws the account name, or the select when there are several
// accounts.
func (m *accountMenu) Render() app.UI {
	if len(accountList) < 2 {
		return app.Span().ID("account-name").Title(m.Session.UserEmail).Text(m.Session.AccountName)
	}
	return app.Span().Class("account-menu").Body(
		app.Label().For("account-switch").Class("visually-hidden").Text("Account"),
		app.Select().
			ID("account-switch").
			Title(m.Session.UserEmail).
			Disabled(m.busy).
			OnChange(m.onSwitch).
			Body(
				app.Range(accountList).Slice(func(i int) app.UI {
					a := accountList[i]
					return app.Option().
						Value(strconv.FormatInt(a.ID, 10)).
						Selected(a.ID == m.Session.AccountID).
						Text(a.Name + " (" + a.Role + ")")
				}),
			),
		app.If(m.err != "", func() app.UI {
			return app.Span().ID("account-switch-error").Class("error").Role("alert").Text(m.err)
		}),
	)
}

// onSwitch moves the session to the chosen account and reloads the app on
// the report page, so that no page shows the previous account's data.
func (m *accountMenu) onSwitch(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
	if err != nil || id == m.Session.AccountID || m.busy {
		return
	}
	m.busy = true
	m.err = ""
	ctx = m.ctx
	ctx.Async(func() {
		s, err := api().SwitchAccount(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			m.busy = false
			if err != nil {
				m.err = "The account could not be switched: " + err.Error()
				return
			}
			session = &s
			accountList = nil
			app.Window().Get("location").Set("href", PathReport)
		})
	})
}
