package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Product targets for ingest.
const (
	// minPgbenchRatio is the events per second that each ingest endpoint
	// must reach, as a multiple of pgbench's single-row INSERT tps.
	minPgbenchRatio = 2.0
	// minBareRatio is the same as a multiple of the bare handler's
	// requests per second.
	minBareRatio = 0.5
	// maxHalfLoadP99 is the p99 latency limit with half the connections.
	maxHalfLoadP99 = 25 * time.Millisecond
)

// machineInfo describes where the run happened.
type machineInfo struct {
	cpus           int
	cpuModel       string
	memory         string
	postgres       string
	fsync          string
	syncCommit     string
	walInitZero    string
	minWALSize     string
	goVersion      string
	wrkVersion     string
	pgbenchVersion string
}

// describeMachine collects the machine facts. A fact that cannot be read
// is reported as "unknown" rather than failing the run.
func describeMachine(ctx context.Context, database *benchDatabase, opts options) machineInfo {
	m := machineInfo{
		cpus:           runtime.NumCPU(),
		cpuModel:       procField("/proc/cpuinfo", "model name"),
		memory:         "unknown",
		postgres:       "unknown",
		fsync:          "unknown",
		syncCommit:     "unknown",
		walInitZero:    "unknown",
		minWALSize:     "unknown",
		goVersion:      runtime.Version(),
		wrkVersion:     firstLine(ctx, opts.wrkPath, "-v"),
		pgbenchVersion: firstLine(ctx, opts.pgbenchPath, "--version"),
	}
	// MemTotal reads like "24683592 kB".
	if fields := strings.Fields(procField("/proc/meminfo", "MemTotal")); len(fields) == 2 && fields[1] == "kB" {
		if kb, err := strconv.ParseFloat(fields[0], 64); err == nil {
			m.memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
		}
	}
	if version, err := database.serverVersion(ctx); err == nil {
		m.postgres = version
	}
	database.db.QueryRowContext(ctx, "SHOW fsync").Scan(&m.fsync)
	database.db.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&m.syncCommit)
	database.db.QueryRowContext(ctx, "SHOW wal_init_zero").Scan(&m.walInitZero)
	database.db.QueryRowContext(ctx, "SHOW min_wal_size").Scan(&m.minWALSize)
	return m
}

// readLoadAverage returns the first three fields of /proc/loadavg, such
// as "0.52 0.80 0.61", or "unknown".
func readLoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(data))
	if err != nil || len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

// procField returns the value of the first "name : value" line of a
// /proc file, or "unknown".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(key) == name {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// firstLine returns the first line that a version command prints, without
// wrk's copyright notice.
func firstLine(ctx context.Context, name string, args ...string) string {
	out, _ := exec.CommandContext(ctx, name, args...).CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	line, _, _ = strings.Cut(line, " Copyright")
	if line = strings.TrimSpace(line); line == "" {
		return "unknown"
	}
	return line
}

// shortfalls returns the names of the ingest runs whose stored
// occurrences fall short of their successful responses.
func (r *report) shortfalls() []string {
	var names []string
	for _, run := range r.ingestRuns() {
		if !run.verified() {
			names = append(names, run.name)
		}
	}
	// The first round's runs are collect and graphql, checked above.
	for i, rd := range r.rounds {
		if i == 0 {
			continue
		}
		for _, run := range []ingestRun{rd.collect, rd.graphql} {
			if !run.verified() {
				names = append(names, run.name)
			}
		}
	}
	for _, run := range []actionsRun{r.actions, r.actionsLight} {
		if !run.verified() {
			names = append(names, run.name)
		}
	}
	return names
}

// medianRatios returns the median over the rounds of each endpoint's
// events per second against the round's pgbench tps.
func (r *report) medianRatios() (collect, graphql float64) {
	var c, g []float64
	for _, rd := range r.rounds {
		c = append(c, rd.collectRatio())
		g = append(g, rd.graphqlRatio())
	}
	return median(c), median(g)
}

func (r *report) ingestRuns() []ingestRun {
	return []ingestRun{r.collect, r.graphql, r.collectHalf, r.graphqlHalf}
}

