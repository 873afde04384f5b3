package page

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// exampleQuery is the explorer's first query: it reads the definitions.
const exampleQuery = `query {
  customEvents { name slug isConversion }
}`

// GraphQLExplorer is Settings → GraphQL: a form that sends GraphQL requests,
// so admins can try the API from the browser. Without an API key it sends
// them with the session, for the signed-in account. A key is kept only in
// the page's memory.
type GraphQLExplorer struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session   *apitype.Session
	apiKey    string
	query     string
	variables string
	result    string
	status    string
	err       string
	busy      bool

	examples graphQLExamples
}

// OnMount loads the session and the code examples' endpoint.
func (p *GraphQLExplorer) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.query = exampleQuery
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.loadExamples()
	})
}

// Render draws the request form, the last response and the code
// examples.
func (p *GraphQLExplorer) Render() app.UI {
	lead, keyLabel := "Send GraphQL requests to this server as the signed-in account. To send them as an integration does, to /graphql, paste an API key of this account: it stays in this page and is not stored.", "API key (optional)"
	if !p.keyless() {
		lead, keyLabel = "Send GraphQL requests to this server's /graphql with an API key of this account: it stays in this page and is not stored. Admins can also send them without a key.", "API key"
	}
	return frame(PathGraphQLExplorer, p.session, "GraphQL explorer",
		app.P().ID("gql-lead").Class("lead").Text(lead),
		app.Form().ID("graphql-form").Class("panel").OnSubmit(p.run).Body(
			app.Div().Class("field").Body(
				app.Label().For("gql-key").Text(keyLabel),
				app.Input().ID("gql-key").Type("password").Attr("autocomplete", "off").
					Placeholder("ce_…").Value(renderedValue("gql-key", p.apiKey)).OnInput(p.ValueTo(&p.apiKey)),
			),
			app.Div().Class("field").Body(
				app.Label().For("gql-query").Text("Query"),
				app.Textarea().ID("gql-query").Class("code").Rows(8).Attr("spellcheck", "false").
					Text(renderedValue("gql-query", p.query)).OnInput(p.ValueTo(&p.query)),
			),
			app.Div().Class("field").Body(
				app.Label().For("gql-variables").Text("Variables (JSON, optional)"),
				app.Textarea().ID("gql-variables").Class("code").Rows(3).Attr("spellcheck", "false").
					Text(renderedValue("gql-variables", p.variables)).OnInput(p.ValueTo(&p.variables)),
			),
			alert("gql-error", p.err),
			app.Button().ID("gql-run").Type("submit").Disabled(p.busy).Text("Run"),
		),
		app.If(p.result != "", func() app.UI {
			return app.Section().Aria("label", "Response").Body(
				app.H2().Text("Response"),
				app.P().ID("gql-status").Class("hint").Text(p.status),
				app.Pre().Class("code").Body(app.Code().ID("gql-result").Text(p.result)),
			)
		}),
		p.renderExamples(),
	)
}

func (p *GraphQLExplorer) run(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	// The response shown belongs to the last request sent, so a request
	// that is not sent clears it.
	p.err, p.result, p.status = "", "", ""
	key, query := strings.TrimSpace(p.apiKey), p.query
	if key == "" && !p.keyless() {
		p.err = "API key is missing: paste a key of this account. Without a key, only admins can send requests from this page."
		return
	}
	var variables json.RawMessage
	if text := strings.TrimSpace(p.variables); text != "" {
		if !json.Valid([]byte(text)) {
			p.err = "Variables are not valid JSON: write an object such as {\"slug\": \"watched-demo-video\"}, or leave the field empty."
			return
		}
		variables = json.RawMessage(text)
	}

	p.busy = true
	ctx = p.ctx
	ctx.Async(func() {
		status, body, err := api().GraphQL(context.Background(), key, query, variables)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = err.Error()
				return
			}
			p.status = "HTTP " + strconv.Itoa(status)
			p.result = indentJSON(body)
		})
	})
}

// keyless reports whether the signed-in member may send requests without
// an API key, which takes the admin role. Until the session has loaded,
// the page assumes so.
func (p *GraphQLExplorer) keyless() bool {
	return p.session == nil || apitype.RoleAtLeast(p.session.Role, apitype.RoleAdmin)
}

// indentJSON returns body indented for reading, or unchanged when it is not
// JSON.
func indentJSON(body string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(body), "", "  "); err != nil {
		return body
	}
	return out.String()
}
