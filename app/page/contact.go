package page

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
	"customevents/app/client"
)

// ContactView is one contact's page, at /contacts/ID: its fields, lists
// and tags, and its timeline of events with the actions each one ran.
type ContactView struct {
	app.Compo

	// ctx is the context of the mounted page, for dispatches after an
	// event handler returns.
	ctx app.Context

	session *apitype.Session
	// id is the contact on screen. Navigating to another contact reuses
	// the component, so OnNav loads the new one.
	id      int64
	contact *apitype.ContactDetail
	err     string

	// events is nil until the timeline's first page has loaded.
	events          []apitype.TimelineEvent
	nextCursor      string
	timelineLoading bool
	timelineErr     string

	// runs holds the action run log by occurrence id.
	runs     map[int64][]apitype.ActionRun
	runsNote string

	// seq numbers loads, so responses for a contact left since are
	// dropped.
	seq int
}

// OnMount loads the session, then the contact in the URL.
func (p *ContactView) OnMount(ctx app.Context) {
	p.ctx = ctx
	withSession(ctx, func(ctx app.Context, s apitype.Session) {
		p.session = &s
		p.loadFromURL(ctx)
	})
}

// OnNav loads the contact in the URL when it changed, such as after a
// link from one contact to another.
func (p *ContactView) OnNav(ctx app.Context) {
	if p.session != nil {
		p.loadFromURL(ctx)
	}
}

func (p *ContactView) loadFromURL(ctx app.Context) {
	id, err := strconv.ParseInt(strings.TrimPrefix(ctx.Page().URL().Path, PathContacts+"/"), 10, 64)
	if err != nil || id < 1 {
		p.err = "This address names no contact: open one from the contacts list."
		return
	}
	if id == p.id && (p.contact != nil || p.err != "") {
		return
	}
	p.id = id
	p.contact, p.err = nil, ""
	p.events, p.nextCursor, p.timelineErr = nil, "", ""
	p.runs, p.runsNote = nil, ""
	p.seq++
	seq := p.seq
	ctx = p.ctx
	ctx.Async(func() {
		contact, err := api().Contact(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			if err != nil {
				p.err = "The contact could not be loaded: " + err.Error()
				return
			}
			p.contact = &contact
			p.loadTimeline(false)
			p.loadRuns()
		})
	})
}

// loadTimeline loads the newest events, or with more the events older
// than those on screen.
func (p *ContactView) loadTimeline(more bool) {
	id, seq := p.id, p.seq
	before := ""
	if more {
		before = p.nextCursor
	}
	p.timelineLoading = true
	p.timelineErr = ""
	ctx := p.ctx
	ctx.Async(func() {
		page, err := api().ContactTimeline(context.Background(), id, before)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			p.timelineLoading = false
			if err != nil {
				p.timelineErr = "The timeline could not be loaded: " + err.Error()
				return
			}
			if more {
				p.events = append(p.events, page.Events...)
			} else {
				p.events = page.Events
			}
			p.nextCursor = page.NextCursor
		})
	})
}

// loadRuns loads the contact's action run log, which the timeline shows
// under each event. A server that keeps no run log returns 404, and then
// the timeline shows events alone.
//
// NOTE: the log holds the runs of the newest occurrences only, up to 500
// runs, so older events of a long timeline may show no actions.
func (p *ContactView) loadRuns() {
	id, seq := p.id, p.seq
	ctx := p.ctx
	ctx.Async(func() {
		runs, err := api().ContactActionRuns(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			switch {
			case err == nil:
				p.runs = groupActionRuns(runs)
			case hasStatus(err, http.StatusNotFound):
				p.runs = nil
			default:
				p.runsNote = "The actions run for these events could not be loaded: " + err.Error()
			}
		})
	})
}

func (p *ContactView) onMore(ctx app.Context, e app.Event) {
	if p.nextCursor != "" && !p.timelineLoading {
		p.loadTimeline(true)
	}
}

