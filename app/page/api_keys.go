package page

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// APIKeySettings is Settings → API keys: create keys for the GraphQL API,
// see the account's keys and revoke them.
type APIKeySettings struct {
	app.Compo

	// ctx is the context of the mounted page. Requests dispatch their
	// results through it, because go-app drops a dispatch whose source
	// element is gone, such as a confirm button removed by its own click.
	ctx app.Context

	session *apitype.Session

	// keys is nil until the list has loaded.
	keys    []apitype.APIKey
	loadErr string

	name    string
	nameErr string
	formErr string
	busy    bool
	notice  string

	// created is the key returned by the last create. The API returns a
	// key only once, so the page shows it until it is left or another key
	// is created.
	created    *apitype.CreatedAPIKey
	copyStatus string

	// confirmingID is the id of the key whose revocation awaits
	// confirmation, or 0.
	confirmingID int64
}

// OnMount loads the session and the list of keys.
func (p *APIKeySettings) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if pageAllowed(PathAPIKeySettings, s) {
			p.load()
		}
	})
}

func (p *APIKeySettings) load() {
	ctx := p.ctx
	ctx.Async(func() {
		keys, err := api().APIKeys(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = "The API keys could not be loaded: " + err.Error()
				return
			}
			p.loadErr = ""
			p.keys = keys
		})
	})
}

// Render draws the create form, the new key when there is one, and the
// list of keys.
func (p *APIKeySettings) Render() app.UI {
	return frame(PathAPIKeySettings, p.session, "API keys",
		p.renderForm(),
		app.If(p.created != nil, p.renderCreated),
		alert("api-keys-error", p.loadErr),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("api-keys-notice").Class("notice").Role("status").Text(p.notice)
		}),
		p.renderList(),
	)
}

func (p *APIKeySettings) renderForm() app.UI {
	return app.Form().ID("api-key-form").Class("panel").NoValidate(true).OnSubmit(p.onCreate).Body(
		app.H2().Text("New API key"),
		app.P().Class("lead").Text("Backends send an API key to the GraphQL API as Authorization: Bearer <key>. Name each key after the system that uses it, so you know which one to revoke."),
		field("api-key-name", "Name", p.nameErr,
			app.Input().
				ID("api-key-name").
				Type("text").
				MaxLength(apitype.MaxAPIKeyNameLength).
				Required(true).
				Placeholder("CRM integration").
				Attr("autocomplete", "off").
				Aria("invalid", p.nameErr != "").
				Aria("describedby", "api-key-name-error").
				Value(renderedValue("api-key-name", p.name)).
				OnInput(p.onNameInput),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("api-key-create").Type("submit").Disabled(p.busy).Text("Create key"),
		),
		alert("api-key-form-error", p.formErr),
	)
}

// renderCreated draws the new key with a copy button.
func (p *APIKeySettings) renderCreated() app.UI {
	return app.Div().ID("api-key-created").Class("panel").Role("region").Aria("label", "New API key").Body(
		app.P().Text("Key “"+p.created.APIKey.Name+"” was created. Copy it now: it will not be shown again."),
		app.Pre().Class("code").Body(
			app.Code().ID("api-key-value").Text(p.created.Key),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("api-key-copy").Type("button").OnClick(p.onCopy).Text("Copy key"),
			app.Span().ID("api-key-copy-status").Role("status").Text(p.copyStatus),
		),
	)
}

func (p *APIKeySettings) renderList() app.UI {
	if p.keys == nil {
		return app.Div()
	}
	if len(p.keys) == 0 {
		return app.P().ID("api-keys-empty").Class("empty").Text("No API keys yet: create the first one above.")
	}
	return app.Table().ID("api-keys-table").Body(
		app.Caption().Text("API keys of this account, newest first"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Name"),
			app.Th().Scope("col").Text("Key"),
			app.Th().Scope("col").Text("Created"),
			app.Th().Scope("col").Text("Last used"),
			app.Th().Scope("col").Text("Status"),
			app.Th().Scope("col").Text("Actions"),
		)),
		app.TBody().Body(
			app.Range(p.keys).Slice(func(i int) app.UI {
				return p.renderRow(p.keys[i])
			}),
		),
	)
}

