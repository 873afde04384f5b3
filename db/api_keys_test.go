package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

func TestListAPIKeysNewestFirst(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	for _, name := range []string{"First", "Second"} {
		if _, _, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, name); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	// Another account's key is not listed.
	other := createAccount(t, f, "Other Company")
	if _, _, err := f.Store.CreateNamedAPIKey(ctx, other, "Other"); err != nil {
		t.Fatal(err)
	}

	keys, err := f.Store.ListAPIKeys(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	if got, want := strings.Join(names, ","), "Second,First,Initial key"; got != want {
		t.Errorf("names = %s, want %s", got, want)
	}
}

func TestCreateNamedAPIKeyStoresHash(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()

	key, created, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, "  CRM integration  ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, db.APIKeyPrefix) {
		t.Errorf("key = %q, want prefix %q", key, db.APIKeyPrefix)
	}
	if len(key) != 46 {
		t.Errorf("key length = %d, want 46", len(key))
	}
	if created.Name != "CRM integration" {
		t.Errorf("name = %q, want %q", created.Name, "CRM integration")
	}
	if created.Prefix != key[:10] {
		t.Errorf("prefix = %q, want %q", created.Prefix, key[:10])
	}
	if created.ID == 0 {
		t.Error("id = 0, want the stored row's id")
	}
	if created.CreatedAt.IsZero() {
		t.Error("createdAt is zero, want the stored time")
	}
	if !created.LastUsedAt.IsZero() || !created.RevokedAt.IsZero() {
		t.Errorf("lastUsedAt = %v, revokedAt = %v, want both null", created.LastUsedAt, created.RevokedAt)
	}

	var stored int
	err = f.Store.DB().NewRaw("SELECT count(*) FROM api_keys WHERE key_hash = sha256(?::bytea)", key).
		Scan(ctx, &stored)
	if err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Errorf("rows with the key's SHA-256 = %d, want 1", stored)
	}

	account, err := f.Store.AccountByAPIKey(ctx, key)
	if err != nil {
		t.Fatalf("use new key: %v", err)
	}
	if account.ID != f.Account.ID {
		t.Errorf("account = %d, want %d", account.ID, f.Account.ID)
	}
}

func TestCreateNamedAPIKeyValidation(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		input   string
		message string
	}{
		{"empty", "", "Name is required, such as CRM integration."},
		{"spaces only", "   ", "Name is required, such as CRM integration."},
		{"101 characters", strings.Repeat("é", 101), "Name is too long: use at most 100 characters."},
		{"control character", "CRM\x00key", "Name contains the control character U+0000: remove it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, created, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, tt.input)
			verr, ok := errors.AsType[*apitype.ValidationError](err)
			if !ok {
				t.Fatalf("error = %v, want a validation error", err)
			}
			if verr.Field != "name" {
				t.Errorf("field = %q, want name", verr.Field)
			}
			if verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
			if key != "" || created != nil {
				t.Errorf("key = %q, row = %+v, want neither", key, created)
			}
		})
	}
	if n := dbtest.Count(t, f.Store.DB(), "api_keys"); n != 1 {
		t.Errorf("API keys = %d, want only the initial one", n)
	}

	// 100 characters is the maximum and passes.
	if _, _, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, strings.Repeat("é", 100)); err != nil {
		t.Errorf("100 characters: %v", err)
	}
}

func TestRevokeAPIKey(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	key, created, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, "CRM integration")
	if err != nil {
		t.Fatal(err)
	}

	if err := f.Store.RevokeAPIKey(ctx, f.Account.ID, created.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := f.Store.AccountByAPIKey(ctx, key); !errors.Is(err, db.ErrInvalidAPIKey) {
		t.Errorf("use revoked key: error = %v, want ErrInvalidAPIKey", err)
	}
	// The initial key still works.
	if _, err := f.Store.AccountByAPIKey(ctx, f.APIKey); err != nil {
		t.Errorf("use initial key: %v", err)
	}

	keys, err := f.Store.ListAPIKeys(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys = %d, want 2", len(keys))
	}
	if keys[0].ID != created.ID || keys[0].RevokedAt.IsZero() {
		t.Errorf("first listed = id %d revokedAt %v, want id %d revoked", keys[0].ID, keys[0].RevokedAt, created.ID)
	}
	if !keys[1].RevokedAt.IsZero() {
		t.Errorf("initial key revokedAt = %v, want null", keys[1].RevokedAt)
	}

	err = f.Store.RevokeAPIKey(ctx, f.Account.ID, created.ID)
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("revoke twice: error = %v, want not found", err)
	}
	want := `active API key "` + itoa(created.ID) + `" was not found in this account. Reload the list of API keys: it may have been revoked already.`
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	if err := f.Store.RevokeAPIKey(ctx, f.Account.ID, 999999); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("revoke unknown id: error = %v, want not found", err)
	}
}

func TestRevokeAPIKeyOtherAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	key, created, err := f.Store.CreateNamedAPIKey(ctx, f.Account.ID, "CRM integration")
	if err != nil {
		t.Fatal(err)
	}
	other := createAccount(t, f, "Other Company")

	if err := f.Store.RevokeAPIKey(ctx, other, created.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("revoke from another account: error = %v, want not found", err)
	}
	if _, err := f.Store.AccountByAPIKey(ctx, key); err != nil {
		t.Errorf("key after another account's revoke: %v, want it still valid", err)
	}
}

// TestCachedAccountByAPIKey runs two stores on one database, as two
// server processes would. A store clears its cached keys when it revokes
// one or changes the account, and the other store follows within the
// cache's TTL of 2 seconds.
func TestCachedAccountByAPIKey(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := db.NewStore(f.Store.DB())
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := start
	for _, store := range []*db.Store{f.Store, other} {
		db.SetCacheClock(store, func() time.Time { return now })
	}
	lookup := func(store *db.Store) (string, error) {
		t.Helper()
		account, err := store.CachedAccountByAPIKey(ctx, f.APIKey)
		if err != nil {
			return "", err
		}
		if account.ID != f.Account.ID {
			t.Fatalf("account = %d, want %d", account.ID, f.Account.ID)
		}
		return account.TimeZone, nil
	}
	for _, store := range []*db.Store{f.Store, other} {
		if zone, err := lookup(store); err != nil || zone != "UTC" {
			t.Fatalf("first lookup = %q, %v, want UTC", zone, err)
		}
	}

	if err := f.Store.SetTimeZone(ctx, f.Account.ID, "Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	now = start.Add(time.Second)
	if zone, err := lookup(f.Store); err != nil || zone != "Europe/Berlin" {
		t.Errorf("zone from the changing store = %q, %v, want Europe/Berlin", zone, err)
	}
	if zone, err := lookup(other); err != nil || zone != "UTC" {
		t.Errorf("zone from the other store within the TTL = %q, %v, want the cached UTC", zone, err)
	}

	keys, err := f.Store.ListAPIKeys(ctx, f.Account.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v, want the fixture's one", keys, err)
	}
	if err := f.Store.RevokeAPIKey(ctx, f.Account.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(f.Store); !errors.Is(err, db.ErrInvalidAPIKey) {
		t.Errorf("revoked key on the revoking store: err = %v, want ErrInvalidAPIKey", err)
	}
	if _, err := lookup(other); err != nil {
		t.Errorf("revoked key on the other store within the TTL: err = %v, want the cached account", err)
	}
	now = start.Add(2*time.Second + time.Millisecond)
	if _, err := lookup(other); !errors.Is(err, db.ErrInvalidAPIKey) {
		t.Errorf("revoked key on the other store after the TTL: err = %v, want ErrInvalidAPIKey", err)
	}
}

func TestUpdateAccountClearsCachedAPIKey(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db.SetCacheClock(f.Store, func() time.Time { return now })

	before, err := f.Store.CachedAccountByAPIKey(ctx, f.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if before.TimeZone != "UTC" {
		t.Fatalf("time zone before = %q, want UTC", before.TimeZone)
	}
	if _, err := f.Store.UpdateAccount(ctx, f.Account.ID, apitype.AccountInput{Name: "Renamed", TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}

	now = now.Add(time.Second)
	after, err := f.Store.CachedAccountByAPIKey(ctx, f.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if after.TimeZone != "Europe/Berlin" {
		t.Errorf("time zone after the update = %q, want Europe/Berlin", after.TimeZone)
	}
	if after.Name != "Renamed" {
		t.Errorf("name after the update = %q, want Renamed", after.Name)
	}
}
