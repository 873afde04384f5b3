package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/url"
	"time"

	"github.com/uptrace/bun"

	"customevents/db"
)

// databasePrefix starts the name of every database this program creates.
const databasePrefix = "ce_report_bench_"

// benchDatabase is the database of one run.
type benchDatabase struct {
	name     string
	adminURL string
	bdb      *bun.DB
	store    *db.Store
}

// createBenchDatabase creates a database named databasePrefix and 8 random
// hex digits on the server of adminURL and applies the migrations.
func createBenchDatabase(ctx context.Context, adminURL string) (*benchDatabase, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := databasePrefix + hex.EncodeToString(suffix)

	admin, err := db.Open(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connect to DATABASE_URL: %w", err)
	}
	defer admin.Close()
	// The name is built from hex digits above, so quoting it is enough.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	log.Printf("created database %s", name)

	database, err := openBenchDatabase(ctx, adminURL, name)
	if err != nil {
		database := &benchDatabase{name: name, adminURL: adminURL}
		database.drop(ctx)
		return nil, err
	}
	if err := db.Migrate(ctx, database.bdb, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		database.drop(ctx)
		return nil, err
	}
	return database, nil
}

// openBenchDatabase connects to the database name on the server of
// adminURL.
func openBenchDatabase(ctx context.Context, adminURL, name string) (*benchDatabase, error) {
	parsed, err := url.Parse(adminURL)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		return nil, fmt.Errorf("DATABASE_URL must be a postgres:// URL, such as postgres://user@127.0.0.1:5432/postgres?sslmode=disable")
	}
	parsed.Path = "/" + name
	bdb, err := db.Open(ctx, parsed.String())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", name, err)
	}
	return &benchDatabase{name: name, adminURL: adminURL, bdb: bdb, store: db.NewStore(bdb)}, nil
}

func (d *benchDatabase) close() {
	if d.bdb != nil {
		d.bdb.Close()
	}
}

// drop closes the connections and drops the database.
func (d *benchDatabase) drop(ctx context.Context) error {
	d.close()
	admin, err := db.Open(ctx, d.adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+d.name+`" WITH (FORCE)`); err != nil {
		return err
	}
	log.Printf("dropped database %s", d.name)
	return nil
}