func (p *APIKeySettings) renderRow(key apitype.APIKey) app.UI {
	lastUsed := "never"
	if key.LastUsedAt != nil {
		lastUsed = formatKeyTime(*key.LastUsedAt)
	}
	status := "active"
	if key.RevokedAt != nil {
		status = "revoked"
	}

	var actions app.UI
	switch {
	case key.RevokedAt != nil:
		actions = app.Span().Class("hint").Text("Revoked " + formatKeyTime(*key.RevokedAt))
	case p.confirmingID == key.ID:
		actions = app.Div().Class("confirm").Role("group").Aria("label", "Confirm revocation").Body(
			app.Span().Text("Revoke “"+key.Name+"”? Requests with this key fail at once, and it cannot be turned back on."),
			app.Button().ID("confirm-revoke").Type("button").Class("danger").Disabled(p.busy).OnClick(p.onRevokeConfirmed).Text("Revoke key"),
			app.Button().ID("cancel-revoke").Type("button").Class("secondary").OnClick(p.onRevokeCancel).Text("Cancel"),
		)
	default:
		actions = app.Button().Type("button").Class("secondary revoke").Aria("label", "Revoke "+key.Name).
			DataSet("id", key.ID).OnClick(p.onRevokeClick).Text("Revoke")
	}

	return app.Tr().DataSet("id", key.ID).DataSet("status", status).Body(
		app.Td().Class("name").Text(key.Name),
		app.Td().Body(app.Code().Class("prefix").Text(key.Prefix+"…")),
		app.Td().Class("created").Text(formatKeyTime(key.CreatedAt)),
		app.Td().Class("last-used").Text(lastUsed),
		app.Td().Class("status").Text(status),
		app.Td().Body(actions),
	)
}

// formatKeyTime formats a key's time in UTC to the minute.
func formatKeyTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

func (p *APIKeySettings) onNameInput(ctx app.Context, e app.Event) {
	p.name = ctx.JSSrc().Get("value").String()
	p.nameErr = ""
}

func (p *APIKeySettings) onCreate(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.formErr, p.notice = "", ""
	name, verr := apitype.NormalizeAPIKeyName(p.name)
	if verr != nil {
		p.nameErr = verr.Message
		return
	}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		created, err := api().CreateAPIKey(context.Background(), name)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "name" {
					p.nameErr = message
					return
				}
				p.formErr = "The API key could not be created: " + err.Error()
				return
			}
			p.created = &created
			p.copyStatus = ""
			p.confirmingID = 0
			p.name = ""
			setControlValue("api-key-name", "")
			p.load()
		})
	})
}

func (p *APIKeySettings) onCopy(ctx app.Context, e app.Event) {
	clipboard := app.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() || p.created == nil {
		p.copyStatus = "Copying is not available here: select the key and copy it by hand."
		return
	}
	promise := clipboard.Call("writeText", p.created.Key)
	ctx = p.ctx
	var onDone, onFail app.Func
	release := func() {
		onDone.Release()
		onFail.Release()
	}
	onDone = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) { p.copyStatus = "Copied." })
		release()
		return nil
	})
	onFail = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) {
			p.copyStatus = "Copying was blocked by the browser: select the key and copy it by hand."
		})
		release()
		return nil
	})
	promise.Call("then", onDone, onFail)
}

// onRevokeClick opens the inline confirmation. The row's button carries the key's
// id in its data-id attribute, because go-app keeps a row's first click
// handler while the rows change under it.
func (p *APIKeySettings) onRevokeClick(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return
	}
	p.confirmingID = id
	p.notice = ""
}

func (p *APIKeySettings) onRevokeCancel(ctx app.Context, e app.Event) {
	p.confirmingID = 0
}

func (p *APIKeySettings) onRevokeConfirmed(ctx app.Context, e app.Event) {
	var name string
	for _, key := range p.keys {
		if key.ID == p.confirmingID {
			name = key.Name
		}
	}
	runConfirmed(p.ctx, &p.confirmingID, &p.busy, func(id int64) error {
		return api().RevokeAPIKey(context.Background(), id)
	}, func(ctx app.Context, id int64, err error) {
		if err != nil {
			p.loadErr = "“" + name + "” could not be revoked: " + err.Error()
			return
		}
		p.notice = "Revoked “" + name + "”. Requests with it now fail."
		if p.created != nil && p.created.APIKey.ID == id {
			p.created = nil
		}
		p.load()
	})
}
