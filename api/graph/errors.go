package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
)

// Client messages for errors whose own text is not meant for clients.
const (
	missingKeyMessage = "Authorization header is missing or malformed: send the API key as `Authorization: Bearer <API key>`."
	invalidKeyMessage = "API key is invalid or revoked: send a valid key as `Authorization: Bearer <API key>`."
	internalMessage   = "Internal server error: try again, and contact support if it persists."
	// accountBusyMessage is the error message for a trigger that was not
	// stored because too many of the account's events wait for the
	// rebuild of its reports after a time zone change.
	accountBusyMessage = "The account's reports are being rebuilt after a time zone change, and too many of its events wait: send the event again in a minute."
	// unconfirmedMessage is the error message for a trigger that the
	// database may have stored without confirming it. A trigger with an
	// idempotencyKey can be sent again safely.
	unconfirmedMessage = "The database did not confirm that the event was stored, and it may have been: sending it again may record it twice. Send an idempotencyKey with events that must be recorded once."
)

// errorPresenter turns resolver errors into GraphQL errors with an
// extensions.code from apitype. Errors it cannot classify are logged and
// sent as a generic internal error, so SQL and other internal text never
// reach the client.
type errorPresenter struct {
	log *slog.Logger
}

func (p *errorPresenter) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)

	if serr, ok := errors.AsType[*siblingFailedError](err); ok {
		return clientError(gqlErr, serr.Error(), apitype.CodeBadUserInput, "")
	}
	if code, message, field, ok := classify(err); ok {
		if field == "" && code == apitype.CodeBadUserInput {
			// Scalar parsers such as model.UnmarshalDate do not know the
			// argument name, but gqlgen puts it last in the path.
			field = lastPathName(gqlErr.Path)
		}
		if field == "" && code == apitype.CodeNotFound && len(gqlErr.Path) == 1 {
			// The store's lookups by slug or email leave the field out,
			// because the admin API names the key in the path. Only a
			// root field's own lookup is by its argument.
			field = lookupArgument(ctx)
		}
		return clientError(gqlErr, message, code, field)
	}
	if _, ok := errors.AsType[*loggedFieldsError](err); ok {
		return clientError(gqlErr, internalMessage, apitype.CodeInternal, "")
	}
	if gqlErr.Err == nil {
		if isLiteralError(gqlErr) {
			// checkLiterals wrote the message for a literal argument
			// that does not match its type, such as email: true for a
			// String.
			return clientError(gqlErr, gqlErr.Message, apitype.CodeBadUserInput, lastPathName(gqlErr.Path))
		}
		if gqlErr.Rule == variableValueRule {
			// variableValueCheck wrote the message for a variable value
			// that the generated code would not read, such as "email"
			// for a MarketingChannel.
			return clientError(gqlErr, gqlErr.Message, apitype.CodeBadUserInput, lastPathName(gqlErr.Path))
		}
		if message, ok := operationNotFoundMessage(ctx); ok {
			return clientError(gqlErr, message, errcode.ValidationFailed, "")
		}
		if len(gqlErr.Path) > 1 && gqlErr.Path[0] == ast.PathName("variable") {
			// gqlparser checked the request's variables against their
			// declared types, such as "email": true for a String. Its
			// errors point at no place in the document.
			if len(gqlErr.Locations) == 0 {
				gqlErr.Locations = variableLocation(ctx, gqlErr.Path)
			}
			return clientError(gqlErr, variableMessage(gqlErr), apitype.CodeBadUserInput, lastPathName(gqlErr.Path))
		}
		// gqlgen and gqlparser built this error from the request alone:
		// a parse, validation or limit error that is safe to send.
		switch code, _ := gqlErr.Extensions["code"].(string); code {
		case errcode.ParseFailed:
			gqlErr.Message = parseErrorMessage(gqlErr.Message)
		case errcode.ValidationFailed:
			gqlErr.Message = validationErrorMessage(gqlErr.Rule, gqlErr.Message)
		}
		return gqlErr
	}
	if isArgumentError(ctx, gqlErr) {
		return clientError(gqlErr, inputTypeMessage(ctx, gqlErr.Path, err), apitype.CodeBadUserInput, lastPathName(gqlErr.Path))
	}

	if clientLeft(ctx, err) {
		p.log.InfoContext(ctx, "GraphQL resolver stopped: client left",
			"error", err, "request_id", requestID(ctx), "path", gqlErr.Path.String())
		return clientError(gqlErr, internalMessage, apitype.CodeInternal, "")
	}
	p.log.ErrorContext(ctx, "GraphQL resolver failed",
		"error", err,
		"request_id", requestID(ctx),
		"path", gqlErr.Path.String(),
		"operation", operationName(ctx),
		"account_id", accountIDForLog(ctx),
		"slug", slugArgument(ctx))
	return clientError(gqlErr, internalMessage, apitype.CodeInternal, "")
}

