package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

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
