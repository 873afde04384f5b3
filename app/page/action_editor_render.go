package page

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// choice is one option of a select.
type choice struct {
	value string
	label string
}

var actionTypeChoices = []choice{
	{apitype.ActionAdjustScore, "Adjust lead score"},
	{apitype.ActionSetField, "Set contact field"},
	{apitype.ActionSetStage, "Set lifecycle stage"},
	{apitype.ActionAddToList, "Add to list"},
	{apitype.ActionRemoveFromList, "Remove from list"},
	{apitype.ActionAddTag, "Add tag"},
	{apitype.ActionRemoveTag, "Remove tag"},
	{apitype.ActionWebhook, "Send webhook"},
	{apitype.ActionNotifyEmail, "Send notification email"},
}

var conditionKindChoices = []choice{
	{apitype.ConditionField, "Contact field"},
	{apitype.ConditionLeadScore, "Lead score"},
	{apitype.ConditionLifecycleStage, "Lifecycle stage"},
	{apitype.ConditionList, "List membership"},
	{apitype.ConditionTag, "Tag"},
	{apitype.ConditionEventCount, "Triggered event"},
	{apitype.ConditionVisitedURL, "Visited page"},
}

var matchChoices = []choice{
	{"all", "All of these conditions"},
	{"any", "Any of these conditions"},
}

// settableFields are the contact fields that set_field writes, and
// customFieldPrefix picks a custom field by name.
var settableFields = []choice{
	{"first_name", "First name"},
	{"last_name", "Last name"},
	{"company", "Company"},
	{"job_title", "Job title"},
	{customFieldPrefix, "Custom field"},
}

// testableFields are the contact fields that field conditions read.
var testableFields = append([]choice{{"email", "Email"}}, settableFields...)

var fieldOpChoices = []choice{
	{"equals", "is"},
	{"contains", "contains"},
	{"starts_with", "starts with"},
	{"is_empty", "is empty"},
	{"in_list", "is one of"},
}

var scoreOpChoices = []choice{
	{"eq", "is"},
	{"lt", "is below"},
	{"gt", "is above"},
	{"between", "is between"},
}

var stageOpChoices = []choice{{"equals", "is"}, {"in_list", "is one of"}}
var listOpChoices = []choice{{"member", "is in"}, {"not_member", "is not in"}}
var tagOpChoices = []choice{{"has", "has the tag"}, {"not_has", "does not have the tag"}}

var stageChoices = []choice{
	{"subscriber", "Subscriber"},
	{"lead", "Lead"},
	{"mql", "Marketing qualified lead"},
	{"sql", "Sales qualified lead"},
	{"opportunity", "Opportunity"},
	{"customer", "Customer"},
	{"evangelist", "Evangelist"},
	{"other", "Other"},
}

// render draws the global actions and the conditional entries.
func (ed *actionEditor) render() app.UI {
	globalAdd := controlID(ed.id, "global-add")
	return app.Div().ID(ed.id).Class("action-editor").Body(
		app.H3().Text("Global actions"),
		app.P().Class("hint").Text("Run for every contact who triggers the event, in this order."),
		ed.containerError("global"),
		ed.renderActions("global", ed.list.Global, globalAdd),
		app.Button().ID(globalAdd).Type("button").Class("secondary").
			DataSet("path", "global").OnClick(ed.onAdd).Text("Add global action"),

		app.H3().Text("Conditional actions"),
		app.P().Class("hint").Text("Run only for the contacts who match the conditions when the event fires."),
		ed.containerError("conditional"),
		app.Range(ed.list.Conditional).Slice(ed.renderEntry),
		app.Button().ID(controlID(ed.id, "conditional-add")).Type("button").Class("secondary").
			DataSet("path", "conditional").OnClick(ed.onAdd).Text("Add conditional actions"),
	)
}

// renderActions draws the actions at listPath. addID is the id of the
// list's add button, which takes the focus when an action is removed.
func (ed *actionEditor) renderActions(listPath string, actions []apitype.Action, addID string) app.UI {
	if len(actions) == 0 {
		return app.P().Class("empty").Text("No actions yet.")
	}
	return app.Ol().Class("action-list").Body(
		app.Range(actions).Slice(func(i int) app.UI {
			path := fmt.Sprintf("%s[%d]", listPath, i)
			a := actions[i]
			fields := []app.UI{ed.selectInput(path+".type", "Action", actionTypeChoices, a.Type)}
			fields = append(fields, ed.actionFields(path, a)...)
			fields = append(fields, app.Button().Type("button").Class("secondary remove").
				DataSet("path", path).DataSet("after", addID).
				Aria("label", fmt.Sprintf("Remove action %d", i+1)).
				OnClick(ed.onRemove).Text("Remove"))
			return app.Li().Class("action-row").Body(
				app.Div().Class("inline-fields").Role("group").Aria("label", fmt.Sprintf("Action %d", i+1)).Body(fields...),
				ed.containerError(path),
			)
		}),
	)
}

