package page

import (
	"context"
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// EventSettings is Settings → Custom Events: the list of custom event
// definitions with a form to create, edit and delete them.
type EventSettings struct {
	app.Compo

	// ctx is the context of the mounted page. Work that ends after an
	// event handler returns dispatches through it, because go-app drops a
	// dispatch whose source element is gone, such as a confirm button
	// removed by the click it handled.
	ctx app.Context

	session *apitype.Session
	events  []apitype.CustomEvent
	loadErr string

	// editingID is the id of the definition in the form, or 0 for a new one.
	editingID  int64
	input      apitype.CustomEventInput
	slugEdited bool
	fieldErrs  map[string]string
	formErr    string
	notice     string
	busy       bool

	// confirmingID is the id of the definition whose delete awaits
	// confirmation, or 0.
	confirmingID int64
}

// OnMount loads the session and the definitions.
func (p *EventSettings) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.load(ctx)
	})
}

func (p *EventSettings) load(ctx app.Context) {
	ctx.Async(func() {
		events, err := api().CustomEvents(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = "Custom events could not be loaded: " + err.Error()
				return
			}
			p.loadErr = ""
			p.events = events
		})
	})
}

// Render draws the form and the list.
func (p *EventSettings) Render() app.UI {
	return frame(PathEventSettings, p.session, "Custom Events",
		app.P().Class("lead").Text("Define the events your websites and backends can fire. The slug is the key that $__MA.captureEvent and the GraphQL API use."),
		app.If(p.canEdit(), p.renderForm).Else(func() app.UI {
			return app.P().ID("events-read-only").Class("notice-box").Role("status").
				Text("You can read the custom events of this account. Creating, editing and deleting them needs the editor role.")
		}),
		alert("events-error", p.loadErr),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("events-notice").Class("notice").Role("status").Text(p.notice)
		}),
		p.renderList(),
	)
}

func (p *EventSettings) renderForm() app.UI {
	title, submit := "New custom event", "Create event"
	if p.editingID != 0 {
		title, submit = "Edit custom event", "Save changes"
	}
	return app.Form().ID("event-form").Class("panel").OnSubmit(p.submit).Body(
		app.H2().Text(title),
		field("ce-name", "Name", p.fieldErrs["name"],
			app.Input().
				ID("ce-name").
				Type("text").
				MaxLength(apitype.MaxNameLength).
				Required(true).
				Placeholder("Watched Demo Video").
				Aria("invalid", p.fieldErrs["name"] != "").
				Aria("describedby", "ce-name-error").
				Value(renderedValue("ce-name", p.input.Name)).
				OnInput(p.onNameInput),
		),
		field("ce-slug", "Slug", p.fieldErrs["slug"],
			app.Input().
				ID("ce-slug").
				Type("text").
				MaxLength(apitype.MaxSlugLength).
				Required(true).
				Placeholder("watched-demo-video").
				Attr("spellcheck", "false").
				Attr("autocapitalize", "none").
				Aria("invalid", p.fieldErrs["slug"] != "").
				Aria("describedby", "ce-slug-hint ce-slug-error").
				Value(renderedValue("ce-slug", p.input.Slug)).
				OnInput(p.onSlugInput),
			app.P().ID("ce-slug-hint").Class("hint").Text("Lowercase letters, digits and hyphens. impression and form-submission are reserved."),
		),
		field("ce-description", "Description", p.fieldErrs["description"],
			app.Textarea().
				ID("ce-description").
				MaxLength(apitype.MaxDescriptionLength).
				Rows(3).
				Aria("describedby", "ce-description-error").
				Text(renderedValue("ce-description", p.input.Description)).
				OnInput(p.ValueTo(&p.input.Description)),
		),
		app.Div().Class("check").Body(
			app.Input().
				ID("ce-conversion").
				Type("checkbox").
				Checked(p.input.IsConversion).
				OnChange(p.onConversionChange),
			app.Label().For("ce-conversion").Text("Counts as conversion"),
		),
		alert("event-form-error", p.formErr),
		app.Div().Class("actions").Body(
			app.Button().ID("event-submit").Type("submit").Disabled(p.busy).Text(submit),
			app.If(p.editingID != 0, func() app.UI {
				return app.Button().ID("event-cancel").Type("button").Class("secondary").OnClick(p.cancelEdit).Text("Cancel")
			}),
		),
	)
}