// markdown renders the report: the run's settings and machine, a table of
// every measurement and a table of the product targets.
func (r *report) markdown() string {
	var b strings.Builder
	o := r.opts
	m := r.machine
	seconds := int((o.duration + time.Second - 1) / time.Second)

	fmt.Fprintf(&b, "## Run of %s\n\n", r.started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Flags: `-threads %d -connections %d -duration %s`, so wrk runs as `wrk -t%d -c%d -d%ds --latency` (half load: `-c%d`) and pgbench as `pgbench -n -c %d -j %d -T %d` (the %d-row script: `-c %d -j %d -T %d --max-tries 20`).\n",
		o.threads, o.connections, o.duration, o.threads, o.connections, int(o.duration.Round(time.Second)/time.Second), o.connections/2, o.connections, min(o.threads, o.connections), seconds,
		pgbenchBatchRows, min(o.threads, o.connections), min(o.threads, o.connections), seconds)
	fmt.Fprintf(&b, "- Machine: %d CPUs (%s), %s memory. The server, PostgreSQL, wrk and pgbench share these CPUs.\n", m.cpus, m.cpuModel, m.memory)
	fmt.Fprintf(&b, "- PostgreSQL %s with fsync %s, synchronous_commit %s, wal_init_zero %s and min_wal_size %s; %s; %s; %s.\n",
		m.postgres, m.fsync, m.syncCommit, m.walInitZero, m.minWALSize, m.goVersion, m.wrkVersion, m.pgbenchVersion)
	fmt.Fprintf(&b, "- Load average (1, 5, 15 min) at the start of the bench program: %s. Other processes on the machine take CPU time from the run.\n", r.loadAverage)
	fmt.Fprintf(&b, "- ERROR lines in the server log: %d for requests that wrk abandoned when a run ended (\"context canceled\"), %d others.\n", r.canceledErrors, r.serverErrors)
	if r.firstServerError != "" {
		fmt.Fprintf(&b, "- First ERROR line: `%s`\n", strings.ReplaceAll(r.firstServerError, "`", "'"))
	}

	b.WriteString("\n| Run | Connections | Requests/s | Events/s | p50 | p99 | × pgbench tps | × bare handler | Errors | Stored check |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, run := range r.ingestRuns() {
		events := run.eventsPerSec()
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %s | %s | %.2f× | %.2f× | %s | %s |\n",
			run.name, run.connections, run.wrk.RequestsPerSec, events, formatMillis(run.wrk.P50), formatMillis(run.wrk.P99),
			events/r.pgbench.TPS, events/r.bare.RequestsPerSec, formatErrors(run.wrk), formatStored(run))
	}
	fmt.Fprintf(&b, "| bare Echo handler, 204 | %d | %.0f | – | %s | %s | %.2f× | 1.00× | %s | – |\n",
		o.connections, r.bare.RequestsPerSec, formatMillis(r.bare.P50), formatMillis(r.bare.P99), r.bare.RequestsPerSec/r.pgbench.TPS, formatErrors(r.bare))
	fmt.Fprintf(&b, "| pgbench single-row INSERT | %d | %.0f tps | %.0f | mean %s | – | 1.00× | %.2f× | %d failed | %d rows stored for %d transactions |\n",
		o.connections, r.pgbench.TPS, r.pgbench.TPS, formatMillis(r.pgbench.LatencyAverage), r.pgbench.TPS/r.bare.RequestsPerSec,
		r.pgbench.Failed, r.pgStored, r.pgbench.Transactions)
	batchRows := r.pgbenchBatch.TPS * pgbenchBatchRows
	fmt.Fprintf(&b, "| pgbench %d-row INSERT | %d | %.0f tps | %.0f | mean %s | – | %.2f× | %.2f× | %d failed, %d retried | %d rows stored for %d transactions |\n",
		pgbenchBatchRows, min(o.threads, o.connections), r.pgbenchBatch.TPS, batchRows, formatMillis(r.pgbenchBatch.LatencyAverage),
		batchRows/r.pgbench.TPS, batchRows/r.bare.RequestsPerSec, r.pgbenchBatch.Failed, r.pgbenchBatch.Retried, r.batchStored, r.pgbenchBatch.Transactions)

	b.WriteString(r.cpuTable())

	if len(r.rounds) > 1 {
		b.WriteString("\n| Round | pgbench tps | POST /collect events/s | × pgbench tps | POST /graphql events/s | × pgbench tps | Stored checks |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
		for i, rd := range r.rounds {
			fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.2f× | %.0f | %.2f× | %s; %s |\n",
				i+1, rd.pgbench.TPS, rd.collect.eventsPerSec(), rd.collectRatio(), rd.graphql.eventsPerSec(), rd.graphqlRatio(),
				formatStored(rd.collect), formatStored(rd.graphql))
		}
		collect, graphql := r.medianRatios()
		fmt.Fprintf(&b, "| median | | | %.2f× | | %.2f× | |\n", collect, graphql)
	}

	b.WriteString("\n| Actions run | Connections | Events/s | Actions/s | Delay p50 | Delay p95 | Delay p99 | Drain after wrk | Check |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, run := range []actionsRun{r.actions, r.actionsLight} {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %s | %s | %s | %s | %s |\n",
			run.name, run.connections, run.eventsPerSec(), run.actionsPerSec, formatMillis(run.p50), formatMillis(run.p95),
			formatMillis(run.p99), formatMillis(run.drain), formatActionsCheck(run))
	}

	b.WriteString("\n| Product target | Measured | Result |\n| --- | ---: | --- |\n")
	collectMedian, graphqlMedian := r.medianRatios()
	rounds := ""
	if len(r.rounds) > 1 {
		rounds = fmt.Sprintf(", median of %d rounds", len(r.rounds))
	}
	targets := []struct {
		run   ingestRun
		ratio float64
	}{{r.collect, collectMedian}, {r.graphql, graphqlMedian}}
	for _, t := range targets {
		events := t.run.eventsPerSec()
		fmt.Fprintf(&b, "| %s: events/s ≥ %.1f× pgbench tps%s | %.2f× | %s |\n", t.run.name, minPgbenchRatio, rounds, t.ratio, passOrMiss(t.ratio >= minPgbenchRatio))
		fmt.Fprintf(&b, "| %s: events/s ≥ %.1f× bare handler | %.2f× | %s |\n", t.run.name, minBareRatio, events/r.bare.RequestsPerSec, passOrMiss(events >= minBareRatio*r.bare.RequestsPerSec))
	}
	for _, run := range []ingestRun{r.collectHalf, r.graphqlHalf} {
		fmt.Fprintf(&b, "| %s (%d connections): p99 < %s | %s | %s |\n", run.name, run.connections, formatMillis(maxHalfLoadP99), formatMillis(run.wrk.P99), passOrMiss(run.wrk.P99 < maxHalfLoadP99))
	}
	return b.String()
}

