package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// identifySigningState is the signed identify section of Settings →
// Beacon, which only admins see.
type identifySigningState struct {
	signing *apitype.IdentifySigning
	status  string
	// saving is true while a change is in flight.
	saving bool
	// confirmingReplace is true after the first click on "Replace secret",
	// which the second click confirms.
	confirmingReplace bool
}

// loadIdentifySigning reads the identify signing settings for an admin.
// The first read creates the account's secret.
func (p *BeaconSettings) loadIdentifySigning(ctx app.Context) {
	ctx.Async(func() {
		signing, err := api().IdentifySigning(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.identify.status = "The identify signing settings could not be loaded: " + err.Error()
				return
			}
			p.identify.signing = &signing
		})
	})
}

// renderIdentifySigning draws the identify secret with copy and replace
// buttons and the checkbox that requires signatures.
func (p *BeaconSettings) renderIdentifySigning() app.UI {
	s := &p.identify
	if s.signing == nil {
		return app.P().ID("identify-signing-status").Role("status").Text(s.status)
	}
	replaceLabel := "Replace secret"
	if s.confirmingReplace {
		replaceLabel = "Confirm: replace secret"
	}
	return app.Div().ID("identify-signing").Body(
		app.H2().Text("Signed identify"),
		app.P().Text("Anyone who opens the browser console can call $__MA.identify with any email. To prove that a call comes from your site, let your backend sign the visitor's email: compute the HMAC-SHA256 of the email, exactly as the page passes it, with this secret as the key, and pass the hex digest as signature. For a signature that expires, sign the email, a line feed and an expiry in Unix seconds, and pass \"<expiry>.<hex digest>\"."),
		app.Pre().Class("code").Body(app.Code().ID("example-signed-identify").Text("$__MA.identify({email: 'ann@example.com', signature: '<hex HMAC-SHA256 of the email>'});")),
		app.P().Text("Identify secret:"),
		app.Pre().Class("code").Body(app.Code().ID("identify-secret").Text(s.signing.Secret)),
		app.Div().Class("actions").Body(
			app.Button().ID("copy-identify-secret").Type("button").OnClick(p.onCopyIdentifySecret).Text("Copy secret"),
			app.Button().ID("replace-identify-secret").Type("button").Disabled(s.saving).OnClick(p.onReplaceIdentifySecret).Text(replaceLabel),
		),
		app.If(s.confirmingReplace, func() app.UI {
			return app.P().ID("replace-identify-secret-hint").Class("hint").Text("Signatures made with the current secret stop being valid within 2 seconds. Update your backend right after.")
		}),
		app.Div().Class("field").Body(
			app.Label().For("identify-required").Body(
				app.Input().ID("identify-required").Type("checkbox").Checked(s.signing.Required).Disabled(s.saving).OnChange(p.onIdentifyRequiredChange),
				app.Text(" Require a valid signature: ignore identify calls without one"),
			),
		),
		app.P().ID("identify-signing-status").Role("status").Text(s.status),
	)
}

func (p *BeaconSettings) onCopyIdentifySecret(ctx app.Context, e app.Event) {
	if p.identify.signing == nil {
		return
	}
	copyText(ctx, p.identify.signing.Secret, func(status string) { p.identify.status = status })
}

// onIdentifyRequiredChange stores the checkbox's state.
func (p *BeaconSettings) onIdentifyRequiredChange(ctx app.Context, e app.Event) {
	required := ctx.JSSrc().Get("checked").Bool()
	p.updateIdentifySigning(ctx, func() (apitype.IdentifySigning, error) {
		return api().SetIdentifySignatureRequired(context.Background(), required)
	}, "Saved.", "The setting was not changed: ")
}

// onReplaceIdentifySecret shows a confirmation on the first click and
// replaces the secret on the second.
func (p *BeaconSettings) onReplaceIdentifySecret(ctx app.Context, e app.Event) {
	if !p.identify.confirmingReplace {
		p.identify.confirmingReplace = true
		return
	}
	p.identify.confirmingReplace = false
	p.updateIdentifySigning(ctx, func() (apitype.IdentifySigning, error) {
		return api().ReplaceIdentifySecret(context.Background())
	}, "Secret replaced. Sign with the new one from now on.", "The secret was not replaced: ")
}

// updateIdentifySigning runs call in the background and shows its result.
func (p *BeaconSettings) updateIdentifySigning(ctx app.Context, call func() (apitype.IdentifySigning, error), done, failed string) {
	s := &p.identify
	if s.saving {
		return
	}
	s.saving = true
	s.status = "Saving…"
	ctx.Async(func() {
		signing, err := call()
		ctx.Dispatch(func(ctx app.Context) {
			s.saving = false
			if err != nil {
				s.status = failed + err.Error()
				// The checkbox shows the rejected state, so put the
				// stored one back.
				if el := app.Window().GetElementByID("identify-required"); el.Truthy() && s.signing != nil {
					el.Set("checked", s.signing.Required)
				}
				return
			}
			s.signing = &signing
			s.status = done
		})
	})
}
