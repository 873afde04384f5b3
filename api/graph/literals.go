package graph

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules returns gqlparser's default rules with ValuesOfCorrectType
// replaced by checkLiterals.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(rules.ValuesOfCorrectTypeRule.Name, checkLiterals)
	return r
}

// isLiteralError reports whether gqlErr is an error that checkLiterals
// reported at a literal's path. gqlparser's own validation errors have no
// path.
func isLiteralError(gqlErr *gqlerror.Error) bool {
	return gqlErr.Rule == rules.ValuesOfCorrectTypeRule.Name && len(gqlErr.Path) > 0
}

// checkLiterals runs gqlparser's ValuesOfCorrectType rule and rewrites its
// errors about literals in field arguments. gqlparser names the expected
// type but not the field, as in "String cannot represent a non string
// value: true", and it reports an integer beyond 64 bits inside a Metadata
// object against the whole input object. For a literal in an argument of a
// field of an operation, checkLiterals reports each problem instead at the
// literal's path, such as [triggerCustomEvent input email], with a message
// that names the field and the value to send. The error presenter sends
// those errors as BAD_USER_INPUT. gqlparser's own errors stay for the
// other values, such as directive arguments and variable defaults.
func checkLiterals(observers *core.Events, addError core.AddErrFunc) {
	c := &literalChecker{addError: addError, reported: map[*ast.Value]bool{}}
	// The walker calls the observers of one value in the order they were
	// added, so gqlparser's errors for a value land in pending between the
	// first observer and the last.
	observers.OnValue(func(*core.Walker, *ast.Value) { c.pending = nil })
	rules.ValuesOfCorrectTypeRule.RuleFunc(observers, func(options ...core.ErrorOption) {
		c.pending = append(c.pending, options)
	})
	observers.OnValue(c.finish)
}

// literalChecker is the state of checkLiterals during one validation.
type literalChecker struct {
	addError core.AddErrFunc
	// pending contains gqlparser's errors for the value being walked.
	pending [][]core.ErrorOption
	// operation is the operation that paths belong to, and paths maps each
	// value in the arguments of its fields to its path. Both are set when
	// the operation's first error or custom scalar literal needs a path.
	operation *ast.OperationDefinition
	paths     map[*ast.Value]ast.Path
	// reported contains the values that checkLiterals reported, so that
	// the errors of their ancestors, and of a second walk of a fragment,
	// are dropped.
	reported map[*ast.Value]bool
}

// literalIssue is one problem of a literal, at path.
type literalIssue struct {
	path     ast.Path
	position *ast.Position
	problem  string
	fix      string
	// message, when set, is the whole message in place of problem and
	// fix, such as the message of a Date that does not read.
	message string
}

// finish runs after gqlparser's rule has checked v. It reports the issues
// of v when v is in a field argument and gqlparser found an error, and
// passes gqlparser's errors on otherwise. A custom scalar literal that
// gqlparser passed is read as the generated code would read it.
func (c *literalChecker) finish(w *core.Walker, v *ast.Value) {
	pending := c.pending
	c.pending = nil
	if c.reported[v] {
		return
	}
	if len(pending) == 0 {
		// gqlparser does not read the values of custom scalars.
		c.checkScalar(w, v)
		return
	}

	if path, ok := c.pathOf(w, v); ok {
		issues := literalIssues(v, path)
		issues = append(issues, c.unreadableScalars(v, path)...)
		if len(issues) > 0 {
			c.report(w, v, issues)
			return
		}
	}
	// An error of an object or list that only repeats the error of a
	// value inside it, such as "Expected value of type
	// TriggerCustomEventInput!", is left out.
	if c.reportedInside(v) {
		return
	}
	for _, options := range pending {
		c.addError(options...)
	}
}

// checkScalar reports the custom scalar literal v when it is in a field
// argument and its reader rejects it, such as occurredAt: "yesterday".
func (c *literalChecker) checkScalar(w *core.Walker, v *ast.Value) {
	if !isCustomScalar(v) {
		return
	}
	path, ok := c.pathOf(w, v)
	if !ok {
		return
	}
	if issue, ok := scalarLiteralIssue(v, path); ok {
		c.report(w, v, []literalIssue{issue})
	}
}

func (c *literalChecker) report(w *core.Walker, v *ast.Value, issues []literalIssue) {
	c.reported[v] = true
	mutation := w.CurrentOperation != nil && w.CurrentOperation.Operation == ast.Mutation
	for _, issue := range issues {
		message := issue.message
		if message == "" {
			message = argumentMessage(issue.path, issue.problem, issue.fix, mutation)
		}
		c.addError(
			core.Message("%s", message),
			core.At(issue.position),
			withPath(issue.path),
		)
	}
}

func withPath(path ast.Path) core.ErrorOption {
	return func(err *gqlerror.Error) {
		err.Path = path
	}
}

// pathOf returns the path of v when v is in an argument of a field of the
// operation being walked. Values of fragment definitions walked on their
// own, of directives and of variable defaults have none.
func (c *literalChecker) pathOf(w *core.Walker, v *ast.Value) (ast.Path, bool) {
	if w.CurrentOperation == nil {
		return nil, false
	}
	if c.operation != w.CurrentOperation {
		c.operation = w.CurrentOperation
		c.paths = argumentPaths(w.Document, w.CurrentOperation)
	}
	path, ok := c.paths[v]
	return path, ok
}

