package page

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// actionEditor edits an action list: global actions, and conditional
// entries that each pair a condition tree with actions. A page keeps one by
// value, so the handlers bound to it stay valid from render to render.
//
// Controls carry their field path, relative to the list, in data-field,
// and buttons the path of the item they change in data-path. Handlers read
// these attributes because go-app keeps a control's first handler while
// the rows under it shift.
type actionEditor struct {
	// id prefixes the HTML ids of the controls.
	id string
	// ctx is the mounted page's context, for the segment counts and for
	// work after a render. mounted is false until the page sets it.
	ctx     app.Context
	mounted bool

	list apitype.ActionList
	// errs maps field paths relative to the list, such as
	// "global[0].delta", to the messages shown next to their controls.
	errs map[string]string
	// counts holds one count per conditional entry, in entry order.
	counts []segmentCount

	// lists and events fill the list and event pickers.
	lists  []apitype.ContactList
	events []apitype.CustomEvent
}

// segmentCount is the live count of one conditional entry's contacts.
type segmentCount struct {
	// key is the JSON of the condition that the count belongs to.
	key      string
	loading  bool
	contacts int64
	err      string
}

// mount gives the editor the context of the page that was just mounted.
func (ed *actionEditor) mount(ctx app.Context) {
	ed.ctx, ed.mounted = ctx, true
}

// setList replaces the edited list and clears errors and counts.
func (ed *actionEditor) setList(list apitype.ActionList) {
	ed.list = cloneActionList(list)
	ed.errs = map[string]string{}
	ed.counts = make([]segmentCount, len(ed.list.Conditional))
	ed.refreshCounts()
	ed.syncControls()
}

// actionCount returns how many actions the list holds in all.
func (ed *actionEditor) actionCount() int {
	n := len(ed.list.Global)
	for _, entry := range ed.list.Conditional {
		n += len(entry.Actions)
	}
	return n
}

// cloneActionList returns a deep copy of list, so edits never reach the
// copy that the page last loaded.
func cloneActionList(list apitype.ActionList) apitype.ActionList {
	var out apitype.ActionList
	b, err := json.Marshal(list)
	if err == nil && json.Unmarshal(b, &out) == nil {
		return out
	}
	return apitype.ActionList{}
}

// showError shows message next to the control of field when field lies
// under prefix, the API field that holds the list, such as "onTheFly". It
// reports whether it did.
func (ed *actionEditor) showError(prefix, field, message string) bool {
	rel, ok := strings.CutPrefix(field, prefix+".")
	if !ok || !ed.hasPlaceFor(rel) {
		return false
	}
	ed.errs = map[string]string{rel: message}
	if ed.mounted {
		ed.ctx.Defer(func(app.Context) { ed.focusError(rel) })
	}
	return true
}

// hasPlaceFor reports whether the editor shows an error on path: next to
// a control, such as global[0].delta or its element to[1], or under an
// item or a list, such as conditional[0].actions.
func (ed *actionEditor) hasPlaceFor(path string) bool {
	if _, ok := ed.get(path); ok {
		return true
	}
	if i := strings.LastIndexByte(path, '['); i > 0 && strings.HasSuffix(path, "]") {
		if _, ok := ed.get(path[:i]); ok {
			return true
		}
	}
	if path == "global" || path == "conditional" {
		return true
	}
	steps, ok := parseFieldPath(path)
	if !ok {
		return false
	}
	if ed.actionAt(steps) != nil || ed.conditionAt(steps) != nil {
		return true
	}
	last := steps[len(steps)-1]
	switch {
	case len(steps) == 1:
		return ed.entryAt(steps[0]) != nil
	case len(steps) == 2 && (last == pathStep{Name: "condition"} || last == pathStep{Name: "actions"}):
		return ed.entryAt(steps[0]) != nil
	case last == pathStep{Name: "conditions"}:
		c := ed.conditionAt(steps[:len(steps)-1])
		return c != nil && c.Kind == apitype.ConditionGroup
	}
	return false
}