// actionFields draws the controls that the type of a reads.
func (ed *actionEditor) actionFields(path string, a apitype.Action) []app.UI {
	switch a.Type {
	case apitype.ActionAdjustScore:
		return []app.UI{ed.numberInput(path+".delta", "Points, negative to subtract", a.Delta)}
	case apitype.ActionSetField:
		return ed.contactFieldInputs(path, a.Field, settableFields,
			ed.textInput(path+".value", "New value", a.Value, "text"))
	case apitype.ActionSetStage:
		return []app.UI{ed.selectInput(path+".value", "Stage", stageChoices, a.Value)}
	case apitype.ActionAddToList, apitype.ActionRemoveFromList:
		return []app.UI{ed.selectInput(path+".listId", "List", ed.listChoices(a.ListID), idText(a.ListID))}
	case apitype.ActionAddTag, apitype.ActionRemoveTag:
		return []app.UI{ed.textInput(path+".value", "Tag", a.Value, "text")}
	case apitype.ActionWebhook:
		return []app.UI{
			ed.textInput(path+".url", "Webhook URL", a.URL, "url"),
			ed.textInput(path+".secret", fmt.Sprintf("Signing secret, at least %d characters", segment.MinWebhookSecret), a.Secret, "text"),
		}
	case apitype.ActionNotifyEmail:
		return []app.UI{
			ed.textInput(path+".to", "Recipients, separated by commas", strings.Join(a.To, ", "), "text"),
			ed.textInput(path+".subject", "Subject", a.Subject, "text"),
		}
	}
	return nil
}

// contactFieldInputs draws a contact field picker, the custom field name
// when the picker chose a custom field, and then more.
func (ed *actionEditor) contactFieldInputs(path, field string, fields []choice, more ...app.UI) []app.UI {
	out := []app.UI{ed.selectInput(path+".field", "Field", fields, contactFieldValue(field))}
	if contactFieldValue(field) == customFieldPrefix {
		out = append(out, ed.textInput(path+".customField", "Custom field name", field[len(customFieldPrefix):], "text"))
	}
	return append(out, more...)
}

// renderEntry draws conditional entry i: its condition tree, the live
// count of matching contacts and its actions.
func (ed *actionEditor) renderEntry(i int) app.UI {
	entry := ed.list.Conditional[i]
	path := fmt.Sprintf("conditional[%d]", i)
	titleID := controlID(ed.id, path+"-title")
	addID := controlID(ed.id, path+".actions-add")
	return app.Section().Class("entry").Aria("labelledby", titleID).Body(
		app.Div().Class("entry-header").Body(
			app.H4().ID(titleID).Text(fmt.Sprintf("Conditional actions %d", i+1)),
			app.Button().Type("button").Class("secondary remove").
				DataSet("path", path).DataSet("after", controlID(ed.id, "conditional-add")).
				Aria("label", fmt.Sprintf("Remove conditional actions %d", i+1)).
				OnClick(ed.onRemove).Text("Remove"),
		),
		ed.containerError(path),
		ed.containerError(path+".condition"),
		ed.renderCondition(path+".condition.root", entry.Condition.Root, 0, ""),
		app.P().ID(controlID(ed.id, path+"-count")).Class("segment-count").Aria("live", "polite").Text(ed.countLine(i)),
		app.P().Class("then").Text("Then run, for each matching contact:"),
		ed.containerError(path+".actions"),
		ed.renderActions(path+".actions", entry.Actions, addID),
		app.Button().ID(addID).Type("button").Class("secondary").
			DataSet("path", path+".actions").OnClick(ed.onAdd).Text("Add action"),
	)
}

