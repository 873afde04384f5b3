package graph

import (
	"context"
	"encoding/json"
	"log/slog"
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

// accountLimits keeps one token bucket per account and logs the requests
// that the buckets reject. Accounts are few and long-lived, so buckets are
// never evicted.
type accountLimits struct {
	limit rate.Limit
	burst int
	log   *slog.Logger
	// now returns the time for rateLimitLogInterval, and afterFunc arms
	// the timer that logs the rejections held back when the interval
	// ends. Tests replace both.
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) stopper

	mu      sync.Mutex
	buckets map[int64]*accountBucket
	// closed is set by close. Rejections are then logged at once.
	closed bool
}

// stopper is a timer that can be stopped, such as *time.Timer.
type stopper interface {
	Stop() bool
}

// accountBucket is the token bucket of one account and the count of its
// rejected requests that no log line has reported yet.
type accountBucket struct {
	limiter          *rate.Limiter
	rejectedSinceLog int
	// actor names the caller of the latest rejected request, which the
	// log line reports: its API key or, for the admin app's explorer, the
	// member's user id.
	actor string
	// loggedAt is the time of the last log line, zero before the first.
	loggedAt time.Time
	// flushTimer logs rejectedSinceLog when the interval since loggedAt
	// ends. It is nil while no rejection is held back. flushSeq numbers
	// the armed timers, so that a timer that fires after it was replaced
	// or stopped does nothing.
	flushTimer stopper
	flushSeq   uint64
}

// newAccountLimits returns limits of perSecond requests with bursts of
// burst, which log rejections to log. A nil result, for perSecond of zero
// or less, allows everything.
func newAccountLimits(perSecond float64, burst int, log *slog.Logger) *accountLimits {
	if perSecond <= 0 || math.IsNaN(perSecond) {
		return nil
	}
	return &accountLimits{
		limit: rate.Limit(perSecond),
		burst: max(burst, 1),
		log:   log,
		now:   time.Now,
		afterFunc: func(d time.Duration, f func()) stopper {
			return time.AfterFunc(d, f)
		},
		buckets: map[int64]*accountBucket{},
	}
}

// allow takes one token from the account's bucket and reports whether
// there was one. actor names the request's caller for the log: its API
// key, or the signed-in member by user id.
//
// A rejection is logged at once, with the count of the account's
// rejections since the previous line, unless a line was written less than
// rateLimitLogInterval ago. The rejection is then held back, and a timer
// logs the count held back when the interval ends, so one line per account
// and interval is written at most.
func (l *accountLimits) allow(ctx context.Context, accountID int64, actor string) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	bucket, ok := l.buckets[accountID]
	if !ok {
		bucket = &accountBucket{limiter: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[accountID] = bucket
	}
	if bucket.limiter.Allow() {
		l.mu.Unlock()
		return true
	}

	bucket.rejectedSinceLog++
	bucket.actor = actor
	now := l.now()
	wait := rateLimitLogInterval - now.Sub(bucket.loggedAt)
	if l.closed || bucket.loggedAt.IsZero() || wait <= 0 {
		rejected := bucket.takeRejected(now)
		l.mu.Unlock()
		l.logRejected(ctx, accountID, actor, rejected)
		return false
	}

	// The first rejection held back arms the timer. Later ones find it
	// armed and only add to the count.
	if bucket.flushTimer == nil {
		bucket.flushSeq++
		seq := bucket.flushSeq
		bucket.flushTimer = l.afterFunc(wait, func() { l.flush(accountID, bucket, seq) })
	}
	l.mu.Unlock()
	return false
}

// flush logs the count of rejections held back in bucket, unless the timer
// numbered seq was stopped or replaced. That timer calls it when the log
// interval ends.
func (l *accountLimits) flush(accountID int64, bucket *accountBucket, seq uint64) {
	l.mu.Lock()
	if bucket.flushTimer == nil || bucket.flushSeq != seq {
		l.mu.Unlock()
		return
	}
	actor := bucket.actor
	rejected := bucket.takeRejected(l.now())
	l.mu.Unlock()

	l.logRejected(context.Background(), accountID, actor, rejected)
}

// close stops the timers and logs the rejections that they held back.
// Call it at shutdown. Later rejections are logged at once, each with its
// own line.
func (l *accountLimits) close() {
	if l == nil {
		return
	}
	type heldBack struct {
		accountID int64
		actor     string
		rejected  int
	}
	var lines []heldBack
	l.mu.Lock()
	l.closed = true
	now := l.now()
	for accountID, bucket := range l.buckets {
		if bucket.flushTimer == nil {
			continue
		}
		lines = append(lines, heldBack{accountID, bucket.actor, bucket.takeRejected(now)})
	}
	l.mu.Unlock()

	for _, line := range lines {
		l.logRejected(context.Background(), line.accountID, line.actor, line.rejected)
	}
}

// takeRejected returns the count of rejections to log at now, resets it
// and stops the timer that would have logged it. The caller holds the
// limits' lock.
func (b *accountBucket) takeRejected(now time.Time) int {
	if b.flushTimer != nil {
		b.flushTimer.Stop()
		b.flushTimer = nil
	}
	rejected := b.rejectedSinceLog
	b.rejectedSinceLog = 0
	b.loggedAt = now
	return rejected
}

// logRejected writes the warning about an account's rejected requests.
// A client over its limit may send hundreds of requests a second, so
// allow writes one line per account and rateLimitLogInterval at most.
func (l *accountLimits) logRejected(ctx context.Context, accountID int64, actor string, rejected int) {
	l.log.WarnContext(ctx, "GraphQL requests rate limited",
		"account_id", accountID,
		"actor", actor,
		"rejected", rejected,
		"log_interval", rateLimitLogInterval.String())
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
// Its members come in the order of the resolvers' errors, and characters
// such as < stay as they are, since the reply is JSON and not HTML.
func writeRequestError(w http.ResponseWriter, status int, code, message string) {
	type requestError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	body := struct {
		Errors []requestError `json:"errors"`
		Data   any            `json:"data"`
	}{Errors: []requestError{{Message: message, Extensions: map[string]string{"code": code}}}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
