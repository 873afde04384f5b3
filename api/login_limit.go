package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"customevents/app/apitype"
)

// Sign-in limits. Only failed attempts take a token, so people who type
// their password right are never slowed down.
const (
	// An IP address may fail 10 times in a row, then once every 6 seconds.
	signInIPBurst = 10
	signInIPEvery = 6 * time.Second
	// One email may fail 5 times in a row, then once every 12 seconds,
	// whatever the addresses the attempts come from.
	signInEmailBurst = 5
	signInEmailEvery = 12 * time.Second
	// maxSignInBuckets bounds the memory of each limiter. When a limiter
	// holds more keys, it drops the ones whose bucket has filled up again.
	maxSignInBuckets = 10_000
)

// failureLimiter keeps a token bucket per key for failed sign-ins.
type failureLimiter struct {
	every time.Duration
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newFailureLimiter(every time.Duration, burst int) *failureLimiter {
	return &failureLimiter{every: every, burst: burst, buckets: map[string]*rate.Limiter{}}
}

// blocked reports whether key has no failure left to spend at now.
func (l *failureLimiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	bucket, ok := l.buckets[key]
	return ok && bucket.TokensAt(now) < 1
}

// fail spends one of key's failures at now.
func (l *failureLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	bucket, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxSignInBuckets {
			for k, b := range l.buckets {
				if b.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		bucket = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = bucket
	}
	bucket.AllowN(now, 1)
}

// limitsByIPAndEmail contains two limiters, one keyed by IP address and one
// by email. The email key is trimmed and lowercase, the form in which
// users.email is unique, so the email limiter counts per user account.
type limitsByIPAndEmail struct {
	byIP    *failureLimiter
	byEmail *failureLimiter
}

// newSignInLimits returns the limits of failed sign-ins. Wrong passwords
// given to accept an invite count too.
func newSignInLimits() *limitsByIPAndEmail {
	return &limitsByIPAndEmail{
		byIP:    newFailureLimiter(signInIPEvery, signInIPBurst),
		byEmail: newFailureLimiter(signInEmailEvery, signInEmailBurst),
	}
}

// Password reset requests. Every request spends a token, whether or not a
// user has the email, because each may send an email.
const (
	// An IP address may ask 5 times in a row, then once a minute.
	resetIPBurst = 5
	resetIPEvery = time.Minute
	// One email may be asked for 3 times in a row, then once every 10
	// minutes.
	resetEmailBurst = 3
	resetEmailEvery = 10 * time.Minute
)

// newResetRequestLimits returns the limits of password reset requests.
func newResetRequestLimits() *limitsByIPAndEmail {
	return &limitsByIPAndEmail{
		byIP:    newFailureLimiter(resetIPEvery, resetIPBurst),
		byEmail: newFailureLimiter(resetEmailEvery, resetEmailBurst),
	}
}

// emailKey returns the form that Login matches email in, so that one
// address typed in two ways counts against one limit.
func emailKey(email string) string {
	return apitype.CanonicalEmail(email)
}

func (l *limitsByIPAndEmail) blocked(ip, email string, now time.Time) bool {
	return l.byIP.blocked(ip, now) || l.byEmail.blocked(emailKey(email), now)
}

func (l *limitsByIPAndEmail) fail(ip, email string, now time.Time) {
	l.byIP.fail(ip, now)
	l.byEmail.fail(emailKey(email), now)
}