// canEdit reports whether the session's role may change definitions. The
// API checks the same rule.
func (p *EventSettings) canEdit() bool {
	return p.session != nil && apitype.RoleAtLeast(p.session.Role, apitype.RoleEditor)
}

// field draws a labelled form control with its inline error.
func field(id, label, errMessage string, control ...app.UI) app.UI {
	return app.Div().Class("field").Body(
		app.Label().For(id).Text(label),
		app.Div().Body(control...),
		app.P().ID(id+"-error").Class("field-error").Aria("live", "polite").Text(errMessage),
	)
}

func (p *EventSettings) renderList() app.UI {
	if p.events == nil {
		return app.Div()
	}
	if len(p.events) == 0 {
		return app.P().ID("events-empty").Class("empty").Text("No custom events yet: create the first one above.")
	}
	return app.Table().ID("events-table").Body(
		app.Caption().Text("Defined custom events"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Name"),
			app.Th().Scope("col").Text("Slug"),
			app.Th().Scope("col").Text("Description"),
			app.Th().Scope("col").Text("Conversion"),
			app.If(p.canEdit(), func() app.UI {
				return app.Th().Scope("col").Text("Actions")
			}),
		)),
		app.TBody().Body(
			app.Range(p.events).Slice(func(i int) app.UI {
				return p.renderRow(p.events[i])
			}),
		),
	)
}

func (p *EventSettings) renderRow(event apitype.CustomEvent) app.UI {
	conversion := "No"
	if event.IsConversion {
		conversion = "Yes"
	}
	var actions app.UI
	if p.confirmingID == event.ID {
		actions = app.Div().Class("confirm").Role("group").Aria("label", "Confirm delete").Body(
			app.Span().Text("Delete “"+event.Name+"”? Its recorded occurrences are kept but no longer reported, and its slug becomes free."),
			app.Button().ID("confirm-delete").Type("button").Class("danger").Disabled(p.busy).OnClick(p.deleteConfirmed).Text("Delete event"),
			app.Button().ID("cancel-delete").Type("button").Class("secondary").OnClick(p.cancelDelete).Text("Cancel"),
		)
	} else {
		actions = app.Div().Class("row-actions").Body(
			app.Button().Type("button").Class("secondary edit").Aria("label", "Edit "+event.Name).
				DataSet("id", event.ID).OnClick(p.onEditClick).Text("Edit"),
			app.Button().Type("button").Class("secondary delete").Aria("label", "Delete "+event.Name).
				DataSet("id", event.ID).OnClick(p.onDeleteClick).Text("Delete"),
			testEventButton(event, p.busy, p.onTestEventClick),
		)
	}
	return app.Tr().DataSet("slug", event.Slug).Body(
		app.Td().Class("name").Text(event.Name),
		app.Td().Body(app.Code().Class("slug").Text(event.Slug)),
		app.Td().Class("description").Text(event.Description),
		app.Td().Class("conversion").Text(conversion),
		app.If(p.canEdit(), func() app.UI {
			return app.Td().Body(actions)
		}),
	)
}

func (p *EventSettings) onNameInput(ctx app.Context, e app.Event) {
	p.input.Name = ctx.JSSrc().Get("value").String()
	delete(p.fieldErrs, "name")
	if p.editingID == 0 && !p.slugEdited {
		p.input.Slug = SuggestSlug(p.input.Name)
		// Written now because the slug field may be focused at the next
		// render, which then keeps the field's own text.
		setControlValue("ce-slug", p.input.Slug)
		p.checkSlug()
	}
}

func (p *EventSettings) onSlugInput(ctx app.Context, e app.Event) {
	p.input.Slug = ctx.JSSrc().Get("value").String()
	p.slugEdited = true
	p.checkSlug()
}

func (p *EventSettings) onConversionChange(ctx app.Context, e app.Event) {
	p.input.IsConversion = ctx.JSSrc().Get("checked").Bool()
}