// reportedInside reports whether a value inside v was reported.
func (c *literalChecker) reportedInside(v *ast.Value) bool {
	for _, child := range v.Children {
		if c.reported[child.Value] || c.reportedInside(child.Value) {
			return true
		}
	}
	return false
}

// unreadableScalars returns an issue for each value of a custom scalar
// inside v, such as a Metadata object, that holds a number beyond 64 bits.
// gqlparser does not check the values of custom scalars, but the objects
// and lists around them fail its check, because it reads their values.
func (c *literalChecker) unreadableScalars(v *ast.Value, path ast.Path) []literalIssue {
	var issues []literalIssue
	for i, child := range v.Children {
		childPath := childPath(path, v, i)
		if isCustomScalar(child.Value) {
			if c.reported[child.Value] {
				continue
			}
			if issue, ok := unreadableNumber(child.Value, childPath); ok {
				c.reported[child.Value] = true
				issues = append(issues, issue)
			}
			continue
		}
		issues = append(issues, c.unreadableScalars(child.Value, childPath)...)
	}
	return issues
}

// unreadableNumber returns the issue of a custom scalar value v that holds
// an integer beyond 64 bits or a float beyond the range of float64.
func unreadableNumber(v *ast.Value, path ast.Path) (literalIssue, bool) {
	if _, err := v.Value(nil); err == nil {
		return literalIssue{}, false
	}
	number := firstUnreadableNumber(v)
	if number == nil {
		return literalIssue{}, false
	}
	issue := literalIssue{path: path, position: number.Position}
	text := truncateRunes(number.Raw, maxKeyRunesInMessage)
	if number.Kind == ast.IntValue {
		issue.problem = fmt.Sprintf("has the integer %s, which is outside the 64-bit range", text)
		issue.fix = "write it with a decimal point to send it as a float"
		if text == number.Raw {
			issue.fix = fmt.Sprintf("write it with a decimal point, as in %s.0, to send it as a float", number.Raw)
		}
	} else {
		issue.problem = fmt.Sprintf("has the number %s, which is outside the range of a 64-bit float", text)
		issue.fix = "use a smaller number"
	}
	return issue, true
}

// firstUnreadableNumber returns the first integer or float literal in v that
// does not parse, or nil.
func firstUnreadableNumber(v *ast.Value) *ast.Value {
	switch v.Kind {
	case ast.IntValue, ast.FloatValue:
		if _, err := v.Value(nil); err != nil {
			return v
		}
	case ast.ListValue, ast.ObjectValue:
		for _, child := range v.Children {
			if number := firstUnreadableNumber(child.Value); number != nil {
				return number
			}
		}
	}
	return nil
}

// literalIssues returns the problems of v itself, whose path is path, as
// gqlparser's ValuesOfCorrectType rule finds them. They are a null for a
// non-null type, a literal of another type, and a required field missing
// from an object or an unknown field in it. The values inside v are checked
// on their own.
func literalIssues(v *ast.Value, path ast.Path) []literalIssue {
	if v.ExpectedType == nil || v.Definition == nil || v.Kind == ast.Variable {
		return nil
	}
	if v.Kind == ast.NullValue {
		if v.ExpectedType.NonNull {
			return []literalIssue{{path: path, position: v.Position, problem: "cannot be null", fix: requiredFieldFix}}
		}
		return nil
	}
	if v.Kind == ast.ListValue && v.ExpectedType.Elem != nil {
		return nil
	}

	def := v.Definition
	wrongType := []literalIssue{{
		path:     path,
		position: v.Position,
		problem:  fmt.Sprintf("is %s, not %s", describeLiteral(v), withArticle(def.Name)),
		fix:      literalFix(def),
	}}
	switch def.Kind {
	case ast.Scalar:
		if isBuiltinScalar(def.Name) && !scalarAccepts(def.Name, v) {
			return wrongType
		}
	case ast.Enum:
		if v.Kind != ast.EnumValue || def.EnumValues.ForName(v.Raw) == nil {
			return wrongType
		}
	case ast.InputObject:
		if v.Kind != ast.ObjectValue {
			return wrongType
		}
		return objectIssues(v, path)
	}
	return nil
}

// objectIssues returns the required fields missing from the input object
// literal v and the fields that its type lacks.
func objectIssues(v *ast.Value, path ast.Path) []literalIssue {
	var issues []literalIssue
	for _, field := range v.Definition.Fields {
		if field.Type.NonNull && field.DefaultValue == nil && v.Children.ForName(field.Name) == nil {
			issues = append(issues, literalIssue{
				path:     appendPath(path, ast.PathName(field.Name)),
				position: v.Position,
				problem:  "is missing",
				fix:      requiredFieldFix,
			})
		}
	}
	for _, child := range v.Children {
		if v.Definition.Fields.ForName(child.Name) == nil {
			issues = append(issues, literalIssue{
				path:     appendPath(path, ast.PathName(child.Name)),
				position: child.Position,
				problem:  "is not a field of " + v.Definition.Name,
				fix:      unknownFieldFix,
			})
		}
	}
	return issues
}

