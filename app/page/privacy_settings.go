package page

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// PrivacySettings is Settings → Privacy: export or erase one contact's data
// by email, and set how many months of events the account keeps.
type PrivacySettings struct {
	app.Compo

	// ctx is the context of the mounted page. Requests dispatch their
	// results through it, because go-app drops a dispatch whose source
	// element is gone, such as a confirm button removed by its own click.
	ctx app.Context

	session *apitype.Session

	email    string
	emailErr string
	busy     bool
	errMsg   string
	notice   string

	// exportJSON is the last export, indented, and exportStatus describes
	// its download.
	exportJSON   string
	exportStatus string
	// downloadURL is the Blob URL of the last export, revoked by the next
	// one and when the page closes.
	downloadURL string

	// confirmFor is the normalized email whose erasure awaits
	// confirmation, or "" when none does. confirmEmail is what the user has
	// typed to confirm it.
	confirmFor   string
	confirmEmail string

	retentionInput  string
	retentionErr    string
	retentionNotice string
	retentionBusy   bool
}

// OnMount loads the session and the retention setting.
func (p *PrivacySettings) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if !pageAllowed(PathPrivacySettings, s) {
			return
		}
		ctx.Async(func() {
			retention, err := api().Retention(context.Background())
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.retentionErr = "The retention setting could not be loaded: " + err.Error()
					return
				}
				p.retentionInput = strconv.Itoa(retention.RetentionMonths)
				setControlValue("retention-months", p.retentionInput)
			})
		})
	})
}

// OnDismount frees the Blob URL of the last export.
func (p *PrivacySettings) OnDismount() {
	revokeObjectURL(p.downloadURL)
	p.downloadURL = ""
}

// Render draws the contact data form and the retention form.
func (p *PrivacySettings) Render() app.UI {
	return frame(PathPrivacySettings, p.session, "Privacy",
		p.renderContactForm(),
		p.renderRetentionForm(),
	)
}

// The forms turn off the browser's own validation, so invalid input shows
// the same message as the API sends, next to the field.
func (p *PrivacySettings) renderContactForm() app.UI {
	return app.Form().ID("privacy-form").Class("panel").NoValidate(true).OnSubmit(p.onExport).Body(
		app.H2().Text("Contact data"),
		app.P().Class("lead").Text("Download everything stored about a contact, or erase the contact with its events and visitor ids. Emails match without regard to case."),
		field("privacy-email", "Email", p.emailErr,
			app.Input().
				ID("privacy-email").
				Type("email").
				MaxLength(apitype.MaxEmailLength).
				Required(true).
				Placeholder("contact@example.com").
				Attr("autocomplete", "off").
				Aria("invalid", p.emailErr != "").
				Aria("describedby", "privacy-email-error").
				Value(renderedValue("privacy-email", p.email)).
				OnInput(p.onEmailInput),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("privacy-export").Type("submit").Disabled(p.busy).Text("Download data (JSON)"),
			app.Button().ID("privacy-erase").Type("button").Class("danger").Disabled(p.busy || p.confirmFor != "").OnClick(p.onEraseClick).Text("Erase contact"),
		),
		app.If(p.confirmFor != "", p.renderConfirm),
		alert("privacy-error", p.errMsg),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("privacy-notice").Class("notice").Role("status").Text(p.notice)
		}),
		app.If(p.exportJSON != "", func() app.UI {
			return app.Div().Body(
				app.P().ID("privacy-export-status").Role("status").Text(p.exportStatus),
				app.Pre().Class("code").Body(
					app.Code().ID("privacy-export-json").Text(p.exportJSON),
				),
			)
		}),
	)
}

// renderConfirm draws the inline confirmation of an erasure, which needs
// the email typed a second time.
func (p *PrivacySettings) renderConfirm() app.UI {
	matches := normalizedEmail(p.confirmEmail) == p.confirmFor
	return app.Div().ID("privacy-confirm").Class("confirm").Role("group").Aria("label", "Confirm erasure").Body(
		app.P().Text("Erase "+p.confirmFor+"? This deletes the contact, its events and its visitor ids for good, and report counts drop at once. Type the email again to confirm."),
		app.Label().For("privacy-confirm-email").Text("Email again"),
		app.Input().
			ID("privacy-confirm-email").
			Type("email").
			MaxLength(apitype.MaxEmailLength).
			Attr("autocomplete", "off").
			Value(renderedValue("privacy-confirm-email", p.confirmEmail)).
			OnInput(p.onConfirmInput),
		app.Button().ID("privacy-confirm-erase").Type("button").Class("danger").Disabled(p.busy || !matches).OnClick(p.onEraseConfirmed).Text("Erase for good"),
		app.Button().ID("privacy-cancel-erase").Type("button").Class("secondary").OnClick(p.onEraseCancel).Text("Cancel"),
	)
}

func (p *PrivacySettings) renderRetentionForm() app.UI {
	return app.Form().ID("retention-form").Class("panel").NoValidate(true).OnSubmit(p.onRetentionSave).Body(
		app.H2().Text("Retention"),
		app.P().Class("lead").Text("Events older than this are deleted once a day, and report counts for those days drop to zero. Contacts stay until they are erased."),
		field("retention-months", "Months to keep events", p.retentionErr,
			app.Input().
				ID("retention-months").
				Type("number").
				Min(apitype.MinRetentionMonths).
				Max(apitype.MaxRetentionMonths).
				Step(1).
				Required(true).
				Aria("invalid", p.retentionErr != "").
				Aria("describedby", "retention-months-hint retention-months-error").
				Value(renderedValue("retention-months", p.retentionInput)).
				OnInput(p.onRetentionInput),
			app.P().ID("retention-months-hint").Class("hint").Text("From 1 to 120 months. The default is 25."),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("retention-save").Type("submit").Disabled(p.retentionBusy).Text("Save retention"),
		),
		app.If(p.retentionNotice != "", func() app.UI {
			return app.P().ID("retention-notice").Class("notice").Role("status").Text(p.retentionNotice)
		}),
	)
}

