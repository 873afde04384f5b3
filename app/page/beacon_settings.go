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

	// ctx is the context of the mounted page. Requests started by an event
	// handler dispatch their results through it.
	ctx app.Context

	session *apitype.Session
	beacon  *apitype.Beacon
	err     string
	status  string
	// modeStatus reports the outcome of the last consent mode change.
	modeStatus string
	// savingMode is true while a consent mode change is in flight.
	savingMode bool

	// exampleSlug is the account's first custom event's slug, for the
	// examples, or "" while it loads or when there is none.
	exampleSlug string
	check       siteCheck
	identify    identifySigningState
}

// consentModes are the consent modes with their labels, in the order of
// the select.
var consentModes = []struct{ value, label, hint string }{
	{"track", "Track at once", "The script sends events as soon as the page calls it."},
	{"wait", "Wait for consent", "The script keeps calls in the page, sets no cookie and sends nothing until the page calls $__MA.consent(true). $__MA.consent(false) drops them."},
	{"gpc", "Respect Global Privacy Control", "The script sends nothing and sets no cookie when the browser sends the Global Privacy Control signal, and otherwise tracks at once."},
}

// OnMount loads the session, the account's snippet and the slug for the
// examples.
func (p *BeaconSettings) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if !pageAllowed(PathBeaconSettings, s) {
			return
		}
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
		if apitype.RoleAtLeast(s.Role, apitype.RoleAdmin) {
			p.loadIdentifySigning(ctx)
		}
		ctx.Async(func() {
			events, err := api().CustomEvents(context.Background())
			ctx.Dispatch(func(ctx app.Context) {
				// Without the definitions the examples use a sample slug.
				if err == nil && len(events) > 0 {
					p.exampleSlug = events[0].Slug
				}
			})
		})
	})
}

// Render draws the snippet with a copy button, the installation check and
// usage examples.
func (p *BeaconSettings) Render() app.UI {
	return frame(PathBeaconSettings, p.session, "Beacon",
		alert("beacon-error", p.err),
		app.If(p.beacon != nil, func() app.UI {
			return app.Div().Body(
				app.P().Class("lead").Text("Paste this snippet into every page of your website, before the closing </head> tag. It loads the tracking script asynchronously, so the page renders without waiting for it; only the browser's load event waits until the script arrives or fails."),
				p.renderConsentMode(),
				app.Pre().Class("code").Body(
					app.Code().ID("beacon-snippet").Text(p.beacon.Snippet),
				),
				app.Div().Class("actions").Body(
					app.Button().ID("copy-snippet").Type("button").OnClick(p.copySnippet).Text("Copy snippet"),
					app.Span().ID("copy-status").Role("status").Text(p.status),
				),
				p.renderSiteCheck(),
				p.renderExamples(),
				app.If(p.session != nil && apitype.RoleAtLeast(p.session.Role, apitype.RoleAdmin), p.renderIdentifySigning),
				app.P().Class("hint").Body(
					app.Text("Site key: "),
					app.Code().ID("site-key").Text(p.beacon.SiteKey),
				),
			)
		}),
	)
}

// renderConsentMode draws the consent mode select with a hint on the
// selected mode.
func (p *BeaconSettings) renderConsentMode() app.UI {
	hint := ""
	for _, mode := range consentModes {
		if mode.value == p.beacon.ConsentMode {
			hint = mode.hint
		}
	}
	canChange := p.session != nil && apitype.RoleAtLeast(p.session.Role, apitype.RoleAdmin)
	if !canChange {
		hint += " Changing the mode needs the admin role."
	}
	return app.Div().Class("field").Body(
		app.Label().For("consent-mode").Text("Consent mode"),
		app.Select().
			ID("consent-mode").
			Disabled(p.savingMode || !canChange).
			Aria("describedby", "consent-mode-hint").
			OnChange(p.onConsentModeChange).
			Body(
				app.Range(consentModes).Slice(func(i int) app.UI {
					mode := consentModes[i]
					return app.Option().Value(mode.value).Selected(mode.value == p.beacon.ConsentMode).Text(mode.label)
				}),
			),
		app.P().ID("consent-mode-hint").Class("hint").Text(hint+" The snippet below carries the mode, so paste it again after a change."),
		app.P().ID("consent-mode-status").Role("status").Text(p.modeStatus),
	)
}

// onConsentModeChange stores the chosen mode and then reloads the snippet,
// which carries it.
func (p *BeaconSettings) onConsentModeChange(ctx app.Context, e app.Event) {
	mode := ctx.JSSrc().Get("value").String()
	if p.beacon == nil || mode == p.beacon.ConsentMode {
		return
	}
	p.savingMode = true
	p.modeStatus = "Saving…"
	p.ctx.Async(func() {
		_, setErr := api().SetConsentMode(context.Background(), mode)
		var beacon apitype.Beacon
		var loadErr error
		if setErr == nil {
			beacon, loadErr = api().Beacon(context.Background())
		}
		p.ctx.Dispatch(func(ctx app.Context) {
			p.savingMode = false
			switch {
			case setErr != nil:
				p.modeStatus = "The consent mode was not changed: " + setErr.Error()
				// The select shows the rejected choice, so put the stored
				// mode back.
				if el := app.Window().GetElementByID("consent-mode"); el.Truthy() {
					el.Set("value", p.beacon.ConsentMode)
				}
			case loadErr != nil:
				p.modeStatus = "The consent mode was saved, but the new snippet could not be loaded: reload the page. " + loadErr.Error()
			default:
				p.beacon = &beacon
				p.modeStatus = "Consent mode saved. Paste the new snippet into your pages."
			}
		})
	})
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
