package graph

// SchemaText returns the schema in the GraphQL schema language, as
// schema.graphqls has it, with the descriptions of every type and field.
func SchemaText() string {
	return sources[0].Input
}
