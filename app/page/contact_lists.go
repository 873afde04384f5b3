package page

import (
	"context"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// contactListsPanel lists the account's contact lists with their member
// counts, and creates, renames and deletes them. Actions add contacts to
// these lists and conditions test membership.
type contactListsPanel struct {
	ctx app.Context
	// editor is the action editor whose list pickers show these lists.
	editor *actionEditor

	// lists is nil until it has loaded.
	lists   []apitype.ContactList
	loadErr string
	notice  string
	busy    bool

	name    string
	nameErr string

	// renamingID is the id of the list whose name is being edited, or 0.
	renamingID int64
	renameErr  string
	// confirmingID is the id of the list whose delete awaits
	// confirmation, or 0.
	confirmingID int64
}

func (p *contactListsPanel) mount(ctx app.Context, editor *actionEditor) {
	p.ctx = ctx
	p.editor = editor
}

func (p *contactListsPanel) load() {
	ctx := p.ctx
	ctx.Async(func() {
		lists, err := api().ContactLists(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = "The contact lists could not be loaded: " + err.Error()
				return
			}
			p.lists = lists
			p.editor.lists = lists
			p.editor.syncControls()
		})
	})
}

// render draws the lists, and with canEdit the controls that change them.
func (p *contactListsPanel) render(canEdit bool) app.UI {
	return app.Section().ID("contact-lists").Class("panel").Aria("labelledby", "contact-lists-title").Body(
		app.H2().ID("contact-lists-title").Text("Contact lists"),
		app.P().Class("lead").Text("Actions add contacts to these lists or remove them, and conditions test who is on a list."),
		app.If(canEdit, p.renderCreateForm),
		alert("lists-error", p.loadErr),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("lists-notice").Class("notice").Role("status").Text(p.notice)
		}),
		p.renderTable(canEdit),
	)
}

func (p *contactListsPanel) renderCreateForm() app.UI {
	return app.Form().ID("list-form").Class("inline-form").NoValidate(true).OnSubmit(p.onCreate).Body(
		field("list-name", "New list name", p.nameErr,
			app.Input().ID("list-name").Type("text").
				MaxLength(apitype.MaxNameLength).
				Placeholder("Newsletter subscribers").
				Attr("autocomplete", "off").
				Aria("invalid", p.nameErr != "").
				Aria("describedby", "list-name-error").
				Value(renderedValue("list-name", p.name)).
				OnInput(p.onNameInput),
		),
		app.Button().ID("list-create").Type("submit").Disabled(p.busy).Text("Create list"),
	)
}

func (p *contactListsPanel) renderTable(canEdit bool) app.UI {
	if p.lists == nil {
		return app.Div()
	}
	if len(p.lists) == 0 {
		return app.P().ID("lists-empty").Class("empty").Text("No contact lists yet.")
	}
	return app.Table().ID("lists-table").Body(
		app.Caption().Text("Contact lists"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("Name"),
			app.Th().Scope("col").Text("Members"),
			app.If(canEdit, func() app.UI {
				return app.Th().Scope("col").Text("Actions")
			}),
		)),
		app.TBody().Body(
			app.Range(p.lists).Slice(func(i int) app.UI {
				return p.renderRow(p.lists[i], canEdit)
			}),
		),
	)
}

func (p *contactListsPanel) renderRow(list apitype.ContactList, canEdit bool) app.UI {
	var name, buttons app.UI
	switch {
	case p.renamingID == list.ID:
		name = app.Form().ID("list-rename-form").NoValidate(true).OnSubmit(p.onRenameSubmit).Body(
			field("list-rename", "New name for “"+list.Name+"”", p.renameErr,
				app.Input().ID("list-rename").Type("text").
					MaxLength(apitype.MaxNameLength).
					Attr("autocomplete", "off").
					Aria("invalid", p.renameErr != "").
					Aria("describedby", "list-rename-error"),
			),
			app.Div().Class("actions").Body(
				app.Button().ID("list-rename-save").Type("submit").Disabled(p.busy).Text("Save name"),
				app.Button().ID("list-rename-cancel").Type("button").Class("secondary").OnClick(p.onRenameCancel).Text("Cancel"),
			),
		)
		buttons = app.Span()
	case p.confirmingID == list.ID:
		name = app.Span().Text(list.Name)
		buttons = app.Div().Class("confirm").Role("group").Aria("label", "Confirm delete").Body(
			app.Span().Text("Delete “"+list.Name+"” and its memberships?"),
			app.Button().ID("confirm-delete-list").Type("button").Class("danger").Disabled(p.busy).OnClick(p.onDeleteConfirmed).Text("Delete list"),
			app.Button().ID("cancel-delete-list").Type("button").Class("secondary").OnClick(p.onDeleteCancel).Text("Cancel"),
		)
	default:
		name = app.Span().Text(list.Name)
		buttons = app.Div().Class("row-actions").Body(
			app.Button().Type("button").Class("secondary").Aria("label", "Rename "+list.Name).
				DataSet("id", list.ID).OnClick(p.onRenameClick).Text("Rename"),
			app.Button().Type("button").Class("secondary").Aria("label", "Delete "+list.Name).
				DataSet("id", list.ID).OnClick(p.onDeleteClick).Text("Delete"),
		)
	}
	return app.Tr().DataSet("id", list.ID).Body(
		app.Td().Class("name").Body(name),
		app.Td().Class("members").Text(strconv.FormatInt(list.Members, 10)),
		app.If(canEdit, func() app.UI {
			return app.Td().Body(buttons)
		}),
	)
}

