// Package page holds the admin app's pages. The server prerenders them and
// the WASM build renders them again in the browser, where they load their
// data from the admin JSON API.
package page

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Paths of the admin app's pages.
const (
	PathLogin           = "/login"
	PathReport          = "/automations/custom-events"
	PathEventSettings   = "/settings/custom-events"
	PathBeaconSettings  = "/settings/beacon"
	PathGraphQLExplorer = "/settings/graphql"
	PathPrivacySettings = "/settings/privacy"
	PathAPIKeySettings  = "/settings/api-keys"
	PathAccountSettings = "/settings/account"
	PathMembers         = "/settings/members"
	PathAcceptInvite    = "/invite"
	PathForgotPassword  = "/forgot-password"
	PathResetPassword   = "/reset-password"
	PathActionSets      = "/automations/action-sets"
	PathContacts        = "/contacts"
	PathLiveEvents      = "/live-events"
)

// contactPathPattern matches the path of one contact's page, such as
// /contacts/42.
const contactPathPattern = `^/contacts/[1-9][0-9]{0,17}$`

// contactPath returns the path of a contact's page.
func contactPath(id int64) string {
	return PathContacts + "/" + strconv.FormatInt(id, 10)
}

// Register declares every page route. The server and the WASM entry point
// both call it, so they agree on what each path shows.
func Register() {
	app.NotFound = &NotFound{}
	app.Route("/", app.NewZeroComponentFactory(&Report{}))
	app.Route(PathLogin, app.NewZeroComponentFactory(&Login{}))
	app.Route(PathReport, app.NewZeroComponentFactory(&Report{}))
	app.Route(PathEventSettings, app.NewZeroComponentFactory(&EventSettings{}))
	app.Route(PathBeaconSettings, app.NewZeroComponentFactory(&BeaconSettings{}))
	app.Route(PathGraphQLExplorer, app.NewZeroComponentFactory(&GraphQLExplorer{}))
	app.Route(PathPrivacySettings, app.NewZeroComponentFactory(&PrivacySettings{}))
	app.Route(PathAPIKeySettings, app.NewZeroComponentFactory(&APIKeySettings{}))
	app.Route(PathAccountSettings, app.NewZeroComponentFactory(&AccountSettings{}))
	app.Route(PathMembers, app.NewZeroComponentFactory(&Members{}))
	app.Route(PathAcceptInvite, app.NewZeroComponentFactory(&AcceptInvite{}))
	app.Route(PathForgotPassword, app.NewZeroComponentFactory(&ForgotPassword{}))
	app.Route(PathResetPassword, app.NewZeroComponentFactory(&ResetPassword{}))
	app.Route(PathActionSets, app.NewZeroComponentFactory(&ActionSets{}))
	app.Route(PathContacts, app.NewZeroComponentFactory(&Contacts{}))
	app.RouteWithRegexp(contactPathPattern, app.NewZeroComponentFactory(&ContactView{}))
	app.Route(PathLiveEvents, app.NewZeroComponentFactory(&LiveEvents{}))
}