// groupActionRuns returns the runs by occurrence id, each occurrence's in
// the order of their position in its action list.
func groupActionRuns(runs []apitype.ActionRun) map[int64][]apitype.ActionRun {
	out := map[int64][]apitype.ActionRun{}
	for _, run := range runs {
		out[run.OccurrenceID] = append(out[run.OccurrenceID], run)
	}
	for _, list := range out {
		slices.SortStableFunc(list, func(a, b apitype.ActionRun) int { return a.Position - b.Position })
	}
	return out
}

// Render draws the contact's fields and its timeline.
func (p *ContactView) Render() app.UI {
	title := "Contact"
	if p.contact != nil {
		title = apitype.ContactLabel(p.contact.ID, p.contact.Email, p.contact.FirstName, p.contact.LastName)
	}
	return frame(PathContacts, p.session, title,
		app.P().Body(app.A().ID("back-to-contacts").Href(PathContacts).Text("← All contacts")),
		alert("contact-error", p.err),
		app.If(p.contact != nil, func() app.UI {
			return app.Div().Body(
				p.renderFields(),
				p.renderTimeline(),
			)
		}),
	)
}

func (p *ContactView) renderFields() app.UI {
	c := p.contact
	email := "None: this visitor has not been identified yet."
	if c.Email != nil {
		email = *c.Email
	}
	firstEvent, lastEvent := "None", "None"
	if c.FirstEventAt != nil {
		firstEvent = formatTimestamp(*c.FirstEventAt)
	}
	if c.LastEventAt != nil {
		lastEvent = formatTimestamp(*c.LastEventAt)
	}
	return app.Section().ID("contact-fields").Class("panel").Aria("labelledby", "contact-fields-title").Body(
		app.H2().ID("contact-fields-title").Text("Fields"),
		app.Dl().Class("fields").Body(
			fieldRow("id", "Contact id", strconv.FormatInt(c.ID, 10)),
			fieldRow("email", "Email", email),
			fieldRow("first-name", "First name", c.FirstName),
			fieldRow("last-name", "Last name", c.LastName),
			fieldRow("company", "Company", c.Company),
			fieldRow("job-title", "Job title", c.JobTitle),
			fieldRow("lead-score", "Lead score", strconv.FormatInt(c.LeadScore, 10)),
			fieldRow("lifecycle-stage", "Lifecycle stage", c.LifecycleStage),
			fieldRow("events", "Events", strconv.FormatInt(c.Events, 10)),
			fieldRow("first-event", "First event", firstEvent),
			fieldRow("last-event", "Last event", lastEvent),
			fieldRow("visitors", "Browsers", strconv.FormatInt(c.Visitors, 10)),
			fieldRow("created", "Created", formatTimestamp(c.CreatedAt)),
		),
		app.H3().Text("Custom fields"),
		p.renderCustomFields(),
		app.H3().Text("Lists"),
		p.renderLists(),
		app.H3().Text("Tags"),
		p.renderTags(),
	)
}

// fieldRow draws one term and value of a description list. The value is
// text, because it can come from a website.
func fieldRow(name, label, value string) app.UI {
	return app.Div().DataSet("field", name).Body(
		app.Dt().Text(label),
		app.Dd().Text(value),
	)
}

