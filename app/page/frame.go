package page

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// navItem is one link of the main navigation.
type navItem struct {
	path    string
	section string
	label   string
}

var navItems = []navItem{
	{PathReport, "Automations", "Custom Events"},
	{PathActionSets, "Automations", "Action Sets"},
	{PathEventSettings, "Settings", "Custom Events"},
	{PathBeaconSettings, "Settings", "Beacon"},
	{PathGraphQLExplorer, "Settings", "GraphQL"},
	{PathPrivacySettings, "Settings", "Privacy"},
	{PathAPIKeySettings, "Settings", "API keys"},
}

// frame draws the header with the navigation and the signed-in user around
// a page's content. current is the path of the page, and s is nil until
// the session has loaded.
func frame(current string, s *apitype.Session, title string, content ...app.UI) app.UI {
	return app.Div().Class("frame").Body(
		app.A().Class("skip-link").Href("#content").Text("Skip to content"),
		app.Header().Class("top").Body(
			app.A().Class("brand").Href(PathReport).Text("Custom Events"),
			app.Nav().Aria("label", "Main").Body(
				app.Ul().Body(
					app.Range(navItems).Slice(func(i int) app.UI {
						item := navItems[i]
						link := app.A().
							Href(item.path).
							Body(
								app.Span().Class("nav-section").Text(item.section+" → "),
								app.Text(item.label),
							)
						if item.path == current {
							link = link.Aria("current", "page")
						}
						return app.Li().Body(link)
					}),
				),
			),
			app.If(s != nil, func() app.UI {
				return app.Div().Class("user").Body(
					app.Span().ID("account-name").Title(s.UserEmail).Text(s.AccountName),
					app.Button().ID("sign-out").Type("button").OnClick(signOut).Text("Sign out"),
				)
			}),
		),
		offlineNotice(),
		app.Main().ID("content").Body(
			app.H1().Text(title),
			app.If(s == nil && !client.Offline(), func() app.UI {
				return app.P().Class("loading").Aria("live", "polite").Text("Loading…")
			}).ElseSlice(func() []app.UI {
				return content
			}),
		),
	)
}

// offlineNotice tells the user that the server cannot be reached, or draws nothing
// while requests get answers. The app itself keeps working from the copy
// the service worker saved on this device.
func offlineNotice() app.UI {
	return app.If(client.Offline(), func() app.UI {
		return app.P().ID("offline").Class("offline").Role("status").Text(
			"You are offline: the Custom Events server cannot be reached. " +
				"Data loads again and changes can be saved once the connection is back.")
	})
}

// alert draws an error message that screen readers announce, or nothing
// when message is empty.
func alert(id, message string) app.UI {
	return app.If(message != "", func() app.UI {
		return app.P().ID(id).Class("error").Role("alert").Text(message)
	})
}
