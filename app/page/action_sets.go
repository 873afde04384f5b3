package page

import (
	"context"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
	"customevents/app/segment"
)

// ActionSets is Automations → Action Sets: named action lists that custom
// events can run, with the events that use each, and the contact lists
// that actions and conditions name.
type ActionSets struct {
	app.Compo

	// ctx is the context of the mounted page. Requests dispatch their
	// results through it, because go-app drops a dispatch whose source
	// element is gone, such as a confirm button removed by its own click.
	ctx app.Context

	session *apitype.Session
	// sets is nil until the list has loaded.
	sets    []apitype.ActionSet
	loadErr string
	notice  string

	// editingID is the id of the set in the form, or 0 for a new one.
	editingID int64
	input     apitype.ActionSetInput
	editor    actionEditor
	fieldErrs map[string]string
	formErr   string
	busy      bool

	// confirmingID is the id of the set whose delete awaits confirmation,
	// or 0.
	confirmingID int64

	lists contactListsPanel
}

// OnMount loads the session, the sets and the pickers' data.
func (p *ActionSets) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.editor.id = "as"
	p.editor.mount(ctx)
	p.lists.mount(ctx, &p.editor)
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		if !pageAllowed(PathActionSets, s) {
			return
		}
		p.resetForm()
		p.load()
		p.lists.load()
	})
}

func (p *ActionSets) load() {
	ctx := p.ctx
	ctx.Async(func() {
		sets, err := api().ActionSets(context.Background())
		var events []apitype.CustomEvent
		if err == nil {
			events, err = api().CustomEvents(context.Background())
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = "The action sets could not be loaded: " + err.Error()
				return
			}
			p.sets = sets
			p.editor.events = events
		})
	})
}

// Render draws the form, the list of sets and the contact lists.
func (p *ActionSets) Render() app.UI {
	if p.session != nil && !pageAllowed(PathActionSets, *p.session) {
		return frame(PathActionSets, p.session, "Action Sets", roleNotice(PathActionSets, *p.session))
	}
	return frame(PathActionSets, p.session, "Action Sets",
		app.P().Class("lead").Text("An action set is a named list of actions that several custom events can run. Change a set once, and every event that uses it runs the new actions from its next occurrence on."),
		app.If(p.canEdit(), p.renderForm).Else(func() app.UI {
			return app.P().ID("action-sets-read-only").Class("notice-box").Role("status").
				Text("You can read the action sets and lists of this account. Changing them needs the editor role.")
		}),
		alert("action-sets-error", p.loadErr),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("action-sets-notice").Class("notice").Role("status").Text(p.notice)
		}),
		p.renderList(),
		p.lists.render(p.canEdit()),
	)
}

// canEdit reports whether the session's role may change action sets and
// lists. The API checks the same rule.
func (p *ActionSets) canEdit() bool {
	return p.session != nil && apitype.RoleAtLeast(p.session.Role, apitype.RoleEditor)
}

func (p *ActionSets) renderForm() app.UI {
	title, submit := "New action set", "Create action set"
	if p.editingID != 0 {
		title, submit = "Edit action set", "Save changes"
	}
	return app.Form().ID("action-set-form").Class("panel").NoValidate(true).OnSubmit(p.onSubmit).Body(
		app.H2().Text(title),
		field("set-name", "Name", p.fieldErrs["name"],
			app.Input().ID("set-name").Type("text").
				MaxLength(apitype.MaxNameLength).
				Required(true).
				Placeholder("Onboarding").
				Attr("autocomplete", "off").
				Aria("invalid", p.fieldErrs["name"] != "").
				Aria("describedby", "set-name-error").
				Value(renderedValue("set-name", p.input.Name)).
				OnInput(p.onNameInput),
		),
		field("set-description", "Description", p.fieldErrs["description"],
			app.Textarea().ID("set-description").
				MaxLength(apitype.MaxDescriptionLength).
				Rows(2).
				Aria("describedby", "set-description-error").
				Text(renderedValue("set-description", p.input.Description)).
				OnInput(p.ValueTo(&p.input.Description)),
		),
		p.editor.render(),
		alert("action-set-form-error", p.formErr),
		app.Div().Class("actions").Body(
			app.Button().ID("action-set-submit").Type("submit").Disabled(p.busy).Text(submit),
			app.If(p.editingID != 0, func() app.UI {
				return app.Button().ID("action-set-cancel").Type("button").Class("secondary").OnClick(p.onCancelEdit).Text("Cancel")
			}),
		),
	)
}

