package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit is a gqlgen extension that rejects an operation whose fields
// nest deeper than max levels, counting a root field as level 1.
// Introspection fields are not counted, because gqlparser's
// MaxIntrospectionDepth validation rule already bounds them and the
// standard introspection query of GraphQL tools nests about ten levels.
type depthLimit struct {
	max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string {
	return "DepthLimit"
}

func (depthLimit) Validate(graphql.ExecutableSchema) error {
	return nil
}

// MutateOperationContext runs after validation, so fragments are resolved
// and free of cycles.
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	depth := selectionDepth(opCtx.Operation.SelectionSet)
	if depth <= d.max {
		return nil
	}
	err := gqlerror.Errorf("Operation nests fields %d levels deep, more than the maximum of %d: select fewer nested fields.", depth, d.max)
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

func selectionDepth(selections ast.SelectionSet) int {
	deepest := 0
	for _, selection := range selections {
		depth := 0
		switch s := selection.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			depth = 1 + selectionDepth(s.SelectionSet)
		case *ast.InlineFragment:
			depth = selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				depth = selectionDepth(s.Definition.SelectionSet)
			}
		}
		deepest = max(deepest, depth)
	}
	return deepest
}

// sizeLimit is a gqlgen extension that rejects an operation of more than
// max fields with its fragment spreads expanded. gqlgen's complexity limit
// and depthLimit walk each spread again, so 1 KB of fragments that each
// spread the one before twice kept them busy for minutes. sizeLimit counts
// each fragment once and runs before them.
type sizeLimit struct {
	max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = sizeLimit{}

func (sizeLimit) ExtensionName() string {
	return "SizeLimit"
}

func (sizeLimit) Validate(graphql.ExecutableSchema) error {
	return nil
}

// MutateOperationContext runs after validation, so fragments are resolved
// and free of cycles.
func (l sizeLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	counter := fieldCounter{limit: l.max, fragments: map[*ast.FragmentDefinition]int{}}
	if n := counter.count(opCtx.Operation.SelectionSet); n <= l.max {
		return nil
	}
	err := gqlerror.Errorf("Operation selects more than %d fields once its fragments are expanded: select fewer fields, or spread fewer fragments.", l.max)
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// fieldCounter counts the fields of a selection set with its fragments
// expanded, up to limit+1. It remembers each fragment's count, so its work
// grows with the document and not with the expansion.
type fieldCounter struct {
	limit     int
	fragments map[*ast.FragmentDefinition]int
}

func (c fieldCounter) count(selections ast.SelectionSet) int {
	total := 0
	for _, selection := range selections {
		n := 0
		switch s := selection.(type) {
		case *ast.Field:
			n = 1 + c.count(s.SelectionSet)
		case *ast.InlineFragment:
			n = c.count(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			known, ok := c.fragments[s.Definition]
			if !ok {
				known = c.count(s.Definition.SelectionSet)
				c.fragments[s.Definition] = known
			}
			n = known
		}
		total = min(total+n, c.limit+1)
	}
	return total
}
