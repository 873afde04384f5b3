package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"slices"
	"time"
)

// storeWait is how long a run waits after wrk ends for the occurrence
// count to reach the number of successful responses.
const storeWait = 10 * time.Second

// ingestRun is one wrk run against an ingest endpoint, with the number of
// occurrences that the database gained meanwhile.
type ingestRun struct {
	name        string
	connections int
	wrk         wrkResult
	// stored is how many rows event_occurrences gained from the start of
	// the run until storeWait after its end, or until the count reached
	// the successful responses.
	stored int64
	// allowedMissing is the shortfall of stored against successful
	// responses that -tolerance permits.
	allowedMissing int64
	cpu            cpuUse
}

// missing returns how many successful responses have no stored occurrence.
func (r ingestRun) missing() int64 { return max(0, r.wrk.Successes()-r.stored) }

func (r ingestRun) verified() bool { return r.missing() <= r.allowedMissing }

// eventsPerSec returns the events that were both acknowledged and stored,
// per second of the wrk run.
func (r ingestRun) eventsPerSec() float64 {
	return float64(min(r.wrk.Successes(), r.stored)) / r.wrk.Duration.Seconds()
}

// maxRounds caps -rounds. Each round takes a little over three times
// -duration.
const maxRounds = 20

// round is one single-row pgbench run followed by one POST /collect and
// one POST /graphql run at full load. Each endpoint is compared with the
// pgbench run of its own round, seconds before it.
type round struct {
	pgbench          pgbenchResult
	pgStored         int64
	collect, graphql ingestRun
}

// collectRatio and graphqlRatio return the endpoint's events per second
// divided by the round's pgbench tps.
func (r round) collectRatio() float64 { return r.collect.eventsPerSec() / r.pgbench.TPS }
func (r round) graphqlRatio() float64 { return r.graphql.eventsPerSec() / r.pgbench.TPS }