func (p *ActionSets) renderList() app.UI {
	if p.sets == nil {
		return app.Div()
	}
	if len(p.sets) == 0 {
		return app.P().ID("action-sets-empty").Class("empty").Text("No action sets yet: create the first one above.")
	}
	return app.Table().ID("action-sets-table").Body(
		app.Caption().Text("Action sets"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Name"),
			app.Th().Scope("col").Text("Runs"),
			app.Th().Scope("col").Text("Used by"),
			app.If(p.canEdit(), func() app.UI {
				return app.Th().Scope("col").Text("Actions")
			}),
		)),
		app.TBody().Body(
			app.Range(p.sets).Slice(func(i int) app.UI {
				return p.renderRow(p.sets[i])
			}),
		),
	)
}

func (p *ActionSets) renderRow(set apitype.ActionSet) app.UI {
	var buttons app.UI
	if p.confirmingID == set.ID {
		buttons = app.Div().Class("confirm").Role("group").Aria("label", "Confirm delete").Body(
			app.Span().Text("Delete “"+set.Name+"”?"),
			app.Button().ID("confirm-delete-set").Type("button").Class("danger").Disabled(p.busy).OnClick(p.onDeleteConfirmed).Text("Delete action set"),
			app.Button().ID("cancel-delete-set").Type("button").Class("secondary").OnClick(p.onCancelDelete).Text("Cancel"),
		)
	} else {
		buttons = app.Div().Class("row-actions").Body(
			app.Button().Type("button").Class("secondary edit").Aria("label", "Edit "+set.Name).
				DataSet("id", set.ID).OnClick(p.onEditClick).Text("Edit"),
			app.Button().Type("button").Class("secondary delete").Aria("label", "Delete "+set.Name).
				DataSet("id", set.ID).OnClick(p.onDeleteClick).Text("Delete"),
		)
	}
	return app.Tr().DataSet("id", set.ID).Body(
		app.Td().Class("name").Body(
			app.Strong().Text(set.Name),
			app.If(set.Description != "", func() app.UI {
				return app.P().Class("description").Text(set.Description)
			}),
		),
		app.Td().Class("runs").Text(countText(int64(len(set.Actions.Global)), "global action", "global actions")+", "+
			countText(int64(len(set.Actions.Conditional)), "conditional entry", "conditional entries")),
		app.Td().Class("linked").Body(p.renderLinked(set.LinkedEvents)),
		app.If(p.canEdit(), func() app.UI {
			return app.Td().Body(buttons)
		}),
	)
}

// renderLinked lists the events that use a set, each a link to its
// Actions view.
func (p *ActionSets) renderLinked(events []apitype.EventRef) app.UI {
	if len(events) == 0 {
		return app.Span().Class("empty").Text("No events")
	}
	return app.Ul().Class("linked-events").Body(
		app.Range(events).Slice(func(i int) app.UI {
			event := events[i]
			href := PathReport + "?" + url.Values{"event": {event.Slug}, "view": {viewActions}}.Encode()
			return app.Li().Body(app.A().Href(href).Text(event.Name))
		}),
	)
}

func (p *ActionSets) onNameInput(ctx app.Context, e app.Event) {
	p.input.Name = ctx.JSSrc().Get("value").String()
	delete(p.fieldErrs, "name")
}

