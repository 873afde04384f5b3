package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// storeTimeout limits the statements that record a result after an
// action, which run even while the pool shuts down.
const storeTimeout = 10 * time.Second

// maxClaimWait is the longest wait after claims that failed in a row.
const maxClaimWait = 30 * time.Second

// Pool is a set of workers that run due actions. Several pools, in one
// process or in several, can work one database: each run goes to one
// worker at a time.
type Pool struct {
	store   *db.Store
	log     *slog.Logger
	cfg     Config
	name    string
	webhook *webhookSender
	mailer  *mailer

	// hard ends when the context given to Start does: workers leave at
	// once and abandon what they run, as a crashed process would.
	hard context.Context
	// running is the context of claims and actions. Stop cancels it once
	// ShutdownGrace has passed.
	running       context.Context
	cancelRunning context.CancelFunc
	// stopping is closed by Stop: workers claim nothing more.
	stopping chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	wakeMu sync.Mutex
	// woken is closed and replaced to wake every idle worker.
	woken chan struct{}
}

// Start starts cfg.Workers workers and makes store wake them when it
// records occurrences with actions. Stop stops them gracefully. Ending ctx
// stops them at once instead: runs in progress are left to their leases,
// as when the process dies.
func Start(ctx context.Context, store *db.Store, log *slog.Logger, cfg Config) *Pool {
	cfg = cfg.withDefaults()
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	p := &Pool{
		store:    store,
		log:      log,
		cfg:      cfg,
		name:     fmt.Sprintf("%s/%d", host, os.Getpid()),
		webhook:  newWebhookSender(cfg.WebhookTimeout, cfg.WebhookAllowPrivate),
		mailer:   &mailer{cfg: cfg.SMTP},
		hard:     ctx,
		stopping: make(chan struct{}),
		woken:    make(chan struct{}),
	}
	p.running, p.cancelRunning = context.WithCancel(ctx)
	store.OnActionsEnqueued(p.wake)
	for n := range cfg.Workers {
		p.wg.Add(1)
		go p.work(fmt.Sprintf("%s/%d", p.name, n+1))
	}
	log.Info("action workers started", "workers", cfg.Workers, "max_attempts", cfg.MaxAttempts,
		"lease", cfg.Lease.String(), "webhook_allow_private", cfg.WebhookAllowPrivate, "smtp", cfg.SMTP.Addr != "")
	return p
}

// Stop makes the workers claim nothing more, lets the actions they run
// finish for up to ShutdownGrace, then cancels the rest and releases their
// runs so that another worker takes them at once. It returns when every
// worker has left.
func (p *Pool) Stop() {
	p.stopOnce.Do(func() {
		p.store.OnActionsEnqueued(nil)
		close(p.stopping)
		done := make(chan struct{})
		go func() {
			p.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(p.cfg.ShutdownGrace):
			p.log.Warn("action workers still running after the shutdown grace: cancelling them", "grace", p.cfg.ShutdownGrace.String())
			p.cancelRunning()
			<-done
		}
		p.cancelRunning()
		p.log.Info("action workers stopped")
	})
}

// wake wakes every idle worker.
func (p *Pool) wake() {
	p.wakeMu.Lock()
	close(p.woken)
	p.woken = make(chan struct{})
	p.wakeMu.Unlock()
}

func (p *Pool) wakeChannel() <-chan struct{} {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	return p.woken
}

// work claims and runs due actions until the pool stops.
func (p *Pool) work(worker string) {
	defer p.wg.Done()
	policy := db.ActionPolicy{Worker: worker, MaxAttempts: p.cfg.MaxAttempts, Lease: p.cfg.Lease, Backoff: p.backoff}
	// failures counts claims that failed in a row, such as while the
	// database is down. Each one doubles the wait before the next claim,
	// up to maxClaimWait, which also limits the log to a line per wait.
	failures := 0
	for {
		select {
		case <-p.stopping:
			return
		case <-p.hard.Done():
			return
		default:
		}
		// Taken before the claim, so a wake during the claim is not lost.
		woken := p.wakeChannel()
		results, err := p.store.ClaimActions(p.running, policy, p.cfg.ClaimBatch)
		switch {
		case err != nil && p.running.Err() != nil:
			return
		case err != nil:
			failures++
			wait := min(p.cfg.PollInterval<<min(failures-1, 16), maxClaimWait)
			p.log.Error("action claim failed", "worker", worker, "error", err, "failures_in_a_row", failures, "retry_in", wait.String())
			p.idle(nil, wait)
		case len(results) == 0:
			failures = 0
			p.idle(woken, p.cfg.PollInterval)
		default:
			failures = 0
			p.runBatch(worker, policy, results)
		}
	}
}

