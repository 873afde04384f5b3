package page

import (
	"context"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
	"customevents/app/segment"
)

// viewActions is the value of the report page's view query parameter that
// shows the Actions view instead of the numbers.
const viewActions = "actions"

var modeChoices = []choice{
	{apitype.ActionModeNone, "Do Not Trigger Actions"},
	{apitype.ActionModeOnTheFly, "Setup Actions On-The-Fly"},
	{apitype.ActionModeActionSet, "Use an Existing Action Set"},
}

var frequencyChoices = []choice{
	{apitype.FrequencyEveryTime, "Every time the event fires"},
	{apitype.FrequencyOncePerContact, "Once per contact"},
	{apitype.FrequencyOncePerDays, "At most once per contact within a number of days"},
}

// eventActionsPanel is the Actions view of Automations → Custom Events:
// what the selected event runs when it fires. The report page keeps it by
// value, so its handlers stay bound to the same panel.
type eventActionsPanel struct {
	// ctx is the mounted page's context, for dispatches after a handler
	// returns.
	ctx app.Context

	event apitype.CustomEvent
	// canEdit is true when the session's role may change the setup. The
	// API checks the same rule.
	canEdit bool
	// seq numbers loads, so a response for an event that is no longer
	// selected is dropped.
	seq     int
	loadErr string

	// saved is the setup as stored, nil until it has loaded.
	saved     *apitype.EventActions
	mode      string
	setID     int64
	frequency string
	days      int
	editor    actionEditor
	sets      []apitype.ActionSet

	// confirmReplace is true while a switch to an action set waits for the
	// user to accept that the on-the-fly actions will be deleted.
	confirmReplace bool

	fieldErrs map[string]string
	formErr   string
	notice    string
	busy      bool
}

// mount binds the panel to the report page's context.
func (p *eventActionsPanel) mount(ctx app.Context) {
	p.ctx = ctx
	p.editor.id = "ot"
	p.editor.mount(ctx)
}

// open shows the setup of event, loading it with the pickers' data. events
// fills the event picker of the conditions.
func (p *eventActionsPanel) open(event apitype.CustomEvent, events []apitype.CustomEvent) {
	p.event = event
	p.editor.events = events
	p.saved = nil
	p.loadErr, p.formErr, p.notice = "", "", ""
	p.confirmReplace = false
	p.seq++
	seq := p.seq
	ctx := p.ctx
	ctx.Async(func() {
		bg := context.Background()
		actions, err := api().EventActions(bg, event.ID)
		var sets []apitype.ActionSet
		var lists []apitype.ContactList
		if err == nil {
			sets, err = api().ActionSets(bg)
		}
		if err == nil {
			lists, err = api().ContactLists(bg)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			if err != nil {
				p.loadErr = "The actions could not be loaded: " + err.Error()
				return
			}
			p.sets = sets
			p.editor.lists = lists
			p.apply(actions)
		})
	})
}

// apply shows a setup as stored.
func (p *eventActionsPanel) apply(ea apitype.EventActions) {
	p.saved = &ea
	p.mode = ea.Mode
	p.setID = ea.ActionSetID
	p.frequency = ea.Frequency
	p.days = ea.FrequencyDays
	if p.days == 0 {
		p.days = 30
	}
	p.fieldErrs = map[string]string{}
	p.confirmReplace = false
	p.editor.setList(ea.OnTheFly)
	days := strconv.Itoa(p.days)
	p.ctx.Defer(func(app.Context) { setControlValue("action-frequency-days", days) })
}

// render draws the mode choice, the editor or set picker of the mode, the
// frequency and the save button.
func (p *eventActionsPanel) render() app.UI {
	if p.loadErr != "" {
		return alert("event-actions-error", p.loadErr)
	}
	if p.saved == nil {
		return app.P().ID("event-actions-loading").Class("loading").Aria("live", "polite").Text("Loading actions…")
	}
	return app.Form().ID("event-actions").Class("panel").NoValidate(true).OnSubmit(p.onSave).Body(
		app.H2().Text("Actions of “"+p.event.Name+"”"),
		app.P().Class("lead").Text("Choose what runs for the contact each time the event fires."),
		app.If(!p.canEdit, func() app.UI {
			return app.P().ID("event-actions-read-only").Class("notice-box").Role("status").
				Text("You can read what this event runs. Changing it needs the editor role.")
		}),
		// A disabled fieldset disables every control in it, so viewers
		// read the setup in the same controls.
		app.FieldSet().Class("plain").Disabled(!p.canEdit).Body(p.renderControls()...),
	)
}

