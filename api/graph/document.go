package graph

import (
	"context"
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
