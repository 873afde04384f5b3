package main

import (
	"strings"
	"testing"
	"time"
)

// The samples below are output of wrk debian/4.1.0-3+b2 and pgbench 15.18
// captured on a Debian 12 machine.

const wrkSampleOK = `Running 2s test @ http://127.0.0.1:38123/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   663.10us    1.18ms  12.55ms   87.78%
    Req/Sec    66.40k     5.71k   84.58k    76.19%
  Latency Distribution
     50%  196.00us
     75%  446.00us
     90%    2.27ms
     99%    5.36ms
  277141 requests in 2.10s, 16.92MB read
Requests/sec: 132033.96
Transfer/sec:      8.06MB
`

const wrkSampleNon2xx = `Running 2s test @ http://127.0.0.1:38123/bad
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   219.86us  559.58us   8.09ms   92.47%
    Req/Sec    57.99k     4.06k   65.45k    78.57%
  Latency Distribution
     50%   55.00us
     75%   92.00us
     90%  501.00us
     99%    3.12ms
  241913 requests in 2.10s, 21.69MB read
  Non-2xx or 3xx responses: 241913
Requests/sec: 115205.66
Transfer/sec:     10.33MB
`

// wrkSampleTimeout is a run with --timeout 1s against a handler that takes
// 1.5s: every request times out, so wrk records no latency.
const wrkSampleTimeout = `Running 3s test @ http://127.0.0.1:38123/slow
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     2.00      0.00     2.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  8 requests in 3.01s, 512.00B read
  Socket errors: connect 0, read 0, write 0, timeout 8
Requests/sec:      2.66
Transfer/sec:     170.26B
`

// wrkSampleNoLatency is a run without --latency.
const wrkSampleNoLatency = `Running 2s test @ http://127.0.0.1:38123/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   663.10us    1.18ms  12.55ms   87.78%
    Req/Sec    66.40k     5.71k   84.58k    76.19%
  277141 requests in 2.10s, 16.92MB read
Requests/sec: 132033.96
Transfer/sec:      8.06MB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name   string
		output string
		want   wrkResult
	}{
		{
			name:   "all 2xx",
			output: wrkSampleOK,
			want: wrkResult{
				Requests:       277141,
				Duration:       2100 * time.Millisecond,
				RequestsPerSec: 132033.96,
				P50:            196 * time.Microsecond,
				P99:            5360 * time.Microsecond,
			},
		},
		{
			name:   "non-2xx responses",
			output: wrkSampleNon2xx,
			want: wrkResult{
				Requests:       241913,
				Duration:       2100 * time.Millisecond,
				RequestsPerSec: 115205.66,
				P50:            55 * time.Microsecond,
				P99:            3120 * time.Microsecond,
				Non2xx3xx:      241913,
			},
		},
		{
			name:   "socket timeouts",
			output: wrkSampleTimeout,
			want: wrkResult{
				Requests:       8,
				Duration:       3010 * time.Millisecond,
				RequestsPerSec: 2.66,
				Timeouts:       8,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk(tt.output)
			if err != nil {
				t.Fatalf("parseWrk: %v", err)
			}
			if got != tt.want {
				t.Errorf("parseWrk = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrkSuccesses(t *testing.T) {
	ok, err := parseWrk(wrkSampleOK)
	if err != nil {
		t.Fatal(err)
	}
	if got := ok.Successes(); got != 277141 {
		t.Errorf("Successes of all-2xx run = %d, want 277141", got)
	}
	failed, err := parseWrk(wrkSampleNon2xx)
	if err != nil {
		t.Fatal(err)
	}
	if got := failed.Successes(); got != 0 {
		t.Errorf("Successes of all-500 run = %d, want 0", got)
	}
}

func TestParseWrkRejectsIncompleteOutput(t *testing.T) {
	tests := []struct {
		name    string
		output  string
		wantErr string
	}{
		{"without --latency", wrkSampleNoLatency, "--latency"},
		{"connection refused", "unable to connect to 127.0.0.1:38124 Connection refused\n", "requests in"},
		{"no rate line", strings.Replace(wrkSampleOK, "Requests/sec: 132033.96\n", "", 1), "Requests/sec"},
		{"bad latency unit", strings.Replace(wrkSampleOK, "196.00us", "196.00xs", 1), "invalid duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWrk(tt.output)
			if err == nil {
				t.Fatal("parseWrk returned no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0.00us", 0},
		{"842.00us", 842 * time.Microsecond},
		{"1.10ms", 1100 * time.Microsecond},
		{"12.55ms", 12550 * time.Microsecond},
		{"1.02s", 1020 * time.Millisecond},
		{"1.50m", 90 * time.Second},
		{"2.00h", 2 * time.Hour},
	}
	for _, tt := range tests {
		got, err := parseWrkDuration(tt.in)
		if err != nil {
			t.Errorf("parseWrkDuration(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("parseWrkDuration(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

const pgbenchSampleOK = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: s.sql
scaling factor: 1
query mode: simple
number of clients: 4
number of threads: 2
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 243728
number of failed transactions: 0 (0.000%)
latency average = 0.033 ms
initial connection time = 6.489 ms
tps = 122044.564934 (without initial connection time)
`