func (p *ActionSets) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.editor.readControls()
	in := p.input
	in.Actions = cloneActionList(p.editor.list)
	in.Normalize()
	p.formErr, p.notice = "", ""
	p.fieldErrs = map[string]string{}
	p.editor.errs = map[string]string{}
	if verr := in.Validate(); verr != nil {
		p.showFieldError(verr.Field, verr.Message)
		return
	}
	if verr := segment.ValidateActionList(in.Actions); verr != nil {
		p.showFieldError("actions."+verr.Field, verr.Message)
		return
	}

	p.busy = true
	id := p.editingID
	ctx = p.ctx
	ctx.Async(func() {
		var saved apitype.ActionSet
		var err error
		if id == 0 {
			saved, err = api().CreateActionSet(context.Background(), in)
		} else {
			saved, err = api().UpdateActionSet(context.Background(), id, in)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field != "" {
					p.showFieldError(field, message)
					return
				}
				p.formErr = "The action set was not saved: " + err.Error()
				return
			}
			if id == 0 {
				p.notice = "Created “" + saved.Name + "”."
			} else {
				p.notice = "Saved “" + saved.Name + "”."
			}
			p.resetForm()
			p.load()
		})
	})
}

// showFieldError shows an error next to the control of field, with a
// summary above the save button.
func (p *ActionSets) showFieldError(field, message string) {
	switch {
	case field == "name" || field == "description":
		p.fieldErrs[field] = message
		p.formErr = "The action set was not saved: correct the marked field and save again."
		p.ctx.Defer(func(app.Context) { focus("set-" + field) })
	case p.editor.showError("actions", field, message):
		p.formErr = "The action set was not saved: correct the marked field and save again."
	default:
		p.formErr = "The action set was not saved: " + message
	}
}

// setOf returns the set whose id the clicked element carries in its data-id
// attribute.
func (p *ActionSets) setOf(ctx app.Context) (apitype.ActionSet, bool) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return apitype.ActionSet{}, false
	}
	for _, set := range p.sets {
		if set.ID == id {
			return set, true
		}
	}
	return apitype.ActionSet{}, false
}

func (p *ActionSets) onEditClick(ctx app.Context, e app.Event) {
	set, ok := p.setOf(ctx)
	if !ok {
		return
	}
	p.editingID = set.ID
	p.confirmingID = 0
	p.input = apitype.ActionSetInput{Name: set.Name, Description: set.Description}
	p.fieldErrs = map[string]string{}
	p.formErr, p.notice, p.loadErr = "", "", ""
	p.editor.setList(set.Actions)
	setControlValue("set-name", set.Name)
	setControlValue("set-description", set.Description)
	p.ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID("action-set-form"); el.Truthy() {
			el.Call("scrollIntoView", map[string]any{"block": "start"})
		}
		focus("set-name")
	})
}

func (p *ActionSets) onCancelEdit(ctx app.Context, e app.Event) {
	p.resetForm()
}

func (p *ActionSets) resetForm() {
	p.editingID = 0
	p.input = apitype.ActionSetInput{}
	p.fieldErrs = map[string]string{}
	p.formErr = ""
	p.editor.setList(apitype.ActionList{})
	setControlValue("set-name", "")
	setControlValue("set-description", "")
}

func (p *ActionSets) onDeleteClick(ctx app.Context, e app.Event) {
	if set, ok := p.setOf(ctx); ok {
		p.confirmingID = set.ID
		p.notice, p.loadErr = "", ""
		p.ctx.Defer(func(app.Context) { focus("cancel-delete-set") })
	}
}

func (p *ActionSets) onCancelDelete(ctx app.Context, e app.Event) {
	p.confirmingID = 0
}

func (p *ActionSets) onDeleteConfirmed(ctx app.Context, e app.Event) {
	var name string
	for _, set := range p.sets {
		if set.ID == p.confirmingID {
			name = set.Name
		}
	}
	runConfirmed(p.ctx, &p.confirmingID, &p.busy, func(id int64) error {
		return api().DeleteActionSet(context.Background(), id)
	}, func(ctx app.Context, id int64, err error) {
		if err != nil {
			p.loadErr = "“" + name + "” was not deleted. " + err.Error()
			return
		}
		p.notice = "Deleted “" + name + "”."
		if p.editingID == id {
			p.resetForm()
		}
		p.load()
	})
}
