package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pgbenchScript is one single-row INSERT into event_occurrences, the row
// that an ingested event writes, as its own transaction, for a contact
// drawn at random. Arguments: first and last contact id, account id,
// custom event id.
const pgbenchScript = `\set contact random(%d, %d)
INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, page_url, source) VALUES (%d, %d, :contact, now(), 'https://www.example.com/p', 'beacon');
`

// pgbenchBatchRows is the number of rows that each transaction of
// pgbenchBatchScript inserts.
const pgbenchBatchRows = 64

// pgbenchBatchScript inserts pgbenchBatchRows rows in one statement, for
// contacts drawn at random, as a batch of the ingester would. Arguments:
// account id, custom event id, first contact id, number of contacts, and
// pgbenchBatchRows.
const pgbenchBatchScript = `INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, page_url, source) SELECT %d, %d, %d + floor(random() * %d)::bigint, now(), 'https://www.example.com/p', 'beacon' FROM generate_series(1, %d);
`

// findPgbench returns the pgbench of the newest PostgreSQL under
// /usr/lib/postgresql, where Debian installs it, or "pgbench" to look it up
// on PATH.
func findPgbench() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	slices.SortFunc(matches, func(a, b string) int {
		return versionOfPath(a) - versionOfPath(b)
	})
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return "pgbench"
}

// versionOfPath returns the major version in /usr/lib/postgresql/<n>/...
func versionOfPath(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// pgbenchResult is the summary that one pgbench run prints.
type pgbenchResult struct {
	Transactions int64
	Failed       int64
	// Retried counts the transactions that pgbench ran again after a
	// deadlock or serialization failure (only with --max-tries above 1).
	Retried int64
	// LatencyAverage is pgbench's mean transaction latency.
	LatencyAverage time.Duration
	// TPS excludes the time spent opening connections.
	TPS float64
	// CPU is the user and system time of the pgbench process.
	CPU time.Duration
}

// runPgbench runs the single-row INSERT script for the given duration,
// rounded up to whole seconds, and parses pgbench's summary.
func runPgbench(ctx context.Context, pgbenchPath, dir, databaseURL string, f fixture, connections, threads int, duration time.Duration) (pgbenchResult, error) {
	script := fmt.Sprintf(pgbenchScript, f.firstContact, f.lastContact, f.accountID, f.eventID)
	return runPgbenchScript(ctx, pgbenchPath, dir, databaseURL, "insert.sql", script, nil, connections, threads, duration)
}

// runPgbenchBatch runs the batch INSERT script like runPgbench. Concurrent
// batches can deadlock on the rows that the insert triggers lock, so pgbench
// retries a failed transaction up to 20 times.
func runPgbenchBatch(ctx context.Context, pgbenchPath, dir, databaseURL string, f fixture, connections, threads int, duration time.Duration) (pgbenchResult, error) {
	script := fmt.Sprintf(pgbenchBatchScript, f.accountID, f.eventID, f.firstContact, f.lastContact-f.firstContact+1, pgbenchBatchRows)
	return runPgbenchScript(ctx, pgbenchPath, dir, databaseURL, "insert-batch.sql", script, []string{"--max-tries", "20"}, connections, threads, duration)
}

// runPgbenchScript writes script to a file named name in dir and runs it.
func runPgbenchScript(ctx context.Context, pgbenchPath, dir, databaseURL, name, script string, extraArgs []string, connections, threads int, duration time.Duration) (pgbenchResult, error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	seconds := int((duration + time.Second - 1) / time.Second)
	args := []string{
		"-n",
		"-c", strconv.Itoa(connections),
		"-j", strconv.Itoa(min(threads, connections)),
		"-T", strconv.Itoa(seconds),
	}
	args = append(args, extraArgs...)
	args = append(args, "-f", path, databaseURL)
	cmd := exec.CommandContext(ctx, pgbenchPath, args...)
	out, err := cmd.CombinedOutput()
	// The URL is the last argument and is left out of messages.
	argsWithoutURL := strings.Join(args[:len(args)-1], " ")
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench %s: %w\n%s", argsWithoutURL, err, out)
	}
	result, err := parsePgbench(string(out))
	if err != nil {
		return result, fmt.Errorf("pgbench %s: %w\n%s", argsWithoutURL, err, out)
	}
	result.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return result, nil
}

var (
	pgbenchProcessedLine = regexp.MustCompile(`^number of transactions actually processed: (\d+)`)
	pgbenchFailedLine    = regexp.MustCompile(`^number of failed transactions: (\d+)`)
	pgbenchRetriedLine   = regexp.MustCompile(`^number of transactions retried: (\d+)`)
	pgbenchLatencyLine   = regexp.MustCompile(`^latency average = ([0-9.]+) ms`)
	// PostgreSQL 14 and later print "(without initial connection time)",
	// older versions "(excluding connections establishing)".
	pgbenchTPSLine = regexp.MustCompile(`^tps = ([0-9.]+) \((without initial connection time|excluding connections establishing)\)`)
)

// parsePgbench reads pgbench's summary. It requires the processed
// transactions and the tps line that leaves out connection time.
func parsePgbench(output string) (pgbenchResult, error) {
	var r pgbenchResult
	var haveProcessed, haveTPS bool
	scanner := bufio.NewScanner(strings.NewReader(output))
	for scanner.Scan() {
		line := scanner.Text()
		if m := pgbenchProcessedLine.FindStringSubmatch(line); m != nil {
			r.Transactions, _ = strconv.ParseInt(m[1], 10, 64)
			haveProcessed = true
		} else if m := pgbenchFailedLine.FindStringSubmatch(line); m != nil {
			r.Failed, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := pgbenchRetriedLine.FindStringSubmatch(line); m != nil {
			r.Retried, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := pgbenchLatencyLine.FindStringSubmatch(line); m != nil {
			ms, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return r, fmt.Errorf("parse pgbench line %q: %w", line, err)
			}
			r.LatencyAverage = time.Duration(ms * float64(time.Millisecond)).Round(time.Microsecond)
		} else if m := pgbenchTPSLine.FindStringSubmatch(line); m != nil {
			tps, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return r, fmt.Errorf("parse pgbench line %q: %w", line, err)
			}
			r.TPS, haveTPS = tps, true
		}
	}
	switch {
	case !haveProcessed:
		return r, fmt.Errorf(`pgbench output has no "number of transactions actually processed" line`)
	case !haveTPS:
		return r, fmt.Errorf(`pgbench output has no "tps = ... (without initial connection time)" line`)
	}
	return r, nil
}
