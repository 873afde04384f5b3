package apitype

import (
	"strings"
	"testing"
)

func TestTriggerMutation(t *testing.T) {
	got := TriggerMutation("signed-up", "a@b.c")
	want := `mutation { triggerCustomEvent(input: { slug: "signed-up" email: "a@b.c" }) }`
	if got != want {
		t.Errorf("mutation = %q, want %q", got, want)
	}
}

func TestGraphQLExamplesExact(t *testing.T) {
	examples := GraphQLExamples("https://events.example.com/graphql", "signed-up")
	want := map[string]string{
		"curl": `curl -s 'https://events.example.com/graphql' \
  -H 'Authorization: Bearer YOUR_API_KEY' \
  -H 'Content-Type: application/json' \
  --data-raw '{"query":"mutation { triggerCustomEvent(input: { slug: \"signed-up\" email: \"contact@example.com\" }) }"}'
`,
		"javascript": `fetch("https://events.example.com/graphql", {
  method: "POST",
  headers: {
    "Authorization": "Bearer YOUR_API_KEY",
    "Content-Type": "application/json",
  },
  body: JSON.stringify({
    query: 'mutation { triggerCustomEvent(input: { slug: "signed-up" email: "contact@example.com" }) }',
  }),
})
  .then((response) => response.json())
  .then((result) => console.log(result));
`,
		"go": "package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"log\"\n\t\"net/http\"\n\t\"strings\"\n)\n\n" +
			"func main() {\n" +
			"\tbody := `{\"query\":\"mutation { triggerCustomEvent(input: { slug: \\\"signed-up\\\" email: \\\"contact@example.com\\\" }) }\"}`\n" +
			"\treq, err := http.NewRequest(http.MethodPost, \"https://events.example.com/graphql\", strings.NewReader(body))\n" +
			"\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n" +
			"\treq.Header.Set(\"Authorization\", \"Bearer YOUR_API_KEY\")\n" +
			"\treq.Header.Set(\"Content-Type\", \"application/json\")\n" +
			"\tresp, err := http.DefaultClient.Do(req)\n" +
			"\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n" +
			"\tdefer resp.Body.Close()\n" +
			"\treply, err := io.ReadAll(resp.Body)\n" +
			"\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n" +
			"\tfmt.Println(resp.Status, string(reply))\n" +
			"}\n",
		"python": `import json
import urllib.error
import urllib.request

query = 'mutation { triggerCustomEvent(input: { slug: "signed-up" email: "contact@example.com" }) }'
request = urllib.request.Request(
    "https://events.example.com/graphql",
    data=json.dumps({"query": query}).encode("utf-8"),
    headers={
        "Authorization": "Bearer YOUR_API_KEY",
        "Content-Type": "application/json",
    },
    method="POST",
)
try:
    with urllib.request.urlopen(request) as response:
        print(json.load(response))
except urllib.error.HTTPError as error:
    # An error status, such as 401 or 422, comes with JSON errors too.
    print(error.code, json.load(error))
`,
	}
	if len(examples) != 4 {
		t.Fatalf("examples = %d, want 4", len(examples))
	}
	for _, example := range examples {
		if example.Code != want[example.ID] {
			t.Errorf("%s example =\n%s\nwant\n%s", example.ID, example.Code, want[example.ID])
		}
	}
}

func TestGraphQLExamplesWithoutSlug(t *testing.T) {
	for _, example := range GraphQLExamples("http://localhost:8080/graphql", "") {
		if !strings.Contains(example.Code, `slug: \"your-event-slug\"`) && !strings.Contains(example.Code, `slug: "your-event-slug"`) {
			t.Errorf("%s example lacks the placeholder slug:\n%s", example.ID, example.Code)
		}
	}
}

func TestExampleQuoting(t *testing.T) {
	if got, want := shellQuote(`it's`), `'it'\''s'`; got != want {
		t.Errorf("shellQuote = %s, want %s", got, want)
	}
	if got, want := singleQuote("a'b\\c\n"), `'a\'b\\c\n'`; got != want {
		t.Errorf("singleQuote = %s, want %s", got, want)
	}
	if got, want := jsonString("<a&b>"), `"<a&b>"`; got != want {
		t.Errorf("jsonString = %s, want %s", got, want)
	}
}

func TestMetadataEntries(t *testing.T) {
	entries, omitted := MetadataEntries(map[string]any{
		"b": "<script>alert(1)</script>", "a": 2.5, "c": false, "d": 1e21, "e": map[string]any{"x": 1.0}, "f": "bad\xffutf8",
		"g": 1e308, "h": 1e-7, "i": 123456789012345680000.0, "j": 0.000001,
	})
	want := []MetadataEntry{
		{Key: "a", Value: "2.5"},
		{Key: "b", Value: "<script>alert(1)</script>"},
		{Key: "c", Value: "false"},
		{Key: "d", Value: "1e+21"},
		{Key: "e", Value: `{"x":1}`},
		{Key: "f", Value: "bad\uFFFDutf8"},
		{Key: "g", Value: "1e+308"},
		{Key: "h", Value: "1e-7"},
		{Key: "i", Value: "123456789012345680000"},
		{Key: "j", Value: "0.000001"},
	}
	if omitted != 0 || len(entries) != len(want) {
		t.Fatalf("entries = %+v, omitted %d, want %+v", entries, omitted, want)
	}
	for i := range want {
		if entries[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, entries[i], want[i])
		}
	}
}

func TestContactLabel(t *testing.T) {
	email := "ann@example.com"
	tests := []struct {
		email       *string
		first, last string
		want        string
	}{
		{&email, "Ann", "Lee", "Ann Lee"},
		{&email, "", "", "ann@example.com"},
		{nil, "", "Lee", "Lee"},
		{nil, " ", "", "Anonymous visitor #42"},
	}
	for _, tt := range tests {
		if got := ContactLabel(42, tt.email, tt.first, tt.last); got != tt.want {
			t.Errorf("ContactLabel(%v, %q, %q) = %q, want %q", tt.email, tt.first, tt.last, got, tt.want)
		}
	}
}
