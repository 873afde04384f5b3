package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"reflect"
	"slices"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// Product targets of the report queries.
const (
	maxP95   = 50 * time.Millisecond
	minRatio = 20.0
)

// warmups is the number of untimed runs of each query before its timed
// runs, so that the first timed run does not pay for cold caches alone.
const warmups = 2

// benchQuery is one report query, run on the rollups and on the raw
// occurrences. Both functions return a value to compare.
type benchQuery struct {
	name   string
	rollup func(context.Context) (any, error)
	raw    func(context.Context) (any, error)
}

// queryResult holds the timings of one benchQuery.
type queryResult struct {
	name        string
	rollup, raw []time.Duration
	// same is whether the rollup and raw results were equal.
	same bool
}

// measure runs each query warmups times untimed, then opts.runs (rollup)
// and opts.rawRuns (raw) times, one run after the other.
func measure(ctx context.Context, database *benchDatabase, seeded *seedResult, opts options) ([]queryResult, error) {
	store := database.store
	account := seeded.account
	days := apitype.LastDays(time.Now(), account.Location(), opts.rangeDays)
	var err error
	log.Printf("measuring %s to %s", days.From.Format(apitype.DateLayout), days.To.Format(apitype.DateLayout))

	report := func(list func(context.Context, *db.Account, int64, apitype.DateRange) (*db.EventReport, error), eventID int64) func(context.Context) (any, error) {
		return func(ctx context.Context) (any, error) { return list(ctx, account, eventID, days) }
	}
	drilldown := func(list func(context.Context, *db.Account, int64, apitype.DateRange, db.DrilldownOptions) (*db.DrilldownPage, error), eventID int64, order apitype.DrilldownOrder) func(context.Context) (any, error) {
		return func(ctx context.Context) (any, error) {
			return list(ctx, account, eventID, days, db.DrilldownOptions{Order: order})
		}
	}
	busiest, flat := seeded.busiest.ID, seeded.flat.ID
	queries := []benchQuery{
		{"Cards and by-day series, busiest event", report(store.EventReport, busiest), report(store.RawEventReport, busiest)},
		{"Drilldown page 1 by count, busiest event", drilldown(store.EventDrilldown, busiest, apitype.DrilldownByCount), drilldown(store.RawEventDrilldown, busiest, apitype.DrilldownByCount)},
		{"Drilldown page 1 by last trigger, busiest event", drilldown(store.EventDrilldown, busiest, apitype.DrilldownByLastTriggered), drilldown(store.RawEventDrilldown, busiest, apitype.DrilldownByLastTriggered)},
		{"Cards and by-day series, flat event", report(store.EventReport, flat), report(store.RawEventReport, flat)},
		{"Drilldown page 1 by count, flat event", drilldown(store.EventDrilldown, flat, apitype.DrilldownByCount), drilldown(store.RawEventDrilldown, flat, apitype.DrilldownByCount)},
	}

	var results []queryResult
	for _, q := range queries {
		res := queryResult{name: q.name}
		var rollupValue, rawValue any
		for i := range warmups {
			if rollupValue, err = q.rollup(ctx); err != nil {
				return nil, fmt.Errorf("%s on the rollups: %w", q.name, err)
			}
			if i == 0 {
				if rawValue, err = q.raw(ctx); err != nil {
					return nil, fmt.Errorf("%s on the raw occurrences: %w", q.name, err)
				}
			}
		}
		res.same = reflect.DeepEqual(rollupValue, rawValue)
		if res.rollup, err = timeRuns(ctx, q.rollup, opts.runs); err != nil {
			return nil, fmt.Errorf("%s on the rollups: %w", q.name, err)
		}
		if res.raw, err = timeRuns(ctx, q.raw, opts.rawRuns); err != nil {
			return nil, fmt.Errorf("%s on the raw occurrences: %w", q.name, err)
		}
		log.Printf("%s: rollups p50 %s p95 %s, raw p50 %s p95 %s, same result: %t", q.name,
			formatMillis(percentile(res.rollup, 0.5)), formatMillis(percentile(res.rollup, 0.95)),
			formatMillis(percentile(res.raw, 0.5)), formatMillis(percentile(res.raw, 0.95)), res.same)
		results = append(results, res)
	}
	return results, nil
}

// timeRuns calls run n times and returns the wall time of each call.
func timeRuns(ctx context.Context, run func(context.Context) (any, error), n int) ([]time.Duration, error) {
	durations := make([]time.Duration, 0, n)
	for range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		started := time.Now()
		if _, err := run(ctx); err != nil {
			return nil, err
		}
		durations = append(durations, time.Since(started))
	}
	return durations, nil
}

// percentile returns the nearest-rank percentile p (0 < p <= 1) of
// durations, or 0 for none.
func percentile(durations []time.Duration, p float64) time.Duration {
	if len(durations) == 0 {
		return 0
	}
	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
