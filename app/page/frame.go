package page

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// navItem is one link of the main navigation. A link without a section
// shows its label alone.
type navItem struct {
	path    string
	section string
	label   string
	// minRole is the minimum role that may open the page. The API enforces
	// the same rule on the requests the page sends.
	minRole string
}

var navItems = []navItem{
	{PathReport, "Automations", "Custom Events", apitype.RoleViewer},
	{PathActionSets, "Automations", "Action Sets", apitype.RoleViewer},
	{PathContacts, "", "Contacts", apitype.RoleViewer},
	{PathLiveEvents, "", "Live events", apitype.RoleViewer},
	{PathEventSettings, "Settings", "Custom Events", apitype.RoleViewer},
	{PathBeaconSettings, "Settings", "Beacon", apitype.RoleEditor},
	{PathGraphQLExplorer, "Settings", "GraphQL", apitype.RoleViewer},
	{PathPrivacySettings, "Settings", "Privacy", apitype.RoleAdmin},
	{PathAPIKeySettings, "Settings", "API keys", apitype.RoleAdmin},
	{PathAccountSettings, "Settings", "Account", apitype.RoleAdmin},
	{PathMembers, "Settings", "Members", apitype.RoleAdmin},
}

// pageAllowed reports whether the session's role may open the page at
// path. Pages check it before they load data.
func pageAllowed(path string, s apitype.Session) bool {
	for _, item := range navItems {
		if item.path == path {
			return apitype.RoleAtLeast(s.Role, item.minRole)
		}
	}
	return true
}

// visibleNavItems returns the links that the session's role may open, or
// all of them before the session has loaded.
func visibleNavItems(s *apitype.Session) []navItem {
	if s == nil {
		return navItems
	}
	var items []navItem
	for _, item := range navItems {
		if apitype.RoleAtLeast(s.Role, item.minRole) {
			items = append(items, item)
		}
	}
	return items
}

// roleNotice returns the notice that the page needs a role the member
// lacks.
func roleNotice(path string, s apitype.Session) app.UI {
	minRole := apitype.RoleAdmin
	for _, item := range navItems {
		if item.path == path {
			minRole = item.minRole
		}
	}
	return app.P().ID("role-notice").Class("notice-box").Role("status").Text(
		"This page needs the " + minRole + " role or higher, and you are " + apitype.RoleWithArticle(s.Role) +
			" in " + s.AccountName + ": ask an admin or owner of the account for access.")
}

// frame draws the header with the navigation and the signed-in user around
// a page's content. current is the path of the page, and s is nil until
// the session has loaded.
func frame(current string, s *apitype.Session, title string, content ...app.UI) app.UI {
	items := visibleNavItems(s)
	if s != nil && !pageAllowed(current, *s) {
		content = []app.UI{roleNotice(current, *s)}
	}
	return app.Div().Class("frame").Body(
		app.A().Class("skip-link").Href("#content").Text("Skip to content"),
		app.Header().Class("top").Body(
			app.A().Class("brand").Href(PathReport).Text("Custom Events"),
			app.Nav().Aria("label", "Main").Body(
				app.Ul().Body(
					app.Range(items).Slice(func(i int) app.UI {
						item := items[i]
						link := app.A().
							Href(item.path).
							Body(
								app.If(item.section != "", func() app.UI {
									return app.Span().Class("nav-section").Text(item.section + " → ")
								}),
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
					&accountMenu{Session: *s},
					app.Button().ID("sign-out").Type("button").OnClick(signOut).Text("Sign out"),
					app.Button().ID("sign-out-everywhere").Type("button").Class("secondary").
						Title("End every session of "+s.UserEmail+", in all browsers and accounts").
						OnClick(signOutEverywhere).Text("Sign out everywhere"),
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

// offlineNotice shows that the server cannot be reached, or draws nothing
// while requests get responses. The app itself keeps working from the copy
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
