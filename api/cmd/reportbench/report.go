package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Markers of the section of docs/benchmarks.md that -doc replaces.
const (
	docBegin = "<!-- reportbench:begin -->"
	docEnd   = "<!-- reportbench:end -->"
)

// machineInfo describes where the run happened.
type machineInfo struct {
	cpus          int
	cpuModel      string
	memory        string
	postgres      string
	sharedBuffers string
	goVersion     string
	// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures at the end
	// of the measurements.
	loadAverage string
}

// report holds every measurement of one run.
type report struct {
	opts    options
	started time.Time
	// loadAverage is /proc/loadavg at the start of the program.
	loadAverage string
	seed        *seedResult
	results     []queryResult
	machine     machineInfo
}

// describeMachine collects the machine facts. A fact that cannot be read
// is reported as "unknown".
func describeMachine(ctx context.Context, database *benchDatabase) machineInfo {
	m := machineInfo{
		cpus:          runtime.NumCPU(),
		cpuModel:      procField("/proc/cpuinfo", "model name"),
		memory:        "unknown",
		postgres:      "unknown",
		sharedBuffers: "unknown",
		goVersion:     runtime.Version(),
		loadAverage:   readLoadAverage(),
	}
	// MemTotal reads like "24683592 kB".
	if fields := strings.Fields(procField("/proc/meminfo", "MemTotal")); len(fields) == 2 && fields[1] == "kB" {
		if kb, err := strconv.ParseFloat(fields[0], 64); err == nil {
			m.memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
		}
	}
	database.bdb.QueryRowContext(ctx, "SHOW server_version").Scan(&m.postgres)
	database.bdb.QueryRowContext(ctx, "SHOW shared_buffers").Scan(&m.sharedBuffers)
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

// mismatches returns the names of the queries whose rollup and raw results
// differ.
func (r *report) mismatches() []string {
	var names []string
	for _, res := range r.results {
		if !res.same {
			names = append(names, res.name)
		}
	}
	return names
}

// markdown renders the report: the run's settings, data and machine, a table
// of every query and a table of the product targets.
func (r *report) markdown() string {
	var b strings.Builder
	o := r.opts
	m := r.machine
	s := r.seed

	fmt.Fprintf(&b, "#### Run of %s\n\n", r.started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Data: %d occurrences of %d custom events over %d contacts, from %s to %s, in one account in %s.",
		s.occurrences, benchEventCount, s.contacts, s.first.Format("2006-01-02"), s.last.Format("2006-01-02"), s.account.TimeZone)
	if s.insert > 0 {
		fmt.Fprintf(&b, " Seeding took %s to insert, %s to build the rollups, %s for the %d occurrences recorded through the triggers, and %s for VACUUM ANALYZE.",
			formatSeconds(s.insert), formatSeconds(s.rebuild), formatSeconds(s.tail), tailEvents, formatSeconds(s.vacuum))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- Range: the last %d days, today included, and the previous %d days for the cards. The busiest event is %q; the flat event is %q, whose contacts are drawn uniformly.\n",
		o.rangeDays, o.rangeDays, s.busiest.Slug, s.flat.Slug)
	fmt.Fprintf(&b, "- Runs: %d timed runs of each rollup query and %d of each raw query, after %d untimed ones. p50 and p95 are nearest-rank percentiles of the wall time of the Store call, with the round trip to PostgreSQL.\n",
		o.runs, o.rawRuns, warmups)
	fmt.Fprintf(&b, "- Machine: %d CPUs (%s), %s memory, shared with other work. Load average (1, 5, 15 min): %s at the start, %s at the end.\n",
		m.cpus, m.cpuModel, m.memory, r.loadAverage, m.loadAverage)
	fmt.Fprintf(&b, "- PostgreSQL %s with shared_buffers %s; %s.\n", m.postgres, m.sharedBuffers, m.goVersion)

	b.WriteString("\n| Query | Rollups p50 | Rollups p95 | Raw p50 | Raw p95 | Raw ÷ rollups, p50 | Raw ÷ rollups, p95 | Same result |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, res := range r.results {
		same := "yes"
		if !res.same {
			same = "NO"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", res.name,
			formatMillis(percentile(res.rollup, 0.5)), formatMillis(percentile(res.rollup, 0.95)),
			formatMillis(percentile(res.raw, 0.5)), formatMillis(percentile(res.raw, 0.95)),
			formatRatio(res.raw, res.rollup, 0.5), formatRatio(res.raw, res.rollup, 0.95), same)
	}

	b.WriteString("\n| Product target | Measured | Result |\n| --- | ---: | --- |\n")
	for _, res := range r.results {
		p95 := percentile(res.rollup, 0.95)
		fmt.Fprintf(&b, "| %s: p95 < %s | %s | %s |\n", res.name, formatMillis(maxP95), formatMillis(p95), passOrMiss(p95 < maxP95))
		for _, p := range []float64{0.5, 0.95} {
			ratio := float64(percentile(res.raw, p)) / float64(percentile(res.rollup, p))
			fmt.Fprintf(&b, "| %s: raw ÷ rollups ≥ %.0f× at p%.0f | %.0f× | %s |\n", res.name, minRatio, p*100, ratio, passOrMiss(ratio >= minRatio))
		}
	}
	return b.String()
}

func formatMillis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func formatSeconds(d time.Duration) string {
	return fmt.Sprintf("%.0f s", d.Seconds())
}

func formatRatio(raw, rollup []time.Duration, p float64) string {
	return fmt.Sprintf("%.0f×", float64(percentile(raw, p))/float64(percentile(rollup, p)))
}

func passOrMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// writeDocSection replaces the text between docBegin and docEnd in the file
// at path with section.
func writeDocSection(path, section string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	updated, err := replaceSection(data, section)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, updated, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// replaceSection returns doc with the text between the lines docBegin and
// docEnd replaced by section. Each marker must appear once, begin first.
func replaceSection(doc []byte, section string) ([]byte, error) {
	begin := bytes.Index(doc, []byte(docBegin+"\n"))
	end := bytes.Index(doc, []byte(docEnd))
	if begin < 0 || end < 0 || end < begin {
		return nil, fmt.Errorf("no %s line followed by a %s line: add both where the report belongs", docBegin, docEnd)
	}
	if bytes.Count(doc, []byte(docBegin)) != 1 || bytes.Count(doc, []byte(docEnd)) != 1 {
		return nil, fmt.Errorf("%s and %s must each appear once", docBegin, docEnd)
	}
	var out bytes.Buffer
	out.Write(doc[:begin+len(docBegin)+1])
	out.WriteString("\n")
	out.WriteString(strings.TrimSpace(section))
	out.WriteString("\n\n")
	out.Write(doc[end:])
	return out.Bytes(), nil
}