// renderControls draws the controls of the setup and the save button.
func (p *eventActionsPanel) renderControls() []app.UI {
	return []app.UI{
		app.FieldSet().ID("action-mode").Class("modes").Body(
			app.Legend().Text("When the event fires"),
			app.Range(modeChoices).Slice(func(i int) app.UI {
				mode := modeChoices[i]
				id := "action-mode-" + mode.value
				return app.Div().Class("check").Body(
					app.Input().ID(id).Type("radio").Name("action-mode").Value(mode.value).
						Checked(p.mode == mode.value).OnChange(p.onMode),
					app.Label().For(id).Text(mode.label),
				)
			}),
			app.P().ID("action-mode-error").Class("field-error").Aria("live", "polite").Text(p.fieldErrs["mode"]),
		),
		app.If(p.confirmReplace, p.renderReplaceConfirm),
		p.renderMode(),
		app.If(p.mode != apitype.ActionModeNone, p.renderFrequency),
		alert("event-actions-form-error", p.formErr),
		app.If(p.notice != "", func() app.UI {
			return app.P().ID("event-actions-notice").Class("notice").Role("status").Text(p.notice)
		}),
		app.If(p.canEdit, func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("event-actions-save").Type("submit").Disabled(p.busy).Text("Save actions"),
			)
		}),
	}
}

func (p *eventActionsPanel) renderReplaceConfirm() app.UI {
	n := int64(p.editor.actionCount())
	return app.Div().ID("replace-confirm").Class("confirm").Role("group").Aria("labelledby", "replace-confirm-text").Body(
		app.P().ID("replace-confirm-text").Text("This event has "+countText(n, "on-the-fly action", "on-the-fly actions")+
			". An action set replaces them: they are deleted when you save."),
		app.Button().ID("confirm-replace").Type("button").Class("danger").OnClick(p.onConfirmReplace).Text("Replace them with an action set"),
		app.Button().ID("cancel-replace").Type("button").Class("secondary").OnClick(p.onCancelReplace).Text("Keep on-the-fly actions"),
	)
}

func (p *eventActionsPanel) renderMode() app.UI {
	switch p.mode {
	case apitype.ActionModeOnTheFly:
		return p.editor.render()
	case apitype.ActionModeActionSet:
		return p.renderSetPicker()
	}
	return app.P().ID("actions-none").Class("hint").Text("The event is recorded and reported, and runs nothing.")
}

func (p *eventActionsPanel) renderSetPicker() app.UI {
	if len(p.sets) == 0 {
		return app.P().ID("action-sets-empty").Class("empty").Body(
			app.Text("No action sets yet. "),
			app.A().Href(PathActionSets).Text("Create one under Automations → Action Sets"),
			app.Text(", then choose it here."),
		)
	}
	choices := make([]choice, 0, len(p.sets)+1)
	var chosen *apitype.ActionSet
	for i, set := range p.sets {
		choices = append(choices, choice{strconv.FormatInt(set.ID, 10), set.Name})
		if set.ID == p.setID {
			chosen = &p.sets[i]
		}
	}
	if chosen == nil {
		choices = append([]choice{{"", "Choose an action set…"}}, choices...)
	}
	errMsg := p.fieldErrs["actionSetId"]
	return app.Div().Body(
		field("action-set-select", "Action set", errMsg,
			app.Select().ID("action-set-select").
				Aria("invalid", errMsg != "").
				Aria("describedby", "action-set-description action-set-summary action-set-select-error").
				OnChange(p.onSetChange).
				Body(app.Range(choices).Slice(func(i int) app.UI {
					c := choices[i]
					return app.Option().Value(c.value).Selected(c.value == idText(p.setID)).Text(c.label)
				})),
		),
		app.If(chosen != nil && chosen.Description != "", func() app.UI {
			return app.P().ID("action-set-description").Class("hint").Text(chosen.Description)
		}),
		app.P().ID("action-set-summary").Class("hint").Body(
			app.Text(setSummary(chosen)+" "),
			app.A().Href(PathActionSets).Text("Manage action sets"),
		),
	)
}

