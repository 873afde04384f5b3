package graph

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
)

// TestDocsExamplesValidate checks every GraphQL example in docs/graphql.md
// against the schema, so the reference cannot drift from the API.
func TestDocsExamplesValidate(t *testing.T) {
	doc, err := os.ReadFile("../../docs/graphql.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d GraphQL examples in docs/graphql.md, want at least 5", len(blocks))
	}
	schema := NewExecutableSchema(Config{Resolvers: &Resolver{}}).Schema()
	for i, block := range blocks {
		// A block may show several operations, separated by blank lines.
		for _, operation := range strings.Split(string(block[1]), "\n\n") {
			if _, errs := gqlparser.LoadQuery(schema, operation); len(errs) > 0 {
				t.Errorf("example %d does not validate: %v\n%s", i+1, errs, operation)
			}
		}
	}
}
