package db

import (
	"context"
	"sync"
	"time"
)

// eventCacheTTL is how long ingest trusts a cached slug lookup.
//
// NOTE: writes through this Store clear the account's entries at once, but
// a definition changed through another server process stays cached here for
// up to eventCacheTTL, so for that long an event may still be recorded for a
// slug that another process has just deleted.
const eventCacheTTL = 2 * time.Second

type eventCacheKey struct {
	accountID int64
	slug      string
}

type eventCacheEntry struct {
	event   CustomEvent
	expires time.Time
}

// eventCache keeps live custom event definitions by account and slug, so
// that recording an event does not look its definition up every time.
// Unknown slugs are not cached.
type eventCache struct {
	mu      sync.Mutex
	entries map[eventCacheKey]eventCacheEntry
}

func (c *eventCache) get(accountID int64, slug string, now time.Time) (*CustomEvent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[eventCacheKey{accountID, slug}]
	if !ok || now.After(entry.expires) {
		return nil, false
	}
	event := entry.event
	return &event, true
}

func (c *eventCache) put(event *CustomEvent, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[eventCacheKey]eventCacheEntry{}
	}
	// Drop expired entries now and then, so deleted slugs do not pile up.
	if len(c.entries) > 10_000 {
		for key, entry := range c.entries {
			if now.After(entry.expires) {
				delete(c.entries, key)
			}
		}
	}
	c.entries[eventCacheKey{event.AccountID, event.Slug}] = eventCacheEntry{event: *event, expires: now.Add(eventCacheTTL)}
}

// forget drops every entry of the account.
func (c *eventCache) forget(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.entries {
		if key.accountID == accountID {
			delete(c.entries, key)
		}
	}
}

// liveEventBySlug is CustomEventBySlug through the store's cache.
func (s *Store) liveEventBySlug(ctx context.Context, accountID int64, slug string) (*CustomEvent, error) {
	now := time.Now()
	if event, ok := s.events.get(accountID, slug, now); ok {
		return event, nil
	}
	event, err := s.CustomEventBySlug(ctx, accountID, slug)
	if err != nil {
		return nil, err
	}
	s.events.put(event, now)
	return event, nil
}
