package db

import (
	"context"
	"sync"
	"time"
)

// accountCacheTTL is how long a cached site key or API key lookup is
// trusted. Changes made through this Store clear the account's entries at
// once. A change made through another server process reaches this one
// within the TTL.
const accountCacheTTL = 2 * time.Second

// accountCacheLimit is the number of entries above which a put first
// drops the expired ones.
const accountCacheLimit = 10_000

type accountCacheEntry[V any] struct {
	accountID int64
	value     V
	expires   time.Time
}

// accountCache keeps lookups that hot endpoints make on every request,
// keyed by a string and tagged with the account they belong to. Misses are
// not cached. clone copies a value on its way in and out, so that callers
// cannot change what other requests read, and accountOf returns the
// account that a value belongs to.
type accountCache[V any] struct {
	clone     func(V) V
	accountOf func(V) int64

	mu      sync.Mutex
	entries map[string]accountCacheEntry[V]
	// generation counts forget calls. A lookup that read the database
	// before a forget does not cache what it read.
	generation uint64
}

func (c *accountCache[V]) get(key string, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[key]
	if !ok || now.After(entry.expires) {
		var zero V
		return zero, c.generation, false
	}
	return c.clone(entry.value), c.generation, true
}

func (c *accountCache[V]) put(key string, value V, generation uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation != generation {
		return
	}
	if c.entries == nil {
		c.entries = map[string]accountCacheEntry[V]{}
	}
	if len(c.entries) > accountCacheLimit {
		for k, entry := range c.entries {
			if now.After(entry.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = accountCacheEntry[V]{accountID: c.accountOf(value), value: c.clone(value), expires: now.Add(accountCacheTTL)}
}

// load returns the cached value of key, or calls read and caches what it
// returns without an error.
func (c *accountCache[V]) load(key string, now time.Time, read func() (*V, error)) (*V, error) {
	value, generation, ok := c.get(key, now)
	if ok {
		return &value, nil
	}
	found, err := read()
	if err != nil {
		return nil, err
	}
	c.put(key, *found, generation, now)
	return found, nil
}

// forget drops the entries of the account.
func (c *accountCache[V]) forget(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for k, entry := range c.entries {
		if entry.accountID == accountID {
			delete(c.entries, k)
		}
	}
}

// accountCaches contains the store's caches of site keys and API keys.
type accountCaches struct {
	siteKeys accountCache[CollectSettings]
	apiKeys  accountCache[Account]
	// now is the clock that entries expire by.
	now func() time.Time
}

func newAccountCaches() *accountCaches {
	return &accountCaches{
		siteKeys: accountCache[CollectSettings]{
			clone: func(s CollectSettings) CollectSettings {
				s.AllowedOrigins = append([]string(nil), s.AllowedOrigins...)
				return s
			},
			accountOf: func(s CollectSettings) int64 { return s.AccountID },
		},
		apiKeys: accountCache[Account]{
			clone:     func(a Account) Account { return a },
			accountOf: func(a Account) int64 { return a.ID },
		},
		now: time.Now,
	}
}

// forget drops every cached lookup of the account, after a change to it.
func (c *accountCaches) forget(accountID int64) {
	c.siteKeys.forget(accountID)
	c.apiKeys.forget(accountID)
}

// CachedCollectSettings is CollectSettingsBySiteKey through the store's
// cache, for the beacon endpoint.
func (s *Store) CachedCollectSettings(ctx context.Context, siteKey string) (*CollectSettings, error) {
	return s.caches.siteKeys.load(siteKey, s.caches.now(), func() (*CollectSettings, error) {
		return s.CollectSettingsBySiteKey(ctx, siteKey)
	})
}

// CachedAccountByAPIKey is AccountByAPIKey through the store's cache, for
// the GraphQL endpoint. A key revoked through this Store is rejected at
// once, and one revoked through another server process within the cache's
// TTL of 2 seconds. The key's last use is recorded on cache misses, which
// is often enough for its minute resolution.
func (s *Store) CachedAccountByAPIKey(ctx context.Context, key string) (*Account, error) {
	if key == "" {
		return nil, ErrInvalidAPIKey
	}
	return s.caches.apiKeys.load(string(hashToken(key)), s.caches.now(), func() (*Account, error) {
		return s.AccountByAPIKey(ctx, key)
	})
}
