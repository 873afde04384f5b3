package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The endpoint's own schema nests at most 4 levels deep, as in
// customEventStats { drilldown { nodes { contactId } } }, so these tests
// run the depth limit against nestedSDL, whose type Node nests without end.
const nestedSDL = `
type Query { node: Node }
type Node { id: ID! child: Node }
`

const depthMessage = "Operation nests fields %d levels deep, more than the maximum of 8: select fewer nested fields."

// nestedQuery returns an operation that selects node, then child until
// the selection is levels fields deep, and leaf as the last field.
func nestedQuery(levels int, leaf string) string {
	var doc strings.Builder
	doc.WriteString("{ node { ")
	for range levels - 2 {
		doc.WriteString("child { ")
	}
	doc.WriteString(leaf)
	doc.WriteString(strings.Repeat(" }", levels-1))
	doc.WriteString(" }")
	return doc.String()
}

func TestDepthLimitCountsLevels(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "nested.graphqls", Input: nestedSDL})
	tests := []struct {
		name  string
		query string
		// depth is the depth that the error names, or 0 when the
		// operation passes.
		depth int
	}{
		{"at limit", nestedQuery(8, "id"), 0},
		{"one level over", nestedQuery(9, "id"), 9},
		{"far over", nestedQuery(20, "id"), 20},
		{"deepest of several fields", "{ a: node { id } b: " + strings.TrimPrefix(nestedQuery(9, "id"), "{ "), 9},
		{"fragment spread at limit", "{ node { child { ...deep } } } fragment deep on Node { child { child { child { child { child { id } } } } } }", 0},
		{"fragment spread over", "{ node { child { ...deep } } } fragment deep on Node { child { child { child { child { child { child { id } } } } } } }", 9},
		{"inline fragment over", "{ node { child { ... on Node { child { child { child { child { child { child { id } } } } } } } } } }", 9},
		{"typename not counted", nestedQuery(9, "__typename"), 0},
		{"introspection not counted", "{ node { id } __schema { queryType { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }", 0},
	}
	limit := depthLimit{max: maxDepth}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, tt.query)
			if len(errs) > 0 {
				t.Fatalf("load query %s: %v", tt.query, errs)
			}
			opCtx := &graphql.OperationContext{Operation: doc.Operations[0]}
			err := limit.MutateOperationContext(context.Background(), opCtx)
			if tt.depth == 0 {
				if err != nil {
					t.Errorf("error = %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("error = nil, want one for depth %d", tt.depth)
			}
			if want := fmt.Sprintf(depthMessage, tt.depth); err.Message != want {
				t.Errorf("message = %q, want %q", err.Message, want)
			}
			if code := err.Extensions["code"]; code != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("extensions.code = %v, want GRAPHQL_VALIDATION_FAILED", code)
			}
		})
	}
}

// TestDepthLimitOverHTTP sends operations to the endpoint's gqlgen server,
// with its transports and limits, over nestedSDL.
func TestDepthLimitOverHTTP(t *testing.T) {
	schema := &nestedSchema{schema: gqlparser.MustLoadSchema(&ast.Source{Name: "nested.graphqls", Input: nestedSDL})}
	server := httptest.NewServer(newServer(schema, slog.New(slog.DiscardHandler)))
	t.Cleanup(server.Close)
	api := &testAPI{URL: server.URL}

	resp := api.queryWithAuth(t, "", nestedQuery(9, "id"), nil)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("status = %d, want 422", resp.Status)
	}
	wantError(t, resp, "GRAPHQL_VALIDATION_FAILED", "", fmt.Sprintf(depthMessage, 9))
	if string(resp.Data) != "" && string(resp.Data) != "null" {
		t.Errorf("data = %s, want none", resp.Data)
	}
	if n := schema.executions.Load(); n != 0 {
		t.Errorf("executions after the rejected operation = %d, want 0", n)
	}

	resp = api.queryWithAuth(t, "", nestedQuery(8, "id"), nil)
	if resp.Status != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.Status)
	}
	if len(resp.Errors) > 0 {
		t.Errorf("errors = %+v, want none", resp.Errors)
	}
	if want := `{"node":{"child":{"child":{"child":{"child":{"child":{"child":{"id":"7"}}}}}}}}`; string(resp.Data) != want {
		t.Errorf("data = %s, want %s", resp.Data, want)
	}
	if n := schema.executions.Load(); n != 1 {
		t.Errorf("executions = %d, want 1", n)
	}
}

// nestedSchema executes operations on nestedSDL. Each Node's id is its
// level, from 1 for the node field, and executions counts the operations
// it ran.
type nestedSchema struct {
	schema     *ast.Schema
	executions atomic.Int64
}

func (s *nestedSchema) Schema() *ast.Schema {
	return s.schema
}

// Complexity leaves every field to gqlgen's default: 1 plus the
// complexity of its selection.
func (s *nestedSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

func (s *nestedSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	s.executions.Add(1)
	opCtx := graphql.GetOperationContext(ctx)
	data, err := json.Marshal(resolveNested(opCtx, opCtx.Operation.SelectionSet, "Query", 0))
	if err != nil {
		return graphql.OneShot(graphql.ErrorResponse(ctx, "encode the nested data: %v", err))
	}
	return graphql.OneShot(&graphql.Response{Data: data})
}

// resolveNested returns the values of the fields that selections select
// on an object of typeName at level.
func resolveNested(opCtx *graphql.OperationContext, selections ast.SelectionSet, typeName string, level int) map[string]any {
	values := map[string]any{}
	for _, field := range graphql.CollectFields(opCtx, selections, []string{typeName}) {
		switch field.Name {
		case "__typename":
			values[field.Alias] = typeName
		case "id":
			values[field.Alias] = strconv.Itoa(level)
		case "node", "child":
			values[field.Alias] = resolveNested(opCtx, field.Selections, "Node", level+1)
		}
	}
	return values
}
