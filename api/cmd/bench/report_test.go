package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		values []float64
		want   float64
	}{
		{[]float64{1.7}, 1.7},
		{[]float64{2.5, 1.5, 2.1}, 2.1},
		{[]float64{3, 1, 2, 4}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.values); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.values, got, c.want)
		}
	}
}

// ingestAt returns a 10-second ingest run with the given number of
// responses, all of them stored.
func ingestAt(name string, events int64) ingestRun {
	return ingestRun{
		name:        name,
		connections: 32,
		wrk:         wrkResult{Requests: events, Duration: 10 * time.Second, RequestsPerSec: float64(events) / 10},
		stored:      events,
	}
}

// roundAt returns a round whose pgbench made 1,000 tps and whose
// endpoints made the given events per second.
func roundAt(collectPerSec, graphqlPerSec int64) round {
	return round{
		pgbench: pgbenchResult{Transactions: 10_000, TPS: 1000},
		collect: ingestAt("POST /collect", collectPerSec*10),
		graphql: ingestAt("POST /graphql triggerCustomEvent", graphqlPerSec*10),
	}
}

func TestTargetsUseMedianRatio(t *testing.T) {
	rounds := []round{roundAt(1500, 2600), roundAt(2500, 1900), roundAt(2100, 1800)}
	r := &report{
		opts:        options{connections: 32, threads: 2, duration: 10 * time.Second, rounds: 3},
		bare:        wrkResult{Requests: 600_000, Duration: 10 * time.Second, RequestsPerSec: 60_000},
		pgbench:     rounds[0].pgbench,
		collect:     rounds[0].collect,
		graphql:     rounds[0].graphql,
		collectHalf: ingestAt("POST /collect, half load", 15_000),
		graphqlHalf: ingestAt("POST /graphql triggerCustomEvent, half load", 15_000),
		rounds:      rounds,
	}
	out := r.markdown()

	wantLines := []string{
		"| 1 | 1000 | 1500 | 1.50× | 2600 | 2.60× | ok: 15000 stored for 15000 responses; ok: 26000 stored for 26000 responses |",
		"| median | | | 2.10× | | 1.90× | |",
		"| POST /collect: events/s ≥ 2.0× pgbench tps, median of 3 rounds | 2.10× | PASS |",
		"| POST /graphql triggerCustomEvent: events/s ≥ 2.0× pgbench tps, median of 3 rounds | 1.90× | MISS |",
	}
	for _, line := range wantLines {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("report lacks the line\n%s\nreport:\n%s", line, out)
		}
	}
}

func TestTargetsWithOneRound(t *testing.T) {
	rd := roundAt(2500, 1900)
	r := &report{
		opts:    options{connections: 32, threads: 2, duration: 10 * time.Second, rounds: 1},
		bare:    wrkResult{Requests: 600_000, Duration: 10 * time.Second, RequestsPerSec: 60_000},
		pgbench: rd.pgbench, collect: rd.collect, graphql: rd.graphql,
		collectHalf: ingestAt("POST /collect, half load", 15_000),
		graphqlHalf: ingestAt("POST /graphql triggerCustomEvent, half load", 15_000),
		rounds:      []round{rd},
	}
	out := r.markdown()

	if strings.Contains(out, "| Round |") {
		t.Errorf("report with one round has a rounds table:\n%s", out)
	}
	want := "| POST /collect: events/s ≥ 2.0× pgbench tps | 2.50× | PASS |\n"
	if !strings.Contains(out, want) {
		t.Errorf("report lacks %q:\n%s", want, out)
	}
}

func TestShortfallsIncludeRounds(t *testing.T) {
	short := ingestAt("POST /graphql triggerCustomEvent, round 2", 20_000)
	short.stored = 19_000
	r := &report{
		collect: ingestAt("POST /collect", 20_000), graphql: ingestAt("POST /graphql triggerCustomEvent", 20_000),
		collectHalf: ingestAt("POST /collect, half load", 15_000),
		graphqlHalf: ingestAt("POST /graphql triggerCustomEvent, half load", 15_000),
		rounds: []round{
			{collect: ingestAt("POST /collect", 20_000), graphql: ingestAt("POST /graphql triggerCustomEvent", 20_000)},
			{collect: ingestAt("POST /collect, round 2", 20_000), graphql: short},
		},
		actions:      actionsRun{name: "actions", occurrences: 1, succeeded: 2, deliveries: 1},
		actionsLight: actionsRun{name: "actions, one client", occurrences: 1, succeeded: 2, deliveries: 1},
	}

	got := r.shortfalls()
	if len(got) != 1 || got[0] != "POST /graphql triggerCustomEvent, round 2" {
		t.Errorf("shortfalls = %q, want only the short round", got)
	}
}