// classify returns the code, client message and input field of an error
// that clients may see, and ok false for any other error.
func classify(err error) (code, message, field string, ok bool) {
	if verr, ok := errors.AsType[*apitype.ValidationError](err); ok {
		return apitype.CodeBadUserInput, verr.Message, verr.Field, true
	}
	if nferr, ok := errors.AsType[*db.NotFoundError](err); ok {
		return apitype.CodeNotFound, notFoundMessage(nferr), nferr.Field, true
	}
	if cerr, ok := errors.AsType[*db.ConflictError](err); ok {
		field := cerr.Field
		if field == "" && errors.Is(cerr, db.ErrIdempotencyConflict) {
			field = "idempotencyKey"
		}
		return apitype.CodeConflict, cerr.Message, field, true
	}
	if errors.Is(err, errMissingBearerToken) {
		return apitype.CodeUnauthenticated, missingKeyMessage, "", true
	}
	if errors.Is(err, db.ErrInvalidAPIKey) {
		return apitype.CodeUnauthenticated, invalidKeyMessage, "", true
	}
	if errors.Is(err, db.ErrUnconfirmed) {
		return apitype.CodeInternal, unconfirmedMessage, "", true
	}
	if errors.Is(err, db.ErrAccountBusy) {
		return apitype.CodeRateLimited, accountBusyMessage, "", true
	}
	return "", "", "", false
}

// maxKeyRunesInMessage is the most characters of a looked-up key, such as
// a slug, that a not-found message repeats. Slugs have at most 64.
const maxKeyRunesInMessage = 64

// notFoundMessage returns the client message of nferr with its key cut to
// maxKeyRunesInMessage characters, so that a long key sent by the client is
// not sent back whole.
func notFoundMessage(nferr *db.NotFoundError) string {
	if nferr.Message != "" {
		return nferr.Message
	}
	short := *nferr
	short.Key = truncateRunes(nferr.Key, maxKeyRunesInMessage)
	return short.Error()
}