// focusError moves the focus to the control of path, or to the nearest
// item above it that has one.
func (ed *actionEditor) focusError(path string) {
	for p := path; p != ""; {
		if el := app.Window().GetElementByID(controlID(ed.id, p)); el.Truthy() {
			el.Call("focus")
			return
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return
		}
		p = p[:i]
	}
}

// errorFor returns the message for path, or for an element of it such as
// to[1] when path is to.
func (ed *actionEditor) errorFor(path string) string {
	if msg, ok := ed.errs[path]; ok {
		return msg
	}
	for field, msg := range ed.errs {
		if strings.HasPrefix(field, path+"[") && !strings.Contains(field[len(path):], ".") {
			return msg
		}
	}
	return ""
}

// newAction returns an action of type t with the defaults of its controls.
func (ed *actionEditor) newAction(t string) apitype.Action {
	a := apitype.Action{Type: t}
	switch t {
	case apitype.ActionAdjustScore:
		a.Delta = 10
	case apitype.ActionSetField:
		a.Field = "first_name"
	case apitype.ActionSetStage:
		a.Value = "lead"
	case apitype.ActionAddToList, apitype.ActionRemoveFromList:
		if len(ed.lists) > 0 {
			a.ListID = ed.lists[0].ID
		}
	}
	return a
}

// newCondition returns a test of kind with the defaults of its controls,
// or for a group one that holds such a test.
func (ed *actionEditor) newCondition(kind string) apitype.Condition {
	c := apitype.Condition{Kind: kind}
	switch kind {
	case apitype.ConditionGroup:
		c.Match = "all"
		c.Conditions = []apitype.Condition{ed.newCondition(apitype.ConditionTag)}
	case apitype.ConditionField:
		c.Field, c.Op = "email", "contains"
	case apitype.ConditionLeadScore:
		c.Op = "gt"
	case apitype.ConditionLifecycleStage:
		c.Op, c.Value = "equals", "lead"
	case apitype.ConditionList:
		c.Op = "member"
		if len(ed.lists) > 0 {
			c.ListID = ed.lists[0].ID
		}
	case apitype.ConditionTag:
		c.Op = "has"
	case apitype.ConditionEventCount:
		c.Number, c.Days = 1, 30
		if len(ed.events) > 0 {
			c.Event = ed.events[0].Slug
		}
	case apitype.ConditionVisitedURL:
		c.Days = 30
	}
	return c
}

// actionAt returns the action at steps, such as global[0] or
// conditional[1].actions[2], or nil.
func (ed *actionEditor) actionAt(steps []pathStep) *apitype.Action {
	switch {
	case len(steps) == 1 && steps[0].Name == "global" && steps[0].Indexed:
		return at(ed.list.Global, steps[0].Index)
	case len(steps) == 2 && steps[1].Name == "actions" && steps[1].Indexed:
		if entry := ed.entryAt(steps[0]); entry != nil {
			return at(entry.Actions, steps[1].Index)
		}
	}
	return nil
}

// entryAt returns the conditional entry that step names, or nil.
func (ed *actionEditor) entryAt(step pathStep) *apitype.ConditionalActions {
	if step.Name != "conditional" || !step.Indexed {
		return nil
	}
	return at(ed.list.Conditional, step.Index)
}

// conditionAt returns the condition at steps, such as
// conditional[0].condition.root.conditions[1], or nil.
func (ed *actionEditor) conditionAt(steps []pathStep) *apitype.Condition {
	if len(steps) < 3 || steps[1] != (pathStep{Name: "condition"}) || steps[2] != (pathStep{Name: "root"}) {
		return nil
	}
	entry := ed.entryAt(steps[0])
	if entry == nil {
		return nil
	}
	c := &entry.Condition.Root
	for _, step := range steps[3:] {
		if step.Name != "conditions" || !step.Indexed {
			return nil
		}
		if c = at(c.Conditions, step.Index); c == nil {
			return nil
		}
	}
	return c
}

