// Command reportbench measures the custom event report at scale. It seeds a
// fresh database with one account's events: 10 million over 500,000
// contacts and 400 days by default. Then it times the report queries that
// the admin panel and GraphQL run, which read the rollups, next to their raw
// counterparts, which read every occurrence in the range. Both run in the
// same process against the same data, one after the other, and must return
// the same results. It prints a markdown report and can write it into
// docs/benchmarks.md.
//
// It needs DATABASE_URL pointing at a PostgreSQL server whose user may
// create databases. Without DATABASE_URL it starts the private cluster with
// db/localpg.sh. It drops the database at the end unless -keep is set.
//
// Usage: go run ./api/cmd/reportbench [flags]; `make bench-report` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"customevents/api/cmd/internal/benchenv"
)

// options are the command-line settings of one run.
type options struct {
	events    int
	contacts  int
	days      int
	rangeDays int
	runs      int
	rawRuns   int
	keep      bool
	reuse     string
	outPath   string
	docPath   string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("reportbench: ")

	var opts options
	flag.IntVar(&opts.events, "events", 10_000_000, "occurrences to seed")
	flag.IntVar(&opts.contacts, "contacts", 500_000, "contacts to seed")
	flag.IntVar(&opts.days, "days", 400, "days that the occurrences span, ending now")
	flag.IntVar(&opts.rangeDays, "range", 90, "days of the measured report range, ending today in the account's time zone")
	flag.IntVar(&opts.runs, "runs", 50, "timed runs of each query on the rollups")
	flag.IntVar(&opts.rawRuns, "raw-runs", 10, "timed runs of each raw query, which takes seconds")
	flag.BoolVar(&opts.keep, "keep", false, "keep the seeded database and print its name, for -reuse")
	flag.StringVar(&opts.reuse, "reuse", "", "measure the database of this name, seeded by an earlier run with -keep, instead of seeding a new one")
	flag.StringVar(&opts.outPath, "out", "", "also write the markdown report to this file")
	flag.StringVar(&opts.docPath, "doc", "", "replace the report section of this markdown file, such as docs/benchmarks.md, with the report")
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
	case o.events < 1:
		return fmt.Errorf("-events %d: must be at least 1", o.events)
	case o.contacts < 1:
		return fmt.Errorf("-contacts %d: must be at least 1", o.contacts)
	case o.days < 2:
		return fmt.Errorf("-days %d: must be at least 2", o.days)
	case o.rangeDays < 1 || 2*o.rangeDays > o.days:
		return fmt.Errorf("-range %d: must be from 1 to half of -days (%d), so that the previous period has data too", o.rangeDays, o.days)
	case o.runs < 1:
		return fmt.Errorf("-runs %d: must be at least 1", o.runs)
	case o.rawRuns < 1:
		return fmt.Errorf("-raw-runs %d: must be at least 1", o.rawRuns)
	case o.keep && o.reuse != "":
		return errors.New("-keep and -reuse: pass only one, because a reused database is always kept")
	case o.reuse != "" && !strings.HasPrefix(o.reuse, databasePrefix):
		return fmt.Errorf("-reuse %q: must name a database that this program created, starting with %s", o.reuse, databasePrefix)
	}
	return nil
}

// run seeds or opens the database, measures every query, prints the report
// and cleans up. It returns an error when a query fails or when a rollup
// query returns something else than its raw counterpart.
func run(opts options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	loadAverage := readLoadAverage()
	started := time.Now().UTC()

	root, err := benchenv.ModuleRoot(ctx, "reportbench")
	if err != nil {
		return err
	}
	adminURL, err := benchenv.DatabaseURL(ctx, root)
	if err != nil {
		return err
	}

	var database *benchDatabase
	if opts.reuse != "" {
		database, err = openBenchDatabase(ctx, adminURL, opts.reuse)
	} else {
		database, err = createBenchDatabase(ctx, adminURL)
	}
	if err != nil {
		return err
	}
	defer func() {
		if opts.keep || opts.reuse != "" {
			database.close()
			log.Printf("kept database %s; measure it again with -reuse %s", database.name, database.name)
			return
		}
		if err := database.drop(context.WithoutCancel(ctx)); err != nil {
			log.Printf("drop database %s: %v", database.name, err)
		}
	}()

	var seeded *seedResult
	if opts.reuse != "" {
		seeded, err = describeSeed(ctx, database)
	} else {
		seeded, err = seed(ctx, database, opts)
	}
	if err != nil {
		return err
	}

	results, err := measure(ctx, database, seeded, opts)
	if err != nil {
		return err
	}
	report := &report{
		opts:        opts,
		started:     started,
		loadAverage: loadAverage,
		seed:        seeded,
		results:     results,
		machine:     describeMachine(ctx, database),
	}
	markdown := report.markdown()
	fmt.Print(markdown)
	if opts.outPath != "" {
		if err := os.WriteFile(opts.outPath, []byte(markdown), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	if opts.docPath != "" {
		if err := writeDocSection(opts.docPath, markdown); err != nil {
			return err
		}
		log.Printf("wrote the report into %s", opts.docPath)
	}
	if mismatches := report.mismatches(); len(mismatches) > 0 {
		return fmt.Errorf("rollup results differ from the raw results in: %s", strings.Join(mismatches, ", "))
	}
	return nil
}
