// Package dbtest gives each test its own migrated PostgreSQL database on the
// server named by DATABASE_URL, which `make test` starts.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"customevents/db"
)

// New creates an empty database, applies the migrations and drops the
// database when the test ends. It fails the test when DATABASE_URL is unset:
// database tests never skip.
func New(t testing.TB) *bun.DB {
	t.Helper()
	bdb, _ := NewWithURL(t)
	return bdb
}

// NewWithURL is New that also returns the database's connection URL, for
// tests that start the server as a separate process.
func NewWithURL(t testing.TB) (*bun.DB, string) {
	t.Helper()
	ctx := context.Background()

	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		t.Fatal("DATABASE_URL is unset: run the tests with `make test`, which starts a local PostgreSQL, or point DATABASE_URL at a server where this user may create databases")
	}
	admin, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to DATABASE_URL: %v", err)
	}
	defer admin.Close()

	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "ce_test_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	bdb, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		bdb.Close()
		admin, err := db.Open(context.Background(), dsn)
		if err != nil {
			t.Errorf("connect to drop test database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})

	if err := db.Migrate(ctx, bdb, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate test database %s: %v", name, err)
	}
	return bdb, u.String()
}

// Fixture is a bootstrapped account with an admin and an API key.
type Fixture struct {
	Store         *db.Store
	Account       *db.Account
	AdminEmail    string
	AdminPassword string
	APIKey        string
}

// NewFixture creates a database with one bootstrapped account.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	store := db.NewStore(New(t))
	f := &Fixture{
		Store:         store,
		AdminEmail:    "admin@example.com",
		AdminPassword: "correct horse battery staple",
		APIKey:        db.NewAPIKey(),
	}
	res, err := store.Bootstrap(context.Background(), db.BootstrapConfig{
		AccountName:   "Test Company",
		AdminEmail:    f.AdminEmail,
		AdminPassword: f.AdminPassword,
		APIKey:        f.APIKey,
	})
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	f.Account, err = store.Account(context.Background(), res.AccountID)
	if err != nil {
		t.Fatalf("load account: %v", err)
	}
	return f
}

// Count returns the number of rows in table, for checks that nothing was
// stored.
func Count(t testing.TB, bdb bun.IDB, table string) int {
	t.Helper()
	var n int
	if err := bdb.NewRaw(fmt.Sprintf("SELECT count(*) FROM %s", table)).Scan(context.Background(), &n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// AddAccount creates another account, with a random site key, and returns
// its id.
func (f *Fixture) AddAccount(t testing.TB, name string) int64 {
	t.Helper()
	suffix := make([]byte, 6)
	rand.Read(suffix)
	var id int64
	err := f.Store.DB().NewRaw("INSERT INTO accounts (name, site_key) VALUES (?, ?) RETURNING id", name, "site_"+hex.EncodeToString(suffix)).
		Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	return id
}

// AddMember gives the user with email the role in the account, creating
// the user with password first when no user has the email. It returns the
// user's id.
func (f *Fixture) AddMember(t testing.TB, accountID int64, email, password, role string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := f.Store.DB().NewRaw("SELECT id FROM users WHERE lower(email) = lower(?)", email).Scan(ctx, &id)
	if err != nil {
		hash := passwordHash(t, password)
		if err := f.Store.DB().NewRaw("INSERT INTO users (email, password_hash) VALUES (?, ?) RETURNING id", email, hash).Scan(ctx, &id); err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
	}
	if _, err := f.Store.DB().ExecContext(ctx, "INSERT INTO memberships (account_id, user_id, role) VALUES (?, ?, ?)", accountID, id, role); err != nil {
		t.Fatalf("add %s to account %d as %s: %v", email, accountID, role, err)
	}
	return id
}

// UserID returns the id of the user with email.
func (f *Fixture) UserID(t testing.TB, email string) int64 {
	t.Helper()
	var id int64
	if err := f.Store.DB().NewRaw("SELECT id FROM users WHERE lower(email) = lower(?)", email).Scan(context.Background(), &id); err != nil {
		t.Fatalf("find user %s: %v", email, err)
	}
	return id
}

// passwordHashes caches one bcrypt hash per password, because hashing
// takes seconds under the race detector on a busy machine. Users who share
// a password then share its hash and salt, which tests do not mind.
var passwordHashes sync.Map

func passwordHash(t testing.TB, password string) string {
	t.Helper()
	if hash, ok := passwordHashes.Load(password); ok {
		return hash.(string)
	}
	hash, err := db.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	passwordHashes.Store(password, hash)
	return hash
}
