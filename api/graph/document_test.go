package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestSelectionsNeverOutnumberBytes checks the bound that lets
// selectionLimit leave short documents unparsed: in the densest documents
// of each kind of selection, the selections are fewer than the bytes.
func TestSelectionsNeverOutnumberBytes(t *testing.T) {
	docs := []string{
		"{a}",
		"{a b c}",
		"{a,b,c}",
		"{a{b{c}}}",
		"{x:a y:b}",
		"{...F} fragment F on T{a}",
		"{...{a}}",
		"{... on T{a ...F}} fragment F on T{b}",
		"query{a}",
		"{" + strings.Repeat("a ", 149) + "}",
		"{" + strings.Repeat("...{a}", 40) + "}",
	}
	for _, doc := range docs {
		parsed, err := parser.ParseQuery(&ast.Source{Input: doc})
		if err != nil {
			t.Fatalf("parse %q: %v", doc, err)
		}
		if n := countSelections(parsed, len(doc)+1); n > len(doc) {
			t.Errorf("%q has %d selections in %d bytes", doc, n, len(doc))
		}
	}
	// The densest form: a one-letter field and a separator per selection.
	dense := "{" + strings.Repeat("a ", 149) + "}"
	parsed, err := parser.ParseQuery(&ast.Source{Input: dense})
	if err != nil {
		t.Fatal(err)
	}
	if n := countSelections(parsed, maxSelections); n != 149 {
		t.Errorf("dense document selections = %d, want 149", n)
	}
	if len(dense) != 300 {
		t.Errorf("dense document length = %d bytes, want 300", len(dense))
	}
}
