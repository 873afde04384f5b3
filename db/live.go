package db

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// LiveEvent is a committed occurrence as live event streams receive it.
type LiveEvent struct {
	AccountID    int64
	OccurrenceID int64
	ContactID    int64
	Slug         string
	PageURL      string
	// Channel is a MarketingChannel value.
	Channel    string
	Source     string
	OccurredAt time.Time
}

// Limits of live event subscriptions.
const (
	// LiveBuffer is the number of events that a subscription holds until
	// its reader takes them. Events that arrive while it is full are
	// dropped and counted.
	LiveBuffer = 256
	// MaxLiveSubscriptions is the number of subscriptions that one account
	// may hold in one server process at a time.
	MaxLiveSubscriptions = 20
)

// ErrTooManyLiveSubscriptions is returned by SubscribeLive when the account
// already holds MaxLiveSubscriptions subscriptions.
var ErrTooManyLiveSubscriptions = errors.New("too many live event subscriptions for the account")

// LiveSubscription receives the account's committed occurrences, or those
// of one slug, from the moment SubscribeLive returns it until Close.
type LiveSubscription struct {
	hub       *liveHub
	accountID int64
	slug      string
	events    chan LiveEvent
	dropped   atomic.Int64
	// gap is set when events may have been missed without being counted,
	// such as while the connection that receives notifications was down.
	gap    atomic.Bool
	closed sync.Once
}

// Events returns the channel of occurrences, in commit order per server
// process.
func (sub *LiveSubscription) Events() <-chan LiveEvent {
	return sub.events
}

// TakeLosses returns the number of events dropped because the buffer was
// full and whether others may be missing, both since the previous call,
// and resets them.
func (sub *LiveSubscription) TakeLosses() (dropped int64, gap bool) {
	return sub.dropped.Swap(0), sub.gap.Swap(false)
}

// Close ends the subscription. The channel from Events receives nothing
// more and is not closed.
func (sub *LiveSubscription) Close() {
	sub.closed.Do(func() { sub.hub.remove(sub) })
}

// liveHub fans committed occurrences out to the subscriptions of this
// server process. A subscriber that does not keep up loses events, which
// are counted, and never slows the ingest path down.
type liveHub struct {
	mu   sync.Mutex
	subs map[int64]map[*LiveSubscription]struct{}
	// total counts every subscription, so publishing with none costs one
	// atomic load.
	total atomic.Int64
}

func (h *liveHub) subscribe(accountID int64, slug string, buffer int) (*LiveSubscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs[accountID]) >= MaxLiveSubscriptions {
		return nil, ErrTooManyLiveSubscriptions
	}
	if h.subs == nil {
		h.subs = map[int64]map[*LiveSubscription]struct{}{}
	}
	if h.subs[accountID] == nil {
		h.subs[accountID] = map[*LiveSubscription]struct{}{}
	}
	sub := &LiveSubscription{hub: h, accountID: accountID, slug: slug, events: make(chan LiveEvent, buffer)}
	h.subs[accountID][sub] = struct{}{}
	h.total.Add(1)
	return sub, nil
}

func (h *liveHub) remove(sub *LiveSubscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[sub.accountID], sub)
	if len(h.subs[sub.accountID]) == 0 {
		delete(h.subs, sub.accountID)
	}
	h.total.Add(-1)
}

// publish hands each event to the subscriptions of its account and slug
// without waiting. A full subscription counts the event as dropped.
func (h *liveHub) publish(events []LiveEvent) {
	if h.total.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, event := range events {
		for sub := range h.subs[event.AccountID] {
			if sub.slug != "" && sub.slug != event.Slug {
				continue
			}
			select {
			case sub.events <- event:
			default:
				sub.dropped.Add(1)
			}
		}
	}
}

// accounts returns the set of accounts with at least one subscription.
func (h *liveHub) accounts() map[int64]bool {
	if h.total.Load() == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[int64]bool, len(h.subs))
	for accountID := range h.subs {
		out[accountID] = true
	}
	return out
}

// markGap marks every subscription as possibly missing events.
func (h *liveHub) markGap() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for sub := range subs {
			sub.gap.Store(true)
		}
	}
}

// SubscribeLive starts receiving the account's occurrences as they commit,
// all of them or, with a slug, only that custom event's. buffer sizes the
// subscription, and zero means LiveBuffer. The caller must Close it.
//
// Without StartLiveNotify, a subscription receives only the occurrences
// that this server process committed. With it, it receives those of every
// process that writes to the database with StartLiveNotify running.
func (s *Store) SubscribeLive(accountID int64, slug string, buffer int) (*LiveSubscription, error) {
	if buffer <= 0 {
		buffer = LiveBuffer
	}
	return s.live.subscribe(accountID, slug, buffer)
}

// announce passes committed occurrences on to live streams: straight to
// this process's subscriptions, or through Postgres notifications when
// StartLiveNotify runs. occurrences[i] is the result of triggers[i]. Nil
// occurrences, which were not stored, and repeats of an idempotency key are
// left out. It must only be called after the transaction committed.
func (s *Store) announce(triggers []*preparedTrigger, occurrences []*EventOccurrence) {
	notifier := s.liveNotifier.Load()
	if notifier == nil && s.live.total.Load() == 0 {
		return
	}
	events := make([]LiveEvent, 0, len(occurrences))
	for i, o := range occurrences {
		if o == nil || triggers[i].repeated {
			continue
		}
		events = append(events, LiveEvent{
			AccountID:    o.AccountID,
			OccurrenceID: o.ID,
			ContactID:    o.ContactID,
			Slug:         triggers[i].Slug,
			PageURL:      o.PageURL,
			Channel:      o.Channel,
			Source:       o.Source,
			OccurredAt:   o.OccurredAt,
		})
	}
	if len(events) == 0 {
		return
	}
	if notifier != nil {
		notifier.enqueue(events)
		return
	}
	s.live.publish(events)
}