func at[T any](items []T, i int) *T {
	if i < 0 || i >= len(items) {
		return nil
	}
	return &items[i]
}

// set stores value, as a control shows it, at field path. It returns false
// when the path names no control of the list.
func (ed *actionEditor) set(path, value string) bool {
	steps, ok := parseFieldPath(path)
	if !ok || len(steps) < 2 || steps[len(steps)-1].Indexed {
		return false
	}
	item, field := steps[:len(steps)-1], steps[len(steps)-1].Name
	if a := ed.actionAt(item); a != nil {
		return ed.setActionField(a, field, value)
	}
	if c := ed.conditionAt(item); c != nil {
		return ed.setConditionField(c, field, value)
	}
	return false
}

// get returns the value that the control of field path shows.
func (ed *actionEditor) get(path string) (string, bool) {
	steps, ok := parseFieldPath(path)
	if !ok || len(steps) < 2 || steps[len(steps)-1].Indexed {
		return "", false
	}
	item, field := steps[:len(steps)-1], steps[len(steps)-1].Name
	if a := ed.actionAt(item); a != nil {
		return actionField(a, field)
	}
	if c := ed.conditionAt(item); c != nil {
		return conditionField(c, field)
	}
	return "", false
}

func (ed *actionEditor) setActionField(a *apitype.Action, field, value string) bool {
	switch field {
	case "type":
		if a.Type != value {
			*a = ed.newAction(value)
		}
	case "delta":
		a.Delta = parseWhole(value)
	case "field":
		a.Field = contactFieldChoice(a.Field, value)
	case "customField":
		a.Field = customFieldPrefix + strings.TrimSpace(value)
	case "value":
		a.Value = strings.TrimSpace(value)
		if a.Type == apitype.ActionAddTag || a.Type == apitype.ActionRemoveTag {
			a.Value = normalizeTag(value)
		}
	case "listId":
		a.ListID = parseWhole(value)
	case "url":
		a.URL = strings.TrimSpace(value)
	case "secret":
		a.Secret = value
	case "to":
		a.To = splitTrimmed(value, ",")
	case "subject":
		a.Subject = strings.TrimSpace(value)
	default:
		return false
	}
	return true
}

func actionField(a *apitype.Action, field string) (string, bool) {
	switch field {
	case "type":
		return a.Type, true
	case "delta":
		return strconv.FormatInt(a.Delta, 10), true
	case "field":
		return contactFieldValue(a.Field), true
	case "customField":
		return strings.TrimPrefix(a.Field, customFieldPrefix), true
	case "value":
		return a.Value, true
	case "listId":
		return idText(a.ListID), true
	case "url":
		return a.URL, true
	case "secret":
		return a.Secret, true
	case "to":
		return strings.Join(a.To, ", "), true
	case "subject":
		return a.Subject, true
	}
	return "", false
}

func (ed *actionEditor) setConditionField(c *apitype.Condition, field, value string) bool {
	switch field {
	case "kind":
		if c.Kind != value && value != apitype.ConditionGroup {
			*c = ed.newCondition(value)
		}
	case "match":
		c.Match = value
	case "field":
		c.Field = contactFieldChoice(c.Field, value)
	case "customField":
		c.Field = customFieldPrefix + strings.TrimSpace(value)
	case "op":
		setConditionOp(c, value)
	case "value":
		c.Value = strings.TrimSpace(value)
		if c.Kind == apitype.ConditionTag {
			c.Value = normalizeTag(value)
		}
	case "values":
		c.Values = splitTrimmed(value, "\n")
	case "number":
		c.Number = parseWhole(value)
	case "number2":
		c.Number2 = parseWhole(value)
	case "listId":
		c.ListID = parseWhole(value)
	case "event":
		c.Event = value
	case "days":
		c.Days = int(parseWhole(value))
	default:
		return false
	}
	return true
}

