package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
)

// kindLists maps each __Type field that lists members, such as fields or
// enum values, to the kinds of type that have them. The GraphQL
// specification makes the field null on other kinds, where gqlgen returns
// an empty list.
var kindLists = map[string][]string{
	"fields":        {"OBJECT", "INTERFACE"},
	"interfaces":    {"OBJECT", "INTERFACE"},
	"possibleTypes": {"INTERFACE", "UNION"},
	"enumValues":    {"ENUM"},
	"inputFields":   {"INPUT_OBJECT"},
}

// nullKindLists is field middleware that resolves the fields of kindLists
// to null on a type of another kind, such as the fields of an enum.
func nullKindLists(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "__Type" || fc.Parent == nil {
		return next(ctx)
	}
	kinds, ok := kindLists[fc.Field.Name]
	if !ok {
		return next(ctx)
	}
	var kind string
	switch parent := fc.Parent.Result.(type) {
	case *introspection.Type:
		kind = parent.Kind()
	case introspection.Type:
		kind = parent.Kind()
	default:
		return next(ctx)
	}
	if slices.Contains(kinds, kind) {
		return next(ctx)
	}
	return nil, nil
}
