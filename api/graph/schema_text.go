package graph

import (
	"regexp"
	"sync"
)

var (
	// goDirectiveDeclarations matches the declarations of gqlgen's code
	// generation directives with the description above them.
	goDirectiveDeclarations = regexp.MustCompile(`(?s)"""\s*Code generation directives of gqlgen.*?"""\n(directive @go\w+[^\n]*\n)+\n*`)
	// goDirectiveUses matches a use of one of those directives with the
	// white space before it, up to the line break after a type's name.
	goDirectiveUses = regexp.MustCompile(`[ \t\n]*@go\w+\([^)\n]*\)`)

	schemaText = sync.OnceValue(func() string {
		text := goDirectiveDeclarations.ReplaceAllString(sources[0].Input, "")
		return goDirectiveUses.ReplaceAllString(text, "")
	})
)

// SchemaText returns schema.graphqls, descriptions included, without
// gqlgen's code generation directives, which introspection hides too.
func SchemaText() string {
	return schemaText()
}
