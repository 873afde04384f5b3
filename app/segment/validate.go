package segment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"customevents/app/apitype"
)

// Limits on a condition tree. Lengths count characters.
const (
	// MaxSegmentBytes caps the JSON that Parse reads and the compact JSON
	// encoding of a tree that Validate accepts.
	MaxSegmentBytes = 32 << 10
	// MaxGroupDepth is how many groups may nest, the root group included.
	MaxGroupDepth = 4
	// MaxGroupConditions caps the direct children of one group.
	MaxGroupConditions = 20
	// MaxConditions caps the tests of a tree: every node except groups.
	MaxConditions            = 50
	MaxValueLength           = 500
	MaxListValues            = 100
	MaxDays                  = 3650
	MaxEventCount            = 1_000_000
	MaxScoreNumber           = 1_000_000_000 // either sign
	MaxCustomFieldNameLength = 64
)

// Group matches.
const (
	MatchAll = "all"
	MatchAny = "any"
)

// Operators. Each condition kind accepts the ones in its apitype doc
// comment. event_count and visited_url take none.
const (
	OpEquals     = "equals"
	OpContains   = "contains"
	OpStartsWith = "starts_with"
	OpIsEmpty    = "is_empty"
	OpInList     = "in_list"
	OpEq         = "eq"
	OpLt         = "lt"
	OpGt         = "gt"
	OpBetween    = "between"
	OpMember     = "member"
	OpNotMember  = "not_member"
	OpHas        = "has"
	OpNotHas     = "not_has"
)

// Contact fields that field conditions read. A custom field is
// CustomFieldPrefix followed by its name.
const (
	FieldEmail        = "email"
	FieldFirstName    = "first_name"
	FieldLastName     = "last_name"
	FieldCompany      = "company"
	FieldJobTitle     = "job_title"
	CustomFieldPrefix = "custom."
)

var (
	conditionKinds = []string{
		apitype.ConditionGroup, apitype.ConditionField, apitype.ConditionLeadScore,
		apitype.ConditionLifecycleStage, apitype.ConditionList, apitype.ConditionTag,
		apitype.ConditionEventCount, apitype.ConditionVisitedURL,
	}
	fieldOps = []string{OpEquals, OpContains, OpStartsWith, OpIsEmpty, OpInList}
	scoreOps = []string{OpEq, OpLt, OpGt, OpBetween}
	stageOps = []string{OpEquals, OpInList}
)

// CustomFieldName returns NAME when field is custom.NAME and NAME is 1 to
// MaxCustomFieldNameLength characters from a-z, 0-9 and underscore.
func CustomFieldName(field string) (string, bool) {
	name, ok := strings.CutPrefix(field, CustomFieldPrefix)
	if !ok || name == "" || len(name) > MaxCustomFieldNameLength {
		return "", false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "", false
		}
	}
	return name, true
}

// Parse decodes a condition tree from JSON and validates it. It rejects
// input over MaxSegmentBytes, input that is not UTF-8, unknown fields, values
// of the wrong JSON type and anything after the object.
func Parse(data []byte) (apitype.Segment, *apitype.ValidationError) {
	var seg apitype.Segment
	invalid := func(format string, args ...any) (apitype.Segment, *apitype.ValidationError) {
		return apitype.Segment{}, &apitype.ValidationError{Field: "condition", Message: fmt.Sprintf(format, args...)}
	}

	if len(data) > MaxSegmentBytes {
		return invalid("Condition is %d bytes of JSON, over the limit of %d: remove some tests or shorten their values.", len(data), MaxSegmentBytes)
	}
	if !utf8.Valid(data) {
		return invalid("Condition is not valid UTF-8: send the JSON encoded as UTF-8.")
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seg); err != nil {
		return apitype.Segment{}, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("Condition has more JSON after the object: send exactly one object.")
	}
	if verr := Validate(seg); verr != nil {
		return apitype.Segment{}, verr
	}
	return seg, nil
}

