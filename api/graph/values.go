package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"customevents/api/graph/model"
	"customevents/app/apitype"
)

// The checks in this file read every enum and custom scalar value of an
// operation's arguments before gqlgen executes it, as the generated code
// would read them. gqlparser checks variables and literals of the built-in
// types during validation, and those errors get HTTP status 422. Without
// these checks, a value that only the generated code rejects, such as the
// variable value "email" for a MarketingChannel or the literal "x" for a
// Time, would fail during execution, where gqlgen sends status 200.

// scalarReaders maps each custom scalar of the schema to the function that
// reads it in the generated code, as gqlgen.yml binds them.
// TestScalarReadersCoverSchema fails when a scalar has none.
var scalarReaders = map[string]func(any) error{
	"Date": func(v any) error {
		_, err := model.UnmarshalDate(v)
		return err
	},
	"Time": func(v any) error {
		_, err := model.UnmarshalTime(v)
		return err
	},
	"Metadata": func(v any) error {
		_, err := graphql.UnmarshalMap(v)
		return err
	},
}

// variableValueRule is the Rule of the errors of variableValueCheck, by
// which the error presenter finds them.
const variableValueRule = "VariableValues"

// variableValueCheck is a gqlgen extension that reads the value of each
// variable of the operation at every enum and custom scalar position of
// its declared type. It rejects the operation with the first value that
// does not read. gqlparser has already checked the built-in scalars, the
// input objects and, ignoring case, the enum values.
type variableValueCheck struct {
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &variableValueCheck{}

func (*variableValueCheck) ExtensionName() string {
	return "VariableValueCheck"
}

func (c *variableValueCheck) Validate(schema graphql.ExecutableSchema) error {
	c.schema = schema.Schema()
	return nil
}

func (c *variableValueCheck) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	for _, definition := range opCtx.Operation.VariableDefinitions {
		value, ok := opCtx.Variables[definition.Variable]
		if !ok {
			continue
		}
		path := ast.Path{ast.PathName("variable"), ast.PathName(definition.Variable)}
		if gqlErr := c.checkValue(definition.Type, value, path); gqlErr != nil {
			gqlErr.Locations = []gqlerror.Location{{Line: definition.Position.Line, Column: definition.Position.Column}}
			return gqlErr
		}
	}
	return nil
}

// checkValue returns the error of the first enum or custom scalar value in
// value, of type typ at path, that does not read, or nil.
func (c *variableValueCheck) checkValue(typ *ast.Type, value any, path ast.Path) *gqlerror.Error {
	if value == nil {
		return nil
	}
	if typ.Elem != nil {
		list, ok := value.([]any)
		if !ok {
			// GraphQL reads a single value as a list of one.
			return c.checkValue(typ.Elem, value, path)
		}
		for i, item := range list {
			if gqlErr := c.checkValue(typ.Elem, item, appendPath(path, ast.PathIndex(i))); gqlErr != nil {
				return gqlErr
			}
		}
		return nil
	}

	def := c.schema.Types[typ.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		text, _ := value.(string)
		if def.EnumValues.ForName(text) == nil {
			problem := fmt.Sprintf("is %s, not %s", describeJSONValue(value), withArticle(def.Name))
			return variableValueError(path, problem, enumNames(def)+", as a string in capitals")
		}
	case ast.Scalar:
		if gqlErr := builtinScalarCheck(def.Name, value, path); gqlErr != nil {
			return gqlErr
		}
		read, ok := scalarReaders[def.Name]
		if !ok {
			return nil
		}
		if err := read(value); err != nil {
			return variableValueError(path, scalarProblem(err), scalarFix(def.Name, lastPathName(path), err))
		}
	case ast.InputObject:
		object, ok := value.(map[string]any)
		if !ok {
			return nil
		}
		for _, field := range def.Fields {
			if gqlErr := c.checkValue(field.Type, object[field.Name], appendPath(path, ast.PathName(field.Name))); gqlErr != nil {
				return gqlErr
			}
		}
	}
	return nil
}

// builtinScalarCheck returns the error for value, at path, when typeName
// is String, Int or Float and value has the other JSON type: a number for
// a String, a string for an Int or a Float. gqlparser lets both through,
// since it reads a JSON number as text and accepts text that parses as a
// number, while GraphQL coerces neither. Without this check, the variable
// {"slug": 123} would trigger the event whose slug is "123".
func builtinScalarCheck(typeName string, value any, path ast.Path) *gqlerror.Error {
	text, isString := value.(string)
	switch typeName {
	case "String":
		if isString {
			return nil
		}
		if number, ok := value.(json.Number); ok {
			fix := fmt.Sprintf("write it in quotes, as the JSON string %s", strconv.Quote(truncateRunes(number.String(), maxKeyRunesInMessage)))
			return variableValueError(path, "is a number, not a String", fix)
		}
	case "Int", "Float":
		if !isString {
			return nil
		}
		problem := fmt.Sprintf("is %s, not %s", describeJSONValue(text), withArticle(typeName))
		fix := "send a JSON number, without quotes"
		if _, err := strconv.ParseInt(text, 10, 64); err == nil {
			fix += ", such as " + text
		}
		return variableValueError(path, problem, fix)
	}
	return nil
}

// variableValueError returns the error for the variable value at path, as
// in "Variable $i.channel is the string "email", not a MarketingChannel:
// use one of ...". A Date scalar's own message replaces problem and fix.
// The code is GRAPHQL_VALIDATION_FAILED, which gets HTTP status 422, and
// the error presenter sends it as BAD_USER_INPUT.
func variableValueError(path ast.Path, problem, fix string) *gqlerror.Error {
	message := fmt.Sprintf("Variable %s %s: %s.", variableName(path), problem, fix)
	if problem == "" {
		message = fix
	}
	gqlErr := &gqlerror.Error{Message: message, Path: path, Rule: variableValueRule}
	errcode.Set(gqlErr, errcode.ValidationFailed)
	return gqlErr
}