// pgbenchSampleRetried is a run with --max-tries 20 that retried some
// transactions.
const pgbenchSampleRetried = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: insert-batch.sql
scaling factor: 1
query mode: simple
number of clients: 2
number of threads: 2
maximum number of tries: 20
duration: 1 s
number of transactions actually processed: 423
number of failed transactions: 0 (0.000%)
number of transactions retried: 7 (1.655%)
total number of retries: 9
latency average = 4.739 ms
initial connection time = 3.399 ms
tps = 422.063441 (without initial connection time)
`

// pgbenchSampleAborted is a run whose script names a missing table.
const pgbenchSampleAborted = `pgbench (15.18 (Debian 15.18-0+deb12u1))
pgbench: error: client 0 script 0 aborted in command 0 query 0: ERROR:  relation "no_such_table" does not exist
LINE 1: INSERT INTO no_such_table VALUES (1);
                    ^
pgbench: error: client 1 script 0 aborted in command 0 query 0: ERROR:  relation "no_such_table" does not exist
LINE 1: INSERT INTO no_such_table VALUES (1);
                    ^
transaction type: bad.sql
scaling factor: 1
query mode: simple
number of clients: 2
number of threads: 1
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 0
number of failed transactions: 0 (NaN%)
pgbench: error: Run was aborted; the above results are incomplete.
`

// pgbenchSampleOldFormat has the two tps lines of PostgreSQL 13 and
// older, built from the 15.18 sample above.
const pgbenchSampleOldFormat = `number of transactions actually processed: 243728
latency average = 0.033 ms
tps = 121650.112233 (including connections establishing)
tps = 122044.564934 (excluding connections establishing)
`

func TestParsePgbench(t *testing.T) {
	tests := []struct {
		name   string
		output string
		want   pgbenchResult
	}{
		{
			name:   "PostgreSQL 15",
			output: pgbenchSampleOK,
			want: pgbenchResult{
				Transactions:   243728,
				LatencyAverage: 33 * time.Microsecond,
				TPS:            122044.564934,
			},
		},
		{
			name:   "retries",
			output: pgbenchSampleRetried,
			want: pgbenchResult{
				Transactions:   423,
				Retried:        7,
				LatencyAverage: 4739 * time.Microsecond,
				TPS:            422.063441,
			},
		},
		{
			name:   "PostgreSQL 13 tps lines",
			output: pgbenchSampleOldFormat,
			want: pgbenchResult{
				Transactions:   243728,
				LatencyAverage: 33 * time.Microsecond,
				TPS:            122044.564934,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePgbench(tt.output)
			if err != nil {
				t.Fatalf("parsePgbench: %v", err)
			}
			if got != tt.want {
				t.Errorf("parsePgbench = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParsePgbenchRejectsAbortedRun(t *testing.T) {
	_, err := parsePgbench(pgbenchSampleAborted)
	if err == nil {
		t.Fatal("parsePgbench returned no error")
	}
	if !strings.Contains(err.Error(), "tps") {
		t.Errorf("error %q does not mention the missing tps line", err)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 20; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{0.50, 10 * time.Millisecond},
		{0.95, 19 * time.Millisecond},
		{0.99, 20 * time.Millisecond},
		{0, time.Millisecond},
	}
	for _, c := range cases {
		if got := percentile(sorted, c.p); got != c.want {
			t.Errorf("percentile(1..20 ms, %.2f) = %s, want %s", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 0.95); got != 0 {
		t.Errorf("percentile of nothing = %s, want 0", got)
	}
}

// FuzzParsePgbench checks that any output either parses into a result with
// its required lines or returns an error, without panicking.
func FuzzParsePgbench(f *testing.F) {
	for _, sample := range []string{pgbenchSampleOK, pgbenchSampleRetried, pgbenchSampleOldFormat, pgbenchSampleAborted} {
		f.Add(sample)
	}
	f.Fuzz(func(t *testing.T, output string) {
		r, err := parsePgbench(output)
		if err != nil {
			return
		}
		if !strings.Contains(output, "number of transactions actually processed: ") || !strings.Contains(output, "tps = ") {
			t.Errorf("parsePgbench accepted output without its required lines: %+v", r)
		}
		if r.Transactions < 0 || r.Failed < 0 || r.Retried < 0 {
			t.Errorf("parsePgbench returned negative counts: %+v", r)
		}
	})
}

// FuzzParseWrk checks that any output either parses or returns an error,
// without panicking, and that accepted counts are not negative.
func FuzzParseWrk(f *testing.F) {
	for _, sample := range []string{wrkSampleOK, wrkSampleNon2xx, wrkSampleTimeout, wrkSampleNoLatency} {
		f.Add(sample)
	}
	f.Fuzz(func(t *testing.T, output string) {
		r, err := parseWrk(output)
		if err != nil {
			return
		}
		if r.Requests < 0 || r.Non2xx3xx < 0 || r.Timeouts < 0 {
			t.Errorf("parseWrk returned negative counts: %+v", r)
		}
	})
}
