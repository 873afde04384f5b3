package page

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/apitype"
)

// How "Check my site" polls GET /api/beacon/status: every
// siteCheckInterval, at most siteCheckPolls times (two minutes).
const (
	siteCheckInterval = 2 * time.Second
	siteCheckPolls    = 60
)

// siteCheckHints are the causes to check when no beacon event arrives.
var siteCheckHints = []string{
	"The snippet is inside the <head> of the page you opened: view the page source to check.",
	"The page calls $__MA.captureEvent with the slug of a custom event from Settings → Custom Events, spelled exactly.",
	"In the browser's developer tools, the Network tab shows a POST to /collect answered with 204. If it is missing, an ad blocker or the site's Content Security Policy may block the script. The endpoint answers 204 also to messages that it drops: this page lists the ones with a wrong slug, origin or content, and the server log says why for every dropped message when it runs with CE_LOG_DEBUG=1.",
	"If the account has allowed origins, your site's origin is among them.",
	"In the consent mode “Wait for consent”, nothing is sent until the page calls $__MA.consent(true). In “Respect Global Privacy Control”, browsers with that signal send nothing.",
	"Bots and automated browsers are ignored: test in a normal browser window.",
}

// siteCheck is the state of "Check my site".
type siteCheck struct {
	// run numbers the checks, so a poll of a check started earlier stops.
	run     int
	running bool
	polls   int
	status  string
	// arrivedAt is the time of the beacon event found, or zero.
	arrivedAt time.Time
	hints     bool
	// drops are the reasons for messages that the server dropped lately,
	// from the last poll. Once an event is found, watching keeps polling
	// for them until siteCheckPolls polls were made.
	drops    []apitype.BeaconDrop
	watching bool
}

func (p *BeaconSettings) onCheckSite(ctx app.Context, e app.Event) {
	if p.check.running {
		return
	}
	p.check = siteCheck{run: p.check.run + 1, running: true, status: "Checking…"}
	p.pollSite(p.check.run)
}

// pollSite requests the latest beacon event and reports it, or polls again
// after siteCheckInterval until siteCheckPolls polls found none.
func (p *BeaconSettings) pollSite(run int) {
	ctx := p.ctx
	ctx.Async(func() {
		status, err := api().BeaconStatus(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			c := &p.check
			if c.run != run || !(c.running || c.watching) {
				return
			}
			c.polls++
			if err == nil {
				c.drops = status.RecentDrops
			}
			if c.watching {
				// The event was reported: only the dropped messages change.
				c.watching = err == nil && c.polls < siteCheckPolls
				if c.watching {
					ctx.After(siteCheckInterval, func(app.Context) { p.pollSite(run) })
				}
				return
			}
			if err == nil && status.LatestEventAt != nil && c.polls < siteCheckPolls {
				// A site that sends some events may still have others
				// dropped, such as those of one wrong slug, so the check
				// goes on watching for drops.
				c.watching = true
				ctx.After(siteCheckInterval, func(app.Context) { p.pollSite(run) })
			}
			switch {
			case err != nil:
				c.running = false
				c.status = "The check failed: " + err.Error()
			case status.LatestEventAt != nil && c.polls == 1:
				c.running = false
				c.arrivedAt = *status.LatestEventAt
				c.status = "Your site is sending events. The latest beacon event, " + beaconEventText(status) + "."
			case status.LatestEventAt != nil:
				c.running = false
				c.arrivedAt = *status.LatestEventAt
				c.status = "The first beacon event arrived: " + beaconEventText(status) + "."
			case c.polls >= siteCheckPolls:
				c.running = false
				c.hints = true
				c.status = "No beacon event arrived within 2 minutes. Check the points below, then try again."
			default:
				c.hints = true
				c.status = "No beacon event yet. Open a page of your site that fires an event: this check looks again every 2 seconds for 2 minutes."
				ctx.After(siteCheckInterval, func(app.Context) { p.pollSite(run) })
			}
		})
	})
}