// median returns the middle value of values, or the mean of the two middle
// ones for an even count. values must not be empty.
func median(values []float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

// report holds every measurement of one run.
type report struct {
	opts    options
	started time.Time
	// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures at the
	// start of the program, a hint of other work on the machine.
	loadAverage string
	bare        wrkResult
	pgbench     pgbenchResult
	pgStored    int64
	// pgbenchBatch inserts pgbenchBatchRows rows per transaction with as
	// many connections as threads, and batchStored counts the rows.
	pgbenchBatch pgbenchResult
	batchStored  int64
	// The CPU use during the bare handler's run and the two pgbench runs.
	// The ingest runs hold their own.
	bareCPU, pgbenchCPU, batchCPU cpuUse
	// postmasterPID is the PostgreSQL cluster's, or 0 when it is not on
	// this machine.
	postmasterPID int
	// collect and graphql use opts.connections, collectHalf and
	// graphqlHalf half as many.
	collect, graphql, collectHalf, graphqlHalf ingestRun
	// rounds holds the first round (pgbench, collect and graphql above)
	// and the opts.rounds-1 rounds measured after the half-load runs.
	rounds []round
	// actions triggers an event with two actions at opts.connections,
	// actionsLight with one connection.
	actions, actionsLight actionsRun
	// canceledErrors counts the server's ERROR lines for requests that
	// wrk abandoned at the end of a run, serverErrors all other ERROR
	// lines.
	canceledErrors   int
	serverErrors     int
	firstServerError string
	machine          machineInfo
}

// measure runs the bare handler and the single-row pgbench first, then the
// ingest endpoints at full and at half the connections, the further
// rounds, the actions runs, and the 64-row pgbench last, one at a time.
func measure(ctx context.Context, opts options, tmp string, server *serverProcess, bare *bareHandler, receiver *actionReceiver, database *benchDatabase, f fixture) (*report, error) {
	collectPath, graphqlPath, err := writeScripts(tmp, f, opts.emails, opts.threads)
	if err != nil {
		return nil, err
	}
	r := &report{opts: opts, started: time.Now().UTC()}
	meter := cpuMeter{serverPID: server.cmd.Process.Pid}
	if meter.postmasterPID, err = findPostmaster(ctx, database); err != nil {
		log.Printf("PostgreSQL's CPU use not measured: %v", err)
	}
	r.postmasterPID = meter.postmasterPID
	// The bare handler runs inside this program.
	bareMeter := cpuMeter{postmasterPID: meter.postmasterPID}

	log.Printf("wrk: bare Echo handler, %d connections, %s", opts.connections, opts.duration)
	r.bareCPU, err = bareMeter.measureCPU(false, func() (time.Duration, error) {
		var err error
		r.bare, err = runWrk(ctx, opts.wrkPath, collectPath, bare.url()+"/collect", opts.threads, opts.connections, opts.duration)
		return r.bare.CPU, err
	})
	if err != nil {
		return nil, err
	}

	log.Printf("pgbench: single-row INSERT, %d connections, %s", opts.connections, opts.duration)
	r.pgbench, r.pgStored, r.pgbenchCPU, err = measurePgbench(ctx, opts, tmp, database, f, meter)
	if err != nil {
		return nil, err
	}

	half := opts.connections / 2
	err = measureIngestRuns(ctx, opts, meter, server.url(), database, "", []ingestSpec{
		{&r.collect, "POST /collect", collectPath, "/collect", opts.connections},
		{&r.graphql, "POST /graphql triggerCustomEvent", graphqlPath, "/graphql", opts.connections},
		{&r.collectHalf, "POST /collect, half load", collectPath, "/collect", half},
		{&r.graphqlHalf, "POST /graphql triggerCustomEvent, half load", graphqlPath, "/graphql", half},
	})
	if err != nil {
		return nil, err
	}

	r.rounds = []round{{pgbench: r.pgbench, pgStored: r.pgStored, collect: r.collect, graphql: r.graphql}}
	for n := 2; n <= opts.rounds; n++ {
		rd, err := measureRound(ctx, opts, tmp, server, meter, database, f, collectPath, graphqlPath, n)
		if err != nil {
			return nil, err
		}
		r.rounds = append(r.rounds, rd)
	}

	actionsPath, err := writeActionsScript(tmp, opts.emails, opts.threads)
	if err != nil {
		return nil, err
	}
	actionRuns := []struct {
		dest        *actionsRun
		name        string
		connections int
	}{
		{&r.actions, "POST /graphql triggerCustomEvent, 2 actions each", opts.connections},
		{&r.actionsLight, "POST /graphql triggerCustomEvent, 2 actions each, one client", 1},
	}
	for _, run := range actionRuns {
		log.Printf("wrk: %s, %d connections, %s, then waiting for the actions", run.name, run.connections, opts.duration)
		*run.dest, err = measureActions(ctx, opts, database, receiver, run.name, actionsPath, server.url()+"/graphql", run.connections)
		if err != nil {
			return nil, err
		}
	}

	// The 64-row pgbench runs last: its hundreds of thousands of rows
	// would set off autovacuum during the runs that follow it.
	batchConnections := min(opts.threads, opts.connections)
	log.Printf("pgbench: %d-row INSERT, %d connections, %s", pgbenchBatchRows, batchConnections, opts.duration)
	batchBefore, err := database.waitForStableCount(ctx, storeWait)
	if err != nil {
		return nil, err
	}
	r.batchCPU, err = meter.measureCPU(true, func() (time.Duration, error) {
		var err error
		r.pgbenchBatch, err = runPgbenchBatch(ctx, opts.pgbenchPath, tmp, database.url, f, batchConnections, opts.threads, opts.duration)
		return r.pgbenchBatch.CPU, err
	})
	if err != nil {
		return nil, err
	}
	batchAfter, err := database.countOccurrences(ctx)
	if err != nil {
		return nil, err
	}
	r.batchStored = batchAfter - batchBefore
	return r, nil
}

// measurePgbench runs the single-row pgbench and counts the rows that
// event_occurrences gained meanwhile.
func measurePgbench(ctx context.Context, opts options, tmp string, database *benchDatabase, f fixture, meter cpuMeter) (pgbenchResult, int64, cpuUse, error) {
	before, err := database.waitForStableCount(ctx, storeWait)
	if err != nil {
		return pgbenchResult{}, 0, cpuUse{}, err
	}
	var result pgbenchResult
	use, err := meter.measureCPU(true, func() (time.Duration, error) {
		var err error
		result, err = runPgbench(ctx, opts.pgbenchPath, tmp, database.url, f, opts.connections, opts.threads, opts.duration)
		return result.CPU, err
	})
	if err != nil {
		return result, 0, use, err
	}
	after, err := database.countOccurrences(ctx)
	if err != nil {
		return result, 0, use, err
	}
	return result, after - before, use, nil
}

// measureRound runs round n: the single-row pgbench, then POST /collect
// and POST /graphql at full load.
func measureRound(ctx context.Context, opts options, tmp string, server *serverProcess, meter cpuMeter, database *benchDatabase, f fixture, collectPath, graphqlPath string, n int) (round, error) {
	var rd round
	var err error
	prefix := fmt.Sprintf("round %d of %d: ", n, opts.rounds)
	log.Printf("%spgbench: single-row INSERT, %d connections, %s", prefix, opts.connections, opts.duration)
	rd.pgbench, rd.pgStored, _, err = measurePgbench(ctx, opts, tmp, database, f, meter)
	if err != nil {
		return rd, err
	}
	err = measureIngestRuns(ctx, opts, meter, server.url(), database, prefix, []ingestSpec{
		{&rd.collect, fmt.Sprintf("POST /collect, round %d", n), collectPath, "/collect", opts.connections},
		{&rd.graphql, fmt.Sprintf("POST /graphql triggerCustomEvent, round %d", n), graphqlPath, "/graphql", opts.connections},
	})
	return rd, err
}

// ingestSpec names one wrk run against an ingest endpoint and where its
// result goes.
type ingestSpec struct {
	dest        *ingestRun
	name        string
	script      string
	path        string
	connections int
}

// measureIngestRuns runs the specs one after another, logging each with
// logPrefix, and stops at the first error.
func measureIngestRuns(ctx context.Context, opts options, meter cpuMeter, serverURL string, database *benchDatabase, logPrefix string, specs []ingestSpec) error {
	for _, spec := range specs {
		log.Printf("%swrk: %s, %d connections, %s", logPrefix, spec.name, spec.connections, opts.duration)
		run, err := measureIngest(ctx, opts, meter, database, spec.name, spec.script, serverURL+spec.path, spec.connections)
		if err != nil {
			return err
		}
		*spec.dest = run
	}
	return nil
}

// measureIngest runs wrk against an ingest endpoint and counts the
// occurrences stored meanwhile.
func measureIngest(ctx context.Context, opts options, meter cpuMeter, database *benchDatabase, name, script, url string, connections int) (ingestRun, error) {
	run := ingestRun{name: name, connections: connections}
	before, err := database.waitForStableCount(ctx, storeWait)
	if err != nil {
		return run, err
	}
	run.cpu, err = meter.measureCPU(false, func() (time.Duration, error) {
		var err error
		run.wrk, err = runWrk(ctx, opts.wrkPath, script, url, min(opts.threads, connections), connections, opts.duration)
		return run.wrk.CPU, err
	})
	if err != nil {
		return run, err
	}
	successes := run.wrk.Successes()
	after, err := database.waitForOccurrences(ctx, before+successes, storeWait)
	if err != nil {
		return run, err
	}
	run.stored = after - before
	run.allowedMissing = int64(math.Floor(opts.tolerance * float64(successes)))
	if !run.verified() {
		log.Printf("%s: %d successful responses but only %d stored occurrences", name, successes, run.stored)
	}
	return run, nil
}
