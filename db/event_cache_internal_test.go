package db

import (
	"testing"
	"time"
)

func TestEventCacheSkipsLookupOlderThanForget(t *testing.T) {
	var c eventCache
	now := time.Now()
	event := &CustomEvent{ID: 7, AccountID: 1, Slug: "signup"}

	// A lookup that read the database before a delete's forget must not
	// put what it read.
	stale := c.generation(1)
	c.forget(1)
	c.put(event, stale, now)
	if _, ok := c.get(1, "signup", now); ok {
		t.Error("entry read before forget was cached")
	}

	c.put(event, c.generation(1), now)
	got, ok := c.get(1, "signup", now)
	if !ok || got.ID != 7 {
		t.Fatalf("get = %v, %v, want event 7", got, ok)
	}
	if _, ok := c.get(1, "signup", now.Add(eventCacheTTL+time.Millisecond)); ok {
		t.Error("entry is still served after its TTL")
	}
	if _, ok := c.get(2, "signup", now); ok {
		t.Error("entry of account 1 served for account 2")
	}
	c.forget(1)
	if _, ok := c.get(1, "signup", now); ok {
		t.Error("entry served after forget")
	}
}
