package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the number of clock ticks per second in which /proc reports
// CPU times (USER_HZ).
// NOTE: assumed, not read: sysconf(_SC_CLK_TCK) returns it, which Go
// does not offer without cgo. It is 100 on x86 and arm Linux.
const userHZ = 100

// cpuUse is the CPU time that each party used during one run, divided by
// the run's wall time, so 1.0 is one CPU kept busy. The parts add up to
// the machine's CPUs, apart from rounding.
type cpuUse struct {
	// measured is false when /proc could not be read; the report then
	// shows dashes.
	measured bool
	// server is the product's server process, or the bench program for
	// the bare handler, which runs inside it.
	server float64
	// postgres is every process of the PostgreSQL cluster: the backends
	// of the server and of pgbench, autovacuum, the WAL writer and the
	// checkpointer. It is zero when the cluster is not on this machine.
	postgres float64
	// client is wrk or pgbench.
	client float64
	// other is the rest of the busy time: other processes on the machine,
	// and the kernel's work for the parties above that /proc charges to no
	// process.
	other float64
	idle  float64
}

// cpuMeter samples the CPU time of the server, the cluster and the
// machine. A postmasterPID of 0 leaves the cluster out, and a serverPID of
// 0 means the bench program itself.
type cpuMeter struct {
	serverPID     int
	postmasterPID int
}

// cpuSample is one reading of cumulative CPU times.
type cpuSample struct {
	at               time.Time
	server, postgres time.Duration
	busy, idle       time.Duration
	// backends is the number of the cluster's processes.
	backends int
}

// sample reads the current CPU times.
func (m cpuMeter) sample() (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	var err error
	if s.busy, s.idle, err = readMachineCPU(); err != nil {
		return s, err
	}
	if m.serverPID == 0 {
		var usage syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
			return s, fmt.Errorf("getrusage: %w", err)
		}
		s.server = time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	} else {
		stat, err := readProcStat(m.serverPID)
		if err != nil {
			return s, err
		}
		s.server = stat.own()
	}
	if m.postmasterPID != 0 {
		if s.postgres, s.backends, err = clusterCPU(m.postmasterPID); err != nil {
			return s, err
		}
	}
	return s, nil
}

// settleWait bounds the wait for the backends of a tool's connections to
// exit after the tool itself has.
const settleWait = 2 * time.Second

// settle samples again once the backends that were started after start
// have exited, so that end covers them. A backend keeps running for a
// moment after its client disconnects, and one that the postmaster reaps
// between the two reads of clusterCPU is counted in neither, so reading
// while pgbench's 32 backends exit lost about half of their time. Every
// part of end is read again, so that all of them cover the same window,
// which then includes the wait. Backends that stay, such as autovacuum
// workers, end the wait after settleWait.
func (m cpuMeter) settle(start cpuSample, end *cpuSample) error {
	if m.postmasterPID == 0 || end.backends <= start.backends {
		return nil
	}
	deadline := time.Now().Add(settleWait)
	for end.backends > start.backends && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		_, backends, err := clusterCPU(m.postmasterPID)
		if err != nil {
			return err
		}
		end.backends = backends
	}
	again, err := m.sample()
	if err != nil {
		return err
	}
	*end = again
	return nil
}

// use returns the CPU use between two samples, with client, the CPU time
// of wrk or pgbench, which their process state reports after they exit.
func (m cpuMeter) use(start, end cpuSample, client time.Duration) cpuUse {
	wall := end.at.Sub(start.at).Seconds()
	if wall <= 0 {
		return cpuUse{}
	}
	cores := func(d time.Duration) float64 { return max(0, d.Seconds()/wall) }
	u := cpuUse{
		measured: true,
		server:   cores(end.server - start.server),
		postgres: cores(end.postgres - start.postgres),
		client:   cores(client),
		idle:     cores(end.idle - start.idle),
	}
	u.other = max(0, cores(end.busy-start.busy)-u.server-u.postgres-u.client)
	return u
}

// measureCPU runs fn, which returns the CPU time of the tool it ran, and
// returns fn's error and the CPU use during it. With closesBackends, for
// pgbench, whose connections close when it exits, it waits for their
// backends (see settle). When /proc cannot be read, it logs the error and
// returns an unmeasured use with no error, so the run goes on.
func (m cpuMeter) measureCPU(closesBackends bool, fn func() (time.Duration, error)) (cpuUse, error) {
	start, startErr := m.sample()
	client, err := fn()
	if err != nil {
		return cpuUse{}, err
	}
	end, endErr := m.sample()
	if endErr == nil && closesBackends {
		endErr = m.settle(start, &end)
	}
	if err := errors.Join(startErr, endErr); err != nil {
		log.Printf("CPU use not measured: %v", err)
		return cpuUse{}, nil
	}
	return m.use(start, end, client), nil
}