func conditionField(c *apitype.Condition, field string) (string, bool) {
	switch field {
	case "kind":
		return c.Kind, true
	case "match":
		return c.Match, true
	case "field":
		return contactFieldValue(c.Field), true
	case "customField":
		return strings.TrimPrefix(c.Field, customFieldPrefix), true
	case "op":
		return c.Op, true
	case "value":
		return c.Value, true
	case "values":
		return strings.Join(c.Values, "\n"), true
	case "number":
		return strconv.FormatInt(c.Number, 10), true
	case "number2":
		return strconv.FormatInt(c.Number2, 10), true
	case "listId":
		return idText(c.ListID), true
	case "event":
		return c.Event, true
	case "days":
		return strconv.Itoa(c.Days), true
	}
	return "", false
}

// setConditionOp changes the operator of c and moves or clears the values
// that the new operator reads differently, since the API rejects values
// that an operator does not read.
func setConditionOp(c *apitype.Condition, op string) {
	old := c.Op
	c.Op = op
	switch {
	case op == "in_list" && old != "in_list":
		c.Values = nil
		if c.Value != "" {
			c.Values = []string{c.Value}
		}
		c.Value = ""
	case op != "in_list" && old == "in_list":
		c.Value = ""
		if len(c.Values) > 0 {
			c.Value = c.Values[0]
		}
		c.Values = nil
	}
	if op == "is_empty" {
		c.Value, c.Values = "", nil
	}
	if op != "between" {
		c.Number2 = 0
	}
}

// customFieldPrefix starts the name of a custom contact field, as in
// custom.plan.
const customFieldPrefix = "custom."

// contactFieldChoice returns the field after the field picker chose choice:
// a built-in field, or customFieldPrefix to keep or start a custom name.
func contactFieldChoice(current, choice string) string {
	if choice == customFieldPrefix {
		if strings.HasPrefix(current, customFieldPrefix) {
			return current
		}
		return customFieldPrefix
	}
	return choice
}

// contactFieldValue returns the field picker's value for field.
func contactFieldValue(field string) string {
	if strings.HasPrefix(field, customFieldPrefix) {
		return customFieldPrefix
	}
	return field
}

// normalizeTag returns a tag as contacts store it and the API accepts it:
// trimmed and folded to lowercase.
func normalizeTag(tag string) string {
	return segment.Fold(strings.TrimSpace(tag))
}

