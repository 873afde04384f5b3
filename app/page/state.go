package page

import (
	"context"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// The admin app runs in one browser tab, so the API client and the
// signed-in session are shared by every page. Pages change them only on
// go-app's UI goroutine, inside event handlers or ctx.Dispatch.
var (
	apiClient *client.Client
	session   *apitype.Session
	// accountList is the signed-in user's accounts, nil until loaded.
	accountList []apitype.AccountSummary
)

// api returns the client for the page's origin, creating it on first use.
// It must only run in the browser.
func api() *client.Client {
	if apiClient == nil {
		apiClient = client.New(app.Window().URL())
	}
	return apiClient
}

// withSession calls then with the signed-in session, loading it first when
// the page was opened directly. Without a session it opens the sign-in
// page, which returns to the current page after signing in.
func withSession(ctx app.Context, then func(app.Context, apitype.Session)) {
	if session != nil {
		then(ctx, *session)
		return
	}
	ctx.Async(func() {
		s, err := api().Session(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				if client.IsOffline(err) {
					// Stay on the page: the frame shows that the app is
					// offline, and signing in would fail the same way.
					return
				}
				if !client.IsUnauthenticated(err) {
					app.Logf("load session: %v", err)
				}
				ctx.Navigate(loginURL(ctx.Page().URL()))
				return
			}
			session = &s
			then(ctx, s)
		})
	})
}

// loginURL returns the sign-in page's URL with current as the page to
// return to.
func loginURL(current *url.URL) string {
	next := current.Path
	if current.RawQuery != "" {
		next += "?" + current.RawQuery
	}
	return PathLogin + "?" + url.Values{"next": {next}}.Encode()
}

// safeNext returns the page to open after signing in: next when it is a
// path on this site, and the report page otherwise, so a crafted link
// cannot send the user to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return PathReport
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Path == PathLogin {
		return PathReport
	}
	return next
}

// signOut ends the session and opens the sign-in page.
func signOut(ctx app.Context, _ app.Event) {
	endSession(ctx, api().Logout)
}

// signOutEverywhere ends every session of the user, in all browsers and
// accounts, and opens the sign-in page.
func signOutEverywhere(ctx app.Context, _ app.Event) {
	endSession(ctx, api().LogoutEverywhere)
}

func endSession(ctx app.Context, logout func(context.Context) error) {
	ctx.Async(func() {
		err := logout(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil && !client.IsUnauthenticated(err) {
				app.Logf("sign out: %v", err)
			}
			forgetSession()
			ctx.Navigate(PathLogin)
		})
	})
}

// markInteractive records the moment the app first responds to input, as the
// User Timing mark "ce-interactive", which the load benchmark reads.
func markInteractive() {
	perf := app.Window().Get("performance")
	if perf.Truthy() && perf.Call("getEntriesByName", "ce-interactive").Length() == 0 {
		perf.Call("mark", "ce-interactive")
	}
}

// forgetSession drops the cached session and account list.
func forgetSession() {
	session = nil
	accountList = nil
	api().SetCSRFToken("")
}
