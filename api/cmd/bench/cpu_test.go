package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// A postgres backend's line, and one whose command name holds spaces
	// and a closing parenthesis.
	backend := "4242 (postgres) S 4100 4100 4100 0 -1 4194560 1520 0 0 0 731 112 5 3 20 0 1 0 7730045 231518208 3312 18446744073709551615 0 0 0 0 0 0 0 4096 536887815 0 0 0 17 1 0 0 0 0 0"
	odd := "77 (my (odd) name) R 1 77 77 0 -1 0 0 0 0 0 12 34 56 78 20 0 1 0 1 0 0"
	cases := []struct {
		line string
		want procStat
	}{
		{backend, procStat{comm: "postgres", ppid: 4100, utime: 731, stime: 112, cutime: 5, cstime: 3}},
		{odd, procStat{comm: "my (odd) name", ppid: 1, utime: 12, stime: 34, cutime: 56, cstime: 78}},
	}
	for _, c := range cases {
		got, err := parseProcStat(c.line)
		if err != nil {
			t.Errorf("parseProcStat(%q): %v", c.line, err)
			continue
		}
		if got != c.want {
			t.Errorf("parseProcStat(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
	if got := (procStat{utime: 731, stime: 112, cutime: 5, cstime: 3}); got.own() != 8430*time.Millisecond || got.children() != 80*time.Millisecond {
		t.Errorf("own = %s, children = %s, want 8.43s and 80ms", got.own(), got.children())
	}
}

func TestParseProcStatRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"4242 postgres S 4100",
		"4242 (postgres) S 4100 4100",
		"4242 (postgres) S x 4100 4100 0 -1 0 0 0 0 0 1 2 3 4 20",
		"4242 (postgres) S 4100 4100 4100 0 -1 0 0 0 0 0 -1 2 3 4 20",
		"4242 (postgres) S 4100 4100 4100 0 -1 0 0 0 0 0 1 2 3 four 20",
	} {
		if got, err := parseProcStat(line); err == nil {
			t.Errorf("parseProcStat(%q) = %+v, want an error", line, got)
		}
	}
}

func TestParseCPULine(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	busy, idle, err := parseCPULine("cpu  1000 20 300 5000 40 6 70 8 100 0")
	if err != nil {
		t.Fatal(err)
	}
	if busy != 1000+20+300+6+70+8 || idle != 5000+40 {
		t.Errorf("busy, idle = %d, %d, want 1404, 5040", busy, idle)
	}
	for _, line := range []string{"", "cpu0 1 2 3 4 5 6 7 8", "cpu 1 2 3 4 5 6 7", "cpu 1 2 3 x 5 6 7 8", "cpu 1 2 3 -4 5 6 7 8"} {
		if _, _, err := parseCPULine(line); err == nil {
			t.Errorf("parseCPULine(%q) succeeded, want an error", line)
		}
	}
}