func (p *ContactView) renderCustomFields() app.UI {
	fields := p.contact.CustomFields
	if len(fields) == 0 {
		return app.P().ID("contact-custom-fields").Class("empty").Text("None")
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return app.Dl().ID("contact-custom-fields").Class("fields").Body(
		app.Range(names).Slice(func(i int) app.UI {
			value, _ := cutForDisplay(fields[names[i]])
			return fieldRow(names[i], names[i], value)
		}),
	)
}

func (p *ContactView) renderLists() app.UI {
	lists := p.contact.Lists
	if len(lists) == 0 {
		return app.P().ID("contact-lists").Class("empty").Text("None")
	}
	return app.Ul().ID("contact-lists").Class("chips").Body(
		app.Range(lists).Slice(func(i int) app.UI {
			return app.Li().DataSet("list", lists[i].ID).Text(lists[i].Name)
		}),
	)
}

func (p *ContactView) renderTags() app.UI {
	tags := p.contact.Tags
	if len(tags) == 0 {
		return app.P().ID("contact-tags").Class("empty").Text("None")
	}
	return app.Ul().ID("contact-tags").Class("chips").Body(
		app.Range(tags).Slice(func(i int) app.UI {
			return app.Li().Text(tags[i])
		}),
	)
}

func (p *ContactView) renderTimeline() app.UI {
	status := ""
	switch {
	case p.timelineLoading:
		status = "Loading events…"
	case p.events != nil:
		status = countText(int64(len(p.events)), "event", "events")
		if p.nextCursor != "" {
			status += " shown, older ones to load"
		}
	}
	return app.Section().ID("timeline-section").Class("panel").Aria("labelledby", "timeline-title").Aria("busy", p.timelineLoading).Body(
		app.H2().ID("timeline-title").Text("Timeline"),
		app.P().Class("hint").Text("Newest first. Page URLs, referrers and metadata come from websites and are shown as plain text; long values are cut."),
		alert("timeline-error", p.timelineErr),
		app.If(p.runsNote != "", func() app.UI {
			return app.P().ID("runs-note").Class("hint").Text(p.runsNote)
		}),
		app.P().ID("timeline-status").Class("range").Role("status").Text(status),
		app.If(p.events != nil && len(p.events) == 0, func() app.UI {
			return app.P().ID("timeline-empty").Class("empty").Text("No events stored for this contact.")
		}),
		app.Ol().ID("timeline").Class("timeline").Body(
			app.Range(p.events).Slice(func(i int) app.UI {
				event := p.events[i]
				return timelineItem(event, p.runs[event.OccurrenceID])
			}),
		),
		app.If(p.nextCursor != "", func() app.UI {
			return app.Button().ID("timeline-more").Type("button").Class("secondary").
				Disabled(p.timelineLoading).OnClick(p.onMore).Text("Load older events")
		}),
	)
}

// timelineItem draws one event with its attribution, its metadata and the
// actions it ran. Every value is text.
func timelineItem(e apitype.TimelineEvent, runs []apitype.ActionRun) app.UI {
	name := e.EventName
	if e.EventDeleted {
		name += " (deleted event)"
	}
	return app.Li().Class("timeline-event").DataSet("occurrence", e.OccurrenceID).Body(
		app.Div().Class("timeline-head").Body(
			app.Time().Class("when").DateTime(e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000Z")).Text(formatTimestamp(e.OccurredAt)),
			app.Strong().Class("event-name").Text(name),
			app.Code().Class("slug").Text(e.EventSlug),
			app.Span().Class("source").Text(sourceLabel(e.Source)),
		),
		app.Dl().Class("fields").Body(
			app.If(e.PageURL != "", func() app.UI {
				return app.Div().DataSet("field", "page-url").Body(app.Dt().Text("Page URL"), app.Dd().Body(linkIfWeb(e.PageURL)))
			}),
			app.If(e.Referrer != "", func() app.UI {
				return app.Div().DataSet("field", "referrer").Body(app.Dt().Text("Referrer"), app.Dd().Body(linkIfWeb(e.Referrer)))
			}),
			fieldRow("channel", "Channel", channelLabel(e.Channel)),
			app.If(utmText(e) != "", func() app.UI {
				return fieldRow("utm", "UTM", utmText(e))
			}),
		),
		renderMetadata(e.Metadata, e.MetadataOmitted),
		renderRuns(runs),
	)
}

func sourceLabel(source string) string {
	switch source {
	case "beacon":
		return "from the website"
	case "api":
		return "from the API"
	}
	return source
}

// utmText joins the UTM values that are set, such as
// "source google · medium cpc".
func utmText(e apitype.TimelineEvent) string {
	return joinNamedValues(
		namedValue{"source", e.UTMSource}, namedValue{"medium", e.UTMMedium}, namedValue{"campaign", e.UTMCampaign},
		namedValue{"term", e.UTMTerm}, namedValue{"content", e.UTMContent},
	)
}

// namedValue is a value shown after its name, such as the UTM term "crm" as
// "term crm".
type namedValue struct{ name, value string }

// joinNamedValues joins the values that are set, each after its name,
// separated by " · ". It returns "" when no value is set.
func joinNamedValues(values ...namedValue) string {
	var parts []string
	for _, v := range values {
		if v.value != "" {
			parts = append(parts, v.name+" "+v.value)
		}
	}
	return strings.Join(parts, " · ")
}

// renderMetadata draws the metadata entries the API kept, marking cut
// values and counting the keys it left out.
func renderMetadata(entries []apitype.MetadataEntry, omitted int) app.UI {
	if len(entries) == 0 {
		return app.Div()
	}
	return app.Div().Class("metadata").Body(
		app.H3().Text("Metadata"),
		app.Dl().Class("fields").Body(
			app.Range(entries).Slice(func(i int) app.UI {
				entry := entries[i]
				value := app.Dd().Text(entry.Value)
				if entry.Truncated {
					value = app.Dd().Body(app.Text(entry.Value), app.Span().Class("hint").Text(" (cut)"))
				}
				return app.Div().DataSet("key", entry.Key).Body(app.Dt().Text(entry.Key), value)
			}),
		),
		app.If(omitted > 0, func() app.UI {
			return app.P().Class("hint metadata-omitted").Text("and " + countText(int64(omitted), "more key", "more keys") + " not shown")
		}),
	)
}

// renderRuns draws the actions an event ran, in list order, or nothing
// when it ran none.
func renderRuns(runs []apitype.ActionRun) app.UI {
	if len(runs) == 0 {
		return app.Div()
	}
	return app.Div().Class("runs").Body(
		app.H3().Text("Actions run"),
		app.Ul().Body(
			app.Range(runs).Slice(func(i int) app.UI {
				run := runs[i]
				text := actionLabel(run.ActionType) + ": " + run.Outcome
				if run.Attempts > 1 {
					text += " after " + countText(int64(run.Attempts), "attempt", "attempts")
				}
				return app.Li().Class("run").DataSet("outcome", run.Outcome).Body(
					app.Text(text),
					app.If(run.Error != "", func() app.UI {
						return app.Span().Class("error").Text(" — " + run.Error)
					}),
				)
			}),
		),
	)
}

// actionLabel returns an action type as words, such as "add tag" for
// add_tag.
func actionLabel(actionType string) string {
	return strings.ReplaceAll(actionType, "_", " ")
}

// linkIfWeb shows a URL as a link only when it is an http or https URL,
// so a javascript: or data: URL from a website is never clickable.
func linkIfWeb(raw string) app.UI {
	value, _ := cutForDisplay(raw)
	if !isWebURL(raw) {
		return app.Text(value)
	}
	return app.A().Href(raw).Target("_blank").Rel("noopener noreferrer nofollow").Text(value)
}

// hasStatus reports whether err is an admin API error with the status.
func hasStatus(err error, status int) bool {
	apiErr, ok := errors.AsType[*client.Error](err)
	return ok && apiErr.Status == status
}

// isWebURL reports whether raw is an absolute http or https URL.
func isWebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// cutForDisplay cuts text from websites to apitype.MaxTimelineMetadataValue
// characters, as the API cuts metadata.
func cutForDisplay(s string) (string, bool) {
	runes := []rune(s)
	if len(runes) <= apitype.MaxTimelineMetadataValue {
		return s, false
	}
	return string(runes[:apitype.MaxTimelineMetadataValue-1]) + "…", true
}
