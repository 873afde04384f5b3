package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// isIntrospectionQuery reports whether every operation of query is a query
// that selects only introspection fields (__schema, __type, __typename) at
// its root. Such documents are served without an API key, because the
// schema is public. It parses only a query that contains __schema or
// __type, and at most maxIntrospectionTokens tokens of it.
func isIntrospectionQuery(query string) bool {
	// "__type" also matches "__typename".
	if !strings.Contains(query, "__schema") && !strings.Contains(query, "__type") {
		return false
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxIntrospectionTokens)
	if err != nil || len(doc.Operations) == 0 {
		return false
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query {
			return false
		}
		for _, selection := range op.SelectionSet {
			field, ok := selection.(*ast.Field)
			if !ok || !strings.HasPrefix(field.Name, "__") {
				return false
			}
		}
	}
	return true
}

// getHasMutation reports whether query, the document of a GET request,
// contains a mutation. A document that does not parse is left to gqlgen,
// which reports the syntax error with its code.
func getHasMutation(query string) bool {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxParserTokens)
	if err != nil {
		return false
	}
	for _, op := range doc.Operations {
		if op.Operation == ast.Mutation {
			return true
		}
	}
	return false
}

// selectionLimit is a gqlgen extension that rejects a document of more
// than max selections before gqlgen validates it.
// gqlparser's OverlappingFieldsCanBeMerged rule compares the fields of a
// selection set in pairs, so its work grows with the square of their
// number. A document that does not parse is left to gqlgen, which reports
// the syntax error with its code.
type selectionLimit struct {
	max int
	// validated is gqlgen's cache of validated documents. A document in it
	// passed this check before, so it is not parsed again.
	validated graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = selectionLimit{}

func (selectionLimit) ExtensionName() string {
	return "SelectionLimit"
}

func (selectionLimit) Validate(graphql.ExecutableSchema) error {
	return nil
}

func (l selectionLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	// Every selection takes bytes of its own in the document: a field its
	// name, a fragment spread or an inline fragment its "...". So a
	// document of at most max bytes has at most max selections and is not
	// parsed here, such as a trigger with only a slug and an email.
	if len(params.Query) <= l.max {
		return nil
	}
	if _, ok := l.validated.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, maxParserTokens)
	if err != nil {
		return nil
	}
	if countSelections(doc, l.max) <= l.max {
		return nil
	}
	gqlErr := gqlerror.Errorf("Document has more than %d selections (fields, fragment spreads and inline fragments) before its fragments are expanded: select fewer fields, or send the operations in separate requests.", l.max)
	errcode.Set(gqlErr, errcode.ValidationFailed)
	return gqlErr
}

// countSelections counts the selections of every operation and fragment
// definition of doc as written, without expanding fragment spreads, and
// stops once the count passes limit.
func countSelections(doc *ast.QueryDocument, limit int) int {
	n := 0
	for _, op := range doc.Operations {
		n = countSelectionSet(op.SelectionSet, n, limit)
	}
	for _, fragment := range doc.Fragments {
		n = countSelectionSet(fragment.SelectionSet, n, limit)
	}
	return n
}

// countSelectionSet adds the selections of set and of the sets nested in
// it to n, and returns the sum, or a number above limit once it passes it.
func countSelectionSet(set ast.SelectionSet, n, limit int) int {
	for _, selection := range set {
		if n > limit {
			return n
		}
		n++
		switch s := selection.(type) {
		case *ast.Field:
			n = countSelectionSet(s.SelectionSet, n, limit)
		case *ast.InlineFragment:
			n = countSelectionSet(s.SelectionSet, n, limit)
		}
	}
	return n
}

// maxOperationNamesInMessage is the most operation names that the message
// for an operationName that selects no operation lists.
const maxOperationNamesInMessage = 10

// operationNotFoundMessage returns the client message for a request whose
// operationName selects no operation of its document, and true. gqlgen's
// own message for it, "operation X not found", names neither the fix nor
// the operations of the document. The operation context has a valid document but
// no operation only after that error, because gqlgen returns as soon as
// the lookup fails.
func operationNotFoundMessage(ctx context.Context) (string, bool) {
	if !graphql.HasOperationContext(ctx) {
		return "", false
	}
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Doc == nil || opCtx.Operation != nil {
		return "", false
	}

	var names []string
	for _, op := range opCtx.Doc.Operations {
		if op.Name != "" {
			names = append(names, op.Name)
		}
	}
	listed := names
	if len(names) > maxOperationNamesInMessage {
		listed = names[:maxOperationNamesInMessage]
	}
	fix := "set operationName to one of " + strings.Join(listed, ", ")
	if len(listed) < len(names) {
		fix += fmt.Sprintf(" (and %d more)", len(names)-len(listed))
	}
	if len(names) == 0 {
		fix = "leave operationName out to run the document's only operation, which has no name"
	}

	if opCtx.OperationName == "" {
		return fmt.Sprintf("Document has %d operations, so operationName must say which one to run: %s.", len(opCtx.Doc.Operations), fix), true
	}
	name := truncateRunes(opCtx.OperationName, maxKeyRunesInMessage)
	return fmt.Sprintf("operationName %q is not the name of an operation in the document: %s.", name, fix), true
}
