package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"customevents/db"
	"customevents/db/dbtest"
)

// TestIdentifySigningFirstReadsRace reads the identify settings of an
// account without a secret from eight goroutines at once: all get the one
// secret that is stored, and another account keeps none.
func TestIdentifySigningFirstReadsRace(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := createAccount(t, f, "Other Company")

	secrets := make([]string, 8)
	var wg sync.WaitGroup
	for i := range secrets {
		wg.Go(func() {
			signing, err := f.Store.IdentifySigning(ctx, f.Account.ID)
			if err != nil {
				t.Error(err)
				return
			}
			secrets[i] = signing.Secret
		})
	}
	wg.Wait()

	settings, err := f.Store.CollectSettingsBySiteKey(ctx, f.Account.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(settings.IdentifySecret) != 64 {
		t.Fatalf("stored secret = %q, want 64 hex digits", settings.IdentifySecret)
	}
	for i, secret := range secrets {
		if secret != settings.IdentifySecret {
			t.Errorf("read %d got secret %q, want the stored %q", i, secret, settings.IdentifySecret)
		}
	}
	if n := dbtest.Count(t, f.Store.DB(), "accounts WHERE identify_secret IS NOT NULL"); n != 1 {
		t.Errorf("accounts with a secret = %d, want 1 (not account %d)", n, other)
	}
}

func TestIdentifySigningUnknownAccount(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	if _, err := f.Store.IdentifySigning(ctx, -1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("IdentifySigning(-1) error = %v, want ErrNotFound", err)
	}
	if _, err := f.Store.SetIdentifySignatureRequired(ctx, -1, true); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("SetIdentifySignatureRequired(-1) error = %v, want ErrNotFound", err)
	}
	if _, err := f.Store.RotateIdentifySecret(ctx, -1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("RotateIdentifySecret(-1) error = %v, want ErrNotFound", err)
	}
}
