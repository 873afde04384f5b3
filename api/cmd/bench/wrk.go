package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// browserUserAgent is sent with every /collect request, because the
// endpoint ignores requests without a User-Agent or from HTTP libraries
// (api/bot.go) and would store nothing for wrk's default headers.
const browserUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// collectScript is the wrk Lua script for POST /collect. Each request is
// one beacon event from a new visitor id, so each one creates a contact.
// The visitor id is 32 hex digits: 8 of a per-run prefix, 2 of the wrk
// thread number and 22 decimal digits of a per-thread counter. Arguments:
// user agent, site key, run prefix, slug.
const collectScript = `-- POST /collect: one beacon event per request, each from a new visitor.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["User-Agent"] = %q

local site_key = %q
local prefix = %q
local slug = %q
local thread_count = 0

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

local counter = 0

function request()
  counter = counter + 1
  local visitor = string.format("%%s%%02x%%022d", prefix, thread_number, counter)
  local body = string.format('{"k":"%%s","v":"%%s","e":"%%s","u":"https://www.example.com/p"}', site_key, visitor, slug)
  return wrk.format(nil, nil, nil, body)
end
`

// graphqlScript is the wrk Lua script for the triggerCustomEvent mutation.
// The threads take turns through the emails c0@example.com to
// c<emails-1>@example.com, so the first pass creates the contacts and
// later passes find them. Arguments: API key, slug, emails, threads.
const graphqlScript = `-- POST /graphql: one triggerCustomEvent mutation per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. %q

local slug = %q
local emails = %d
local threads = %d
local thread_count = 0

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

local counter = 0

function request()
  local n = (counter * threads + thread_number) %% emails
  counter = counter + 1
  local body = string.format('{"query":"mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }","variables":{"i":{"slug":"%%s","email":"c%%d@example.com"}}}', slug, n)
  return wrk.format(nil, nil, nil, body)
end
`

// writeScripts writes the Lua scripts to dir and returns their paths.
func writeScripts(dir string, f fixture, emails, threads int) (collectPath, graphqlPath string, err error) {
	prefix := make([]byte, 4)
	rand.Read(prefix)
	collectPath = filepath.Join(dir, "collect.lua")
	collect := fmt.Sprintf(collectScript, browserUserAgent, f.siteKey, hex.EncodeToString(prefix), benchSlug)
	if err := os.WriteFile(collectPath, []byte(collect), 0o644); err != nil {
		return "", "", err
	}
	graphqlPath = filepath.Join(dir, "graphql.lua")
	graphql := fmt.Sprintf(graphqlScript, benchAPIKey, benchSlug, emails, threads)
	if err := os.WriteFile(graphqlPath, []byte(graphql), 0o644); err != nil {
		return "", "", err
	}
	return collectPath, graphqlPath, nil
}

// wrkResult is the summary that one wrk run prints.
type wrkResult struct {
	// Requests is the number of completed responses, of any status.
	Requests       int64
	Duration       time.Duration
	RequestsPerSec float64
	P50, P99       time.Duration
	// Non2xx3xx counts responses with a status of 400 or more.
	Non2xx3xx                                        int64
	ConnectErrors, ReadErrors, WriteErrors, Timeouts int64
	// CPU is the user and system time of the wrk process.
	CPU time.Duration
}

// Successes returns the number of responses with a status below 400.
func (r wrkResult) Successes() int64 { return r.Requests - r.Non2xx3xx }

// runWrk runs wrk with --latency against url and parses its output.
func runWrk(ctx context.Context, wrkPath, script, url string, threads, connections int, duration time.Duration) (wrkResult, error) {
	args := []string{
		"-t", strconv.Itoa(threads),
		"-c", strconv.Itoa(connections),
		"-d", fmt.Sprintf("%ds", int(duration.Round(time.Second)/time.Second)),
		"--latency",
		"-s", script,
		url,
	}
	cmd := exec.CommandContext(ctx, wrkPath, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	result, err := parseWrk(string(out))
	if err != nil {
		return result, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	result.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return result, nil
}

var (
	wrkTotalLine    = regexp.MustCompile(`^\s*(\d+) requests in ([0-9.]+[a-z]+),`)
	wrkRateLine     = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)`)
	wrkPercentLine  = regexp.MustCompile(`^\s+(50|99)%\s+([0-9.]+[a-z]+)`)
	wrkNon2xxLine   = regexp.MustCompile(`^\s*Non-2xx or 3xx responses: (\d+)`)
	wrkSocketErrors = regexp.MustCompile(`^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads the text that wrk 4.1 prints with --latency. It requires
// the request total, the rate and the 50% and 99% latencies. The lines
// for non-2xx/3xx responses and socket errors appear only when non-zero.
func parseWrk(output string) (wrkResult, error) {
	var r wrkResult
	var haveTotal, haveRate, haveP50, haveP99 bool
	scanner := bufio.NewScanner(strings.NewReader(output))
	for scanner.Scan() {
		line := scanner.Text()
		var err error
		if m := wrkTotalLine.FindStringSubmatch(line); m != nil {
			r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
			r.Duration, err = parseWrkDuration(m[2])
			haveTotal = true
		} else if m := wrkRateLine.FindStringSubmatch(line); m != nil {
			r.RequestsPerSec, err = strconv.ParseFloat(m[1], 64)
			haveRate = true
		} else if m := wrkPercentLine.FindStringSubmatch(line); m != nil {
			var d time.Duration
			d, err = parseWrkDuration(m[2])
			if m[1] == "50" {
				r.P50, haveP50 = d, true
			} else {
				r.P99, haveP99 = d, true
			}
		} else if m := wrkNon2xxLine.FindStringSubmatch(line); m != nil {
			r.Non2xx3xx, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := wrkSocketErrors.FindStringSubmatch(line); m != nil {
			r.ConnectErrors, _ = strconv.ParseInt(m[1], 10, 64)
			r.ReadErrors, _ = strconv.ParseInt(m[2], 10, 64)
			r.WriteErrors, _ = strconv.ParseInt(m[3], 10, 64)
			r.Timeouts, _ = strconv.ParseInt(m[4], 10, 64)
		}
		if err != nil {
			return r, fmt.Errorf("parse wrk line %q: %w", line, err)
		}
	}
	switch {
	case !haveTotal:
		return r, fmt.Errorf(`wrk output has no "N requests in T" line`)
	case !haveRate:
		return r, fmt.Errorf(`wrk output has no "Requests/sec:" line`)
	case !haveP50 || !haveP99:
		return r, fmt.Errorf("wrk output has no 50%% and 99%% latency lines: run wrk with --latency")
	}
	return r, nil
}

// parseWrkDuration parses wrk's time format: a number with the unit us,
// ms, s, m or h, such as "842.00us" or "1.02s".
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{
		// "ms" and "us" come before "s", which ends them too.
		{"us", time.Microsecond},
		{"ms", time.Millisecond},
		{"s", time.Second},
		{"m", time.Minute},
		{"h", time.Hour},
	}
	for _, u := range units {
		number, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		value, err := strconv.ParseFloat(number, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(value * float64(u.unit)).Round(time.Microsecond), nil
	}
	return 0, fmt.Errorf("invalid duration %q: unit is not us, ms, s, m or h", s)
}