// dropCount returns " (3 messages)" for a reason of more than one dropped
// message, and "" for one.
func dropCount(n int) string {
	if n <= 1 {
		return ""
	}
	return " (" + strconv.Itoa(n) + " messages)"
}

// beaconEventText describes the latest beacon event, such as
// "signup, arrived at 2026-05-02 09:30:00 UTC from https://example.com/".
func beaconEventText(status apitype.BeaconStatus) string {
	text := status.LatestSlug + ", arrived at " + formatTimestamp(*status.LatestEventAt)
	if status.LatestPageURL != "" {
		page, _ := cutForDisplay(status.LatestPageURL)
		text += " from " + page
	}
	return text
}

// renderSiteCheck draws the "Check my site" button with its result and,
// while no event has arrived, what to check.
func (p *BeaconSettings) renderSiteCheck() app.UI {
	c := p.check
	return app.Section().ID("site-check").Class("panel").Aria("labelledby", "site-check-title").Body(
		app.H2().ID("site-check-title").Text("Check your installation"),
		app.P().Class("hint").Text("After pasting the snippet, open a page of your site that fires an event, then check here whether it arrived."),
		app.Div().Class("actions").Body(
			app.Button().ID("check-site").Type("button").Disabled(c.running).OnClick(p.onCheckSite).Text("Check my site"),
		),
		app.P().ID("check-site-status").Role("status").DataSet("found", !c.arrivedAt.IsZero()).Text(c.status),
		app.If(len(c.drops) > 0, func() app.UI {
			return app.Div().ID("check-site-drops").Body(
				app.H3().Text("Messages dropped in the last hour"),
				app.P().Class("hint").Text("The server answers every message with 204, so the page shows no error. This server dropped messages for these reasons, the latest first, with the time of the last one:"),
				app.Ul().Body(
					app.Range(c.drops).Slice(func(i int) app.UI {
						return app.Li().Body(
							app.Time().DateTime(c.drops[i].At.Format(time.RFC3339)).Text(formatTimestamp(c.drops[i].At)),
							app.Text(": "+c.drops[i].Reason+dropCount(c.drops[i].Count)),
						)
					}),
				),
			)
		}),
		app.If(c.hints && c.arrivedAt.IsZero(), func() app.UI {
			return app.Ul().ID("check-site-hints").Body(
				app.Range(siteCheckHints).Slice(func(i int) app.UI {
					return app.Li().Text(siteCheckHints[i])
				}),
			)
		}),
	)
}

// renderExamples draws captureEvent, metadata and identify calls with the
// account's first slug.
func (p *BeaconSettings) renderExamples() app.UI {
	slug := p.exampleSlug
	if slug == "" {
		slug = "watched-demo-video"
	}
	// Slugs contain only lowercase letters, digits and hyphens, so they
	// need no escaping inside the quotes.
	fire := "$__MA.captureEvent('" + slug + "');"
	withMetadata := "$__MA.captureEvent('" + slug + "', {plan: 'pro', seats: 3});"
	identify := "$__MA.identify({email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', company: 'Acme'});"
	return app.Div().ID("beacon-examples").Body(
		app.H2().Text("Fire an event"),
		app.P().Text("Call captureEvent with the slug of a custom event, for example when a visitor finishes a video. Calls made before the script has loaded are queued and sent once it loads."),
		app.Pre().Class("code").Body(app.Code().ID("example-capture").Text(fire)),
		app.H3().Text("With metadata"),
		app.P().Text("Pass a flat object of strings, numbers and booleans as the second argument: at most 50 keys, 1 KB per value and 8 KB in all. The contact's timeline shows it with the event."),
		app.Pre().Class("code").Body(app.Code().ID("example-metadata").Text(withMetadata)),
		app.H3().Text("Identify the visitor"),
		app.P().Text("Once you know who the visitor is, such as after a sign-up form, call identify. The browser's earlier and later events then belong to the contact with that email."),
		app.Pre().Class("code").Body(app.Code().ID("example-identify").Text(identify)),
	)
}