// jsonError describes a decoding error in JSON terms, without Go type names.
func jsonError(err error) *apitype.ValidationError {
	verr := &apitype.ValidationError{Field: "condition"}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		verr.Message = fmt.Sprintf("Condition is not valid JSON: %s at byte %d.", syntaxErr.Error(), syntaxErr.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			verr.Field = "condition." + typeErr.Field
		}
		verr.Message = fmt.Sprintf("Expected %s here, not a JSON %s.", jsonTypeName(typeErr.Type), typeErr.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		verr.Message = "Condition is empty or cut short: send one complete JSON object."
	default:
		// DisallowUnknownFields reports `json: unknown field "name"`.
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			verr.Message = fmt.Sprintf("Condition has the unknown field %s: remove it, or check its spelling.", name)
		} else {
			verr.Message = "Condition is not valid JSON: send one JSON object such as " +
				`{"version": 1, "root": {"kind": "tag", "op": "has", "value": "vip"}}.`
		}
	}
	return verr
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return "another type"
}

// Validate checks a condition tree: the version, the nesting and size
// limits and, for every node, the fields that its kind reads. A field that
// its kind does not read must be empty. The error's Field is the JSON path
// of the first problem, such as condition.root.conditions[1].value.
func Validate(seg apitype.Segment) *apitype.ValidationError {
	if seg.Version != apitype.SegmentVersion {
		return fieldError("condition.version", "Condition version %d is not supported: set version to %d.", seg.Version, apitype.SegmentVersion)
	}
	v := validator{}
	if verr := v.condition("condition.root", seg.Root, 0); verr != nil {
		return verr
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(seg); err != nil {
		return fieldError("condition", "Condition cannot be encoded as JSON: %v.", err)
	}
	// Encode ends the JSON with a newline.
	if size := buf.Len() - 1; size > MaxSegmentBytes {
		return fieldError("condition", "Condition is %d bytes of JSON, over the limit of %d: remove some tests or shorten their values.", size, MaxSegmentBytes)
	}
	return nil
}

func fieldError(field, format string, args ...any) *apitype.ValidationError {
	return &apitype.ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// validator walks one tree and counts its tests.
type validator struct {
	tests int
}

// condition checks node c at path. depth is the number of groups above c.
func (v *validator) condition(path string, c apitype.Condition, depth int) *apitype.ValidationError {
	if c.Kind != apitype.ConditionGroup {
		v.tests++
		if v.tests > MaxConditions {
			return fieldError(path, "Condition has more than %d tests: remove some, or split it into several segments.", MaxConditions)
		}
	}

	switch c.Kind {
	case apitype.ConditionGroup:
		return v.group(path, c, depth)
	case apitype.ConditionField:
		return checkField(path, c)
	case apitype.ConditionLeadScore:
		return checkLeadScore(path, c)
	case apitype.ConditionLifecycleStage:
		return checkStage(path, c)
	case apitype.ConditionList:
		return checkList(path, c)
	case apitype.ConditionTag:
		return checkTagCondition(path, c)
	case apitype.ConditionEventCount:
		return checkEventCount(path, c)
	case apitype.ConditionVisitedURL:
		return checkVisitedURL(path, c)
	case "":
		return fieldError(path+".kind", "Condition kind is required: use one of %s.", orList(conditionKinds))
	}
	return fieldError(path+".kind", "Condition kind %q is unknown: use one of %s.", c.Kind, orList(conditionKinds))
}

func (v *validator) group(path string, c apitype.Condition, depth int) *apitype.ValidationError {
	if depth >= MaxGroupDepth {
		return fieldError(path, "Groups nest more than %d levels deep: move these conditions into a group further up.", MaxGroupDepth)
	}
	if verr := onlyFields(path, c, "match", "conditions"); verr != nil {
		return verr
	}
	if c.Match != MatchAll && c.Match != MatchAny {
		return fieldError(path+".match", "Group match %q is invalid: use all (every condition must match) or any (one is enough).", c.Match)
	}
	if len(c.Conditions) == 0 {
		return fieldError(path+".conditions", "Group has no conditions: add at least one, or remove the group.")
	}
	if len(c.Conditions) > MaxGroupConditions {
		return fieldError(path+".conditions", "Group has %d conditions, over the limit of %d: move some into a nested group.", len(c.Conditions), MaxGroupConditions)
	}
	for i, child := range c.Conditions {
		if verr := v.condition(fmt.Sprintf("%s.conditions[%d]", path, i), child, depth+1); verr != nil {
			return verr
		}
	}
	return nil
}

func checkField(path string, c apitype.Condition) *apitype.ValidationError {
	if !isContactField(c.Field) {
		return fieldError(path+".field", "Field %q is not a contact field: use email, first_name, last_name, company, job_title, or custom.NAME where NAME is 1 to %d characters from a-z, 0-9 and _.", c.Field, MaxCustomFieldNameLength)
	}
	if verr := checkOp(path, c, fieldOps); verr != nil {
		return verr
	}
	return checkOpValues(path, c, []string{"field"})
}

func isContactField(field string) bool {
	switch field {
	case FieldEmail, FieldFirstName, FieldLastName, FieldCompany, FieldJobTitle:
		return true
	}
	_, ok := CustomFieldName(field)
	return ok
}

// checkOpValues checks Value or Values as the text operator of c needs
// them, allowing also the fields in extra.
func checkOpValues(path string, c apitype.Condition, extra []string) *apitype.ValidationError {
	switch c.Op {
	case OpIsEmpty:
		return onlyFields(path, c, append(extra, "op")...)
	case OpInList:
		if verr := onlyFields(path, c, append(extra, "op", "values")...); verr != nil {
			return verr
		}
		return checkValues(path, c.Values)
	}
	if verr := onlyFields(path, c, append(extra, "op", "value")...); verr != nil {
		return verr
	}
	if c.Value == "" {
		return fieldError(path+".value", "Value is required for %s. To match an empty field, use is_empty.", c.Op)
	}
	return checkText(path+".value", "Value", c.Value, MaxValueLength)
}

func checkValues(path string, values []string) *apitype.ValidationError {
	if len(values) == 0 {
		return fieldError(path+".values", "Values are required for in_list: add at least one.")
	}
	if len(values) > MaxListValues {
		return fieldError(path+".values", "Values has %d entries, over the limit of %d: remove some.", len(values), MaxListValues)
	}
	for i, value := range values {
		p := fmt.Sprintf("%s.values[%d]", path, i)
		if value == "" {
			return fieldError(p, "Value is empty: remove it. To match an empty field, use is_empty.")
		}
		if verr := checkText(p, "Value", value, MaxValueLength); verr != nil {
			return verr
		}
	}
	return nil
}

func checkLeadScore(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := checkOp(path, c, scoreOps); verr != nil {
		return verr
	}
	allowed := []string{"op", "number"}
	if c.Op == OpBetween {
		allowed = append(allowed, "number2")
	}
	if verr := onlyFields(path, c, allowed...); verr != nil {
		return verr
	}
	if verr := checkScoreNumber(path+".number", c.Number); verr != nil {
		return verr
	}
	if c.Op != OpBetween {
		return nil
	}
	if verr := checkScoreNumber(path+".number2", c.Number2); verr != nil {
		return verr
	}
	if c.Number > c.Number2 {
		return fieldError(path+".number2", "Range end %d is below its start %d: swap them.", c.Number2, c.Number)
	}
	return nil
}

func checkScoreNumber(path string, n int64) *apitype.ValidationError {
	if n < -MaxScoreNumber || n > MaxScoreNumber {
		return fieldError(path, "Lead score %d is out of range: use a number from %d to %d.", n, -MaxScoreNumber, MaxScoreNumber)
	}
	return nil
}

func checkStage(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := checkOp(path, c, stageOps); verr != nil {
		return verr
	}
	if c.Op == OpEquals {
		if verr := onlyFields(path, c, "op", "value"); verr != nil {
			return verr
		}
		return checkStageName(path+".value", c.Value)
	}
	if verr := onlyFields(path, c, "op", "values"); verr != nil {
		return verr
	}
	if len(c.Values) == 0 {
		return fieldError(path+".values", "Values are required for in_list: add at least one lifecycle stage.")
	}
	for i, stage := range c.Values {
		p := fmt.Sprintf("%s.values[%d]", path, i)
		if verr := checkStageName(p, stage); verr != nil {
			return verr
		}
		if slices.Contains(c.Values[:i], stage) {
			return fieldError(p, "Lifecycle stage %q is listed twice: remove one.", stage)
		}
	}
	return nil
}

func checkStageName(path, stage string) *apitype.ValidationError {
	if slices.Contains(apitype.LifecycleStages, stage) {
		return nil
	}
	return fieldError(path, "Lifecycle stage %q is unknown: use one of %s.", stage, orList(apitype.LifecycleStages))
}

func checkList(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := checkOp(path, c, []string{OpMember, OpNotMember}); verr != nil {
		return verr
	}
	if verr := onlyFields(path, c, "op", "listId"); verr != nil {
		return verr
	}
	return checkListID(path+".listId", c.ListID)
}

func checkListID(path string, id int64) *apitype.ValidationError {
	if id <= 0 {
		return fieldError(path, "List id is required: choose a list.")
	}
	return nil
}

func checkTagCondition(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := checkOp(path, c, []string{OpHas, OpNotHas}); verr != nil {
		return verr
	}
	if verr := onlyFields(path, c, "op", "value"); verr != nil {
		return verr
	}
	return checkTag(path+".value", c.Value)
}

func checkEventCount(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := onlyFields(path, c, "event", "number", "days"); verr != nil {
		return verr
	}
	if c.Event == "" {
		return fieldError(path+".event", "Event is required: give the slug of a custom event, such as watched-demo-video.")
	}
	if verr := apitype.ValidateSlug(c.Event); verr != nil {
		return &apitype.ValidationError{Field: path + ".event", Message: verr.Message}
	}
	if c.Number < 1 || c.Number > MaxEventCount {
		return fieldError(path+".number", "Event count %d is out of range: use at least 1 and at most %d.", c.Number, MaxEventCount)
	}
	return checkDays(path+".days", c.Days)
}

func checkVisitedURL(path string, c apitype.Condition) *apitype.ValidationError {
	if verr := onlyFields(path, c, "value", "days"); verr != nil {
		return verr
	}
	if c.Value == "" {
		return fieldError(path+".value", "URL part is required, such as /pricing.")
	}
	if verr := checkText(path+".value", "URL part", c.Value, MaxValueLength); verr != nil {
		return verr
	}
	return checkDays(path+".days", c.Days)
}

func checkDays(path string, days int) *apitype.ValidationError {
	if days < 1 || days > MaxDays {
		return fieldError(path, "Days %d is out of range: use 1 to %d.", days, MaxDays)
	}
	return nil
}

func checkOp(path string, c apitype.Condition, ops []string) *apitype.ValidationError {
	if slices.Contains(ops, c.Op) {
		return nil
	}
	if c.Op == "" {
		return fieldError(path+".op", "Operator is required for a %s condition: use one of %s.", c.Kind, orList(ops))
	}
	return fieldError(path+".op", "Operator %q does not apply to %s conditions: use one of %s.", c.Op, c.Kind, orList(ops))
}

// onlyFields rejects a node that sets a field, other than kind, that is not
// in allowed. Stored trees then carry only what their kind reads.
func onlyFields(path string, c apitype.Condition, allowed ...string) *apitype.ValidationError {
	set := []struct {
		name  string
		isSet bool
	}{
		{"match", c.Match != ""},
		{"conditions", len(c.Conditions) > 0},
		{"field", c.Field != ""},
		{"op", c.Op != ""},
		{"value", c.Value != ""},
		{"values", len(c.Values) > 0},
		{"number", c.Number != 0},
		{"number2", c.Number2 != 0},
		{"listId", c.ListID != 0},
		{"event", c.Event != ""},
		{"days", c.Days != 0},
	}
	for _, field := range set {
		if field.isSet && !slices.Contains(allowed, field.name) {
			return fieldError(path+"."+field.name, "%s does not apply to %s conditions%s: remove it.", field.name, c.Kind, opSuffix(c))
		}
	}
	return nil
}

func opSuffix(c apitype.Condition) string {
	if c.Op == "" {
		return ""
	}
	return " with operator " + c.Op
}

// checkText checks a string that is stored and shown: valid UTF-8, at most
// max characters, and free of control characters and bidirectional
// overrides. PostgreSQL text cannot hold NUL, and an override makes a value
// read differently from what it is.
func checkText(path, label, s string, max int) *apitype.ValidationError {
	if !utf8.ValidString(s) {
		return fieldError(path, "%s is not valid UTF-8: send text encoded as UTF-8.", label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldError(path, "%s is %d characters long: use at most %d.", label, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return fieldError(path, "%s contains %s: remove it.", label, apitype.HiddenCharacterName(r))
		}
	}
	return nil
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
