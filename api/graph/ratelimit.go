package graph

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/time/rate"

	"customevents/app/apitype"
)

// accountLimits holds one token bucket per account. Accounts are few and
// long-lived, so buckets are never evicted.
type accountLimits struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[int64]*rate.Limiter
}

// newAccountLimits returns limits of perSecond requests with bursts of
// burst. A nil result, for perSecond of zero or less, allows everything.
func newAccountLimits(perSecond float64, burst int) *accountLimits {
	if perSecond <= 0 || math.IsNaN(perSecond) {
		return nil
	}
	return &accountLimits{limit: rate.Limit(perSecond), burst: max(burst, 1), buckets: map[int64]*rate.Limiter{}}
}

// allow takes one token from the account's bucket and reports whether
// there was one.
func (l *accountLimits) allow(accountID int64) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	bucket, ok := l.buckets[accountID]
	if !ok {
		bucket = rate.NewLimiter(l.limit, l.burst)
		l.buckets[accountID] = bucket
	}
	l.mu.Unlock()
	return bucket.Allow()
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
