package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// BeaconSettings is Settings → Beacon: the snippet that websites paste to
// send events for the account.
type BeaconSettings struct {
	app.Compo

	session *apitype.Session
	beacon  *apitype.Beacon
	err     string
	status  string
}

// OnMount loads the session and the account's snippet.
func (p *BeaconSettings) OnMount(ctx app.Context) {
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		ctx.Async(func() {
			beacon, err := api().Beacon(context.Background())
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.err = "The snippet could not be loaded: " + err.Error()
					return
				}
				p.beacon = &beacon
			})
		})
	})
}

// Render draws the snippet, a copy button and a usage example.
func (p *BeaconSettings) Render() app.UI {
	return frame(PathBeaconSettings, p.session, "Beacon",
		alert("beacon-error", p.err),
		app.If(p.beacon != nil, func() app.UI {
			return app.Div().Body(
				app.P().Class("lead").Text("Paste this snippet into every page of your website, before the closing </head> tag. It loads the tracking script without delaying the page."),
				app.Pre().Class("code").Body(
					app.Code().ID("beacon-snippet").Text(p.beacon.Snippet),
				),
				app.Div().Class("actions").Body(
					app.Button().ID("copy-snippet").Type("button").OnClick(p.copySnippet).Text("Copy snippet"),
					app.Span().ID("copy-status").Role("status").Text(p.status),
				),
				app.H2().Text("Fire an event"),
				app.P().Text("Call captureEvent with the slug of a custom event, for example when a visitor finishes a video. Calls made before the script has loaded are queued and sent once it loads."),
				app.Pre().Class("code").Body(
					app.Code().Text("$__MA.captureEvent('watched-demo-video');"),
				),
				app.P().Class("hint").Body(
					app.Text("Site key: "),
					app.Code().ID("site-key").Text(p.beacon.SiteKey),
				),
			)
		}),
	)
}

func (p *BeaconSettings) copySnippet(ctx app.Context, e app.Event) {
	clipboard := app.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() || p.beacon == nil {
		p.status = "Copying is not available here: select the snippet and copy it by hand."
		return
	}
	promise := clipboard.Call("writeText", p.beacon.Snippet)
	var onDone, onFail app.Func
	release := func() {
		onDone.Release()
		onFail.Release()
	}
	onDone = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) { p.status = "Copied." })
		release()
		return nil
	})
	onFail = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) {
			p.status = "Copying was blocked by the browser: select the snippet and copy it by hand."
		})
		release()
		return nil
	})
	promise.Call("then", onDone, onFail)
}
