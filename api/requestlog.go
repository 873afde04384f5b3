package api

import (
	"sync"
	"time"
)

// Client errors, such as a 401 for a wrong key, are logged at Warn, and
// anyone can send them without a key and without a rate limit. So at most
// clientErrorWarnLines of them per clientErrorWindow are logged at Warn.
// The others of the window go to Debug, and one Warn line counts them.
const (
	clientErrorWarnLines = 60
	clientErrorWindow    = time.Minute
)

// warnBudget counts the client error lines of the current window.
type warnBudget struct {
	mu sync.Mutex
	// start is the time of the window's first client error, zero before
	// the first.
	start time.Time
	// warned is the number of lines of the window logged at Warn, and
	// demoted the number logged at Debug in their place.
	warned, demoted int
}

// take reports whether a client error at now may be logged at Warn. When
// now begins a new window, it also returns the number of lines that the
// previous window logged at Debug, and when that window began, for the
// caller to log.
func (b *warnBudget) take(now time.Time) (warn bool, demotedBefore int, since time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.start.IsZero() || now.Sub(b.start) >= clientErrorWindow {
		demotedBefore, since = b.demoted, b.start
		b.start, b.warned, b.demoted = now, 0, 0
	}
	if b.warned < clientErrorWarnLines {
		b.warned++
		return true, demotedBefore, since
	}
	b.demoted++
	return false, demotedBefore, since
}

// drain returns the number of lines of the current window logged at
// Debug, and when it began, and starts counting again.
func (b *warnBudget) drain() (demoted int, since time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	demoted, since = b.demoted, b.start
	b.demoted = 0
	return demoted, since
}