// normalizedEmail returns email as the API matches it, or "" when it is
// not a valid address.
func normalizedEmail(email string) string {
	normalized, verr := apitype.NormalizeEmail("email", email)
	if verr != nil {
		return ""
	}
	return normalized
}

func (p *PrivacySettings) onEmailInput(ctx app.Context, e app.Event) {
	p.email = ctx.JSSrc().Get("value").String()
	p.emailErr = ""
	// A confirmation belongs to the email it was asked for.
	p.confirmFor, p.confirmEmail = "", ""
}

func (p *PrivacySettings) onConfirmInput(ctx app.Context, e app.Event) {
	p.confirmEmail = ctx.JSSrc().Get("value").String()
}

// checkEmail validates the email field and returns it normalized, or ""
// after showing the field's error.
func (p *PrivacySettings) checkEmail() string {
	email, verr := apitype.NormalizeEmail("email", p.email)
	if verr != nil {
		p.emailErr = verr.Message
		return ""
	}
	p.emailErr = ""
	return email
}

func (p *PrivacySettings) onExport(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.errMsg, p.notice = "", ""
	email := p.checkEmail()
	if email == "" {
		return
	}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		export, err := api().ExportContact(context.Background(), email)
		var text []byte
		if err == nil {
			text, err = json.MarshalIndent(export, "", "  ")
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.showError("The data of "+email+" could not be exported: ", err)
				return
			}
			fileName := "contact-" + strconv.FormatInt(export.ID, 10) + ".json"
			revokeObjectURL(p.downloadURL)
			p.downloadURL = downloadJSON(fileName, string(text))
			p.exportJSON = string(text)
			p.exportStatus = "Downloaded " + fileName + " with " +
				countText(int64(len(export.Occurrences)), "event", "events") + " and " +
				countText(int64(len(export.Visitors)), "visitor id", "visitor ids") + " of " + email + "."
		})
	})
}

func (p *PrivacySettings) onEraseClick(ctx app.Context, e app.Event) {
	p.errMsg, p.notice = "", ""
	email := p.checkEmail()
	if email == "" {
		return
	}
	p.confirmFor, p.confirmEmail = email, ""
	setControlValue("privacy-confirm-email", "")
	ctx.Defer(func(app.Context) { focus("privacy-confirm-email") })
}

func (p *PrivacySettings) onEraseCancel(ctx app.Context, e app.Event) {
	p.confirmFor, p.confirmEmail = "", ""
}

func (p *PrivacySettings) onEraseConfirmed(ctx app.Context, e app.Event) {
	email := p.confirmFor
	if email == "" || p.busy || normalizedEmail(p.confirmEmail) != email {
		return
	}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		result, err := api().EraseContact(context.Background(), email)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			p.confirmFor, p.confirmEmail = "", ""
			if err != nil {
				p.showError(email+" could not be erased: ", err)
				return
			}
			p.notice = "Erased " + email + " with " +
				countText(result.Occurrences, "event", "events") + " and " +
				countText(result.Visitors, "visitor id", "visitor ids") + "."
			p.email = ""
			setControlValue("privacy-email", "")
			// The export on screen may belong to the erased contact.
			p.exportJSON, p.exportStatus = "", ""
		})
	})
}

// showError shows err under the form, or at the email field when the API
// rejected the email.
func (p *PrivacySettings) showError(prefix string, err error) {
	if field, message := client.FieldError(err); field == "email" {
		p.emailErr = message
		return
	}
	p.errMsg = prefix + err.Error()
}

func (p *PrivacySettings) onRetentionInput(ctx app.Context, e app.Event) {
	p.retentionInput = ctx.JSSrc().Get("value").String()
	p.retentionErr, p.retentionNotice = "", ""
}

func (p *PrivacySettings) onRetentionSave(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.retentionBusy {
		return
	}
	p.retentionNotice = ""
	months, err := strconv.Atoi(strings.TrimSpace(p.retentionInput))
	if err != nil {
		p.retentionErr = "Retention must be a whole number of months from 1 to 120."
		return
	}
	if verr := apitype.ValidateRetentionMonths(months); verr != nil {
		p.retentionErr = verr.Message
		return
	}

	p.retentionBusy = true
	ctx = p.ctx
	ctx.Async(func() {
		saved, err := api().SetRetention(context.Background(), months)
		ctx.Dispatch(func(ctx app.Context) {
			p.retentionBusy = false
			if err != nil {
				p.retentionErr = "The retention could not be saved: " + err.Error()
				return
			}
			p.retentionErr = ""
			p.retentionInput = strconv.Itoa(saved.RetentionMonths)
			setControlValue("retention-months", p.retentionInput)
			p.retentionNotice = "Saved: events older than " + countText(int64(saved.RetentionMonths), "month", "months") + " are deleted once a day."
		})
	})
}

// downloadJSON offers text as a JSON file download through a temporary
// link to a Blob URL and returns that URL, which the caller revokes later.
func downloadJSON(fileName, text string) string {
	window := app.Window()
	blob := window.Get("Blob").New([]any{text}, map[string]any{"type": "application/json"})
	blobURL := window.Get("URL").Call("createObjectURL", blob).String()
	document := window.Get("document")
	link := document.Call("createElement", "a")
	link.Set("href", blobURL)
	link.Set("download", fileName)
	body := document.Get("body")
	body.Call("appendChild", link)
	link.Call("click")
	body.Call("removeChild", link)
	return blobURL
}
