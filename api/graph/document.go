package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
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
