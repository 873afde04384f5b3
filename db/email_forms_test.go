package db_test

import (
	"context"
	"errors"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// The same address with ö as one character (U+00F6) and as o followed by
// the combining diaeresis U+0308.
const (
	precomposedEmail = "j\u00f6rg@example.com"
	decomposedEmail  = "jo\u0308rg@example.com"
)

func TestLoginEmailUnicodeForms(t *testing.T) {
	ctx := context.Background()
	store := db.NewStore(dbtest.New(t))
	const password = "correct horse battery staple"
	res, err := store.Bootstrap(ctx, db.BootstrapConfig{
		AccountName: "Test Company", AdminEmail: " JO\u0308RG@Example.com ", AdminPassword: password,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.AdminEmail != precomposedEmail {
		t.Errorf("admin email = %+q, want %+q", res.AdminEmail, precomposedEmail)
	}

	// PostgreSQL's lower() in a cluster without a locale leaves Ö as it
	// is, so the uppercase form also tests that Go folds the case.
	for _, email := range []string{precomposedEmail, decomposedEmail, "J\u00d6RG@EXAMPLE.COM"} {
		if _, _, err := store.Login(ctx, email, password); err != nil {
			t.Errorf("Login(%+q): %v", email, err)
		}
		token, user, err := store.CreatePasswordReset(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if token == "" || user == nil || user.Email != precomposedEmail {
			t.Errorf("CreatePasswordReset(%+q) = %q, %+v, want a token for %+q", email, token, user, precomposedEmail)
		}
	}
}

func TestPrivacyEmailUnicodeForms(t *testing.T) {
	ctx := context.Background()
	f := dbtest.NewFixture(t)
	if _, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Signed Up", Slug: "signed-up"}); err != nil {
		t.Fatal(err)
	}
	email, verr := apitype.NormalizeEmail("email", decomposedEmail)
	if verr != nil {
		t.Fatal(verr)
	}
	if email != precomposedEmail {
		t.Fatalf("NormalizeEmail(%+q) = %+q, want %+q", decomposedEmail, email, precomposedEmail)
	}
	if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signed-up", Email: email, Source: db.SourceAPI}); err != nil {
		t.Fatal(err)
	}

	export, err := f.Store.ExportContact(ctx, f.Account.ID, "JO\u0308RG@example.com", "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if export.Email != precomposedEmail || len(export.Occurrences) != 1 {
		t.Errorf("export = %+q with %d occurrences, want %+q with 1", export.Email, len(export.Occurrences), precomposedEmail)
	}

	result, err := f.Store.EraseContact(ctx, f.Account.ID, decomposedEmail, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if result.Occurrences != 1 {
		t.Errorf("erased occurrences = %d, want 1", result.Occurrences)
	}
	if n := dbtest.Count(t, f.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts after erasure = %d, want 0", n)
	}
	if _, err := f.Store.ExportContact(ctx, f.Account.ID, precomposedEmail, "admin@example.com"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("export after erasure: err = %v, want ErrNotFound", err)
	}
}