// cpuTable renders the CPU use of the runs of the first table: in CPUs
// kept busy on average, and in CPU time per event (per request for the
// bare handler, per row for pgbench).
func (r *report) cpuTable() string {
	var b strings.Builder
	b.WriteString("\n| Run | Per second | Server | PostgreSQL | wrk or pgbench | Other | Idle | Server per event | PostgreSQL per event |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	row := func(name string, perSecond float64, u cpuUse) {
		if !u.measured {
			fmt.Fprintf(&b, "| %s | %.0f | – | – | – | – | – | – | – |\n", name, perSecond)
			return
		}
		postgres, postgresPerEvent := "–", "–"
		if r.postgresMeasured() {
			postgres, postgresPerEvent = fmt.Sprintf("%.2f", u.postgres), formatCPUPerEvent(u.postgres, perSecond)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %s | %.2f | %.2f | %.2f | %s | %s |\n",
			name, perSecond, u.server, postgres, u.client, u.other, u.idle, formatCPUPerEvent(u.server, perSecond), postgresPerEvent)
	}
	for _, run := range r.ingestRuns() {
		row(run.name, run.eventsPerSec(), run.cpu)
	}
	row("bare Echo handler, 204 (server: the bench program)", r.bare.RequestsPerSec, r.bareCPU)
	row("pgbench single-row INSERT", r.pgbench.TPS, r.pgbenchCPU)
	row(fmt.Sprintf("pgbench %d-row INSERT", pgbenchBatchRows), r.pgbenchBatch.TPS*pgbenchBatchRows, r.batchCPU)
	return b.String()
}

// postgresMeasured reports whether the cluster's processes were found on
// this machine.
func (r *report) postgresMeasured() bool { return r.postmasterPID != 0 }

// formatCPUPerEvent returns the CPU time per event of a party that kept
// cpus CPUs busy at perSecond events per second.
func formatCPUPerEvent(cpus, perSecond float64) string {
	if perSecond <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", cpus/perSecond*1e6)
}

func formatMillis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// formatErrors lists wrk's non-2xx/3xx responses and socket errors.
func formatErrors(r wrkResult) string {
	var parts []string
	if r.Non2xx3xx > 0 {
		parts = append(parts, fmt.Sprintf("%d non-2xx/3xx", r.Non2xx3xx))
	}
	socket := []struct {
		name  string
		count int64
	}{{"connect", r.ConnectErrors}, {"read", r.ReadErrors}, {"write", r.WriteErrors}, {"timeout", r.Timeouts}}
	for _, s := range socket {
		if s.count > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", s.count, s.name))
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

// formatStored compares the stored occurrences with the successful
// responses of an ingest run.
func formatStored(run ingestRun) string {
	successes := run.wrk.Successes()
	if run.verified() {
		return fmt.Sprintf("ok: %d stored for %d responses", run.stored, successes)
	}
	return fmt.Sprintf("SHORT: %d stored for %d responses", run.stored, successes)
}

func passOrMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// formatActionsCheck compares the action runs and webhook deliveries of an
// actions run with its occurrences.
func formatActionsCheck(run actionsRun) string {
	state := "ok"
	if !run.verified() {
		state = "SHORT"
	}
	return fmt.Sprintf("%s: %d occurrences, %d runs succeeded, %d not succeeded, %d webhooks, %d repeated",
		state, run.occurrences, run.succeeded, run.notSucceeded, run.deliveries, run.repeats)
}
