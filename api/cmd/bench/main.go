// Command bench measures how many events per second the Custom Events
// server ingests through POST /collect and the GraphQL triggerCustomEvent
// mutation, and how fast it runs the actions of events that have some. It compares them with two references measured in the same run:
// a bare Echo handler that returns 204 (the HTTP ceiling of the machine) and
// pgbench single-row INSERTs into event_occurrences (the commit rate of the
// database). It prints the results as a markdown table.
//
// It needs wrk and pgbench on the machine and DATABASE_URL pointing at a
// PostgreSQL server whose user may create databases. Without DATABASE_URL it
// starts the private cluster with db/localpg.sh. It runs the real server
// binary against a fresh database, which it drops at the end.
//
// Usage: go run ./api/cmd/bench [flags]; `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"customevents/api/cmd/internal/benchenv"
)

// Credentials of the bench server. They only ever exist in the throwaway
// database that the run creates and drops.
const (
	benchAPIKey        = "ce_bench_key_0123456789abcdef0123456789"
	benchAdminPassword = "bench-admin-password"
	benchSlug          = "bench"
)

// options are the command-line settings of one run.
type options struct {
	threads     int
	connections int
	duration    time.Duration
	emails      int
	rounds      int
	tolerance   float64
	wrkPath     string
	pgbenchPath string
	outPath     string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	var opts options
	flag.IntVar(&opts.threads, "threads", 2, "wrk threads (-t) and pgbench threads (-j)")
	flag.IntVar(&opts.connections, "connections", 32, "connections that wrk and pgbench keep open (-c); the half-load runs use half as many")
	flag.DurationVar(&opts.duration, "duration", 10*time.Second, "length of each wrk and pgbench run; pgbench rounds it up to whole seconds")
	flag.IntVar(&opts.emails, "emails", 10000, "number of distinct contact emails that the GraphQL run cycles through")
	flag.IntVar(&opts.rounds, "rounds", 3, "rounds of single-row pgbench, POST /collect and POST /graphql at full load; each endpoint's ratio target uses the median of its ratios over the rounds")
	flag.Float64Var(&opts.tolerance, "tolerance", 0.001, "fraction of successful responses that may be missing from the stored occurrences before the run fails")
	flag.StringVar(&opts.wrkPath, "wrk", "wrk", "wrk binary")
	flag.StringVar(&opts.pgbenchPath, "pgbench", "", "pgbench binary (default: the newest /usr/lib/postgresql/*/bin/pgbench, else pgbench on PATH)")
	flag.StringVar(&opts.outPath, "out", "", "also write the markdown report to this file")
	flag.Parse()

	if err := opts.validate(); err != nil {
		log.Printf("invalid flags: %v", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		log.Printf("failed: %v", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	switch {
	case o.threads < 1:
		return fmt.Errorf("-threads %d: must be at least 1", o.threads)
	case o.connections < 2:
		return fmt.Errorf("-connections %d: must be at least 2, so that the half-load runs have one", o.connections)
	case o.connections < o.threads:
		return fmt.Errorf("-connections %d: must be at least -threads %d, as wrk requires", o.connections, o.threads)
	case o.duration < time.Second:
		return fmt.Errorf("-duration %s: must be at least 1s", o.duration)
	case o.emails < 1:
		return fmt.Errorf("-emails %d: must be at least 1", o.emails)
	case o.rounds < 1 || o.rounds > maxRounds:
		return fmt.Errorf("-rounds %d: must be from 1 to %d", o.rounds, maxRounds)
	case o.tolerance < 0 || o.tolerance >= 1:
		return fmt.Errorf("-tolerance %g: must be in [0, 1)", o.tolerance)
	}
	return nil
}

// run sets up the database and the server, measures every target, prints
// the report and cleans up. It returns an error when a tool fails or when
// stored occurrences fall short of the successful responses.
func run(opts options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Read before the server build, which would raise it.
	loadAverage := readLoadAverage()

	root, err := benchenv.ModuleRoot(ctx, "bench")
	if err != nil {
		return err
	}
	if opts.pgbenchPath == "" {
		opts.pgbenchPath = findPgbench()
	}
	for _, tool := range []string{opts.wrkPath, opts.pgbenchPath} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: install it (make bench installs wrk with apt) or pass its path by flag: %w", tool, err)
		}
	}

	adminURL, err := benchenv.DatabaseURL(ctx, root)
	if err != nil {
		return err
	}
	database, err := createBenchDatabase(ctx, adminURL)
	if err != nil {
		return err
	}
	defer func() {
		if err := database.drop(context.WithoutCancel(ctx)); err != nil {
			log.Printf("drop database %s: %v", database.name, err)
		}
	}()

	tmp, err := os.MkdirTemp("", "ce-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	server, err := startServer(ctx, root, tmp, database.url)
	if err != nil {
		return err
	}
	defer server.stop()

	fixture, err := prepareFixture(ctx, server, database)
	if err != nil {
		return err
	}
	bare, err := startBareHandler()
	if err != nil {
		return err
	}
	defer bare.Close()
	receiver, err := startActionReceiver()
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := prepareActions(ctx, server, database, receiver.url); err != nil {
		return err
	}

	report, err := measure(ctx, opts, tmp, server, bare, receiver, database, fixture)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted by a signal: %w", err)
	}
	if err != nil {
		return err
	}
	report.loadAverage = loadAverage
	report.canceledErrors, report.serverErrors, report.firstServerError = server.logErrors()
	report.machine = describeMachine(ctx, database, opts)

	markdown := report.markdown()
	fmt.Print(markdown)
	if opts.outPath != "" {
		if err := os.WriteFile(opts.outPath, []byte(markdown), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	if short := report.shortfalls(); len(short) > 0 {
		return fmt.Errorf("stored occurrences fall short of the successful responses, or actions did not all run once, in: %s", strings.Join(short, ", "))
	}
	return nil
}
