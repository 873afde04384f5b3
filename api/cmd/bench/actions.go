package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// benchActionsSlug names the custom event whose occurrences run actions.
const benchActionsSlug = "bench-actions"

// actionsDrainWait is how long an actions run waits after wrk ends for
// every action run to finish.
const actionsDrainWait = 2 * time.Minute

// actionReceiver is the webhook target of the actions runs, on loopback.
// It records how long after its occurrence each delivery arrived.
type actionReceiver struct {
	server *http.Server
	url    string

	mu sync.Mutex
	// delays holds, per delivery, the time from the occurrence (the
	// server's clock when it accepted the trigger) to the arrival here.
	delays     []time.Duration
	deliveries map[string]int
}

func startActionReceiver() (*actionReceiver, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the webhook receiver: %w", err)
	}
	r := &actionReceiver{url: "http://" + listener.Addr().String() + "/hook", deliveries: map[string]int{}}
	r.server = &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 10 * time.Second}
	go r.server.Serve(listener)
	return r, nil
}

func (r *actionReceiver) handle(w http.ResponseWriter, req *http.Request) {
	arrived := time.Now()
	var body struct {
		DeliveryID string `json:"deliveryId"`
		Event      struct {
			OccurredAt time.Time `json:"occurredAt"`
		} `json:"event"`
	}
	data, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err := json.Unmarshal(data, &body); err != nil || body.DeliveryID == "" {
		http.Error(w, "body is not a webhook payload", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.delays = append(r.delays, arrived.Sub(body.Event.OccurredAt))
	r.deliveries[body.DeliveryID]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// take returns the delays and delivery counts recorded since the last
// call and starts over.
func (r *actionReceiver) take() ([]time.Duration, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delays, deliveries := r.delays, r.deliveries
	r.delays, r.deliveries = nil, map[string]int{}
	return delays, deliveries
}

func (r *actionReceiver) Close() error { return r.server.Close() }

// prepareActions creates the bench-actions event through GraphQL and sets
// its actions in the database, as the admin API stores them: add 1 to the
// lead score and post a signed webhook to the receiver.
func prepareActions(ctx context.Context, server *serverProcess, database *benchDatabase, receiverURL string) error {
	create := `mutation { createCustomEvent(input: {name: "Bench Actions", slug: "` + benchActionsSlug + `"}) { id } }`
	if err := postGraphQL(ctx, server.url(), create, nil); err != nil {
		return fmt.Errorf("create the %s custom event: %w", benchActionsSlug, err)
	}
	plan, err := json.Marshal(map[string]any{
		"global": []map[string]any{
			{"type": "adjust_score", "delta": 1},
			{"type": "webhook", "url": receiverURL, "secret": "bench-webhook-secret-0123456789"},
		},
		"conditional": []any{},
	})
	if err != nil {
		return err
	}
	_, err = database.db.ExecContext(ctx, "UPDATE custom_events SET action_mode = 'on_the_fly', actions = $1 WHERE slug = $2",
		string(plan), benchActionsSlug)
	if err != nil {
		return fmt.Errorf("set the actions of %s: %w", benchActionsSlug, err)
	}
	return nil
}

// writeActionsScript writes the wrk script that triggers bench-actions.
func writeActionsScript(dir string, emails, threads int) (string, error) {
	path := filepath.Join(dir, "graphql-actions.lua")
	script := fmt.Sprintf(graphqlScript, benchAPIKey, benchActionsSlug, emails, threads)
	return path, os.WriteFile(path, []byte(script), 0o644)
}

// actionsRun is one wrk run against triggerCustomEvent for bench-actions,
// followed by the wait for its actions.
type actionsRun struct {
	name        string
	connections int
	wrk         wrkResult
	// occurrences is the number of bench-actions occurrences stored.
	occurrences int64
	// succeeded and notSucceeded count the runs of those occurrences.
	succeeded, notSucceeded int64
	// actionsPerSec is succeeded divided by the time from the first
	// run's creation to the last run's finish.
	actionsPerSec float64
	// drain is the time from the end of wrk until the last run finished.
	drain time.Duration
	// p50, p95 and p99 are percentiles of the delay from occurrence to
	// webhook arrival.
	p50, p95, p99 time.Duration
	// deliveries counts distinct delivery ids, repeats the extra
	// arrivals of one id.
	deliveries, repeats int
}

// eventsPerSec returns the events that were both acknowledged and stored,
// per second of the wrk run.
func (r actionsRun) eventsPerSec() float64 {
	return float64(min(r.wrk.Successes(), r.occurrences)) / r.wrk.Duration.Seconds()
}

// verified reports whether every action run succeeded and every webhook
// arrived exactly once.
func (r actionsRun) verified() bool {
	return r.notSucceeded == 0 && r.succeeded == 2*r.occurrences && int64(r.deliveries) == r.occurrences && r.repeats == 0
}

// measureActions runs wrk against the bench-actions trigger, waits until
// every action run has finished, and reads the runs and the receiver.
func measureActions(ctx context.Context, opts options, database *benchDatabase, receiver *actionReceiver, name, script, url string, connections int) (actionsRun, error) {
	run := actionsRun{name: name, connections: connections}
	if _, err := database.waitForStableCount(ctx, storeWait); err != nil {
		return run, err
	}
	var lastID int64
	if err := database.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM event_occurrences").Scan(&lastID); err != nil {
		return run, fmt.Errorf("read the last occurrence id: %w", err)
	}
	receiver.take()

	var err error
	run.wrk, err = runWrk(ctx, opts.wrkPath, script, url, min(opts.threads, connections), connections, opts.duration)
	if err != nil {
		return run, err
	}
	wrkEnd := time.Now()
	// A request that was in flight when wrk stopped can still be stored,
	// with its runs, after wrk ends. Its runs would count as not
	// succeeded if the wait below finished before they existed.
	if _, err := database.waitForStableCount(ctx, storeWait); err != nil {
		return run, err
	}
	if err := waitForActions(ctx, database, lastID, actionsDrainWait); err != nil {
		return run, err
	}

	var span, drain float64
	err = database.db.QueryRowContext(ctx, `
		SELECT count(DISTINCT j.occurrence_id),
			count(*) FILTER (WHERE r.outcome = 'succeeded'),
			count(*) FILTER (WHERE r.outcome IN ('pending', 'failed', 'dead')),
			coalesce(extract(epoch FROM max(r.updated_at) - min(r.created_at)), 0),
			coalesce(extract(epoch FROM max(r.updated_at) - $2::timestamptz), 0)
		FROM action_jobs j JOIN action_runs r ON r.occurrence_id = j.occurrence_id
		WHERE j.occurrence_id > $1`, lastID, wrkEnd).
		Scan(&run.occurrences, &run.succeeded, &run.notSucceeded, &span, &drain)
	if err != nil {
		return run, fmt.Errorf("count the action runs: %w", err)
	}
	if span > 0 {
		run.actionsPerSec = float64(run.succeeded) / span
	}
	run.drain = max(0, time.Duration(drain*float64(time.Second)))

	delays, deliveries := receiver.take()
	slices.Sort(delays)
	run.p50, run.p95, run.p99 = percentile(delays, 0.50), percentile(delays, 0.95), percentile(delays, 0.99)
	run.deliveries = len(deliveries)
	for _, n := range deliveries {
		run.repeats += n - 1
	}
	if !run.verified() {
		log.Printf("%s: %d occurrences, %d runs succeeded, %d not succeeded, %d webhook ids received, %d repeats",
			name, run.occurrences, run.succeeded, run.notSucceeded, run.deliveries, run.repeats)
	}
	return run, nil
}

// waitForActions polls until no run of an occurrence after lastID is
// pending or failed, or the timeout passes.
func waitForActions(ctx context.Context, database *benchDatabase, lastID int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var open int64
		err := database.db.QueryRowContext(ctx,
			"SELECT count(*) FROM action_runs WHERE occurrence_id > $1 AND outcome IN ('pending', 'failed')", lastID).Scan(&open)
		if err != nil {
			return fmt.Errorf("count open action runs: %w", err)
		}
		if open == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			log.Printf("%d action runs still open %s after wrk ended", open, timeout)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// percentile returns the p-th percentile of sorted durations by the
// nearest-rank method, or 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