// procStat holds the fields of /proc/<pid>/stat that the meter reads.
type procStat struct {
	comm                         string
	ppid                         int
	utime, stime, cutime, cstime int64
}

// own returns the CPU time of the process itself.
func (p procStat) own() time.Duration { return ticks(p.utime + p.stime) }

// children returns the CPU time of its children that have exited and
// that it has waited for.
func (p procStat) children() time.Duration { return ticks(p.cutime + p.cstime) }

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / userHZ }

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	stat, err := parseProcStat(string(data))
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return stat, nil
}

// parseProcStat reads a line of /proc/<pid>/stat (proc(5)). The command
// name is in parentheses and may itself contain spaces and parentheses,
// so the fields are counted from the last ')'.
func parseProcStat(line string) (procStat, error) {
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return procStat{}, errors.New("no command name in parentheses")
	}
	// After the name: state (field 3), ppid (4), ..., utime (14), stime
	// (15), cutime (16), cstime (17).
	rest := strings.Fields(line[closing+1:])
	if len(rest) < 15 {
		return procStat{}, fmt.Errorf("%d fields after the command name, want at least 15", len(rest))
	}
	stat := procStat{comm: line[open+1 : closing]}
	var err error
	if stat.ppid, err = strconv.Atoi(rest[1]); err != nil {
		return procStat{}, fmt.Errorf("parent pid: %w", err)
	}
	for i, dest := range []*int64{&stat.utime, &stat.stime, &stat.cutime, &stat.cstime} {
		// Below 2^56, so that sums of a few cannot overflow.
		v, err := strconv.ParseInt(rest[11+i], 10, 57)
		if err != nil || v < 0 {
			return procStat{}, fmt.Errorf("CPU time field %d is %q, want a count of clock ticks", 14+i, rest[11+i])
		}
		*dest = v
	}
	return stat, nil
}

// clusterCPU returns the CPU time of a PostgreSQL cluster so far and the
// number of the postmaster's children. The time is the postmaster's own,
// plus that of the children it has reaped, such as the backends of closed
// connections, plus that of the children still running.
func clusterCPU(postmasterPID int) (total time.Duration, children int, err error) {
	postmaster, err := readProcStat(postmasterPID)
	if err != nil {
		return 0, 0, err
	}
	total = postmaster.own() + postmaster.children()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A process may exit between the listing and the read.
		if stat, err := readProcStat(pid); err == nil && stat.ppid == postmasterPID {
			total += stat.own()
			children++
		}
	}
	return total, children, nil
}

// readMachineCPU returns the busy and idle time of all CPUs together
// since boot, from the first line of /proc/stat.
func readMachineCPU() (busy, idle time.Duration, err error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	busyTicks, idleTicks, err := parseCPULine(first)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/stat: %w", err)
	}
	return ticks(busyTicks), ticks(idleTicks), nil
}

// parseCPULine reads the "cpu" line of /proc/stat: user, nice, system,
// idle, iowait, irq, softirq and steal, in clock ticks, then guest times
// that user and nice already include. Idle is idle plus iowait; busy is
// the others.
func parseCPULine(line string) (busy, idle int64, err error) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, errors.New(`first line is not "cpu" and eight counts`)
	}
	var counts [8]int64
	for i := range counts {
		// Counts below 2^56 cannot overflow the sums below.
		counts[i], err = strconv.ParseInt(fields[1+i], 10, 57)
		if err != nil || counts[i] < 0 {
			return 0, 0, fmt.Errorf("count %d is %q, want clock ticks", i+1, fields[1+i])
		}
	}
	idle = counts[3] + counts[4]
	for _, i := range []int{0, 1, 2, 5, 6, 7} {
		busy += counts[i]
	}
	return busy, idle, nil
}

// findPostmaster returns the pid of the postmaster of the cluster that
// the database runs on, or 0 with the reason when that cluster is not on
// this machine or its processes cannot be read. It queries the pid of its
// own backend and reads that process's parent.
func findPostmaster(ctx context.Context, database *benchDatabase) (int, error) {
	parsed, err := url.Parse(database.url)
	if err != nil {
		return 0, err
	}
	host := parsed.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0, fmt.Errorf("the database host %q is not a loopback address", host)
	}

	var backend int
	if err := database.db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0, err
	}
	stat, err := readProcStat(backend)
	if err != nil {
		return 0, err
	}
	parent, err := readProcStat(stat.ppid)
	if err != nil {
		return 0, err
	}

	// A server in another pid namespace, such as a container, reports a
	// pid that names another process here.
	if stat.comm != "postgres" || parent.comm != "postgres" {
		return 0, fmt.Errorf("process %d is %q with parent %q, not a PostgreSQL backend", backend, stat.comm, parent.comm)
	}
	return stat.ppid, nil
}