// checkSlug shows the slug's error as the user types: the format rules of
// the API, and a duplicate among the definitions on screen. The API checks
// both again on save.
func (p *EventSettings) checkSlug() {
	if p.fieldErrs == nil {
		p.fieldErrs = map[string]string{}
	}
	delete(p.fieldErrs, "slug")
	if p.input.Slug == "" {
		return
	}
	if err := apitype.ValidateSlug(p.input.Slug); err != nil {
		p.fieldErrs["slug"] = err.Message
		return
	}
	taken := slices.ContainsFunc(p.events, func(e apitype.CustomEvent) bool {
		return e.Slug == p.input.Slug && e.ID != p.editingID
	})
	if taken {
		p.fieldErrs["slug"] = apitype.SlugTakenError(p.input.Slug).Message
	}
}

func (p *EventSettings) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	in := p.input
	in.Normalize()
	p.formErr, p.notice = "", ""
	p.fieldErrs = map[string]string{}
	if err := in.Validate(); err != nil {
		p.fieldErrs[err.Field] = err.Message
		return
	}

	p.busy = true
	id := p.editingID
	ctx = p.ctx
	ctx.Async(func() {
		var saved apitype.CustomEvent
		var err error
		if id == 0 {
			saved, err = api().CreateCustomEvent(context.Background(), in)
		} else {
			saved, err = api().UpdateCustomEvent(context.Background(), id, in)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.showSaveError(err)
				return
			}
			if id == 0 {
				p.notice = "Created “" + saved.Name + "”."
			} else {
				p.notice = "Saved “" + saved.Name + "”."
			}
			p.resetForm()
			p.load(ctx)
		})
	})
}

func (p *EventSettings) showSaveError(err error) {
	if field, message := client.FieldError(err); field != "" {
		p.fieldErrs[field] = message
		return
	}
	p.formErr = err.Error()
}

// eventOf returns the definition whose id the clicked element carries in
// its data-id attribute. Row buttons read the id from the DOM because go-app
// keeps a row's first click handler while the rows change under it.
func (p *EventSettings) eventOf(ctx app.Context) (apitype.CustomEvent, bool) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return apitype.CustomEvent{}, false
	}
	for _, event := range p.events {
		if event.ID == id {
			return event, true
		}
	}
	return apitype.CustomEvent{}, false
}

func (p *EventSettings) onEditClick(ctx app.Context, e app.Event) {
	event, ok := p.eventOf(ctx)
	if !ok {
		return
	}
	p.editingID = event.ID
	p.confirmingID = 0
	p.input = apitype.CustomEventInput{
		Name:         event.Name,
		Slug:         event.Slug,
		Description:  event.Description,
		IsConversion: event.IsConversion,
	}
	p.slugEdited = true
	p.fieldErrs = map[string]string{}
	p.formErr, p.notice = "", ""
	setControlValue("ce-name", event.Name)
	setControlValue("ce-slug", event.Slug)
	setControlValue("ce-description", event.Description)
	ctx.Defer(func(app.Context) { focus("ce-name") })
}

func (p *EventSettings) onDeleteClick(ctx app.Context, e app.Event) {
	if event, ok := p.eventOf(ctx); ok {
		p.confirmingID = event.ID
		p.notice = ""
	}
}

func (p *EventSettings) cancelEdit(ctx app.Context, e app.Event) {
	p.resetForm()
}

func (p *EventSettings) resetForm() {
	p.editingID = 0
	p.input = apitype.CustomEventInput{}
	p.slugEdited = false
	p.fieldErrs = map[string]string{}
	p.formErr = ""
	setControlValue("ce-name", "")
	setControlValue("ce-slug", "")
	setControlValue("ce-description", "")
}

func (p *EventSettings) cancelDelete(ctx app.Context, e app.Event) {
	p.confirmingID = 0
}

func (p *EventSettings) deleteConfirmed(ctx app.Context, e app.Event) {
	var name string
	for _, event := range p.events {
		if event.ID == p.confirmingID {
			name = event.Name
		}
	}
	runConfirmed(p.ctx, &p.confirmingID, &p.busy, func(id int64) error {
		return api().DeleteCustomEvent(context.Background(), id)
	}, func(ctx app.Context, id int64, err error) {
		if err != nil {
			p.loadErr = "“" + name + "” could not be deleted: " + err.Error()
			return
		}
		p.notice = "Deleted “" + name + "”."
		if p.editingID == id {
			p.resetForm()
		}
		p.load(ctx)
	})
}
