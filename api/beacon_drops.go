package api

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"customevents/app/apitype"
	"customevents/db"
)

// maxDropReasonRunes caps the text of a dropped message's reason, which
// quotes values from the message, such as an Origin header.
const maxDropReasonRunes = 300

// beaconDrops keeps the reasons for each account's latest dropped beacon
// messages, so that Settings → Beacon can show why a website's events do
// not arrive. The collect endpoint responds with 204 either way, so the
// page's developer gets no other sign of them. Messages with the same reason share one
// entry with a count, so a wrong slug on every page does not push out
// another reason. Each server process keeps its own, in memory: at most
// MaxBeaconDrops reasons per account, and only accounts whose site key a
// message named.
type beaconDrops struct {
	mu        sync.Mutex
	byAccount map[int64][]apitype.BeaconDrop
}

// add records a message of the account dropped at at for reason, which
// names what to fix.
func (d *beaconDrops) add(accountID int64, at time.Time, reason string) {
	// Origins and slugs come from websites: a control character or a
	// bidirectional override would garble the list.
	reason, _ = apitype.CutText(reason, maxDropReasonRunes)
	reason = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return utf8.RuneError
		}
		return r
	}, reason)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byAccount == nil {
		d.byAccount = map[int64][]apitype.BeaconDrop{}
	}
	drop := apitype.BeaconDrop{At: at.UTC(), Reason: reason, Count: 1}
	drops := []apitype.BeaconDrop{drop}
	for _, earlier := range d.byAccount[accountID] {
		if earlier.Reason == reason {
			drops[0].Count += earlier.Count
			continue
		}
		if len(drops) < apitype.MaxBeaconDrops {
			drops = append(drops, earlier)
		}
	}
	d.byAccount[accountID] = drops
}

// recent returns the account's reasons for drops since now minus
// BeaconDropWindow, the latest first. The count of a reason includes its
// drops before the window.
func (d *beaconDrops) recent(accountID int64, now time.Time) []apitype.BeaconDrop {
	d.mu.Lock()
	defer d.mu.Unlock()
	recent := []apitype.BeaconDrop{}
	for _, drop := range d.byAccount[accountID] {
		if now.Sub(drop.At) <= apitype.BeaconDropWindow {
			recent = append(recent, drop)
		}
	}
	return recent
}

// originDropReason explains a message whose Origin header is not among the
// account's allowed origins.
// The origin is quoted only when it reads as one, because any client may
// send any header, and an admin is asked to add it.
func originDropReason(origin string) string {
	if origin == "" {
		return "A message had no Origin header, and the account accepts only its allowed origins: send events with the beacon script from a page of an allowed origin."
	}
	normalized, verr := db.NormalizeOrigins([]string{origin})
	if verr != nil || len(normalized) != 1 {
		return "A message had an Origin header that is not a web origin, and the account accepts only its allowed origins. A browser on a page of your site sends its origin, such as https://www.example.com."
	}
	return fmt.Sprintf("A message came from %s, which is not among the account's allowed origins: if that is your site, add it under Settings → Account.", normalized[0])
}

// rejectedDropReason explains a message that failed a check of its
// content, such as a slug in capitals.
func rejectedDropReason(err error) string {
	if verr, ok := errors.AsType[*apitype.ValidationError](err); ok {
		return "A message was rejected: " + verr.Message
	}
	return "A message was rejected: " + err.Error() + "."
}

// unknownSlugDropReason explains an event whose slug the account has not
// defined.
func unknownSlugDropReason(slug string) string {
	return fmt.Sprintf("No custom event has the slug %q: create it under Settings → Custom Events, or correct the slug in the page.", slug)
}
