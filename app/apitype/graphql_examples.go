package apitype

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// GraphQLEndpoint is the body of GET /api/graphql-endpoint: the URL that
// backends send GraphQL requests to, the slug of the account's first
// custom event by name, or "" when it has none, and the schema in the
// GraphQL schema language, with its descriptions.
type GraphQLEndpoint struct {
	URL    string `json:"url"`
	Slug   string `json:"slug"`
	Schema string `json:"schema"`
}

// Values that the GraphQL examples use in place of the account's own.
const (
	// ExampleAPIKey is the placeholder for an API key, which the server cannot show
	// because it stores only key hashes.
	ExampleAPIKey = "YOUR_API_KEY"
	// ExampleSlug is the placeholder slug when the account has no custom event.
	ExampleSlug = "your-event-slug"
	// ExampleEmail is the contact email of the examples.
	ExampleEmail = "contact@example.com"
)

// CodeExample is a program in one language that sends a GraphQL request.
type CodeExample struct {
	// ID is a short name for the language, usable in element ids.
	ID    string
	Label string
	Code  string
}

// TriggerMutation returns the mutation that records one event of slug for
// email, on one line.
func TriggerMutation(slug, email string) string {
	return "mutation { triggerCustomEvent(input: { slug: " + jsonString(slug) + " email: " + jsonString(email) + " }) }"
}

// GraphQLExamples returns programs in curl, JavaScript, Go and Python that
// send TriggerMutation(slug, ExampleEmail) to endpoint with ExampleAPIKey.
// An empty slug becomes ExampleSlug.
func GraphQLExamples(endpoint, slug string) []CodeExample {
	if slug == "" {
		slug = ExampleSlug
	}
	mutation := TriggerMutation(slug, ExampleEmail)
	body := jsonString(map[string]string{"query": mutation})
	return []CodeExample{
		{ID: "curl", Label: "curl", Code: curlExample(endpoint, body)},
		{ID: "javascript", Label: "JavaScript (fetch)", Code: javaScriptExample(endpoint, mutation)},
		{ID: "go", Label: "Go (net/http)", Code: goExample(endpoint, body)},
		{ID: "python", Label: "Python (urllib)", Code: pythonExample(endpoint, mutation)},
	}
}

func curlExample(endpoint, body string) string {
	return "curl -s " + shellQuote(endpoint) + " \\\n" +
		"  -H " + shellQuote("Authorization: Bearer "+ExampleAPIKey) + " \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		"  --data-raw " + shellQuote(body) + "\n"
}

func javaScriptExample(endpoint, mutation string) string {
	return "fetch(" + jsonString(endpoint) + ", {\n" +
		"  method: \"POST\",\n" +
		"  headers: {\n" +
		"    \"Authorization\": " + jsonString("Bearer "+ExampleAPIKey) + ",\n" +
		"    \"Content-Type\": \"application/json\",\n" +
		"  },\n" +
		"  body: JSON.stringify({\n" +
		"    query: " + singleQuote(mutation) + ",\n" +
		"  }),\n" +
		"})\n" +
		"  .then((response) => response.json())\n" +
		"  .then((result) => console.log(result));\n"
}

func goExample(endpoint, body string) string {
	// A raw string literal keeps the JSON readable. JSON text can contain
	// a backquote only inside a string, and then it is quoted instead.
	bodyLiteral := "`" + body + "`"
	if strings.Contains(body, "`") {
		bodyLiteral = strconv.Quote(body)
	}
	return "package main\n" +
		"\n" +
		"import (\n" +
		"\t\"fmt\"\n" +
		"\t\"io\"\n" +
		"\t\"log\"\n" +
		"\t\"net/http\"\n" +
		"\t\"strings\"\n" +
		")\n" +
		"\n" +
		"func main() {\n" +
		"\tbody := " + bodyLiteral + "\n" +
		"\treq, err := http.NewRequest(http.MethodPost, " + strconv.Quote(endpoint) + ", strings.NewReader(body))\n" +
		"\tif err != nil {\n" +
		"\t\tlog.Fatal(err)\n" +
		"\t}\n" +
		"\treq.Header.Set(\"Authorization\", " + strconv.Quote("Bearer "+ExampleAPIKey) + ")\n" +
		"\treq.Header.Set(\"Content-Type\", \"application/json\")\n" +
		"\tresp, err := http.DefaultClient.Do(req)\n" +
		"\tif err != nil {\n" +
		"\t\tlog.Fatal(err)\n" +
		"\t}\n" +
		"\tdefer resp.Body.Close()\n" +
		"\treply, err := io.ReadAll(resp.Body)\n" +
		"\tif err != nil {\n" +
		"\t\tlog.Fatal(err)\n" +
		"\t}\n" +
		"\tfmt.Println(resp.Status, string(reply))\n" +
		"}\n"
}

func pythonExample(endpoint, mutation string) string {
	return "import json\n" +
		"import urllib.error\n" +
		"import urllib.request\n" +
		"\n" +
		"query = " + singleQuote(mutation) + "\n" +
		"request = urllib.request.Request(\n" +
		"    " + jsonString(endpoint) + ",\n" +
		"    data=json.dumps({\"query\": query}).encode(\"utf-8\"),\n" +
		"    headers={\n" +
		"        \"Authorization\": " + jsonString("Bearer "+ExampleAPIKey) + ",\n" +
		"        \"Content-Type\": \"application/json\",\n" +
		"    },\n" +
		"    method=\"POST\",\n" +
		")\n" +
		"try:\n" +
		"    with urllib.request.urlopen(request) as response:\n" +
		"        print(json.load(response))\n" +
		"except urllib.error.HTTPError as error:\n" +
		"    # An error status, such as 401 or 422, comes with JSON errors too.\n" +
		"    print(error.code, json.load(error))\n"
}

// jsonString returns v as JSON without HTML escaping. A JSON string is
// also a valid string literal in GraphQL, JavaScript and Python.
func jsonString(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Strings and maps of strings always encode.
		panic("encode example value: " + err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// shellQuote returns s in single quotes for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// singleQuote returns s as a single-quoted string literal, valid in
// JavaScript and Python, so the double quotes of a GraphQL document need
// no escaping.
func singleQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\u2028", `\u2028`, "\u2029", `\u2029`)
	return "'" + r.Replace(s) + "'"
}