func isBuiltinScalar(name string) bool {
	switch name {
	case "Int", "Float", "String", "Boolean", "ID":
		return true
	}
	return false
}

func isCustomScalar(v *ast.Value) bool {
	return v.Definition != nil && v.Definition.Kind == ast.Scalar && !isBuiltinScalar(v.Definition.Name)
}

// scalarAccepts reports whether the literal v is a valid value of the
// built-in scalar type name, by the rules of gqlparser v2.5.64.
func scalarAccepts(name string, v *ast.Value) bool {
	if _, err := v.Value(nil); err != nil {
		return false
	}
	switch name {
	case "Int":
		return v.Kind == ast.IntValue
	case "Float":
		return v.Kind == ast.IntValue || v.Kind == ast.FloatValue
	case "String":
		return v.Kind == ast.StringValue || v.Kind == ast.BlockValue
	case "ID":
		return v.Kind == ast.StringValue || v.Kind == ast.BlockValue || v.Kind == ast.IntValue
	case "Boolean":
		return v.Kind == ast.BooleanValue
	}
	return false
}

// describeLiteral returns what kind of literal v is, with its text when
// that is short, as in `the Boolean true`.
func describeLiteral(v *ast.Value) string {
	raw := truncateRunes(v.Raw, maxKeyRunesInMessage)
	switch v.Kind {
	case ast.IntValue:
		return "the integer " + raw
	case ast.FloatValue:
		return "the number " + raw
	case ast.StringValue, ast.BlockValue:
		return "the string " + strconv.Quote(raw)
	case ast.BooleanValue:
		return "the Boolean " + raw
	case ast.EnumValue:
		return "the enum value " + raw
	case ast.ListValue:
		return "a list"
	case ast.ObjectValue:
		return "an object"
	}
	return "a value"
}

// literalFix returns what to write for a value of type def.
func literalFix(def *ast.Definition) string {
	switch def.Kind {
	case ast.Enum:
		names := make([]string, len(def.EnumValues))
		for i, value := range def.EnumValues {
			names[i] = value.Name
		}
		return "use one of " + strings.Join(names, ", ") + ", without quotes"
	case ast.InputObject:
		return "write an object of its fields in braces; the schema, which introspection returns, lists every input field with its type"
	}
	switch def.Name {
	case "String", "ID":
		return "write a string in double quotes"
	case "Int":
		return "write a whole number from -2147483648 to 2147483647, without quotes"
	case "Float":
		return "write a number, without quotes"
	case "Boolean":
		return "write true or false, without quotes"
	}
	return "send a value of the type that the schema gives for it"
}

func withArticle(name string) string {
	if name != "" && strings.ContainsRune("AEIOU", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// argumentPaths maps each value in the arguments of the fields of op, at any
// depth and through fragments, to its path. The path is the response path of
// the field, the argument's name, then the names and indexes inside the
// value, as in [triggerCustomEvents inputs 1 email]. A fragment is followed
// at its first spread only, as gqlparser's walker does.
func argumentPaths(doc *ast.QueryDocument, op *ast.OperationDefinition) map[*ast.Value]ast.Path {
	paths := map[*ast.Value]ast.Path{}
	followed := map[string]bool{}
	var walk func(prefix ast.Path, set ast.SelectionSet)
	walk = func(prefix ast.Path, set ast.SelectionSet) {
		for _, selection := range set {
			switch selection := selection.(type) {
			case *ast.Field:
				fieldPath := appendPath(prefix, ast.PathName(selection.Alias))
				for _, arg := range selection.Arguments {
					addValuePaths(paths, appendPath(fieldPath, ast.PathName(arg.Name)), arg.Value)
				}
				walk(fieldPath, selection.SelectionSet)
			case *ast.InlineFragment:
				walk(prefix, selection.SelectionSet)
			case *ast.FragmentSpread:
				fragment := doc.Fragments.ForName(selection.Name)
				if fragment != nil && !followed[selection.Name] {
					followed[selection.Name] = true
					walk(prefix, fragment.SelectionSet)
				}
			}
		}
	}
	walk(nil, op.SelectionSet)
	return paths
}

func addValuePaths(paths map[*ast.Value]ast.Path, path ast.Path, v *ast.Value) {
	if v == nil {
		return
	}
	if _, ok := paths[v]; ok {
		return
	}
	paths[v] = path
	for i, child := range v.Children {
		addValuePaths(paths, childPath(path, v, i), child.Value)
	}
}

// childPath returns the path of the i-th child of v: its name in an object
// and its index in a list.
func childPath(path ast.Path, v *ast.Value, i int) ast.Path {
	if v.Kind == ast.ListValue {
		return appendPath(path, ast.PathIndex(i))
	}
	return appendPath(path, ast.PathName(v.Children[i].Name))
}

// appendPath returns a new path of path and element, leaving path as it is.
func appendPath(path ast.Path, element ast.PathElement) ast.Path {
	return append(slices.Clip(path), element)
}
