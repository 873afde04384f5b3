package page

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// graphQLExamples is the state of the code examples under Settings →
// GraphQL.
type graphQLExamples struct {
	// endpoint is nil until it has loaded.
	endpoint *apitype.GraphQLEndpoint
	err      string
	// copyStatus is the status next to each example's copy button, by
	// example id.
	copyStatus map[string]string
}

func (p *GraphQLExplorer) loadExamples() {
	ctx := p.ctx
	ctx.Async(func() {
		endpoint, err := api().GraphQLEndpoint(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.examples.err = "The examples could not be loaded: " + err.Error()
				return
			}
			p.examples.endpoint = &endpoint
		})
	})
}

// onCopyExample copies the example whose id the button carries in its
// data-example attribute.
func (p *GraphQLExplorer) onCopyExample(ctx app.Context, e app.Event) {
	id := ctx.JSSrc().Get("dataset").Get("example").String()
	if p.examples.endpoint == nil {
		return
	}
	for _, example := range apitype.GraphQLExamples(p.examples.endpoint.URL, p.examples.endpoint.Slug) {
		if example.ID != id {
			continue
		}
		copyText(p.ctx, example.Code, func(status string) {
			if p.examples.copyStatus == nil {
				p.examples.copyStatus = map[string]string{}
			}
			p.examples.copyStatus[id] = status
		})
	}
}

// renderExamples draws ready-to-run programs that trigger the account's
// first custom event through this server's GraphQL endpoint.
func (p *GraphQLExplorer) renderExamples() app.UI {
	x := p.examples
	if x.endpoint == nil {
		return alert("gql-examples-error", x.err)
	}
	examples := apitype.GraphQLExamples(x.endpoint.URL, x.endpoint.Slug)
	intro := "Each example records one event of " + x.endpoint.Slug + " for " + apitype.ExampleEmail + "."
	if x.endpoint.Slug == "" {
		intro = "This account has no custom event yet, so the examples use " + apitype.ExampleSlug + ": create one under Settings → Custom Events."
	}
	return app.Section().ID("graphql-examples").Class("panel").Aria("labelledby", "graphql-examples-title").Body(
		app.H2().ID("graphql-examples-title").Text("Call the API from your backend"),
		app.P().Class("hint").Body(
			app.Text(intro+" Replace "+apitype.ExampleAPIKey+" with a key from "),
			app.A().Href(PathAPIKeySettings).Text("Settings → API keys"),
			app.Text("."),
		),
		app.P().Body(
			app.Text("Endpoint: "),
			app.Code().ID("graphql-endpoint").Text(x.endpoint.URL),
		),
		app.Details().ID("gql-schema").Body(
			app.Summary().Text("Schema: every type, field and argument, with its description"),
			app.Pre().Class("code").Body(app.Code().ID("gql-schema-text").Text(x.endpoint.Schema)),
		),
		app.Range(examples).Slice(func(i int) app.UI {
			example := examples[i]
			return app.Div().Class("example").DataSet("example", example.ID).Body(
				app.H3().Text(example.Label),
				app.Pre().Class("code").Body(app.Code().ID("gql-example-"+example.ID).Text(example.Code)),
				app.Div().Class("actions").Body(
					app.Button().ID("copy-gql-example-"+example.ID).Type("button").Class("secondary").
						Aria("label", "Copy the "+example.Label+" example").
						DataSet("example", example.ID).OnClick(p.onCopyExample).Text("Copy"),
					app.Span().ID("copy-gql-example-"+example.ID+"-status").Role("status").Text(x.copyStatus[example.ID]),
				),
			)
		}),
	)
}
