package page

import (
	"context"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// commonTimeZones are the suggestions of the time zone field. Any other
// IANA name can be typed, and the server checks it.
var commonTimeZones = []string{
	"UTC",
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Stockholm",
	"Europe/Warsaw", "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow",
	"Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi",
	"Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Bangkok", "Asia/Singapore",
	"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
	"America/Sao_Paulo", "America/Buenos_Aires", "America/Mexico_City", "America/Bogota",
	"America/New_York", "America/Toronto", "America/Chicago", "America/Denver",
	"America/Phoenix", "America/Los_Angeles", "America/Vancouver", "America/Anchorage",
	"Pacific/Honolulu",
}

// AccountSettings is Settings → Account: the account's name and time
// zone, the website origins that may send beacon events and, for owners,
// a form that creates another account.
type AccountSettings struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session *apitype.Session
	loadErr string

	input     apitype.AccountInput
	loaded    bool
	fieldErrs map[string]string
	status    string
	busy      bool

	origins       string
	originsErr    string
	originsStatus string
	originsBusy   bool

	workspaceName   string
	workspaceErr    string
	workspaceBusy   bool
	createdAccount  *apitype.AccountSummary
	workspaceStatus string
}

// OnMount loads the session, then the settings when the role allows.
func (p *AccountSettings) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if !pageAllowed(PathAccountSettings, s) {
			return
		}
		ctx.Async(func() {
			settings, err := api().AccountSettings(context.Background())
			var origins []string
			if err == nil {
				origins, err = api().AllowedOrigins(context.Background())
			}
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.loadErr = "The account settings could not be loaded: " + err.Error()
					return
				}
				p.input = apitype.AccountInput{Name: settings.Name, TimeZone: settings.TimeZone}
				p.origins = strings.Join(origins, "\n")
				p.loaded = true
				setControlValue("acct-name", settings.Name)
				setControlValue("acct-time-zone", settings.TimeZone)
				setControlValue("acct-origins", p.origins)
			})
		})
	})
}

// Render draws the three forms.
func (p *AccountSettings) Render() app.UI {
	return frame(PathAccountSettings, p.session, "Account",
		alert("account-error", p.loadErr),
		app.If(p.loaded, func() app.UI {
			return app.Div().Body(
				p.renderAccountForm(),
				p.renderOriginsForm(),
			)
		}),
		app.If(p.session != nil && p.session.Role == apitype.RoleOwner, p.renderWorkspaceForm),
	)
}

func (p *AccountSettings) renderAccountForm() app.UI {
	return app.Form().ID("account-form").Class("panel").NoValidate(true).OnSubmit(p.onSave).Body(
		app.H2().Text("Name and time zone"),
		app.P().Class("lead").Text("Reports count days in the account's time zone."),
		field("acct-name", "Name", p.fieldErrs["name"],
			app.Input().
				ID("acct-name").
				Type("text").
				MaxLength(apitype.MaxAccountNameLength).
				Required(true).
				Aria("invalid", p.fieldErrs["name"] != "").
				Aria("describedby", "acct-name-error").
				Value(renderedValue("acct-name", p.input.Name)).
				OnInput(p.onNameInput),
		),
		field("acct-time-zone", "Time zone", p.fieldErrs["timeZone"],
			app.Input().
				ID("acct-time-zone").
				Type("text").
				List("time-zones").
				Required(true).
				Attr("spellcheck", "false").
				Attr("autocapitalize", "none").
				Aria("invalid", p.fieldErrs["timeZone"] != "").
				Aria("describedby", "acct-time-zone-hint acct-time-zone-error").
				Value(renderedValue("acct-time-zone", p.input.TimeZone)).
				OnInput(p.onTimeZoneInput),
			app.DataList().ID("time-zones").Body(
				app.Range(commonTimeZones).Slice(func(i int) app.UI {
					return app.Option().Value(commonTimeZones[i])
				}),
			),
			app.P().ID("acct-time-zone-hint").Class("hint").Text(timeZoneHint()),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("account-save").Type("submit").Disabled(p.busy).Text("Save"),
			app.Span().ID("account-status").Role("status").Text(p.status),
		),
	)
}

// timeZoneHint explains the field and names the browser's time zone.
func timeZoneHint() string {
	hint := "Pick a suggestion or type an IANA name such as Europe/Berlin."
	if app.IsServer {
		return hint
	}
	zone := app.Window().Get("Intl").Call("DateTimeFormat").Call("resolvedOptions").Get("timeZone")
	if zone.Truthy() {
		hint += " This browser is in " + zone.String() + "."
	}
	return hint
}

func (p *AccountSettings) renderOriginsForm() app.UI {
	return app.Form().ID("origins-form").Class("panel").NoValidate(true).OnSubmit(p.onSaveOrigins).Body(
		app.H2().Text("Allowed website origins"),
		app.P().Class("lead").Text("The beacon accepts events only from pages on these origins. Leave the list empty to accept events from any website."),
		field("acct-origins", "Origins, one per line", p.originsErr,
			app.Textarea().
				ID("acct-origins").
				Rows(4).
				Placeholder("https://www.example.com").
				Attr("spellcheck", "false").
				Aria("invalid", p.originsErr != "").
				Aria("describedby", "acct-origins-hint acct-origins-error").
				Text(renderedValue("acct-origins", p.origins)).
				OnInput(p.ValueTo(&p.origins)),
			app.P().ID("acct-origins-hint").Class("hint").Text("Write scheme://host[:port], such as https://shop.example.com, without a path."),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("origins-save").Type("submit").Disabled(p.originsBusy).Text("Save origins"),
			app.Span().ID("origins-status").Role("status").Text(p.originsStatus),
		),
	)
}

