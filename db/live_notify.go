package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// liveNotifyChannel is the Postgres notification channel that carries
// committed occurrences to the live streams of every server process.
const liveNotifyChannel = "ce_live_events"

// maxLivePayload is the size limit of one notification payload, in bytes.
// Postgres rejects payloads of 8000 bytes or more.
const maxLivePayload = 7000

// liveQueueSize is the number of committed batches that may wait for their
// notification. Batches that find the queue full are not announced.
const liveQueueSize = 1024

// liveRef names one committed occurrence in a notification.
type liveRef struct {
	accountID    int64
	occurrenceID int64
}

// liveNotifier sends notifications for the batches that commit and turns
// the notifications of every process into events for this process's
// subscriptions. Notifications are sent after the commit, outside the
// ingest transaction, so they add no lock to it and carry only committed
// occurrences.
type liveNotifier struct {
	store    *Store
	log      *slog.Logger
	listener *pq.Listener
	queue    chan []LiveEvent
	quit     chan struct{}
	wg       sync.WaitGroup
	// dropped counts events that found the queue full since the last log
	// line about them.
	dropped atomic.Int64
}

// StartLiveNotify makes the live event streams of every server process see
// the occurrences that any of them commits. After each commit, the store
// sends the occurrences' ids with pg_notify. A connection to dsn listens
// for them and loads those of accounts with a subscription in this
// process. Without it, streams see only this process's occurrences. The
// returned function stops it.
func (s *Store) StartLiveNotify(log *slog.Logger, dsn string) (stop func(), err error) {
	listener := pq.NewListener(dsn, time.Second, 30*time.Second, func(event pq.ListenerEventType, err error) {
		switch event {
		case pq.ListenerEventDisconnected:
			log.Warn("live event listener disconnected", "error", err)
		case pq.ListenerEventReconnected:
			log.Info("live event listener reconnected")
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("live event listener could not connect", "error", err)
		}
	})
	listened := make(chan error, 1)
	go func() { listened <- listener.Listen(liveNotifyChannel) }()
	select {
	case err := <-listened:
		if err != nil {
			listener.Close()
			return nil, fmt.Errorf("listen for live events: %w", err)
		}
	case <-time.After(10 * time.Second):
		listener.Close()
		return nil, errors.New("listen for live events: no connection to the database within 10s")
	}

	n := &liveNotifier{
		store:    s,
		log:      log,
		listener: listener,
		queue:    make(chan []LiveEvent, liveQueueSize),
		quit:     make(chan struct{}),
	}
	n.wg.Add(2)
	go n.send()
	go n.receive()
	s.liveNotifier.Store(n)
	log.Info("live event notifications started", "channel", liveNotifyChannel)
	return func() {
		s.liveNotifier.CompareAndSwap(n, nil)
		close(n.quit)
		listener.Close()
		n.wg.Wait()
		log.Info("live event notifications stopped")
	}, nil
}

// enqueue hands a committed batch to the sending goroutine without
// waiting. When the queue is full, the batch is lost to every stream, so
// this process's subscriptions are marked with a gap.
func (n *liveNotifier) enqueue(events []LiveEvent) {
	select {
	case n.queue <- events:
	default:
		n.dropped.Add(int64(len(events)))
		n.store.live.markGap()
	}
}

// liveGatherTime is how long the sender gathers committed batches before
// it notifies them in one transaction. Under load a batch commits every
// few milliseconds, and a transaction per batch cost PostgreSQL a commit
// and woke every listening backend each time. It is a variable for tests.
var liveGatherTime = 50 * time.Millisecond

// send notifies the queued batches until the notifier stops, and on stop
// the batches that are still queued.
func (n *liveNotifier) send() {
	defer n.wg.Done()
	var lastDropLog time.Time
	for {
		var events []LiveEvent
		stopped := false
		select {
		case <-n.quit:
			stopped = true
		case events = <-n.queue:
			events, stopped = n.gather(events)
		}
		if stopped {
			// The batches still queued have committed, so they are sent
			// too. A select with both channels ready picks one at random,
			// so without this they could be left behind.
			events = n.drainQueue(events)
		}
		if len(events) > 0 {
			n.notify(events)
		}
		if stopped {
			return
		}
		// One log line per 10 seconds at most, however many batches drop.
		if time.Since(lastDropLog) >= 10*time.Second {
			if dropped := n.dropped.Swap(0); dropped > 0 {
				n.log.Warn("live events not announced because the notification queue was full", "events", dropped)
				lastDropLog = time.Now()
			}
		}
	}
}

// notify sends the ids of events in one transaction, in their order.
func (n *liveNotifier) notify(events []LiveEvent) {
	payloads := encodeLivePayloads(events)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := n.store.db.ExecContext(ctx, "SELECT pg_notify(?, p) FROM unnest(?::text[]) WITH ORDINALITY AS t (p, i) ORDER BY i",
		liveNotifyChannel, pgdialect.Array(payloads))
	if err != nil {
		n.log.Warn("live event notification failed", "error", err, "events", len(events))
	}
}