// renderCondition draws a group or a test. depth counts the groups above
// c, and afterRemove is the id of the button that takes the focus when c
// is removed, or empty for the root, which cannot be removed.
func (ed *actionEditor) renderCondition(path string, c apitype.Condition, depth int, afterRemove string) app.UI {
	if c.Kind != apitype.ConditionGroup {
		return ed.renderTest(path, c, afterRemove)
	}
	legend := "Contacts who match"
	if depth > 0 {
		legend = "Group"
	}
	addID := controlID(ed.id, path+"-add")
	var remove app.UI
	if afterRemove != "" {
		remove = app.Button().Type("button").Class("secondary remove").
			DataSet("path", path).DataSet("after", afterRemove).
			Aria("label", "Remove this group").OnClick(ed.onRemove).Text("Remove")
	}
	return app.FieldSet().Class("condition-group").Body(
		app.Legend().Text(legend),
		ed.selectInput(path+".match", "Match", matchChoices, c.Match),
		ed.containerError(path),
		ed.containerError(path+".conditions"),
		app.Ul().Class("conditions").Body(
			app.Range(c.Conditions).Slice(func(i int) app.UI {
				return app.Li().Body(ed.renderCondition(fmt.Sprintf("%s.conditions[%d]", path, i), c.Conditions[i], depth+1, addID))
			}),
		),
		app.Div().Class("actions").Body(
			app.Button().ID(addID).Type("button").Class("secondary").
				DataSet("path", path).DataSet("kind", apitype.ConditionTag).
				OnClick(ed.onAdd).Text("Add condition"),
			app.If(depth+1 < segment.MaxGroupDepth, func() app.UI {
				return app.Button().Type("button").Class("secondary").
					DataSet("path", path).DataSet("kind", apitype.ConditionGroup).
					OnClick(ed.onAdd).Text("Add group")
			}),
			remove,
		),
	)
}

// renderTest draws one test of the contact with the controls its kind
// reads.
func (ed *actionEditor) renderTest(path string, c apitype.Condition, afterRemove string) app.UI {
	fields := []app.UI{ed.selectInput(path+".kind", "Condition", conditionKindChoices, c.Kind)}
	fields = append(fields, ed.testFields(path, c)...)
	if afterRemove != "" {
		fields = append(fields, app.Button().Type("button").Class("secondary remove").
			DataSet("path", path).DataSet("after", afterRemove).
			Aria("label", "Remove this condition").OnClick(ed.onRemove).Text("Remove"))
	}
	return app.Div().Class("condition-row").Body(
		app.Div().Class("inline-fields").Role("group").Aria("label", "Condition").Body(fields...),
		ed.containerError(path),
	)
}

func (ed *actionEditor) testFields(path string, c apitype.Condition) []app.UI {
	switch c.Kind {
	case apitype.ConditionField:
		var value app.UI
		switch c.Op {
		case "in_list":
			value = ed.textArea(path+".values", "Values, one per line", strings.Join(c.Values, "\n"))
		case "is_empty":
		default:
			value = ed.textInput(path+".value", "Value", c.Value, "text")
		}
		return ed.contactFieldInputs(path, c.Field, testableFields,
			ed.selectInput(path+".op", "Test", fieldOpChoices, c.Op), value)
	case apitype.ConditionLeadScore:
		out := []app.UI{ed.selectInput(path+".op", "Test", scoreOpChoices, c.Op)}
		if c.Op == "between" {
			return append(out,
				ed.numberInput(path+".number", "From", c.Number),
				ed.numberInput(path+".number2", "To", c.Number2))
		}
		return append(out, ed.numberInput(path+".number", "Score", c.Number))
	case apitype.ConditionLifecycleStage:
		out := []app.UI{ed.selectInput(path+".op", "Test", stageOpChoices, c.Op)}
		if c.Op == "in_list" {
			return append(out, ed.stageChecks(path+".values", c.Values))
		}
		return append(out, ed.selectInput(path+".value", "Stage", stageChoices, c.Value))
	case apitype.ConditionList:
		return []app.UI{
			ed.selectInput(path+".op", "Test", listOpChoices, c.Op),
			ed.selectInput(path+".listId", "List", ed.listChoices(c.ListID), idText(c.ListID)),
		}
	case apitype.ConditionTag:
		return []app.UI{
			ed.selectInput(path+".op", "Test", tagOpChoices, c.Op),
			ed.textInput(path+".value", "Tag", c.Value, "text"),
		}
	case apitype.ConditionEventCount:
		return []app.UI{
			ed.selectInput(path+".event", "Event", ed.eventChoices(c.Event), c.Event),
			ed.numberInput(path+".number", "At least, times", c.Number),
			ed.numberInput(path+".days", "In the last, days", int64(c.Days)),
		}
	case apitype.ConditionVisitedURL:
		return []app.UI{
			ed.textInput(path+".value", "Page URL contains", c.Value, "text"),
			ed.numberInput(path+".days", "In the last, days", int64(c.Days)),
		}
	}
	return nil
}

