package page

import (
	"context"
	"net/url"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// Contacts is the contacts list: every contact of the account, newest
// first, with a search on name, email, company or id. The search is kept
// in the query (search), so going back from a contact restores it.
type Contacts struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session *apitype.Session
	search  string
	// rows is nil until the first page has loaded.
	rows       []apitype.ContactSummary
	nextCursor string
	loading    bool
	err        string
	// seq numbers list requests, so a response that arrives after a newer
	// search was sent is dropped.
	seq int
}

// OnMount loads the session and the first page for the search in the URL.
func (p *Contacts) OnMount(ctx app.Context) {
	p.ctx = ctx
	p.search = ctx.Page().URL().Query().Get("search")
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.load(false)
	})
}

// load reads the first page of the search, or with more the page after
// the rows on screen.
func (p *Contacts) load(more bool) {
	query := client.ContactQuery{Search: p.search}
	if more {
		query.After = p.nextCursor
	}
	p.seq++
	seq := p.seq
	p.loading = true
	p.err = ""
	ctx := p.ctx
	ctx.Async(func() {
		page, err := api().Contacts(context.Background(), query)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			p.loading = false
			if err != nil {
				p.err = "Contacts could not be loaded: " + err.Error()
				return
			}
			if more {
				p.rows = append(p.rows, page.Rows...)
			} else {
				p.rows = page.Rows
			}
			p.nextCursor = page.NextCursor
		})
	})
}

func (p *Contacts) onSearch(ctx app.Context, e app.Event) {
	search, verr := apitype.NormalizeDrilldownSearch(ctx.JSSrc().Get("value").String())
	if verr != nil {
		p.err = verr.Message
		return
	}
	if search == p.search {
		return
	}
	p.search = search
	u := *ctx.Page().URL()
	u.RawQuery = ""
	if search != "" {
		u.RawQuery = url.Values{"search": {search}}.Encode()
	}
	ctx.Page().ReplaceURL(&u)
	p.load(false)
}

func (p *Contacts) onMore(ctx app.Context, e app.Event) {
	if p.nextCursor != "" && !p.loading {
		p.load(true)
	}
}

// Render draws the search field and the table.
func (p *Contacts) Render() app.UI {
	return frame(PathContacts, p.session, "Contacts",
		app.P().Class("lead").Text("Everyone your websites and backends sent events for. Visitors the beacon has not identified yet are anonymous until $__MA.identify or an API call gives their email."),
		app.Div().Class("field").Body(
			app.Label().For("contacts-search").Text("Search name, email, company or contact id"),
			app.Input().ID("contacts-search").Type("search").
				MaxLength(apitype.MaxDrilldownSearchLength).
				Attr("autocomplete", "off").
				Value(renderedValue("contacts-search", p.search)).
				OnInput(p.onSearch),
		),
		alert("contacts-error", p.err),
		app.P().ID("contacts-status").Class("range").Role("status").Text(p.statusText()),
		p.renderTable(),
		app.If(p.nextCursor != "", func() app.UI {
			return app.Button().ID("contacts-more").Type("button").Class("secondary").
				Disabled(p.loading).OnClick(p.onMore).Text("Load more")
		}),
	)
}

func (p *Contacts) statusText() string {
	if p.loading {
		return "Loading contacts…"
	}
	if p.rows == nil {
		return ""
	}
	status := countText(int64(len(p.rows)), "contact", "contacts")
	if p.nextCursor != "" {
		status += " shown, more to load"
	}
	return status
}

func (p *Contacts) renderTable() app.UI {
	if len(p.rows) == 0 {
		if p.rows == nil || p.loading {
			return app.Div()
		}
		if p.search != "" {
			return app.P().ID("contacts-empty").Class("empty").Text("No contacts match “" + p.search + "”.")
		}
		return app.P().ID("contacts-empty").Class("empty").Text("No contacts yet: they appear with the first event from the beacon or the API.")
	}
	return app.Div().Class("table-scroll").Body(
		app.Table().ID("contacts-table").Body(
			app.Caption().Class("visually-hidden").Text("Contacts, newest first"),
			headerRow("Contact", "Email", "Company", "Lifecycle stage", "Lead score", "Events", "Last event (UTC)"),
			app.TBody().Body(
				app.Range(p.rows).Slice(func(i int) app.UI {
					return contactRow(p.rows[i])
				}),
			),
		),
	)
}

// contactRow draws one contact. Every value is text, because names and
// companies can come from websites.
func contactRow(c apitype.ContactSummary) app.UI {
	label := apitype.ContactLabel(c.ID, c.Email, c.FirstName, c.LastName)
	nameClass := "name"
	if c.Email == nil && apitype.ContactName(c.FirstName, c.LastName) == "" {
		nameClass = "name anonymous"
	}
	email := ""
	if c.Email != nil {
		email = *c.Email
	}
	lastEvent := ""
	if c.LastEventAt != nil {
		lastEvent = c.LastEventAt.UTC().Format("2006-01-02 15:04")
	}
	return app.Tr().DataSet("contact", c.ID).Body(
		app.Td().Class(nameClass).Body(app.A().Href(contactPath(c.ID)).Text(label)),
		textCell("email", email),
		textCell("company", c.Company),
		textCell("stage", c.LifecycleStage),
		textCell("score", strconv.FormatInt(c.LeadScore, 10)),
		textCell("count", strconv.FormatInt(c.Events, 10)),
		textCell("last", lastEvent),
	)
}
