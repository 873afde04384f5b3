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