// stageChecks draws a checkbox per lifecycle stage for an in_list test.
func (ed *actionEditor) stageChecks(path string, values []string) app.UI {
	id := controlID(ed.id, path)
	msg := ed.errorFor(path)
	return app.FieldSet().ID(id).Class("checks").Body(
		app.Legend().Text("Stages"),
		app.Range(stageChoices).Slice(func(i int) app.UI {
			stage := stageChoices[i]
			boxID := id + "-" + stage.value
			return app.Div().Class("check").Body(
				app.Input().ID(boxID).Type("checkbox").
					DataSet("field", path).DataSet("value", stage.value).
					Checked(slices.Contains(values, stage.value)).
					OnChange(ed.onToggle),
				app.Label().For(boxID).Text(stage.label),
			)
		}),
		app.If(msg != "", func() app.UI {
			return app.P().Class("field-error").Text(msg)
		}),
	)
}

// labelled draws a label, a control and the control's error. The control
// must have the id controlID(ed.id, path).
func (ed *actionEditor) labelled(path, label string, control app.UI) app.UI {
	id := controlID(ed.id, path)
	msg := ed.errorFor(path)
	return app.Div().Class("field").Body(
		app.Label().For(id).Text(label),
		control,
		app.If(msg != "", func() app.UI {
			return app.P().ID(id + "-error").Class("field-error").Text(msg)
		}),
	)
}

func (ed *actionEditor) textInput(path, label, value, inputType string) app.UI {
	id := controlID(ed.id, path)
	return ed.labelled(path, label, app.Input().ID(id).Type(inputType).
		DataSet("field", path).
		Value(value).
		Attr("autocomplete", "off").
		Aria("invalid", ed.errorFor(path) != "").
		Aria("describedby", id+"-error").
		OnChange(ed.onChange))
}

func (ed *actionEditor) numberInput(path, label string, value int64) app.UI {
	id := controlID(ed.id, path)
	return ed.labelled(path, label, app.Input().ID(id).Type("number").Step(1).
		DataSet("field", path).
		Value(strconv.FormatInt(value, 10)).
		Aria("invalid", ed.errorFor(path) != "").
		Aria("describedby", id+"-error").
		OnChange(ed.onChange))
}

func (ed *actionEditor) textArea(path, label, value string) app.UI {
	id := controlID(ed.id, path)
	return ed.labelled(path, label, app.Textarea().ID(id).Rows(3).
		DataSet("field", path).
		Text(value).
		Aria("invalid", ed.errorFor(path) != "").
		Aria("describedby", id+"-error").
		OnChange(ed.onChange))
}

// selectInput draws a select of choices. A value that no choice has gets
// a first option of its own, so the select never shows another value than
// the one stored.
func (ed *actionEditor) selectInput(path, label string, choices []choice, value string) app.UI {
	id := controlID(ed.id, path)
	if !slices.ContainsFunc(choices, func(c choice) bool { return c.value == value }) {
		placeholder := choice{value, value}
		if value == "" {
			placeholder.label = "Choose…"
		}
		choices = append([]choice{placeholder}, choices...)
	}
	return ed.labelled(path, label, app.Select().ID(id).
		DataSet("field", path).
		Aria("invalid", ed.errorFor(path) != "").
		Aria("describedby", id+"-error").
		OnChange(ed.onChange).
		Body(app.Range(choices).Slice(func(i int) app.UI {
			return app.Option().Value(choices[i].value).Selected(choices[i].value == value).Text(choices[i].label)
		})))
}

// containerError draws the error of a list or group, which has no control
// of its own.
func (ed *actionEditor) containerError(path string) app.UI {
	msg := ed.errs[path]
	return app.If(msg != "", func() app.UI {
		return app.P().ID(controlID(ed.id, path)).Class("field-error").TabIndex(-1).Text(msg)
	})
}

// listChoices returns the contact lists for a picker. A list id that the
// account no longer has stays as an option labelled as deleted.
func (ed *actionEditor) listChoices(current int64) []choice {
	out := make([]choice, 0, len(ed.lists)+1)
	found := current == 0
	for _, list := range ed.lists {
		out = append(out, choice{strconv.FormatInt(list.ID, 10), list.Name + " (" + countText(list.Members, "member", "members") + ")"})
		found = found || list.ID == current
	}
	if !found {
		out = append([]choice{{idText(current), "Deleted list " + idText(current)}}, out...)
	}
	return out
}

// eventChoices returns the custom events for a picker, by slug.
func (ed *actionEditor) eventChoices(current string) []choice {
	out := make([]choice, 0, len(ed.events)+1)
	found := current == ""
	for _, event := range ed.events {
		out = append(out, choice{event.Slug, event.Name + " (" + event.Slug + ")"})
		found = found || event.Slug == current
	}
	if !found {
		out = append([]choice{{current, current + " (deleted event)"}}, out...)
	}
	return out
}