// parseWhole reads a whole number from a control. An empty or invalid
// entry reads as 0, which the validator then reports with its range.
func parseWhole(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// splitTrimmed splits s at sep and drops empty parts.
func splitTrimmed(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// add appends a new item to the list at path: "global", an entry's
// "conditional[i].actions", "conditional" for a new entry, or a group's
// path for a new test or group. It returns the new item's path.
func (ed *actionEditor) add(path, kind string) (string, bool) {
	steps, ok := parseFieldPath(path)
	if !ok {
		return "", false
	}
	switch {
	case path == "global":
		ed.list.Global = append(ed.list.Global, ed.newAction(apitype.ActionAdjustScore))
		return fmt.Sprintf("global[%d]", len(ed.list.Global)-1), true
	case path == "conditional":
		ed.list.Conditional = append(ed.list.Conditional, apitype.ConditionalActions{
			Condition: apitype.Segment{Version: apitype.SegmentVersion, Root: ed.newCondition(apitype.ConditionGroup)},
			Actions:   []apitype.Action{ed.newAction(apitype.ActionAddTag)},
		})
		ed.counts = append(ed.counts, segmentCount{})
		return fmt.Sprintf("conditional[%d]", len(ed.list.Conditional)-1), true
	case len(steps) == 2 && steps[1] == pathStep{Name: "actions"}:
		entry := ed.entryAt(steps[0])
		if entry == nil {
			return "", false
		}
		entry.Actions = append(entry.Actions, ed.newAction(apitype.ActionAddTag))
		return fmt.Sprintf("%s[%d]", path, len(entry.Actions)-1), true
	}
	group := ed.conditionAt(steps)
	if group == nil || group.Kind != apitype.ConditionGroup {
		return "", false
	}
	group.Conditions = append(group.Conditions, ed.newCondition(kind))
	return fmt.Sprintf("%s.conditions[%d]", path, len(group.Conditions)-1), true
}

// remove deletes the item at path: an action, a conditional entry or a
// condition below the root.
func (ed *actionEditor) remove(path string) bool {
	steps, ok := parseFieldPath(path)
	if !ok || !steps[len(steps)-1].Indexed {
		return false
	}
	last := steps[len(steps)-1]
	switch {
	case len(steps) == 1 && last.Name == "global":
		ed.list.Global, ok = deleteAt(ed.list.Global, last.Index)
	case len(steps) == 1 && last.Name == "conditional":
		ed.list.Conditional, ok = deleteAt(ed.list.Conditional, last.Index)
		if ok {
			ed.counts, _ = deleteAt(ed.counts, last.Index)
		}
	case len(steps) == 2 && last.Name == "actions":
		entry := ed.entryAt(steps[0])
		if entry == nil {
			return false
		}
		entry.Actions, ok = deleteAt(entry.Actions, last.Index)
	default:
		parent := ed.conditionAt(steps[:len(steps)-1])
		if parent == nil || last.Name != "conditions" {
			return false
		}
		parent.Conditions, ok = deleteAt(parent.Conditions, last.Index)
	}
	return ok
}

// deleteAt removes item i, and reports false when there is none.
func deleteAt[T any](items []T, i int) ([]T, bool) {
	if i < 0 || i >= len(items) {
		return items, false
	}
	return slices.Delete(items, i, i+1), true
}

// toggleValue adds value to, or removes it from, the Values of the
// condition at item path.
func (ed *actionEditor) toggleValue(path, value string, on bool) bool {
	steps, ok := parseFieldPath(path)
	if !ok || len(steps) < 2 || steps[len(steps)-1] != (pathStep{Name: "values"}) {
		return false
	}
	c := ed.conditionAt(steps[:len(steps)-1])
	if c == nil {
		return false
	}
	c.Values = slices.DeleteFunc(c.Values, func(v string) bool { return v == value })
	if on {
		c.Values = append(c.Values, value)
		// Keep the funnel order of the checkboxes.
		slices.SortFunc(c.Values, func(a, b string) int {
			return slices.Index(apitype.LifecycleStages, a) - slices.Index(apitype.LifecycleStages, b)
		})
	}
	return true
}

// readControls copies the values of the editor's text controls into the
// list. Text controls commit on change, which a browser may not fire
// before a form is submitted with the Enter key.
func (ed *actionEditor) readControls() {
	controls := app.Window().Get("document").Call("querySelectorAll", "#"+ed.id+" [data-field]")
	for i := 0; i < controls.Length(); i++ {
		el := controls.Index(i)
		if el.Get("type").String() == "checkbox" {
			continue
		}
		ed.set(el.Get("dataset").Get("field").String(), el.Get("value").String())
	}
}

// syncControls sets every control to the value of the list after the next
// render. go-app leaves a control's value alone when its rendered value
// turns empty, which happens when rows shift or an item changes type.
func (ed *actionEditor) syncControls() {
	if !ed.mounted {
		return
	}
	ed.ctx.Defer(func(app.Context) {
		controls := app.Window().Get("document").Call("querySelectorAll", "#"+ed.id+" [data-field]")
		for i := 0; i < controls.Length(); i++ {
			el := controls.Index(i)
			if el.Get("type").String() == "checkbox" {
				continue
			}
			if value, ok := ed.get(el.Get("dataset").Get("field").String()); ok {
				el.Set("value", value)
			}
		}
	})
}

// refreshCounts requests a new count for each entry whose condition
// changed since it was last counted. Incomplete conditions are not sent.
func (ed *actionEditor) refreshCounts() {
	if !ed.mounted {
		return
	}
	for i, entry := range ed.list.Conditional {
		b, err := json.Marshal(entry.Condition)
		if err != nil {
			continue
		}
		key := string(b)
		if ed.counts[i].key == key {
			continue
		}
		if verr := segment.Validate(entry.Condition); verr != nil {
			ed.counts[i] = segmentCount{key: key, err: "Complete the conditions to see how many contacts match."}
			continue
		}
		ed.counts[i] = segmentCount{key: key, loading: true}
		seg := entry.Condition
		ctx := ed.ctx
		ctx.Async(func() {
			n, err := api().CountSegment(context.Background(), seg)
			ctx.Dispatch(func(app.Context) {
				for j := range ed.counts {
					c := &ed.counts[j]
					if c.key != key || !c.loading {
						continue
					}
					c.loading, c.contacts = false, n
					if err != nil {
						c.err = "Contacts could not be counted: " + err.Error()
					}
				}
			})
		})
	}
}

// countLine returns the live count of entry i as a sentence.
func (ed *actionEditor) countLine(i int) string {
	if i >= len(ed.counts) {
		return ""
	}
	c := ed.counts[i]
	switch {
	case c.err != "":
		return c.err
	case c.loading:
		return "Counting matching contacts…"
	case c.contacts == 1:
		return "1 contact matches now"
	}
	return strconv.FormatInt(c.contacts, 10) + " contacts match now"
}

// changed runs after every edit: the errors on screen may no longer apply.
func (ed *actionEditor) changed(structural bool) {
	if structural {
		ed.errs = map[string]string{}
		ed.syncControls()
	}
	ed.refreshCounts()
}

func (ed *actionEditor) onChange(ctx app.Context, e app.Event) {
	field := ctx.JSSrc().Get("dataset").Get("field").String()
	if !ed.set(field, ctx.JSSrc().Get("value").String()) {
		return
	}
	delete(ed.errs, field)
	last := field[strings.LastIndexByte(field, '.')+1:]
	ed.changed(last == "type" || last == "kind" || last == "op" || last == "field")
}

func (ed *actionEditor) onToggle(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	field := src.Get("dataset").Get("field").String()
	if ed.toggleValue(field, src.Get("dataset").Get("value").String(), src.Get("checked").Bool()) {
		delete(ed.errs, field)
		ed.changed(false)
	}
}

func (ed *actionEditor) onAdd(ctx app.Context, e app.Event) {
	dataset := ctx.JSSrc().Get("dataset")
	kind := apitype.ConditionTag
	if k := dataset.Get("kind"); k.Truthy() {
		kind = k.String()
	}
	path, ok := ed.add(dataset.Get("path").String(), kind)
	if !ok {
		return
	}
	ed.changed(true)
	ed.ctx.Defer(func(app.Context) { ed.focusFirstControl(path) })
}

func (ed *actionEditor) onRemove(ctx app.Context, e app.Event) {
	path := ctx.JSSrc().Get("dataset").Get("path").String()
	if !ed.remove(path) {
		return
	}
	ed.changed(true)
	// The removed item's button is gone, so the focus goes to the add
	// button of the list that held it.
	after := ctx.JSSrc().Get("dataset").Get("after").String()
	ed.ctx.Defer(func(app.Context) { focus(after) })
}

// focusFirstControl focuses the first control of the item at path.
func (ed *actionEditor) focusFirstControl(path string) {
	for _, field := range []string{".type", ".kind", ".condition.root.conditions[0].kind"} {
		if el := app.Window().GetElementByID(controlID(ed.id, path+field)); el.Truthy() {
			el.Call("focus")
			return
		}
	}
}
