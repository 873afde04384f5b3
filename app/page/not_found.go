package page

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// NotFound is the page for a path that names no page of the admin app.
type NotFound struct {
	app.Compo
}

// Render draws the message and links back into the app.
func (p *NotFound) Render() app.UI {
	return app.Main().ID("content").Class("login").Body(
		app.H1().Text("Page not found"),
		app.P().Text("This address is not a page of Custom Events. Check the link, or go back to a page below."),
		app.Ul().Body(
			app.Range(navItems).Slice(func(i int) app.UI {
				item := navItems[i]
				return app.Li().Body(app.A().Href(item.path).Text(item.section + " → " + item.label))
			}),
		),
	)
}
