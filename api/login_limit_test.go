package api

import (
	"strconv"
	"testing"
	"time"
)

func TestSignInLimitsByIP(t *testing.T) {
	l := newSignInLimits()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range signInIPBurst {
		if l.blocked("192.0.2.1", "u"+strconv.Itoa(i)+"@example.com", now) {
			t.Fatalf("attempt %d blocked, want allowed", i+1)
		}
		l.fail("192.0.2.1", "u"+strconv.Itoa(i)+"@example.com", now)
	}
	if !l.blocked("192.0.2.1", "new@example.com", now) {
		t.Error("eleventh failure from one address allowed, want blocked")
	}
	if l.blocked("192.0.2.2", "new@example.com", now) {
		t.Error("another address blocked, want allowed")
	}
	if l.blocked("192.0.2.1", "new@example.com", now.Add(signInIPEvery)) {
		t.Error("address still blocked after one refill period")
	}
}

func TestFailureLimiterBoundsMemory(t *testing.T) {
	l := newFailureLimiter(time.Second, 2)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range maxSignInBuckets {
		l.fail(strconv.Itoa(i), now)
	}
	// Once every bucket has refilled, adding a key drops them all.
	l.fail("new", now.Add(time.Minute))
	if n := len(l.buckets); n != 1 {
		t.Errorf("buckets = %d, want 1", n)
	}
}

func TestSignInLimitsPerUserAccount(t *testing.T) {
	// Each failure comes from another address, and the email is written
	// differently each time: they all count against one user account.
	tests := []struct {
		name      string
		spellings []string
		probe     string
	}{
		{
			name:      "case and spaces",
			spellings: []string{" Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM ", "ann@Example.com", "\tann@example.com"},
			probe:     "ann@example.com",
		},
		{
			// ö as U+00F6 and as o followed by the combining diaeresis
			// U+0308, which Login matches to one user.
			name:      "accent encodings",
			spellings: []string{"j\u00f6rg@example.com", "jo\u0308rg@example.com", "J\u00d6RG@example.com", "JO\u0308RG@example.com", "j\u00f6rg@example.com"},
			probe:     "jo\u0308rg@example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newSignInLimits()
			now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
			for i, email := range tt.spellings {
				ip := "192.0.2." + strconv.Itoa(i+1)
				if l.blocked(ip, email, now) {
					t.Fatalf("failure %d blocked, want allowed", i+1)
				}
				l.fail(ip, email, now)
			}
			if !l.blocked("198.51.100.1", tt.probe, now) {
				t.Error("sixth attempt for the account from a new address allowed, want blocked")
			}
			if l.blocked("198.51.100.1", "bob@example.com", now) {
				t.Error("another account blocked, want allowed")
			}
			if l.blocked("198.51.100.1", tt.probe, now.Add(signInEmailEvery)) {
				t.Error("account still blocked after one refill period")
			}
		})
	}
}
