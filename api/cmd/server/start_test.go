package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"customevents/db/dbtest"
)

// A first start whose address is occupied must not create the first account:
// its generated password and key would be printed once and then lost.
func TestBusyAddressCreatesNoAccount(t *testing.T) {
	bdb, dbURL := dbtest.NewWithURL(t)
	occupied, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer occupied.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "CE_ADDR="+occupied.Addr().String(),
		"CE_ADMIN_PASSWORD=", "CE_API_KEY=", "CE_LOG_FORMAT=text", runServerEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	exit, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("server exit = %v, want an exit status; log:\n%s", err, stderr.String())
	}
	if exit.ExitCode() != 1 {
		t.Errorf("exit status = %d, want 1", exit.ExitCode())
	}
	if !strings.Contains(stderr.String(), "listen on "+occupied.Addr().String()) {
		t.Errorf("log does not name the address it could not listen on:\n%s", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("standard output = %q, want nothing", stdout.String())
	}
	if n := dbtest.Count(t, bdb, "accounts"); n != 0 {
		t.Errorf("accounts = %d, want 0", n)
	}
}