// truncateRunes returns s cut to limit characters followed by an ellipsis,
// or s itself when it is not longer than limit.
func truncateRunes(s string, limit int) string {
	count := 0
	for i := range s {
		if count == limit {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// internalFailures gathers the errors of a triggerCustomEvents call that
// classify does not know, such as a database outage, so that the call logs
// one line for them instead of one per input.
type internalFailures struct {
	count      int
	first      error
	firstIndex int
}

// log writes the line for the failures, if there were any. Failures that
// came from the client leaving are logged at Info.
func (f *internalFailures) log(ctx context.Context, log *slog.Logger, accountID int64) {
	if f.count == 0 {
		return
	}
	if clientLeft(ctx, f.first) {
		log.InfoContext(ctx, "batch triggers stopped: client left", "error", f.first, "failed", f.count,
			"account_id", accountID, "request_id", requestID(ctx))
		return
	}
	log.ErrorContext(ctx, "batch triggers failed", "error", f.first, "first_index", f.firstIndex, "failed", f.count,
		"account_id", accountID, "request_id", requestID(ctx))
}

// clientLeft reports whether err comes from the end of ctx, the request's
// context, which ends when the client closes the connection.
func clientLeft(ctx context.Context, err error) bool {
	ctxErr := ctx.Err()
	return ctxErr != nil && errors.Is(err, ctxErr)
}

// triggerError returns the per-input error of a triggerCustomEvents input.
// An error that classify does not know is reported as internal and added
// to failures, which the caller logs.
func triggerError(index int, err error, failures *internalFailures) *model.TriggerError {
	code, message, field, ok := classify(err)
	if !ok {
		if failures.count == 0 {
			failures.first, failures.firstIndex = err, index
		}
		failures.count++
		code, message = apitype.CodeInternal, internalMessage
	}
	out := &model.TriggerError{Code: code, Message: message}
	if field != "" {
		out.Field = &field
	}
	return out
}

// recover logs a resolver panic with its stack and returns an internal
// error in the form that present sends unchanged.
func (p *errorPresenter) recover(ctx context.Context, panicValue any) error {
	p.log.ErrorContext(ctx, "GraphQL resolver panicked",
		"panic", fmt.Sprint(panicValue),
		"request_id", requestID(ctx),
		"stack", string(debug.Stack()),
		"operation", operationName(ctx),
		"account_id", accountIDForLog(ctx),
		"slug", slugArgument(ctx))
	err := gqlerror.Errorf("%s", internalMessage)
	err.Extensions = map[string]any{"code": apitype.CodeInternal}
	return err
}

// clientError returns a new error with the position of gqlErr and the given
// message and code, dropping the wrapped error so its text stays private.
func clientError(gqlErr *gqlerror.Error, message, code, field string) *gqlerror.Error {
	extensions := map[string]any{"code": code}
	if field != "" {
		extensions["field"] = field
	}
	return &gqlerror.Error{
		Message:    message,
		Path:       gqlErr.Path,
		Locations:  gqlErr.Locations,
		Extensions: extensions,
	}
}

// isArgumentError reports whether gqlErr is the error of an argument value
// that does not convert to its Go type. gqlgen gives such an error the
// value's path, below the field's path. A resolver's errors get the field's
// path itself.
func isArgumentError(ctx context.Context, gqlErr *gqlerror.Error) bool {
	field := graphql.GetFieldContext(ctx)
	if field == nil {
		return false
	}
	fieldPath := field.Path()
	return len(gqlErr.Path) > len(fieldPath) && slices.Equal(gqlErr.Path[:len(fieldPath)], fieldPath)
}

// inputTypeMessage returns the client message for an argument value at
// path, such as [triggerCustomEvents inputs 1 occurredAt], that did not
// convert to its Go type with err. The field did not run, so a mutation
// changed nothing. variableValueCheck and checkLiterals reject such values
// before execution, so this message is a fallback for a value that they
// read differently from the generated code.
func inputTypeMessage(ctx context.Context, path ast.Path, err error) string {
	name := lastPathName(path)
	var fix string
	switch name {
	case "occurredAt":
		fix = scalarFix("Time", name, err)
	case "metadata":
		fix = scalarFix("Metadata", name, err)
	case "channel":
		names := make([]string, len(model.AllMarketingChannel))
		for i, c := range model.AllMarketingChannel {
			names[i] = string(c)
		}
		fix = "use one of " + strings.Join(names, ", ")
	default:
		fix = scalarFix("", name, err)
	}
	problem := scalarProblem(err)
	if problem == "" {
		return fix
	}
	return argumentMessage(path, problem, fix, isMutation(ctx))
}

// argumentMessage returns the client message for a problem of the argument
// value at path, such as "inputs[1].occurredAt is empty, so nothing was
// stored: leave it out ...". When mutation is true, the message adds that
// nothing was stored, because a failed argument stops a mutation before it
// changes anything.
func argumentMessage(path ast.Path, problem, fix string, mutation bool) string {
	where := lastPathName(path)
	if len(path) > 1 {
		// The path without the field, as in inputs[1].occurredAt.
		where = strings.TrimPrefix(path[1:].String(), ".")
	}
	if mutation {
		return fmt.Sprintf("%s %s, so nothing was stored: %s.", where, problem, fix)
	}
	return fmt.Sprintf("%s %s: %s.", where, problem, fix)
}

func isMutation(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Mutation
}

// Fixes shared by the messages for variables and for literals.
const (
	requiredFieldFix = "send a value for it; the schema, which introspection returns, lists the required input fields"
	unknownFieldFix  = "remove it, or correct its name; the schema, which introspection returns, lists every input field"
)

// variableMessage returns the client message for a variable value that
// does not match its declared type, such as
// "Variable $i.email cannot use bool as String: ...".
func variableMessage(gqlErr *gqlerror.Error) string {
	name := "Variable " + variableName(gqlErr.Path)
	switch gqlErr.Message {
	case "unknown field":
		return name + " is not a field of its input type: " + unknownFieldFix + "."
	case "must be defined", "cannot be null":
		return fmt.Sprintf("%s %s: %s.", name, gqlErr.Message, requiredFieldFix)
	}
	// gqlparser writes "cannot use value 0 as Int" for a number with a
	// fraction or an exponent, such as 1.5 or 1e300, which hides the value.
	if strings.HasPrefix(gqlErr.Message, "cannot use value ") && strings.HasSuffix(gqlErr.Message, " as Int") {
		return name + " is not a whole number: send a whole number from -2147483648 to 2147483647, without a fraction or an exponent."
	}
	// "cannot use bool as String" names the Go kind of the JSON value. A
	// JSON number has the kind string too, since gqlgen decodes numbers
	// as json.Number, so that kind names no type.
	if m := wrongKindMessage.FindStringSubmatch(gqlErr.Message); m != nil {
		if fix, ok := scalarFixes[m[2]]; ok {
			if m[1] == "string" {
				return fmt.Sprintf("%s is not %s: %s.", name, withArticle(m[2]), fix)
			}
			return fmt.Sprintf("%s is %s, not %s: %s.", name, jsonKinds[m[1]], withArticle(m[2]), fix)
		}
	}
	return fmt.Sprintf("%s %s: send a value of the type that the operation declares for it; the schema, which introspection returns, lists every input field with its type.",
		name, gqlErr.Message)
}

var wrongKindMessage = regexp.MustCompile(`^cannot use (bool|string|map|slice|float64|int64) as (\w+)$`)

// jsonKinds names the Go kinds that gqlparser reports for JSON values.
var jsonKinds = map[string]string{
	"bool": "a Boolean", "map": "an object", "slice": "a list", "float64": "a number", "int64": "a number",
}

// scalarFixes holds, for each built-in scalar, what a client should send.
var scalarFixes = map[string]string{
	"String":  "send a JSON string, in quotes",
	"Int":     "send a whole number, without quotes",
	"Float":   "send a JSON number, without quotes",
	"Boolean": "send true or false, without quotes",
	"ID":      "send a JSON string, in quotes",
}

// variableLocation returns the place in the document of the definition of
// the variable that path starts with, such as $i for [variable i email].
func variableLocation(ctx context.Context, path ast.Path) []gqlerror.Location {
	name, ok := path[1].(ast.PathName)
	if !ok || !graphql.HasOperationContext(ctx) {
		return nil
	}
	operation := graphql.GetOperationContext(ctx).Operation
	if operation == nil {
		return nil
	}
	definition := operation.VariableDefinitions.ForName(string(name))
	if definition == nil || definition.Position == nil {
		return nil
	}
	return []gqlerror.Location{{Line: definition.Position.Line, Column: definition.Position.Column}}
}

func lastPathName(path ast.Path) string {
	for i := len(path) - 1; i >= 0; i-- {
		if name, ok := path[i].(ast.PathName); ok {
			return string(name)
		}
	}
	return ""
}

func operationName(ctx context.Context) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	return graphql.GetOperationContext(ctx).OperationName
}

// rootField returns the context of the root field, such as
// triggerCustomEvent, that ctx is in, or nil outside of any field.
func rootField(ctx context.Context) *graphql.FieldContext {
	field := graphql.GetFieldContext(ctx)
	if field == nil {
		return nil
	}
	for field.Parent != nil && field.Parent.Field.Field != nil {
		field = field.Parent
	}
	return field
}

// parseErrorMessage adds the fix to the parser's message, which names
// only what it found, such as "Expected Name, found <EOF>".
func parseErrorMessage(message string) string {
	if message == fmt.Sprintf("exceeded token limit of %d", maxParserTokens) {
		return fmt.Sprintf("Document has more than %d tokens: send fewer fields or inputs per request, or pass large values as variables.", maxParserTokens)
	}
	return message + ": correct the document's syntax at the line and column that locations gives."
}

// schemaHint names the two sources of what the schema allows.
const schemaHint = "introspection and docs/graphql.md list every type, field and argument"

// validationFixes maps gqlparser's rule names to what to do about a
// document that breaks the rule, because gqlparser's messages name only
// the problem. A rule's variant without suggestions shares its entry.
var validationFixes = map[string]string{
	"FieldsOnCorrectType":          "select only fields that the type has; " + schemaHint,
	"ScalarLeafs":                  "select subfields of a field whose type is an object, and none of a field whose type is a scalar or enum",
	"KnownArgumentNames":           "pass only arguments that the field takes; " + schemaHint,
	"ProvidedRequiredArguments":    "pass the argument with a value of its type, as in triggerCustomEvent(input: {slug: \"watched-demo-video\", email: \"ann@example.com\"})",
	"KnownTypeNames":               "name a type that the schema has; " + schemaHint,
	"ValuesOfCorrectType":          "write a value of the type that the argument or input field takes; " + schemaHint,
	"NoUndefinedVariables":         "declare the variable in the operation, as in mutation($i: TriggerCustomEventInput!), or write the value in its place",
	"NoUnusedVariables":            "use the variable in the operation, or remove its declaration",
	"VariablesInAllowedPosition":   "declare the variable with the type of the argument or input field where it is used",
	"VariablesAreInputTypes":       "declare the variable with an input type, a scalar or an enum, such as TriggerCustomEventInput or String",
	"UniqueArgumentNames":          "pass each argument once",
	"UniqueInputFieldNames":        "write each input field once",
	"UniqueVariableNames":          "declare each variable once",
	"UniqueOperationNames":         "give each operation of the document its own name",
	"LoneAnonymousOperation":       "give each operation a name, or send one operation per request",
	"KnownDirectives":              "use a directive that the schema defines, such as @skip or @include, in a place where it applies",
	"UniqueDirectivesPerLocation":  "use each directive once in a place",
	"KnownFragmentNames":           "define the fragment in the document, or remove its spread",
	"NoUnusedFragments":            "spread the fragment in an operation, or remove it",
	"UniqueFragmentNames":          "give each fragment its own name",
	"NoFragmentCycles":             "spread fragments without a cycle, where no fragment spreads itself through others",
	"FragmentsOnCompositeTypes":    "define the fragment on an object, interface or union type",
	"PossibleFragmentSpreads":      "spread the fragment only where its type can apply",
	"OverlappingFieldsCanBeMerged": "give the fields different aliases, or the same arguments",
	"KnownRootType":                "send a query or a mutation: the schema has no subscriptions",
	"SingleFieldSubscriptions":     "send a query or a mutation: the schema has no subscriptions",
	"MaxIntrospectionDepth":        "nest the list fields of __Type (fields, interfaces, possibleTypes and inputFields) fewer levels deep",
}

// validationErrorMessage appends what to do to the message of a gqlparser
// rule. The validation errors of this package include it already.
func validationErrorMessage(rule, message string) string {
	fix, ok := validationFixes[strings.TrimSuffix(rule, "WithoutSuggestions")]
	if !ok {
		return message
	}
	if strings.HasSuffix(message, "?") {
		// A suggestion, as in `Did you mean "slug"?`, ends the message.
		return message + " Else " + fix + "."
	}
	return strings.TrimSuffix(message, ".") + ": " + fix + "."
}

// lookupArgument returns "slug" or "email" when the root field of ctx
// takes that argument, as customEventStats and contactData do, for the
// error of a lookup by it that found nothing. Otherwise it returns "".
func lookupArgument(ctx context.Context) string {
	field := rootField(ctx)
	if field == nil {
		return ""
	}
	for _, name := range []string{"slug", "email"} {
		if _, ok := field.Args[name].(string); ok {
			return name
		}
	}
	return ""
}

// slugArgument returns the custom event slug that the root field of ctx
// received, for logs. It returns "" when no argument carries one.
func slugArgument(ctx context.Context) string {
	field := rootField(ctx)
	if field == nil {
		return ""
	}
	switch arg := field.Args["input"].(type) {
	case model.TriggerCustomEventInput:
		return arg.Slug
	case model.CustomEventInput:
		if slug, ok := field.Args["slug"].(string); ok {
			return slug
		}
		return arg.Slug
	}
	slug, _ := field.Args["slug"].(string)
	return slug
}
