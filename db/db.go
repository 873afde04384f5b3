// Package db stores accounts, custom events, contacts and event occurrences
// in PostgreSQL through Bun on lib/pq, and holds every query the API runs.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the pg_advisory_lock key that serializes migrations
// when several servers start against one database.
const migrationLockKey = 7305711

// Open connects to the database at dsn and checks that it responds.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	sqldb, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Keep as many idle connections as open ones: under load every
	// request borrows one, and closing spares only to reopen them costs
	// a Postgres backend start each time.
	sqldb.SetMaxOpenConns(50)
	sqldb.SetMaxIdleConns(50)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqldb.PingContext(pingCtx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// Migrate applies every migration that the database lacks. It holds an
// advisory lock meanwhile, so concurrent starts apply each migration once.
func Migrate(ctx context.Context, bdb *bun.DB, log *slog.Logger) error {
	conn, err := bdb.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)

	migrations := migrate.NewMigrations()
	if err := migrations.Discover(migrationFiles); err != nil {
		return fmt.Errorf("migrate: read migrations: %w", err)
	}
	migrator := migrate.NewMigrator(bdb, migrations)
	if err := migrator.Init(ctx); err != nil {
		return fmt.Errorf("migrate: create migration tables: %w", err)
	}
	group, err := migrator.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if group.IsZero() {
		log.Info("database schema is up to date")
		return nil
	}
	log.Info("database migrated", "group_id", group.ID, "migrations", group.Migrations.String())
	return nil
}

// ErrNotFound is matched by every error for a missing row.
var ErrNotFound = errors.New("not found")

// NotFoundError names what was not found. Its message is safe to show to
// API clients.
type NotFoundError struct {
	Resource string
	Key      string
	Hint     string
	// Field is the request field that named the missing row, such as
	// "actionSetId", or empty when the path named it.
	Field string
	// Message, when set, replaces the message built from the fields above,
	// for things that are not looked up in one account.
	Message string
}

func (e *NotFoundError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	msg := fmt.Sprintf("%s %q was not found in this account.", e.Resource, e.Key)
	if e.Hint != "" {
		msg += " " + e.Hint
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool {
	return target == ErrNotFound
}

// ForbiddenError reports a change that the member's role does not allow.
// Its message is meant for clients and names the role needed.
type ForbiddenError struct {
	Message string
}

func (e *ForbiddenError) Error() string { return e.Message }

// LinkError reports an invite or password reset token that cannot be used:
// unknown, or used, revoked, replaced or expired. Its message is meant for
// clients and names what to do instead.
type LinkError struct {
	Message string
	// Unknown is true when no link has the token, and false when the link
	// exists but can no longer be used.
	Unknown bool
}

func (e *LinkError) Error() string { return e.Message }

func isUniqueViolation(err error, constraint string) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	return pqErr.Code == "23505" && (constraint == "" || pqErr.Constraint == constraint)
}

// Store runs every query of the product. Each method that reads or writes
// account data takes the account id and filters on it.
type Store struct {
	db *bun.DB
	// ingester, when set, batches RecordEvent writes.
	ingester atomic.Pointer[Ingester]
	// events caches the definitions that RecordEvent looks up by slug.
	events eventCache
	// actionWake, when set, is called after occurrences of events with
	// actions commit.
	actionWake atomic.Pointer[func()]
	// caches keep the site keys that beacon requests look up and the API
	// keys that GraphQL requests look up.
	caches *accountCaches
	// receipts lists the batch receipts that the next batch transaction
	// deletes.
	receipts doneReceipts
	// live fans committed occurrences out to live event streams, and
	// liveNotifier, when set, carries them between server processes.
	live         liveHub
	liveNotifier atomic.Pointer[liveNotifier]
}

// OnActionsEnqueued makes the store call wake after it records
// occurrences of an event whose actions are on, so that action workers in
// this process need not wait for their next poll. Occurrences recorded by
// other processes are found by polling only.
func (s *Store) OnActionsEnqueued(wake func()) {
	if wake == nil {
		s.actionWake.Store(nil)
		return
	}
	s.actionWake.Store(&wake)
}

func (s *Store) wakeActionWorkers() {
	if wake := s.actionWake.Load(); wake != nil {
		(*wake)()
	}
}

// NewStore returns a Store on bdb.
func NewStore(bdb *bun.DB) *Store {
	return &Store{db: bdb, caches: newAccountCaches()}
}

// Ping checks that the database responds.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}

// DB returns the underlying connection pool.
func (s *Store) DB() *bun.DB {
	return s.db
}