// runBatch logs the runs that the claim finished and runs the leased ones
// at once, each in its own goroutine.
func (p *Pool) runBatch(worker string, policy db.ActionPolicy, results []*db.ClaimResult) {
	var wg sync.WaitGroup
	for _, res := range results {
		if res.Finished {
			p.logResult(worker, res)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.perform(worker, policy, res.Claim)
		}()
	}
	wg.Wait()
}

// idle waits for d, a wake or the pool's stop.
func (p *Pool) idle(woken <-chan struct{}, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-woken:
	case <-p.stopping:
	case <-p.hard.Done():
	}
}

// perform runs a leased webhook or email action and records its result.
func (p *Pool) perform(worker string, policy db.ActionPolicy, claim *db.ActionClaim) {
	// The action ends before its lease does, so no other worker runs it
	// meanwhile, unless this process stalls for longer than the margin.
	margin := min(p.cfg.Lease/10, 5*time.Second)
	ctx, cancel := context.WithTimeout(p.running, p.cfg.Lease-margin)
	defer cancel()

	var err error
	switch claim.ActionType {
	case apitype.ActionWebhook:
		err = p.webhook.send(ctx, claim)
	case apitype.ActionNotifyEmail:
		err = p.mailer.send(ctx, claim)
	default:
		err = &db.PermanentError{Message: fmt.Sprintf("action type %q is unknown", claim.ActionType)}
	}

	if p.hard.Err() != nil {
		p.log.Warn("action run abandoned at once; another worker takes it when its lease ends",
			runAttrs(worker, claim, "lease_until", claim.LockedUntil)...)
		return
	}
	storeCtx, cancelStore := context.WithTimeout(context.WithoutCancel(p.running), storeTimeout)
	defer cancelStore()
	if p.running.Err() != nil {
		if err := p.store.ReleaseAction(storeCtx, claim); err != nil {
			p.log.Error("action run not released at shutdown; another worker takes it when its lease ends",
				runAttrs(worker, claim, "error", err, "lease_until", claim.LockedUntil)...)
			return
		}
		p.log.Info("action run released at shutdown", runAttrs(worker, claim)...)
		return
	}

	res, ferr := p.store.FinishAction(storeCtx, claim, policy, err)
	switch {
	case errors.Is(ferr, db.ErrLeaseLost):
		p.log.Warn("action run result discarded: its lease ended and another worker claimed it",
			runAttrs(worker, claim, "action_error", errorText(err))...)
	case ferr != nil:
		p.log.Error("action run result not stored; another worker retries it when its lease ends",
			runAttrs(worker, claim, "error", ferr, "action_error", errorText(err))...)
	default:
		p.logResult(worker, res)
	}
}

// logResult logs a finished attempt: successes and skips at debug level,
// retries as warnings and dead runs as errors.
func (p *Pool) logResult(worker string, res *db.ClaimResult) {
	c := res.Claim
	switch res.Outcome {
	case apitype.RunSucceeded:
		p.log.Debug("action run succeeded", runAttrs(worker, c)...)
	case apitype.RunSkipped:
		p.log.Debug("action run skipped: its condition did not match", runAttrs(worker, c, "condition_index", *c.ConditionIndex)...)
	case apitype.RunFailed:
		p.log.Warn("action run failed; retrying later", runAttrs(worker, c, "error", res.Err, "next_attempt_at", res.NextAttemptAt)...)
	case apitype.RunDead:
		p.log.Error("action run dead: no more attempts", runAttrs(worker, c, "error", res.Err)...)
	}
}

// runAttrs returns the log attributes that identify an attempt, followed
// by extra.
func runAttrs(worker string, c *db.ActionClaim, extra ...any) []any {
	attrs := []any{
		"worker", worker, "account_id", c.AccountID, "custom_event_id", c.CustomEventID,
		"occurrence_id", c.OccurrenceID, "position", c.Position, "action_type", c.ActionType, "attempt", c.Attempt,
	}
	return append(attrs, extra...)
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// backoff returns the wait after failed attempt number attempt: RetryBase
// doubled for each earlier failure, at most RetryMax, less a random part
// of up to half, so runs that failed together do not retry together.
func (p *Pool) backoff(attempt int) time.Duration {
	d := p.cfg.RetryMax
	if shift := attempt - 1; shift < 32 && p.cfg.RetryBase<<shift < p.cfg.RetryMax && p.cfg.RetryBase<<shift > 0 {
		d = p.cfg.RetryBase << shift
	}
	return d - rand.N(d/2+1)
}
