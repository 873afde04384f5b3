package db

import (
	"context"
	"sync"
	"time"
)

// eventCacheTTL is how long ingest trusts a cached slug lookup.
//
// NOTE: writes through this Store clear the account's entries at once. A
// definition changed through another server process stays cached here for
// up to eventCacheTTL. For that long, an event may still be recorded for a
// slug that the other process has just deleted.
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
	// generations counts forget calls per account. A lookup that read the
	// database before a forget must not cache what it read, because the
	// definition may have changed after its snapshot.
	generations map[int64]uint64
}

// generation returns the account's current generation, to pass to put.
func (c *eventCache) generation(accountID int64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generations[accountID]
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

// put caches event unless the account was forgotten since generation.
func (c *eventCache) put(event *CustomEvent, generation uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generations[event.AccountID] != generation {
		return
	}
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
	if c.generations == nil {
		c.generations = map[int64]uint64{}
	}
	c.generations[accountID]++
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
	generation := s.events.generation(accountID)
	event, err := s.CustomEventBySlug(ctx, accountID, slug)
	if err != nil {
		return nil, err
	}
	s.events.put(event, generation, now)
	return event, nil
}