// gather adds to events the batches that are queued within liveGatherTime.
// It returns early, with stopped set, when the notifier stops.
func (n *liveNotifier) gather(events []LiveEvent) (_ []LiveEvent, stopped bool) {
	timer := time.NewTimer(liveGatherTime)
	defer timer.Stop()
	for {
		select {
		case more := <-n.queue:
			events = append(events, more...)
		case <-timer.C:
			return events, false
		case <-n.quit:
			return events, true
		}
	}
}

// drainQueue adds to events the batches in the queue, without waiting for
// more.
func (n *liveNotifier) drainQueue(events []LiveEvent) []LiveEvent {
	for {
		select {
		case more := <-n.queue:
			events = append(events, more...)
		default:
			return events
		}
	}
}

func (n *liveNotifier) receive() {
	defer n.wg.Done()
	notifications := n.listener.NotificationChannel()
	for {
		select {
		case <-n.quit:
			return
		case note, ok := <-notifications:
			if !ok {
				return
			}
			if note == nil {
				// The listener reconnected: notifications sent while it
				// was down are lost.
				n.store.live.markGap()
				continue
			}
			n.deliver(note.Extra)
		}
	}
}

// deliver loads the occurrences of a notification that belong to accounts
// with a subscription here and publishes them.
func (n *liveNotifier) deliver(payload string) {
	refs, err := parseLivePayload(payload)
	if err != nil {
		n.log.Warn("live event notification ignored", "error", err)
		return
	}
	watched := n.store.live.accounts()
	wanted := refs[:0]
	for _, ref := range refs {
		if watched[ref.accountID] {
			wanted = append(wanted, ref)
		}
	}
	if len(wanted) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	events, err := n.store.liveEvents(ctx, wanted)
	if err != nil {
		n.log.Warn("live events not loaded", "error", err, "events", len(wanted))
		n.store.live.markGap()
		return
	}
	n.store.live.publish(events)
}

// liveEvents loads the occurrences that refs name, in their order. Each
// occurrence is matched on its account too. Occurrences deleted since
// their commit are left out.
func (s *Store) liveEvents(ctx context.Context, refs []liveRef) ([]LiveEvent, error) {
	accounts := make([]int64, len(refs))
	ids := make([]int64, len(refs))
	for i, ref := range refs {
		accounts[i], ids[i] = ref.accountID, ref.occurrenceID
	}
	var rows []struct {
		AccountID  int64     `bun:"account_id"`
		ID         int64     `bun:"id"`
		ContactID  int64     `bun:"contact_id"`
		Slug       string    `bun:"slug"`
		PageURL    string    `bun:"page_url"`
		Channel    string    `bun:"channel"`
		Source     string    `bun:"source"`
		OccurredAt time.Time `bun:"occurred_at"`
	}
	err := s.db.NewRaw(`
		SELECT o.account_id, o.id, o.contact_id, e.slug, o.page_url, o.channel, o.source, o.occurred_at
		FROM unnest(?::bigint[], ?::bigint[]) WITH ORDINALITY AS r(account_id, id, n)
		JOIN event_occurrences o ON o.account_id = r.account_id AND o.id = r.id
		JOIN custom_events e ON e.account_id = o.account_id AND e.id = o.custom_event_id
		ORDER BY r.n`, pgdialect.Array(accounts), pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load %d live events: %w", len(refs), err)
	}
	events := make([]LiveEvent, len(rows))
	for i, r := range rows {
		events[i] = LiveEvent{
			AccountID: r.AccountID, OccurrenceID: r.ID, ContactID: r.ContactID, Slug: r.Slug,
			PageURL: r.PageURL, Channel: r.Channel, Source: r.Source, OccurredAt: r.OccurredAt.UTC(),
		}
	}
	return events, nil
}

// encodeLivePayloads writes the events as notification payloads of
// space-separated "ACCOUNT:OCCURRENCE" ids, each at most maxLivePayload
// bytes long.
func encodeLivePayloads(events []LiveEvent) []string {
	var payloads []string
	var b strings.Builder
	for _, event := range events {
		ref := strconv.FormatInt(event.AccountID, 10) + ":" + strconv.FormatInt(event.OccurrenceID, 10)
		if b.Len() > 0 && b.Len()+1+len(ref) > maxLivePayload {
			payloads = append(payloads, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ref)
	}
	if b.Len() > 0 {
		payloads = append(payloads, b.String())
	}
	return payloads
}

var errInvalidLivePayload = errors.New("invalid live event notification payload")

// parseLivePayload reads a payload written by encodeLivePayloads. It
// rejects empty payloads, payloads longer than maxLivePayload bytes, and
// ids that are not positive decimal integers.
func parseLivePayload(payload string) ([]liveRef, error) {
	if payload == "" || len(payload) > maxLivePayload {
		return nil, errInvalidLivePayload
	}
	fields := strings.Split(payload, " ")
	refs := make([]liveRef, 0, len(fields))
	for _, field := range fields {
		account, occurrence, ok := strings.Cut(field, ":")
		if !ok {
			return nil, errInvalidLivePayload
		}
		accountID, err := parseCursorInt(account)
		if err != nil || accountID < 1 {
			return nil, errInvalidLivePayload
		}
		occurrenceID, err := parseCursorInt(occurrence)
		if err != nil || occurrenceID < 1 {
			return nil, errInvalidLivePayload
		}
		refs = append(refs, liveRef{accountID: accountID, occurrenceID: occurrenceID})
	}
	return refs, nil
}