func (p *contactListsPanel) onNameInput(ctx app.Context, e app.Event) {
	p.name = ctx.JSSrc().Get("value").String()
	p.nameErr = ""
}

func (p *contactListsPanel) onCreate(ctx app.Context, e app.Event) {
	e.PreventDefault()
	in := apitype.ContactListInput{Name: p.name}
	in.Normalize()
	p.notice, p.loadErr = "", ""
	if verr := in.Validate(); verr != nil {
		p.nameErr = verr.Message
		return
	}
	if p.busy {
		return
	}
	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		list, err := api().CreateContactList(context.Background(), in.Name)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "name" {
					p.nameErr = message
					return
				}
				p.loadErr = "The list was not created: " + err.Error()
				return
			}
			p.notice = "Created the list “" + list.Name + "”."
			p.name = ""
			setControlValue("list-name", "")
			p.load()
		})
	})
}

// listOf returns the list whose id the clicked element carries in its
// data-id attribute.
func (p *contactListsPanel) listOf(ctx app.Context) (apitype.ContactList, bool) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	if err != nil {
		return apitype.ContactList{}, false
	}
	for _, list := range p.lists {
		if list.ID == id {
			return list, true
		}
	}
	return apitype.ContactList{}, false
}

func (p *contactListsPanel) onRenameClick(ctx app.Context, e app.Event) {
	list, ok := p.listOf(ctx)
	if !ok {
		return
	}
	p.renamingID, p.confirmingID = list.ID, 0
	p.renameErr, p.notice, p.loadErr = "", "", ""
	p.ctx.Defer(func(app.Context) {
		setControlValue("list-rename", list.Name)
		focus("list-rename")
	})
}

func (p *contactListsPanel) onRenameCancel(ctx app.Context, e app.Event) {
	p.renamingID = 0
}

func (p *contactListsPanel) onRenameSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	id := p.renamingID
	if id == 0 || p.busy {
		return
	}
	in := apitype.ContactListInput{Name: app.Window().GetElementByID("list-rename").Get("value").String()}
	in.Normalize()
	if verr := in.Validate(); verr != nil {
		p.renameErr = verr.Message
		return
	}
	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		list, err := api().RenameContactList(context.Background(), id, in.Name)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if field, message := client.FieldError(err); field == "name" {
					p.renameErr = message
					return
				}
				p.loadErr = "The list was not renamed: " + err.Error()
				return
			}
			p.renamingID = 0
			p.notice = "Renamed the list to “" + list.Name + "”."
			p.load()
		})
	})
}

func (p *contactListsPanel) onDeleteClick(ctx app.Context, e app.Event) {
	if list, ok := p.listOf(ctx); ok {
		p.confirmingID, p.renamingID = list.ID, 0
		p.notice, p.loadErr = "", ""
		p.ctx.Defer(func(app.Context) { focus("cancel-delete-list") })
	}
}

func (p *contactListsPanel) onDeleteCancel(ctx app.Context, e app.Event) {
	p.confirmingID = 0
}

func (p *contactListsPanel) onDeleteConfirmed(ctx app.Context, e app.Event) {
	var name string
	for _, list := range p.lists {
		if list.ID == p.confirmingID {
			name = list.Name
		}
	}
	runConfirmed(p.ctx, &p.confirmingID, &p.busy, func(id int64) error {
		return api().DeleteContactList(context.Background(), id)
	}, func(ctx app.Context, id int64, err error) {
		if err != nil {
			p.loadErr = "“" + name + "” was not deleted. " + err.Error()
			return
		}
		p.notice = "Deleted the list “" + name + "”."
		p.load()
	})
}
