package graph

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
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

// SchemaText is the schema without gqlgen's directives, and it declares
// the same types, fields and descriptions as the schema that the server
// runs.
func TestSchemaText(t *testing.T) {
	text := SchemaText()
	if strings.Contains(text, "@go") {
		t.Errorf("schema text still has a gqlgen directive")
	}
	parsed, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema text", Input: text})
	if gqlErr != nil {
		t.Fatalf("schema text does not load: %v", gqlErr)
	}
	served := NewExecutableSchema(Config{}).Schema()
	for name, def := range served.Types {
		if def.BuiltIn {
			continue
		}
		got := parsed.Types[name]
		if got == nil {
			t.Errorf("type %s is missing", name)
			continue
		}
		if got.Kind != def.Kind || got.Description != def.Description {
			t.Errorf("type %s: kind %s and description %q, want %s and %q", name, got.Kind, got.Description, def.Kind, def.Description)
		}
		if len(got.Fields) != len(def.Fields) {
			t.Errorf("type %s: %d fields, want %d", name, len(got.Fields), len(def.Fields))
			continue
		}
		for i, field := range def.Fields {
			if got.Fields[i].Name != field.Name || got.Fields[i].Description != field.Description || got.Fields[i].Type.String() != field.Type.String() {
				t.Errorf("type %s field %d: %s: %s, want %s: %s", name, i, got.Fields[i].Name, got.Fields[i].Type, field.Name, field.Type)
			}
		}
	}
	for name, def := range parsed.Types {
		if !def.BuiltIn && served.Types[name] == nil {
			t.Errorf("type %s is not in the served schema", name)
		}
	}
	if len(parsed.Directives) != len(served.Directives)-2 {
		t.Errorf("directives = %d, want the %d of the served schema without goField and goExtraField", len(parsed.Directives), len(served.Directives)-2)
	}
}

// TestDocsErrorExample sends the mutation of the errors example in
// docs/graphql.md and compares the reply with the JSON shown there.
func TestDocsErrorExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/graphql.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)The\nmutation `([^`]*)`, sent on one line, gets:\n\n```json\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/graphql.md has no errors example")
	}
	mutation := strings.ReplaceAll(string(m[1]), "\n", " ")

	api := newTestAPI(t)
	api.createEvent(t, "watched-demo-video")
	resp := api.query(t, mutation, nil)

	var got, want any
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatalf("decode reply %s: %v", resp.Body, err)
	}
	if err := json.Unmarshal(m[2], &want); err != nil {
		t.Fatalf("decode the example: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reply to %s\n%s\ndiffers from the example\n%s", mutation, resp.Body, m[2])
	}
}

// TestDocsVariablesExample posts the request body of "Values as variables"
// in docs/graphql.md as written, and finds its event stored for its
// contact.
func TestDocsVariablesExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/graphql.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "### Values as variables")
	block := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatal("no JSON example under Values as variables in docs/graphql.md")
	}

	api := newTestAPI(t)
	api.createEvent(t, "watched-demo-video")
	resp := api.postBody(t, "Bearer "+api.APIKey, block[1])
	if resp.Status != 200 {
		t.Errorf("status = %d, want 200", resp.Status)
	}
	if len(resp.Errors) != 0 {
		t.Fatalf("errors = %+v, want none", resp.Errors)
	}

	var data struct {
		TriggerCustomEvent string `json:"triggerCustomEvent"`
	}
	decodeData(t, resp, &data)
	occurrences := storedOccurrences(t, api)
	contacts := storedContacts(t, api)

	if len(occurrences) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(occurrences))
	}
	if len(contacts) != 1 {
		t.Fatalf("contacts = %d, want 1", len(contacts))
	}
	if contacts[0].Email == nil || *contacts[0].Email != "contact@example.com" {
		t.Errorf("contact email = %v, want contact@example.com", contacts[0].Email)
	}
	if data.TriggerCustomEvent != strconv.FormatInt(occurrences[0].ID, 10) {
		t.Errorf("triggerCustomEvent = %q, want occurrence id %d", data.TriggerCustomEvent, occurrences[0].ID)
	}
	if occurrences[0].ContactID != contacts[0].ID {
		t.Errorf("occurrence contact = %d, want %d", occurrences[0].ContactID, contacts[0].ID)
	}
}