func TestCPUUse(t *testing.T) {
	start := cpuSample{at: time.Unix(100, 0), server: 4 * time.Second, postgres: 10 * time.Second, busy: 50 * time.Second, idle: 70 * time.Second}
	// Ten seconds later on two CPUs: 20 s of CPU time in all.
	end := cpuSample{at: time.Unix(110, 0), server: 9 * time.Second, postgres: 19 * time.Second, busy: 66 * time.Second, idle: 74 * time.Second}
	got := cpuMeter{}.use(start, end, 1500*time.Millisecond)
	want := cpuUse{measured: true, server: 0.5, postgres: 0.9, client: 0.15, other: 0.05, idle: 0.4}
	const epsilon = 1e-9
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"server", got.server, want.server}, {"postgres", got.postgres, want.postgres}, {"client", got.client, want.client},
		{"other", got.other, want.other}, {"idle", got.idle, want.idle}} {
		if diff := f.got - f.want; diff > epsilon || diff < -epsilon {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if !got.measured {
		t.Error("use is not marked measured")
	}
}

// TestClusterCPUOfThisProcess reads the real /proc, with this test
// process in the postmaster's place: clusterCPU returns at least its own
// CPU time and counts its one child.
func TestClusterCPUOfThisProcess(t *testing.T) {
	own, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	end := startChild(t)
	total, children, err := clusterCPU(os.Getpid())
	end()
	if err != nil {
		t.Fatal(err)
	}
	if total < own.own() {
		t.Errorf("clusterCPU = %s, want at least the process's own %s", total, own.own())
	}
	if children != 1 {
		t.Errorf("clusterCPU counted %d children, want the 1 shell", children)
	}
	if _, _, err := clusterCPU(0); err == nil {
		t.Error("clusterCPU(0) succeeded, want an error for a pid that does not exist")
	}
}

func TestCPUTable(t *testing.T) {
	collect := ingestAt("POST /collect", 100_000)
	collect.cpu = cpuUse{measured: true, server: 0.5, postgres: 0.9, client: 0.15, other: 0.05, idle: 0.4}
	r := &report{
		collect: collect, graphql: ingestAt("POST /graphql triggerCustomEvent", 50_000),
		collectHalf: ingestAt("POST /collect, half load", 15_000), graphqlHalf: ingestAt("POST /graphql triggerCustomEvent, half load", 15_000),
		bare:          wrkResult{RequestsPerSec: 60_000},
		bareCPU:       cpuUse{measured: true, server: 1.1, client: 0.85, other: 0.05},
		pgbench:       pgbenchResult{TPS: 4000},
		pgbenchCPU:    cpuUse{measured: true, postgres: 1.9, client: 0.08, other: 0.02},
		postmasterPID: 4100,
	}
	out := r.cpuTable()
	for _, line := range []string{
		"| POST /collect | 10000 | 0.50 | 0.90 | 0.15 | 0.05 | 0.40 | 50 µs | 90 µs |",
		"| POST /graphql triggerCustomEvent | 5000 | – | – | – | – | – | – | – |",
		"| bare Echo handler, 204 (server: the bench program) | 60000 | 1.10 | 0.00 | 0.85 | 0.05 | 0.00 | 18 µs | 0 µs |",
		"| pgbench single-row INSERT | 4000 | 0.00 | 1.90 | 0.08 | 0.02 | 0.00 | 0 µs | 475 µs |",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("CPU table lacks the line\n%s\ntable:\n%s", line, out)
		}
	}
	r.postmasterPID = 0
	if want := "| POST /collect | 10000 | 0.50 | – | 0.15 | 0.05 | 0.40 | 50 µs | – |\n"; !strings.Contains(r.cpuTable(), want) {
		t.Errorf("CPU table without the cluster lacks %q:\n%s", want, r.cpuTable())
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add("4242 (postgres) S 4100 4100 4100 0 -1 4194560 1520 0 0 0 731 112 5 3 20 0 1 0 7730045")
	f.Add("77 (a) b) R 1 77 77 0 -1 0 0 0 0 0 12 34 56 78 20")
	f.Fuzz(func(t *testing.T, line string) {
		stat, err := parseProcStat(line)
		if err != nil {
			return
		}
		if stat.utime < 0 || stat.stime < 0 || stat.cutime < 0 || stat.cstime < 0 {
			t.Errorf("parseProcStat(%q) returned negative times: %+v", line, stat)
		}
	})
}

func FuzzParseCPULine(f *testing.F) {
	f.Add("cpu  1000 20 300 5000 40 6 70 8 100 0")
	f.Add("cpu 1 2 3 4 5 6 7 8")
	f.Fuzz(func(t *testing.T, line string) {
		busy, idle, err := parseCPULine(line)
		if err == nil && (busy < 0 || idle < 0) {
			t.Errorf("parseCPULine(%q) = %d, %d, want counts of zero or more", line, busy, idle)
		}
	})
}

// TestSettleWaitsForExitingBackends puts this test process in the
// postmaster's place and a shell in that of a backend whose connection
// closed: settle must read again until the shell has exited and been
// reaped.
func TestSettleWaitsForExitingBackends(t *testing.T) {
	m := cpuMeter{serverPID: os.Getpid(), postmasterPID: os.Getpid()}
	start, err := m.sample()
	if err != nil {
		t.Fatal(err)
	}
	endChild := startChild(t)
	end, err := m.sample()
	if err != nil {
		t.Fatal(err)
	}
	if end.backends != start.backends+1 {
		t.Fatalf("backends = %d with the shell running, want %d", end.backends, start.backends+1)
	}
	first := end
	go endChild()
	if err := m.settle(start, &end); err != nil {
		t.Fatal(err)
	}
	if end.backends != start.backends {
		t.Errorf("backends = %d after settle, want %d", end.backends, start.backends)
	}
	// The machine and the server are read again too, for the same window.
	if !end.at.After(first.at) || end.busy+end.idle <= first.busy+first.idle {
		t.Errorf("settle kept the first end sample at %v with %v busy and %v idle, want a later one", first.at, first.busy, first.idle)
	}
}

// startChild starts a shell as a child of the test process, which runs
// until the returned function closes its input, and then reaps it.
func startChild(t *testing.T) (end func()) {
	t.Helper()
	child := exec.Command("sh", "-c", "read line")
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	return func() {
		stdin.Close()
		child.Wait()
	}
}