// setSummary describes what an action set runs, or prompts for a choice.
func setSummary(set *apitype.ActionSet) string {
	if set == nil {
		return "Choose the set whose actions the event runs."
	}
	return "Runs " + countText(int64(len(set.Actions.Global)), "global action", "global actions") +
		" and " + countText(int64(len(set.Actions.Conditional)), "conditional entry", "conditional entries") + "."
}

func (p *eventActionsPanel) renderFrequency() app.UI {
	errMsg := p.fieldErrs["frequency"]
	daysErr := p.fieldErrs["frequencyDays"]
	return app.Div().Class("frequency").Body(
		field("action-frequency", "How often the actions run", errMsg,
			app.Select().ID("action-frequency").
				Aria("invalid", errMsg != "").
				Aria("describedby", "action-frequency-error").
				OnChange(p.onFrequency).
				Body(app.Range(frequencyChoices).Slice(func(i int) app.UI {
					c := frequencyChoices[i]
					return app.Option().Value(c.value).Selected(c.value == p.frequency).Text(c.label)
				})),
		),
		app.If(p.frequency == apitype.FrequencyOncePerDays, func() app.UI {
			return field("action-frequency-days", "Days", daysErr,
				app.Input().ID("action-frequency-days").Type("number").Step(1).Min(1).
					Value(strconv.Itoa(p.days)).
					Aria("invalid", daysErr != "").
					Aria("describedby", "action-frequency-days-error").
					OnChange(p.onDays),
			)
		}),
	)
}

func (p *eventActionsPanel) onMode(ctx app.Context, e app.Event) {
	mode := ctx.JSSrc().Get("value").String()
	p.notice = ""
	delete(p.fieldErrs, "mode")
	if mode == apitype.ActionModeActionSet && p.mode != mode && p.editor.actionCount() > 0 {
		// The radio shows the new mode already: put it back until the
		// user confirms.
		current := p.mode
		p.confirmReplace = true
		p.ctx.Defer(func(app.Context) {
			if el := app.Window().GetElementByID("action-mode-" + current); el.Truthy() {
				el.Set("checked", true)
			}
			focus("confirm-replace")
		})
		return
	}
	p.confirmReplace = false
	p.mode = mode
	p.editor.syncControls()
}

func (p *eventActionsPanel) onConfirmReplace(ctx app.Context, e app.Event) {
	p.confirmReplace = false
	p.mode = apitype.ActionModeActionSet
	p.ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID("action-mode-" + apitype.ActionModeActionSet); el.Truthy() {
			el.Set("checked", true)
		}
		focus("action-set-select")
	})
}

func (p *eventActionsPanel) onCancelReplace(ctx app.Context, e app.Event) {
	p.confirmReplace = false
	mode := p.mode
	p.ctx.Defer(func(app.Context) { focus("action-mode-" + mode) })
}

func (p *eventActionsPanel) onSetChange(ctx app.Context, e app.Event) {
	p.setID = parseWhole(ctx.JSSrc().Get("value").String())
	delete(p.fieldErrs, "actionSetId")
}

func (p *eventActionsPanel) onFrequency(ctx app.Context, e app.Event) {
	p.frequency = ctx.JSSrc().Get("value").String()
	delete(p.fieldErrs, "frequency")
	days := strconv.Itoa(p.days)
	p.ctx.Defer(func(app.Context) { setControlValue("action-frequency-days", days) })
}

func (p *eventActionsPanel) onDays(ctx app.Context, e app.Event) {
	p.days = int(parseWhole(ctx.JSSrc().Get("value").String()))
	delete(p.fieldErrs, "frequencyDays")
}