func (p *AccountSettings) renderWorkspaceForm() app.UI {
	return app.Form().ID("workspace-form").Class("panel").NoValidate(true).OnSubmit(p.onCreateWorkspace).Body(
		app.H2().Text("New account"),
		app.P().Class("lead").Text("Create a separate account, with its own events, contacts, snippet and members. You become its owner."),
		field("workspace-name", "Name", p.workspaceErr,
			app.Input().
				ID("workspace-name").
				Type("text").
				MaxLength(apitype.MaxAccountNameLength).
				Placeholder("Acme Europe").
				Aria("invalid", p.workspaceErr != "").
				Aria("describedby", "workspace-name-error").
				Value(renderedValue("workspace-name", p.workspaceName)).
				OnInput(p.ValueTo(&p.workspaceName)),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("workspace-create").Type("submit").Disabled(p.workspaceBusy).Text("Create account"),
			app.If(p.createdAccount != nil, func() app.UI {
				return app.Button().ID("workspace-switch").Type("button").Class("secondary").OnClick(p.onSwitchToCreated).
					Text("Switch to " + p.createdAccount.Name)
			}),
			app.Span().ID("workspace-status").Role("status").Text(p.workspaceStatus),
		),
	)
}

func (p *AccountSettings) onNameInput(ctx app.Context, e app.Event) {
	p.input.Name = ctx.JSSrc().Get("value").String()
	delete(p.fieldErrs, "name")
}

func (p *AccountSettings) onTimeZoneInput(ctx app.Context, e app.Event) {
	p.input.TimeZone = ctx.JSSrc().Get("value").String()
	delete(p.fieldErrs, "timeZone")
}

func (p *AccountSettings) onSave(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.fieldErrs = map[string]string{}
	p.status = ""
	name, verr := apitype.NormalizeAccountName(p.input.Name)
	if verr != nil {
		p.fieldErrs[verr.Field] = verr.Message
		return
	}
	in := apitype.AccountInput{Name: name, TimeZone: strings.TrimSpace(p.input.TimeZone)}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		saved, err := api().SaveAccountSettings(context.Background(), in)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field != "" {
					p.fieldErrs[field] = message
					return
				}
				p.status = "The settings were not saved: " + err.Error()
				return
			}
			p.input = apitype.AccountInput{Name: saved.Name, TimeZone: saved.TimeZone}
			setControlValue("acct-name", saved.Name)
			setControlValue("acct-time-zone", saved.TimeZone)
			p.status = "Saved."
			p.renameAccount(saved)
		})
	})
}

// renameAccount shows the saved name and time zone in the header and the
// account menu.
func (p *AccountSettings) renameAccount(saved apitype.AccountSettings) {
	for _, s := range []*apitype.Session{p.session, session} {
		if s != nil {
			s.AccountName = saved.Name
			s.TimeZone = saved.TimeZone
		}
	}
	for i := range accountList {
		if accountList[i].ID == saved.ID {
			accountList[i].Name = saved.Name
		}
	}
}

func (p *AccountSettings) onSaveOrigins(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.originsBusy {
		return
	}
	var origins []string
	for line := range strings.SplitSeq(p.origins, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			origins = append(origins, line)
		}
	}
	if origins == nil {
		origins = []string{}
	}
	p.originsErr, p.originsStatus = "", ""

	p.originsBusy = true
	ctx = p.ctx
	ctx.Async(func() {
		stored, err := api().SetAllowedOrigins(context.Background(), origins)
		ctx.Dispatch(func(ctx app.Context) {
			p.originsBusy = false
			if err != nil {
				if field, message := client.FieldError(err); field != "" {
					p.originsErr = message
					return
				}
				p.originsStatus = "The origins were not saved: " + err.Error()
				return
			}
			p.origins = strings.Join(stored, "\n")
			setControlValue("acct-origins", p.origins)
			if len(stored) == 0 {
				p.originsStatus = "Saved: events are accepted from any website."
			} else {
				p.originsStatus = "Saved."
			}
		})
	})
}

func (p *AccountSettings) onCreateWorkspace(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.workspaceBusy {
		return
	}
	name, verr := apitype.NormalizeAccountName(p.workspaceName)
	if verr != nil {
		p.workspaceErr = verr.Message
		return
	}
	p.workspaceErr, p.workspaceStatus = "", ""
	in := apitype.AccountInput{Name: name, TimeZone: p.session.TimeZone}

	p.workspaceBusy = true
	ctx = p.ctx
	ctx.Async(func() {
		created, err := api().CreateAccount(context.Background(), in)
		ctx.Dispatch(func(ctx app.Context) {
			p.workspaceBusy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "name" {
					p.workspaceErr = message
					return
				}
				p.workspaceStatus = "The account was not created: " + err.Error()
				return
			}
			p.createdAccount = &created
			p.workspaceName = ""
			setControlValue("workspace-name", "")
			p.workspaceStatus = "Created " + created.Name + ". You are its owner."
			if accountList != nil {
				accountList = append(accountList, created)
			}
		})
	})
}

func (p *AccountSettings) onSwitchToCreated(ctx app.Context, e app.Event) {
	if p.createdAccount == nil {
		return
	}
	id := p.createdAccount.ID
	ctx = p.ctx
	ctx.Async(func() {
		s, err := api().SwitchAccount(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.workspaceStatus = "The account could not be switched: " + err.Error()
				return
			}
			session = &s
			accountList = nil
			app.Window().Get("location").Set("href", PathReport)
		})
	})
}
