package graph

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"customevents/app/apitype"
)

// rateLimitLogInterval is the minimum time between two log lines about
// the rejected requests of one account.
const rateLimitLogInterval = time.Minute

// accountLimits holds one token bucket per account. Accounts are few and
// long-lived, so buckets are never evicted.
type accountLimits struct {
	limit rate.Limit
	burst int
	// now returns the time for rateLimitLogInterval. Tests replace it.
	now func() time.Time

	mu      sync.Mutex
	buckets map[int64]*accountBucket
}

// accountBucket is the token bucket of one account and the count of its
// rejected requests that no log line has reported yet.
type accountBucket struct {
	limiter          *rate.Limiter
	rejectedSinceLog int
	// loggedAt is the time of the last log line, zero before the first.
	loggedAt time.Time
}

// newAccountLimits returns limits of perSecond requests with bursts of
// burst. A nil result, for perSecond of zero or less, allows everything.
func newAccountLimits(perSecond float64, burst int) *accountLimits {
	if perSecond <= 0 || math.IsNaN(perSecond) {
		return nil
	}
	return &accountLimits{
		limit:   rate.Limit(perSecond),
		burst:   max(burst, 1),
		now:     time.Now,
		buckets: map[int64]*accountBucket{},
	}
}

// allow takes one token from the account's bucket and reports whether
// there was one. For a rejected request, toLog is the number of the
// account's rejected requests to report in a log line now, this one
// included, or 0 when a line reported others less than
// rateLimitLogInterval ago. The count then waits for the next line.
func (l *accountLimits) allow(accountID int64) (allowed bool, toLog int) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	bucket, ok := l.buckets[accountID]
	if !ok {
		bucket = &accountBucket{limiter: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[accountID] = bucket
	}
	if bucket.limiter.Allow() {
		return true, 0
	}

	bucket.rejectedSinceLog++
	now := l.now()
	if !bucket.loggedAt.IsZero() && now.Sub(bucket.loggedAt) < rateLimitLogInterval {
		return false, 0
	}
	toLog = bucket.rejectedSinceLog
	bucket.rejectedSinceLog = 0
	bucket.loggedAt = now
	return false, toLog
}

// retryAfterSeconds is the Retry-After value of a rate-limited reply.
const retryAfterSeconds = 1

// writeRateLimited sends a 429 reply in the GraphQL response format.
func writeRateLimited(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	writeRequestError(w, http.StatusTooManyRequests, apitype.CodeRateLimited,
		"Too many requests for this account: wait "+strconv.Itoa(retryAfterSeconds)+" second and retry, or send events in batches with triggerCustomEvents.")
}

// writeRequestError sends an error about the request as a whole, before
// GraphQL execution, in the GraphQL response format.
func writeRequestError(w http.ResponseWriter, status int, code, message string) {
	body := map[string]any{
		"errors": []map[string]any{{
			"message":    message,
			"extensions": map[string]any{"code": code},
		}},
		"data": nil,
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