// variableName returns a variable path such as [variable i inputs 1 email]
// in the form $i.inputs[1].email.
func variableName(path ast.Path) string {
	var b strings.Builder
	b.WriteByte('$')
	for i, element := range path[1:] {
		switch element := element.(type) {
		case ast.PathName:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(element))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(element))
		}
	}
	return b.String()
}

// describeJSONValue returns what kind of JSON value v is, with its text
// when that is short, as in `the string "email"`.
func describeJSONValue(v any) string {
	switch v := v.(type) {
	case string:
		return "the string " + strconv.Quote(truncateRunes(v, maxKeyRunesInMessage))
	case bool:
		return "the Boolean " + strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// enumNames returns "use one of A, B, C" for the values of the enum def.
func enumNames(def *ast.Definition) string {
	names := make([]string, len(def.EnumValues))
	for i, value := range def.EnumValues {
		names[i] = value.Name
	}
	return "use one of " + strings.Join(names, ", ")
}

// scalarProblem returns what is wrong with a custom scalar value that its
// reader rejected with err, as in "is empty". It returns "" for a Date,
// whose reader returns the whole message, which scalarFix returns.
func scalarProblem(err error) string {
	if _, ok := errors.AsType[*apitype.ValidationError](err); ok {
		return ""
	}
	switch {
	case errors.Is(err, model.ErrEmptyTime):
		return "is empty"
	case errors.Is(err, model.ErrTimeOffset):
		return "has a time zone offset beyond ±23:59"
	case errors.Is(err, model.ErrTimeHour):
		return "has a one-digit hour"
	case errors.Is(err, model.ErrTimeFraction):
		return "has a comma before the fraction of a second"
	case errors.Is(err, model.ErrTimeZone):
		return "has no Z or time zone offset at its end"
	case errors.Is(err, model.ErrTimeLeapSecond):
		return "has second 60, which is valid only for a leap second, at 23:59:60 UTC on the last day of a month"
	}
	return "has a value of the wrong type or form"
}

// scalarFix returns what to send for a value of the custom scalar
// typeName in the input field named field, which its reader rejected with
// err. For a Date it returns the error's message.
func scalarFix(typeName, field string, err error) string {
	if verr, ok := errors.AsType[*apitype.ValidationError](err); ok {
		return verr.Message
	}
	switch typeName {
	case "Time":
		fix := `use a date and time in RFC 3339 form, such as "2026-01-31T09:30:00Z" or "2026-01-31T10:30:00+01:00"`
		if field == "occurredAt" && errors.Is(err, model.ErrEmptyTime) {
			fix = "leave it out to record the time of the call, or " + fix
		}
		return fix
	case "Metadata":
		return `send a JSON object of string, number and boolean values, such as {"plan": "pro"}`
	}
	return "send a value of the type that the schema gives for it"
}

// scalarLiteralIssue returns the issue of the custom scalar literal v at
// path when its reader rejects it. A literal with a number that does not
// fit 64 bits gets the issue of unreadableNumber.
func scalarLiteralIssue(v *ast.Value, path ast.Path) (literalIssue, bool) {
	read, ok := scalarReaders[v.Definition.Name]
	if !ok || v.Kind == ast.Variable || v.Kind == ast.NullValue {
		return literalIssue{}, false
	}
	if containsVariable(v) {
		// The variable check reads the variables' values. An enum value
		// beside them is wrong whatever they are.
		return bareNameIssue(v, path)
	}
	value, err := v.Value(nil)
	if err != nil {
		return unreadableNumber(v, path)
	}
	err = read(value)
	if err == nil {
		return bareNameIssue(v, path)
	}
	issue := literalIssue{
		path:     path,
		position: v.Position,
		problem:  scalarProblem(err),
		fix:      scalarFix(v.Definition.Name, lastPathName(path), err),
	}
	if issue.problem == "" {
		issue.message = issue.fix
	}
	return issue, true
}

// bareNameIssue returns the issue of a Metadata literal v at path that
// holds an enum value, a name without quotes, which its reader would take
// for a string.
func bareNameIssue(v *ast.Value, path ast.Path) (literalIssue, bool) {
	name := firstEnumValue(v)
	if name == nil || v.Definition.Name != "Metadata" {
		return literalIssue{}, false
	}
	text := truncateRunes(name.Raw, maxKeyRunesInMessage)
	return literalIssue{
		path:     path,
		position: name.Position,
		problem:  fmt.Sprintf("has the enum value %s, a name without quotes, which is not a string, number or boolean", text),
		fix:      fmt.Sprintf("write it in double quotes, as in %q, to send it as a string", text),
	}, true
}

// firstEnumValue returns the first enum value in v, a name without quotes
// such as pro, or nil. GraphQL reads it as the string "pro" inside a custom
// scalar.
func firstEnumValue(v *ast.Value) *ast.Value {
	if v.Kind == ast.EnumValue {
		return v
	}
	for _, child := range v.Children {
		if name := firstEnumValue(child.Value); name != nil {
			return name
		}
	}
	return nil
}

// containsVariable reports whether v is or contains a variable, whose
// value the variable check reads.
func containsVariable(v *ast.Value) bool {
	if v.Kind == ast.Variable {
		return true
	}
	return slices.ContainsFunc(v.Children, func(child *ast.ChildValue) bool {
		return containsVariable(child.Value)
	})
}
