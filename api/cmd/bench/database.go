package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log"
	"net/url"
	"time"

	_ "github.com/lib/pq"
)

// benchDatabase is the throwaway database of one run.
type benchDatabase struct {
	name     string
	url      string
	adminURL string
	db       *sql.DB
}

// createBenchDatabase creates an empty database named ce_bench_<random hex>
// on the server of adminURL and connects to it.
func createBenchDatabase(ctx context.Context, adminURL string) (*benchDatabase, error) {
	parsed, err := url.Parse(adminURL)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		return nil, fmt.Errorf("DATABASE_URL must be a postgres:// URL, such as postgres://user@127.0.0.1:5432/postgres?sslmode=disable")
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "ce_bench_" + hex.EncodeToString(suffix)

	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return nil, fmt.Errorf("open DATABASE_URL: %w", err)
	}
	defer admin.Close()
	// The name is built from hex digits above, so quoting it is enough.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	log.Printf("created database %s", name)

	parsed.Path = "/" + name
	database := &benchDatabase{name: name, url: parsed.String(), adminURL: adminURL}
	database.db, err = sql.Open("postgres", database.url)
	if err != nil {
		database.drop(ctx)
		return nil, fmt.Errorf("open database %s: %w", name, err)
	}
	return database, nil
}

// drop closes the connections and drops the database, ending any session
// that the server left behind.
func (d *benchDatabase) drop(ctx context.Context) error {
	if d.db != nil {
		d.db.Close()
	}
	admin, err := sql.Open("postgres", d.adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+d.name+`" WITH (FORCE)`); err != nil {
		return err
	}
	log.Printf("dropped database %s", d.name)
	return nil
}

// countOccurrences returns the number of rows in event_occurrences.
func (d *benchDatabase) countOccurrences(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM event_occurrences").Scan(&n); err != nil {
		return 0, fmt.Errorf("count occurrences: %w", err)
	}
	return n, nil
}

// waitForOccurrences polls the occurrence count until it reaches want or
// the timeout passes, because a server that batches writes may store
// events after it has responded. It returns the last count.
func (d *benchDatabase) waitForOccurrences(ctx context.Context, want int64, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	for {
		n, err := d.countOccurrences(ctx)
		if err != nil || n >= want || time.Now().After(deadline) {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitForStableCount polls the occurrence count until two reads 200 ms
// apart agree or the timeout passes, so that events of the previous run
// that the server stores late are not counted for the next one. It returns
// the last count.
func (d *benchDatabase) waitForStableCount(ctx context.Context, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	last, err := d.countOccurrences(ctx)
	for err == nil && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		var n int64
		n, err = d.countOccurrences(ctx)
		if err == nil && n == last {
			return n, nil
		}
		last = n
	}
	return last, err
}

// serverVersion returns the PostgreSQL version, such as "15.18 (Debian
// 15.18-0+deb12u1)".
func (d *benchDatabase) serverVersion(ctx context.Context) (string, error) {
	var version string
	err := d.db.QueryRowContext(ctx, "SHOW server_version").Scan(&version)
	return version, err
}
