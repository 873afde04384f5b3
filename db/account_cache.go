package db

import (
	"context"
	"sync"
	"time"
)

// siteKeyCacheTTL is how long the beacon endpoint trusts a cached site key
// lookup. Changes made through this Store clear the account's entry at
// once; a change made through another server process reaches this one
// within the TTL.
const siteKeyCacheTTL = 2 * time.Second

type siteKeyCacheEntry struct {
	settings CollectSettings
	expires  time.Time
}

// siteKeyCache keeps the collect settings of site keys, so that each beacon
// request does not look its account up. Unknown site keys are not cached.
type siteKeyCache struct {
	mu      sync.Mutex
	entries map[string]siteKeyCacheEntry
	// generation counts forget calls. A lookup that read the database
	// before a forget does not cache what it read.
	generation uint64
}

func (c *siteKeyCache) get(siteKey string, now time.Time) (*CollectSettings, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[siteKey]
	if !ok || now.After(entry.expires) {
		return nil, c.generation, false
	}
	settings := entry.settings
	settings.AllowedOrigins = append([]string(nil), entry.settings.AllowedOrigins...)
	return &settings, c.generation, true
}

func (c *siteKeyCache) put(siteKey string, settings *CollectSettings, generation uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation != generation {
		return
	}
	if c.entries == nil {
		c.entries = map[string]siteKeyCacheEntry{}
	}
	if len(c.entries) > 10_000 {
		for key, entry := range c.entries {
			if now.After(entry.expires) {
				delete(c.entries, key)
			}
		}
	}
	stored := *settings
	stored.AllowedOrigins = append([]string(nil), settings.AllowedOrigins...)
	c.entries[siteKey] = siteKeyCacheEntry{settings: stored, expires: now.Add(siteKeyCacheTTL)}
}

// forget drops the entries of the account.
func (c *siteKeyCache) forget(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for key, entry := range c.entries {
		if entry.settings.AccountID == accountID {
			delete(c.entries, key)
		}
	}
}

// CachedCollectSettings is CollectSettingsBySiteKey through the store's
// cache, for the beacon endpoint.
func (s *Store) CachedCollectSettings(ctx context.Context, siteKey string) (*CollectSettings, error) {
	now := time.Now()
	settings, generation, ok := s.siteKeys.get(siteKey, now)
	if ok {
		return settings, nil
	}
	settings, err := s.CollectSettingsBySiteKey(ctx, siteKey)
	if err != nil {
		return nil, err
	}
	s.siteKeys.put(siteKey, settings, generation, now)
	return settings, nil
}
