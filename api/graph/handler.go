package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"customevents/db"
)

// Request limits. The largest query the schema allows without aliases
// (every field of customEvents and of customEventStats with its drilldown)
// has a complexity of about 32 and a depth of 4. The limits leave room for
// aliases and fragments and still reject abusive documents early.
const (
	maxRequestBodyBytes = 1 << 20
	maxParserTokens     = 10_000
	// maxIntrospectionTokens caps the document of a request without an
	// Authorization header, which may only be an introspection query. A query for
	// every field of the introspection types (fullIntrospectionQuery in
	// auth_test.go) has 184 tokens.
	maxIntrospectionTokens = 1_000
	// maxSelections caps the selections of a document as written, which
	// bound the work of validation. fullIntrospectionQuery has 81, and an
	// operation within maxComplexity has at most 200 fields.
	maxSelections  = 300
	maxComplexity  = 200
	maxDepth       = 8
	maxFields      = 5_000
	queryCacheSize = 1000
)

// Options tune the GraphQL endpoint.
type Options struct {
	// RateLimit is the number of requests per second that one account may
	// send on average. Zero or less turns the limit off.
	RateLimit float64
	// RateBurst is how many requests an account may send at once before
	// RateLimit applies. Values below 1 count as 1.
	RateBurst int
}

// NewHandler returns the GraphQL endpoint. It accepts queries by GET and
// POST (application/json) and allows introspection. Each request names its
// account with the header `Authorization: Bearer <API key>`. A request
// without a valid key gets 401, unless it has no Authorization header and
// only reads the schema by introspection. Close the handler at shutdown.
func NewHandler(store *db.Store, log *slog.Logger, opts Options) *Handler {
	resolver := &Resolver{store: store, log: log}
	schema := NewExecutableSchema(Config{Resolvers: resolver})
	resolver.schema = schema.(*executableSchema)
	return &Handler{
		store:  store,
		log:    log,
		next:   newServer(schema, log),
		limits: newAccountLimits(opts.RateLimit, opts.RateBurst, log),
	}
}

// newServer returns the gqlgen server for schema, with the transports and
// request limits of the endpoint but without authentication, which
// Handler adds.
func newServer(schema graphql.ExecutableSchema, log *slog.Logger) *handler.Server {
	server := handler.New(schema)

	server.AddTransport(transport.GET{})
	server.AddTransport(transport.POST{})

	cache := lru.New[*ast.QueryDocument](queryCacheSize)
	server.SetQueryCache(cache)
	server.SetParserTokenLimit(maxParserTokens)
	server.SetValidationRulesFn(validationRules)
	server.Use(extension.Introspection{})
	server.AroundFields(nullKindLists)
	server.Use(selectionLimit{max: maxSelections, validated: cache})
	// sizeLimit runs first, because the complexity limit's work grows with
	// the expanded size.
	server.Use(sizeLimit{max: maxFields})
	server.Use(&complexityLimit{max: maxComplexity})
	server.Use(depthLimit{max: maxDepth})
	server.Use(&variableValueCheck{})
	server.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withTriggerFieldsCheck(ctx))
	})

	presenter := &errorPresenter{log: log}
	server.SetErrorPresenter(presenter.present)
	server.SetRecoverFunc(presenter.recover)
	return server
}