// request returns the setup on screen as the API takes it: only the side
// that the mode uses, and days only for once_per_days.
func (p *eventActionsPanel) request() apitype.EventActions {
	in := apitype.EventActions{Mode: p.mode, Frequency: p.frequency}
	if p.frequency == apitype.FrequencyOncePerDays {
		in.FrequencyDays = p.days
	}
	switch p.mode {
	case apitype.ActionModeOnTheFly:
		in.OnTheFly = cloneActionList(p.editor.list)
	case apitype.ActionModeActionSet:
		in.ActionSetID = p.setID
	}
	return in
}

func (p *eventActionsPanel) onSave(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.saved == nil || !p.canEdit {
		return
	}
	if p.mode == apitype.ActionModeOnTheFly {
		p.editor.readControls()
	}
	if el := app.Window().GetElementByID("action-frequency-days"); el.Truthy() {
		p.days = int(parseWhole(el.Get("value").String()))
	}
	p.formErr, p.notice = "", ""
	p.fieldErrs = map[string]string{}
	p.editor.errs = map[string]string{}
	in := p.request()
	if verr := segment.ValidateEventActions(in); verr != nil {
		p.showFieldError(verr.Field, verr.Message)
		return
	}

	p.busy = true
	id, name := p.event.ID, p.event.Name
	seq := p.seq
	ctx = p.ctx
	ctx.Async(func() {
		saved, err := api().SetEventActions(context.Background(), id, in)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if seq != p.seq {
				return
			}
			if err != nil {
				if field, message := client.FieldError(err); field != "" {
					p.showFieldError(field, message)
					return
				}
				p.formErr = "The actions were not saved: " + err.Error()
				return
			}
			p.apply(saved)
			p.notice = "Saved the actions of “" + name + "”."
		})
	})
}

// markedFieldSummary is the summary above the save button when the error
// is shown next to its control.
const markedFieldSummary = "The actions were not saved: correct the marked field and save again."

// showFieldError shows an error next to the control of field, with a
// summary above the save button. An error that no control matches goes
// into the summary.
func (p *eventActionsPanel) showFieldError(field, message string) {
	switch {
	case strings.HasPrefix(field, "onTheFly.") && p.mode == apitype.ActionModeOnTheFly && p.editor.showError("onTheFly", field, message):
		p.formErr = markedFieldSummary
	case field == "mode" || field == "actionSetId" || field == "frequency" || field == "frequencyDays":
		p.fieldErrs[field] = message
		p.formErr = markedFieldSummary
		id := map[string]string{
			"mode":          "action-mode-" + p.mode,
			"actionSetId":   "action-set-select",
			"frequency":     "action-frequency",
			"frequencyDays": "action-frequency-days",
		}[field]
		p.ctx.Defer(func(app.Context) { focus(id) })
	default:
		p.formErr = "The actions were not saved: " + message
	}
}

// renderViewSwitch draws the buttons that switch the report page between
// the numbers and the selected event's actions.
func (p *Report) renderViewSwitch() app.UI {
	return app.Div().ID("view-switch").Class("view-switch").Role("group").Aria("label", "View").Body(
		app.Button().ID("view-report").Type("button").Class("secondary").DataSet("view", "").
			Aria("pressed", p.view != viewActions).OnClick(p.onView).Text("Report"),
		app.Button().ID("view-actions").Type("button").Class("secondary").DataSet("view", viewActions).
			Aria("pressed", p.view == viewActions).OnClick(p.onView).Text("Actions"),
	)
}

func (p *Report) onView(ctx app.Context, e app.Event) {
	view := ctx.JSSrc().Get("dataset").Get("view").String()
	if view == p.view {
		return
	}
	p.view = view
	p.replaceURL()
	if view == viewActions {
		p.openActions()
	}
}

// openActions loads the Actions view of the selected event.
func (p *Report) openActions() {
	if event := p.selected(); event != nil {
		p.actions.canEdit = p.session != nil && apitype.RoleAtLeast(p.session.Role, apitype.RoleEditor)
		p.actions.open(*event, p.events)
	}
}
