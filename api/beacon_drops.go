package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// beaconDropFlushDelay is how long a server process gathers dropped
// beacon messages before it adds them to the database, where every process
// reads them.
const beaconDropFlushDelay = time.Second

// beaconDrops gathers the reasons for each account's dropped beacon
// messages and adds them to the database, so that Settings → Beacon can
// show why a website's events do not arrive. The collect endpoint responds
// with 204 either way, so the page's developer gets no other sign of them.
// Messages with the same reason share one entry with a count, so a wrong
// slug on every page does not push out another reason. The first drop
// after a flush schedules the next one, beaconDropFlushDelay later, and
// flush writes at once. Until then the drops live in this process only: at
// most apitype.MaxBeaconDrops reasons per account, and only for accounts
// whose site key a message named.
type beaconDrops struct {
	store *db.Store
	log   *slog.Logger

	// flushing makes one flush wait for another, so that drops gathered
	// before a flush call are in the database when it returns.
	flushing sync.Mutex

	mu      sync.Mutex
	pending map[int64][]apitype.BeaconDrop
	// timer is the scheduled flush, nil when none is.
	timer  *time.Timer
	closed bool
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
	d.merge(accountID, apitype.BeaconDrop{At: at.UTC(), Reason: reason, Count: 1})
	d.schedule()
}

// merge adds drop to the account's pending drops: to the entry with the
// same reason if there is one, which then counts both and keeps the later
// time. Each account keeps its apitype.MaxBeaconDrops latest reasons. The
// caller holds d.mu.
func (d *beaconDrops) merge(accountID int64, drop apitype.BeaconDrop) {
	if d.pending == nil {
		d.pending = map[int64][]apitype.BeaconDrop{}
	}
	drops := d.pending[accountID]
	i := slices.IndexFunc(drops, func(earlier apitype.BeaconDrop) bool { return earlier.Reason == drop.Reason })
	if i >= 0 {
		drops[i].Count += drop.Count
		if drop.At.After(drops[i].At) {
			drops[i].At = drop.At
		}
	} else {
		drops = append(drops, drop)
	}
	slices.SortStableFunc(drops, func(a, b apitype.BeaconDrop) int { return b.At.Compare(a.At) })
	if len(drops) > apitype.MaxBeaconDrops {
		drops = drops[:apitype.MaxBeaconDrops]
	}
	d.pending[accountID] = drops
}

// schedule sets the timer of the next flush unless one is set or the
// drops are closed. The caller holds d.mu.
func (d *beaconDrops) schedule() {
	if d.timer == nil && !d.closed {
		d.timer = time.AfterFunc(beaconDropFlushDelay, d.flushScheduled)
	}
}

// flushScheduled runs flush for the timer that add set.
func (d *beaconDrops) flushScheduled() {
	ctx, cancel := context.WithTimeout(context.Background(), beaconDropFlushTimeout)
	defer cancel()
	if err := d.flush(ctx); err != nil {
		d.log.Error("store dropped beacon messages failed", "err", err)
	}
}

// beaconDropFlushTimeout bounds one flush.
const beaconDropFlushTimeout = 10 * time.Second

// flush adds the drops gathered so far to the database. When that fails,
// they go back to the pending drops and the next flush is scheduled, so a
// short database failure loses none. After close they are lost, and the
// error counts the accounts they were of.
func (d *beaconDrops) flush(ctx context.Context) error {
	d.flushing.Lock()
	defer d.flushing.Unlock()
	d.mu.Lock()
	pending := d.pending
	d.pending = nil
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.mu.Unlock()
	var counts []db.BeaconDropCount
	for accountID, drops := range pending {
		for _, drop := range drops {
			counts = append(counts, db.BeaconDropCount{AccountID: accountID, Reason: drop.Reason, Count: drop.Count, At: drop.At})
		}
	}
	err := d.store.AddBeaconDrops(ctx, counts)
	if err == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("%w (drops of %d accounts lost)", err, len(pending))
	}
	for accountID, drops := range pending {
		for _, drop := range drops {
			d.merge(accountID, drop)
		}
	}
	d.schedule()
	return fmt.Errorf("%w (drops of %d accounts kept for the next attempt)", err, len(pending))
}

// close writes what add gathered and schedules no more flushes.
func (d *beaconDrops) close(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	return d.flush(ctx)
}

// recent returns the account's reasons for drops since now minus
// apitype.BeaconDropWindow, the latest first, from every server process.
// It writes this process's gathered drops first, so that they are listed
// at once. The write does not end with the request, because it holds the
// drops of every account.
func (d *beaconDrops) recent(ctx context.Context, accountID int64, now time.Time) ([]apitype.BeaconDrop, error) {
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), beaconDropFlushTimeout)
	defer cancel()
	if err := d.flush(flushCtx); err != nil {
		d.log.Error("store dropped beacon messages failed", "account_id", accountID, "err", err)
	}
	return d.store.RecentBeaconDrops(ctx, accountID, now.Add(-apitype.BeaconDropWindow))
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
		if verr.Field == "email" {
			// The message quotes the email that a visitor typed, which
			// the list, kept apart from the contact, must not hold.
			return "A message was rejected: the email of an identify call is not valid, so the visitor stayed anonymous. Check what the page passes to $__MA.identify, such as a form field read before the visitor filled it in."
		}
		return "A message was rejected: " + verr.Message
	}
	return "A message was rejected: " + err.Error() + "."
}

// unknownSlugDropReason explains an event whose slug the account has not
// defined.
func unknownSlugDropReason(slug string) string {
	return fmt.Sprintf("No custom event has the slug %q: create it under Settings → Custom Events, or correct the slug in the page.", slug)
}
