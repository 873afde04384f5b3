package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

const memberPassword = "member password 1"

// errAs returns err as a *T, failing the test when it is not one.
func errAs[T error](t *testing.T, err error) T {
	t.Helper()
	target, ok := errors.AsType[T](err)
	if !ok {
		var zero T
		t.Fatalf("err = %v (%T), want %T", err, err, zero)
	}
	return target
}

func roleOf(t *testing.T, f *dbtest.Fixture, accountID, userID int64) string {
	t.Helper()
	var role string
	err := f.Store.DB().NewRaw("SELECT coalesce((SELECT role FROM memberships WHERE account_id = ? AND user_id = ?), 'none')", accountID, userID).
		Scan(context.Background(), &role)
	if err != nil {
		t.Fatal(err)
	}
	return role
}

func sessionCount(t *testing.T, f *dbtest.Fixture, userID int64) int {
	t.Helper()
	var n int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM sessions WHERE user_id = ?", userID).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUserAccountsListsRoles(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	owner := f.UserID(t, f.AdminEmail)
	beta := f.AddAccount(t, "Beta")
	f.AddMember(t, beta, f.AdminEmail, "", apitype.RoleViewer)
	f.AddAccount(t, "Alpha without the user")

	accounts, err := f.Store.UserAccounts(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(accounts)
	want := fmt.Sprintf("[{%d Beta viewer} {%d Test Company owner}]", beta, f.Account.ID)
	if got != want {
		t.Errorf("accounts = %s, want %s", got, want)
	}
}

func TestCreateAccountMakesOwner(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	owner := f.UserID(t, f.AdminEmail)

	account, err := f.Store.CreateAccount(ctx, owner, apitype.AccountInput{Name: "  Acme Europe  "})
	if err != nil {
		t.Fatal(err)
	}
	if account.Name != "Acme Europe" {
		t.Errorf("name = %q, want Acme Europe", account.Name)
	}
	if account.TimeZone != "UTC" {
		t.Errorf("time zone = %q, want UTC", account.TimeZone)
	}
	if !strings.HasPrefix(account.SiteKey, "site_") || account.SiteKey == f.Account.SiteKey {
		t.Errorf("site key = %q, want a new site_ key", account.SiteKey)
	}
	if got := roleOf(t, f, account.ID, owner); got != apitype.RoleOwner {
		t.Errorf("role = %s, want owner", got)
	}

	_, err = f.Store.CreateAccount(ctx, owner, apitype.AccountInput{Name: "Mars", TimeZone: "Mars/Olympus_Mons"})
	verr := errAs[*apitype.ValidationError](t, err)
	if want := `Time zone "Mars/Olympus_Mons" is not an IANA time zone: use a name such as Europe/Berlin or UTC.`; verr.Message != want || verr.Field != "timeZone" {
		t.Errorf("error = %s: %s, want timeZone: %s", verr.Field, verr.Message, want)
	}
	if n := dbtest.Count(t, f.Store.DB(), "accounts"); n != 2 {
		t.Errorf("accounts = %d, want 2", n)
	}
}

func TestUpdateAccountTimeZone(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()

	account, err := f.Store.UpdateAccount(ctx, f.Account.ID, apitype.AccountInput{Name: "Renamed", TimeZone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	if account.Name != "Renamed" || account.TimeZone != "America/New_York" {
		t.Errorf("account = %s in %s, want Renamed in America/New_York", account.Name, account.TimeZone)
	}

	for _, tc := range []struct {
		name, zone, field, message string
	}{
		{"Renamed", "", "timeZone", "Time zone is required: use an IANA name such as Europe/Berlin or UTC."},
		{"Renamed", "Local", "timeZone", `Time zone "Local" is not an IANA time zone: use a name such as Europe/Berlin or UTC.`},
		{"Renamed", "europe/berlin", "timeZone", `Time zone "europe/berlin" is not an IANA time zone: use a name such as Europe/Berlin or UTC.`},
		{"Renamed", "../../etc/passwd", "timeZone", `Time zone "../../etc/passwd" is not an IANA time zone: use a name such as Europe/Berlin or UTC.`},
		{" ", "UTC", "name", "Name is required, such as Acme Marketing."},
		{"Bad\u202eName", "UTC", "name", "Name contains the invisible character U+202E: remove it."},
	} {
		_, err := f.Store.UpdateAccount(ctx, f.Account.ID, apitype.AccountInput{Name: tc.name, TimeZone: tc.zone})
		verr := errAs[*apitype.ValidationError](t, err)
		if verr.Field != tc.field || verr.Message != tc.message {
			t.Errorf("%q in %q: error = %s: %s, want %s: %s", tc.name, tc.zone, verr.Field, verr.Message, tc.field, tc.message)
		}
	}
	stored, err := f.Store.Account(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Renamed" || stored.TimeZone != "America/New_York" {
		t.Errorf("stored = %s in %s after rejected updates, want Renamed in America/New_York", stored.Name, stored.TimeZone)
	}
}

func TestSwitchAccountReissuesSession(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	beta := f.AddAccount(t, "Beta")
	f.AddMember(t, beta, f.AdminEmail, "", apitype.RoleEditor)
	foreign := f.AddAccount(t, "Foreign")

	token, first, err := f.Store.Login(ctx, f.AdminEmail, f.AdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if first.Account.ID != f.Account.ID || first.Role != apitype.RoleOwner {
		t.Fatalf("login = account %d as %s, want %d as owner", first.Account.ID, first.Role, f.Account.ID)
	}

	_, _, err = f.Store.SwitchAccount(ctx, token, foreign)
	nf := errAs[*db.NotFoundError](t, err)
	if want := fmt.Sprintf("Account %d was not found among your accounts: pick one that GET /api/accounts lists.", foreign); nf.Error() != want {
		t.Errorf("message = %q, want %q", nf.Error(), want)
	}
	if _, err := f.Store.Session(ctx, token); err != nil {
		t.Errorf("session after a refused switch: %v, want it unchanged", err)
	}

	newToken, switched, err := f.Store.SwitchAccount(ctx, token, beta)
	if err != nil {
		t.Fatal(err)
	}
	if switched.Account.ID != beta || switched.Role != apitype.RoleEditor {
		t.Errorf("switched = account %d as %s, want %d as editor", switched.Account.ID, switched.Role, beta)
	}
	if newToken == token || switched.Session.CSRFToken == first.Session.CSRFToken {
		t.Error("switch kept the cookie token or the CSRF token, want new ones")
	}
	if _, err := f.Store.Session(ctx, token); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("old session after switch: err = %v, want not found", err)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	other := f.AddMember(t, f.Account.ID, "other@example.com", memberPassword, apitype.RoleViewer)
	for range 3 {
		if _, _, err := f.Store.Login(ctx, f.AdminEmail, f.AdminPassword); err != nil {
			t.Fatal(err)
		}
	}
	otherToken, _, err := f.Store.Login(ctx, "other@example.com", memberPassword)
	if err != nil {
		t.Fatal(err)
	}

	n, err := f.Store.LogoutEverywhere(ctx, f.UserID(t, f.AdminEmail))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("deleted = %d, want 3", n)
	}
	if got := sessionCount(t, f, f.UserID(t, f.AdminEmail)); got != 0 {
		t.Errorf("sessions left = %d, want 0", got)
	}
	if _, err := f.Store.Session(ctx, otherToken); err != nil {
		t.Errorf("other user's session: %v, want it kept", err)
	}
	if got := sessionCount(t, f, other); got != 1 {
		t.Errorf("other user's sessions = %d, want 1", got)
	}
}

func TestSetMemberRoleRules(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ownerID := f.UserID(t, f.AdminEmail)
	adminID := f.AddMember(t, f.Account.ID, "admin@acme.test", memberPassword, apitype.RoleAdmin)
	otherAdminID := f.AddMember(t, f.Account.ID, "admin2@acme.test", memberPassword, apitype.RoleAdmin)
	viewerID := f.AddMember(t, f.Account.ID, "viewer@acme.test", memberPassword, apitype.RoleViewer)
	owner := db.Actor{UserID: ownerID, Role: apitype.RoleOwner}
	admin := db.Actor{UserID: adminID, Role: apitype.RoleAdmin}

	member, err := f.Store.SetMemberRole(ctx, f.Account.ID, admin, viewerID, apitype.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	if member.Role != apitype.RoleEditor || member.Email != "viewer@acme.test" || member.UserID != viewerID {
		t.Errorf("member = %+v, want viewer@acme.test as editor", member)
	}

	refusals := []struct {
		name    string
		actor   db.Actor
		userID  int64
		role    string
		message string
	}{
		{"admin promotes to admin", admin, viewerID, apitype.RoleAdmin, "Making a member an admin needs the owner role."},
		{"admin changes an admin", admin, otherAdminID, apitype.RoleViewer, "Changing the role of an admin needs the owner role."},
		{"admin demotes an owner", admin, ownerID, apitype.RoleViewer, "Changing the role of an owner needs the owner role."},
	}
	for _, tc := range refusals {
		_, err := f.Store.SetMemberRole(ctx, f.Account.ID, tc.actor, tc.userID, tc.role)
		forbidden := errAs[*db.ForbiddenError](t, err)
		if forbidden.Message != tc.message {
			t.Errorf("%s: message = %q, want %q", tc.name, forbidden.Message, tc.message)
		}
	}
	if got := roleOf(t, f, f.Account.ID, otherAdminID); got != apitype.RoleAdmin {
		t.Errorf("other admin's role = %s after refusals, want admin", got)
	}

	_, err = f.Store.SetMemberRole(ctx, f.Account.ID, owner, ownerID, apitype.RoleAdmin)
	conflict := errAs[*db.ConflictError](t, err)
	if want := "The last owner of an account cannot be made an admin: make another member an owner first."; conflict.Message != want {
		t.Errorf("last owner: message = %q, want %q", conflict.Message, want)
	}

	if _, err := f.Store.SetMemberRole(ctx, f.Account.ID, owner, otherAdminID, apitype.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.SetMemberRole(ctx, f.Account.ID, owner, ownerID, apitype.RoleViewer); err != nil {
		t.Errorf("owner steps down while another owner exists: %v", err)
	}
	if got := roleOf(t, f, f.Account.ID, ownerID); got != apitype.RoleViewer {
		t.Errorf("first owner's role = %s, want viewer", got)
	}

	_, err = f.Store.SetMemberRole(ctx, f.Account.ID, owner, viewerID, "superuser")
	verr := errAs[*apitype.ValidationError](t, err)
	if want := `Role "superuser" is not valid: use viewer, editor, admin or owner.`; verr.Message != want {
		t.Errorf("invalid role: message = %q, want %q", verr.Message, want)
	}

	other := f.AddAccount(t, "Other")
	outsider := f.AddMember(t, other, "outsider@acme.test", memberPassword, apitype.RoleViewer)
	_, err = f.Store.SetMemberRole(ctx, f.Account.ID, owner, outsider, apitype.RoleEditor)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("member of another account: err = %v, want not found", err)
	}
	if got := roleOf(t, f, other, outsider); got != apitype.RoleViewer {
		t.Errorf("outsider's role in their account = %s, want viewer", got)
	}
}

// TestLastOwnersDemoteEachOther runs two owners' demotions of each other at
// once: the membership lock lets exactly one of them through.
func TestLastOwnersDemoteEachOther(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	first := f.UserID(t, f.AdminEmail)
	second := f.AddMember(t, f.Account.ID, "second@acme.test", memberPassword, apitype.RoleOwner)

	for round := range 10 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		pairs := [][2]int64{{first, second}, {second, first}}
		for i, pair := range pairs {
			wg.Go(func() {
				_, errs[i] = f.Store.SetMemberRole(ctx, f.Account.ID, db.Actor{UserID: pair[0], Role: apitype.RoleOwner}, pair[1], apitype.RoleAdmin)
			})
		}
		wg.Wait()

		var owners int
		if err := f.Store.DB().NewRaw("SELECT count(*) FROM memberships WHERE account_id = ? AND role = 'owner'", f.Account.ID).Scan(ctx, &owners); err != nil {
			t.Fatal(err)
		}
		if owners != 1 {
			t.Fatalf("round %d: owners = %d, want 1 (errors %v)", round, owners, errs)
		}
		failed := 0
		for _, err := range errs {
			if err != nil {
				errAs[*db.ConflictError](t, err)
				failed++
			}
		}
		if failed != 1 {
			t.Fatalf("round %d: failed demotions = %d, want 1", round, failed)
		}
		// Make both owners again for the next round.
		if _, err := f.Store.DB().ExecContext(ctx, "UPDATE memberships SET role = 'owner' WHERE account_id = ?", f.Account.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRemoveMemberEndsItsSessions(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ownerID := f.UserID(t, f.AdminEmail)
	owner := db.Actor{UserID: ownerID, Role: apitype.RoleOwner}
	beta := f.AddAccount(t, "Beta")
	editorID := f.AddMember(t, f.Account.ID, "editor@acme.test", memberPassword, apitype.RoleEditor)
	f.AddMember(t, beta, "editor@acme.test", "", apitype.RoleEditor)
	here, _, err := f.Store.OpenSession(ctx, editorID, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	there, _, err := f.Store.OpenSession(ctx, editorID, beta)
	if err != nil {
		t.Fatal(err)
	}

	adminID := f.AddMember(t, f.Account.ID, "admin@acme.test", memberPassword, apitype.RoleAdmin)
	err = f.Store.RemoveMember(ctx, f.Account.ID, db.Actor{UserID: adminID, Role: apitype.RoleAdmin}, ownerID)
	if forbidden := errAs[*db.ForbiddenError](t, err); forbidden.Message != "Removing an owner needs the owner role." {
		t.Errorf("admin removes owner: message = %q", forbidden.Message)
	}
	err = f.Store.RemoveMember(ctx, f.Account.ID, owner, ownerID)
	if conflict := errAs[*db.ConflictError](t, err); conflict.Message != "The last owner of an account cannot be removed: make another member an owner first." {
		t.Errorf("last owner removed: message = %q", conflict.Message)
	}

	if err := f.Store.RemoveMember(ctx, f.Account.ID, db.Actor{UserID: adminID, Role: apitype.RoleAdmin}, editorID); err != nil {
		t.Fatal(err)
	}
	if got := roleOf(t, f, f.Account.ID, editorID); got != "none" {
		t.Errorf("role after removal = %s, want none", got)
	}
	if _, err := f.Store.Session(ctx, here); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("session on the account left: err = %v, want not found", err)
	}
	if _, err := f.Store.Session(ctx, there); err != nil {
		t.Errorf("session on another account: %v, want it kept", err)
	}
	err = f.Store.RemoveMember(ctx, f.Account.ID, owner, editorID)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("second removal: err = %v, want not found", err)
	}
}

func TestInviteNewUserLifecycle(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ownerID := f.UserID(t, f.AdminEmail)
	owner := db.Actor{UserID: ownerID, Role: apitype.RoleOwner}

	token, invite, err := f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: " Vera@Example.com ", Role: apitype.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 {
		t.Errorf("token length = %d, want 43", len(token))
	}
	if invite.Email != "vera@example.com" || invite.Role != apitype.RoleViewer || invite.InvitedBy != f.AdminEmail {
		t.Errorf("invite = %+v, want vera@example.com as viewer by %s", invite, f.AdminEmail)
	}
	if d := invite.ExpiresAt.Sub(invite.CreatedAt); d != db.InviteTTL {
		t.Errorf("lifetime = %v, want %v", d, db.InviteTTL)
	}
	var stored int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM invites WHERE token_hash = ?", []byte(token)).Scan(ctx, &stored); err != nil || stored != 0 {
		t.Errorf("invites storing the token in the clear = %d (%v), want 0", stored, err)
	}

	details, err := f.Store.InviteDetails(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if details.AccountName != "Test Company" || details.Email != "vera@example.com" || details.Role != apitype.RoleViewer || details.UserExists {
		t.Errorf("details = %+v", details)
	}

	_, _, err = f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{Password: "short"})
	if verr := errAs[*apitype.ValidationError](t, err); verr.Message != "Password is too short: use at least 8 characters." {
		t.Errorf("short password: message = %q", verr.Message)
	}
	if n := dbtest.Count(t, f.Store.DB(), "users"); n != 1 {
		t.Errorf("users after a rejected acceptance = %d, want 1", n)
	}

	sessionToken, info, err := f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{Password: "vera's password"})
	if err != nil {
		t.Fatal(err)
	}
	if info.User.Email != "vera@example.com" || info.Account.ID != f.Account.ID || info.Role != apitype.RoleViewer {
		t.Errorf("session = %s on %d as %s", info.User.Email, info.Account.ID, info.Role)
	}
	if _, err := f.Store.Session(ctx, sessionToken); err != nil {
		t.Errorf("session of the new user: %v", err)
	}
	if _, _, err := f.Store.Login(ctx, "VERA@example.com", "vera's password"); err != nil {
		t.Errorf("sign in with the chosen password: %v", err)
	}
	if invites, err := f.Store.Invites(ctx, f.Account.ID); err != nil || len(invites) != 0 {
		t.Errorf("open invites after acceptance = %v (%v), want none", invites, err)
	}

	_, _, err = f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{Password: "vera's password"})
	linkErr := errAs[*db.LinkError](t, err)
	if linkErr.Unknown || linkErr.Message != "This invite was already used: sign in with your email and password instead." {
		t.Errorf("reuse: %+v", linkErr)
	}
	_, err = f.Store.InviteDetails(ctx, "not-a-token")
	linkErr = errAs[*db.LinkError](t, err)
	if !linkErr.Unknown || linkErr.Message != "This invite link is not valid: check that you opened the whole link, or ask for a new invite." {
		t.Errorf("unknown token: %+v", linkErr)
	}
}

func TestInviteExpiredAndRevoked(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	owner := db.Actor{UserID: f.UserID(t, f.AdminEmail), Role: apitype.RoleOwner}

	oldToken, oldInvite, err := f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: "eve@example.com", Role: apitype.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	newToken, newInvite, err := f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: "eve@example.com", Role: apitype.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.InviteDetails(ctx, oldToken)
	if linkErr := errAs[*db.LinkError](t, err); linkErr.Message != "This invite was revoked or replaced by a newer one: ask the person who invited you for a new link." {
		t.Errorf("replaced invite: %q", linkErr.Message)
	}
	invites, err := f.Store.Invites(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(invites) != 1 || invites[0].ID != newInvite.ID || invites[0].Role != apitype.RoleViewer {
		t.Errorf("open invites = %+v, want only the viewer invite %d", invites, newInvite.ID)
	}
	if err := f.Store.RevokeInvite(ctx, f.Account.ID, oldInvite.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("revoke the replaced invite: err = %v, want not found", err)
	}

	expiry := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	if _, err := f.Store.DB().ExecContext(ctx, "UPDATE invites SET expires_at = ? WHERE id = ?", expiry, newInvite.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.Store.AcceptInvite(ctx, newToken, db.InviteAcceptance{Password: "eve's password"})
	if linkErr := errAs[*db.LinkError](t, err); linkErr.Message != "This invite expired on 2026-12-01 09:30 UTC: ask the person who invited you for a new link." {
		t.Errorf("expired invite: %q", linkErr.Message)
	}
	if n := dbtest.Count(t, f.Store.DB(), "users"); n != 1 {
		t.Errorf("users after expired acceptance = %d, want 1", n)
	}
	if invites, _ := f.Store.Invites(ctx, f.Account.ID); len(invites) != 0 {
		t.Errorf("open invites = %+v, want the expired one left out", invites)
	}

	thirdToken, third, err := f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: "eve@example.com", Role: apitype.RoleViewer})
	if err != nil {
		t.Fatalf("invite again after expiry: %v", err)
	}
	other := f.AddAccount(t, "Other")
	if err := f.Store.RevokeInvite(ctx, other, third.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("revoke from another account: err = %v, want not found", err)
	}
	if err := f.Store.RevokeInvite(ctx, f.Account.ID, third.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.InviteDetails(ctx, thirdToken)
	if linkErr := errAs[*db.LinkError](t, err); linkErr.Message != "This invite was revoked or replaced by a newer one: ask the person who invited you for a new link." {
		t.Errorf("revoked invite: %q", linkErr.Message)
	}
}

func TestInviteExistingUser(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	owner := db.Actor{UserID: f.UserID(t, f.AdminEmail), Role: apitype.RoleOwner}
	beta := f.AddAccount(t, "Beta")
	userID := f.AddMember(t, beta, "sam@example.com", memberPassword, apitype.RoleOwner)

	token, _, err := f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: "sam@example.com", Role: apitype.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	details, err := f.Store.InviteDetails(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !details.UserExists {
		t.Error("details.UserExists = false, want true")
	}

	_, _, err = f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{Password: "wrong password"})
	if !errors.Is(err, db.ErrBadCredentials) {
		t.Fatalf("wrong password: err = %v, want ErrBadCredentials", err)
	}
	_, _, err = f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{SessionUserID: owner.UserID})
	if verr := errAs[*apitype.ValidationError](t, err); verr.Message != "Password is required: enter the password you sign in with." {
		t.Errorf("another user's session: message = %q", verr.Message)
	}
	if got := roleOf(t, f, f.Account.ID, userID); got != "none" {
		t.Errorf("role after refused acceptances = %s, want none", got)
	}

	_, info, err := f.Store.AcceptInvite(ctx, token, db.InviteAcceptance{SessionUserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	if info.User.ID != userID || info.Account.ID != f.Account.ID || info.Role != apitype.RoleEditor {
		t.Errorf("session = user %d on %d as %s, want %d on %d as editor", info.User.ID, info.Account.ID, info.Role, userID, f.Account.ID)
	}
	if n := dbtest.Count(t, f.Store.DB(), "users"); n != 2 {
		t.Errorf("users = %d, want 2", n)
	}

	_, _, err = f.Store.CreateInvite(ctx, f.Account.ID, owner, apitype.InviteInput{Email: "SAM@example.com", Role: apitype.RoleViewer})
	if conflict := errAs[*db.ConflictError](t, err); conflict.Message != "sam@example.com is already a member of this account: change their role under Members instead." {
		t.Errorf("invite a member: message = %q", conflict.Message)
	}
}

func TestInviteRoleRules(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	adminID := f.AddMember(t, f.Account.ID, "admin@acme.test", memberPassword, apitype.RoleAdmin)
	admin := db.Actor{UserID: adminID, Role: apitype.RoleAdmin}

	for _, role := range []string{apitype.RoleAdmin, apitype.RoleOwner} {
		_, _, err := f.Store.CreateInvite(ctx, f.Account.ID, admin, apitype.InviteInput{Email: "new@example.com", Role: role})
		want := fmt.Sprintf("Inviting %s needs the owner role.", apitype.RoleWithArticle(role))
		if forbidden := errAs[*db.ForbiddenError](t, err); forbidden.Message != want {
			t.Errorf("admin invites %s: message = %q, want %q", role, forbidden.Message, want)
		}
	}
	_, _, err := f.Store.CreateInvite(ctx, f.Account.ID, admin, apitype.InviteInput{Email: "not an email", Role: apitype.RoleViewer})
	if verr := errAs[*apitype.ValidationError](t, err); verr.Field != "email" {
		t.Errorf("invalid email: field = %q, want email", verr.Field)
	}
	if n := dbtest.Count(t, f.Store.DB(), "invites"); n != 0 {
		t.Errorf("invites = %d, want 0", n)
	}
	if _, _, err := f.Store.CreateInvite(ctx, f.Account.ID, admin, apitype.InviteInput{Email: "new@example.com", Role: apitype.RoleEditor}); err != nil {
		t.Errorf("admin invites an editor: %v", err)
	}
}

func TestResetPasswordLifecycle(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ownerID := f.UserID(t, f.AdminEmail)

	token, user, err := f.Store.CreatePasswordReset(ctx, "nobody@example.com")
	if err != nil || token != "" || user != nil {
		t.Errorf("unknown email = %q, %v, %v; want no token, no user, no error", token, user, err)
	}
	if n := dbtest.Count(t, f.Store.DB(), "password_resets"); n != 0 {
		t.Errorf("password resets = %d, want 0", n)
	}

	older, _, err := f.Store.CreatePasswordReset(ctx, f.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	token, user, err = f.Store.CreatePasswordReset(ctx, " ADMIN@example.com ")
	if err != nil {
		t.Fatal(err)
	}
	if user == nil || user.ID != ownerID {
		t.Fatalf("user = %+v, want %d", user, ownerID)
	}
	details, err := f.Store.PasswordResetDetails(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if details.Email != f.AdminEmail {
		t.Errorf("email = %q, want %q", details.Email, f.AdminEmail)
	}
	if d := time.Until(details.ExpiresAt); d <= 59*time.Minute || d > time.Hour {
		t.Errorf("expires in %v, want about an hour", d)
	}
	oldSession, _, err := f.Store.Login(ctx, f.AdminEmail, f.AdminPassword)
	if err != nil {
		t.Fatal(err)
	}

	_, _, err = f.Store.ResetPassword(ctx, token, "1234567")
	if verr := errAs[*apitype.ValidationError](t, err); verr.Message != "Password is too short: use at least 8 characters." || verr.Field != "password" {
		t.Errorf("short password: %s: %s", verr.Field, verr.Message)
	}
	_, _, err = f.Store.ResetPassword(ctx, token, strings.Repeat("x", 73))
	if verr := errAs[*apitype.ValidationError](t, err); verr.Message != "Password is too long: use at most 72 bytes." {
		t.Errorf("long password: %s", verr.Message)
	}

	newSession, info, err := f.Store.ResetPassword(ctx, token, "a new password")
	if err != nil {
		t.Fatal(err)
	}
	if info.User.ID != ownerID || info.Account.ID != f.Account.ID {
		t.Errorf("session = user %d on %d, want %d on %d", info.User.ID, info.Account.ID, ownerID, f.Account.ID)
	}
	if _, err := f.Store.Session(ctx, oldSession); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("earlier session: err = %v, want not found", err)
	}
	if got := sessionCount(t, f, ownerID); got != 1 {
		t.Errorf("sessions = %d, want only the new one", got)
	}
	if _, err := f.Store.Session(ctx, newSession); err != nil {
		t.Errorf("new session: %v", err)
	}
	if _, _, err := f.Store.Login(ctx, f.AdminEmail, f.AdminPassword); !errors.Is(err, db.ErrBadCredentials) {
		t.Errorf("old password: err = %v, want ErrBadCredentials", err)
	}
	if _, _, err := f.Store.Login(ctx, f.AdminEmail, "a new password"); err != nil {
		t.Errorf("new password: %v", err)
	}

	for name, used := range map[string]string{"reused link": token, "older link": older} {
		_, _, err = f.Store.ResetPassword(ctx, used, "another password")
		linkErr := errAs[*db.LinkError](t, err)
		if linkErr.Message != "This password reset link was already used or replaced by a newer password: ask for a new link if you still need one." {
			t.Errorf("%s: %q", name, linkErr.Message)
		}
	}

	expired, _, err := f.Store.CreatePasswordReset(ctx, f.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	if _, err := f.Store.DB().ExecContext(ctx, "UPDATE password_resets SET expires_at = ? WHERE used_at IS NULL", expiry); err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.PasswordResetDetails(ctx, expired)
	if linkErr := errAs[*db.LinkError](t, err); linkErr.Message != "This password reset link expired on 2026-12-02 08:00 UTC: ask for a new one." {
		t.Errorf("expired link: %q", linkErr.Message)
	}
}

func TestMemberPasswordResetRules(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	ownerID := f.UserID(t, f.AdminEmail)
	adminID := f.AddMember(t, f.Account.ID, "admin@acme.test", memberPassword, apitype.RoleAdmin)
	admin := db.Actor{UserID: adminID, Role: apitype.RoleAdmin}
	viewerID := f.AddMember(t, f.Account.ID, "viewer@acme.test", memberPassword, apitype.RoleViewer)
	sharedID := f.AddMember(t, f.Account.ID, "shared@acme.test", memberPassword, apitype.RoleEditor)
	beta := f.AddAccount(t, "Beta")
	f.AddMember(t, beta, "shared@acme.test", "", apitype.RoleViewer)
	outsiderID := f.AddMember(t, beta, "outsider@acme.test", memberPassword, apitype.RoleViewer)

	token, expiresAt, err := f.Store.CreateMemberPasswordReset(ctx, f.Account.ID, admin, viewerID)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expiresAt); d <= 23*time.Hour || d > 24*time.Hour {
		t.Errorf("expires in %v, want about a day", d)
	}
	details, err := f.Store.PasswordResetDetails(ctx, token)
	if err != nil || details.Email != "viewer@acme.test" {
		t.Errorf("details = %+v (%v), want viewer@acme.test", details, err)
	}

	refusals := []struct {
		name    string
		userID  int64
		message string
	}{
		{"owner", ownerID, "Making a password reset link for an owner needs the owner role."},
		{"self", adminID, "You cannot make a reset link for yourself: sign out and use Forgot password on the sign-in page."},
		{"member of an account the admin is not in", sharedID, "This member also belongs to an account where you cannot manage them, so only they can reset their password: ask them to use Forgot password on the sign-in page."},
	}
	for _, tc := range refusals {
		_, _, err := f.Store.CreateMemberPasswordReset(ctx, f.Account.ID, admin, tc.userID)
		if forbidden := errAs[*db.ForbiddenError](t, err); forbidden.Message != tc.message {
			t.Errorf("%s: message = %q, want %q", tc.name, forbidden.Message, tc.message)
		}
	}
	_, _, err = f.Store.CreateMemberPasswordReset(ctx, f.Account.ID, admin, outsiderID)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("user of another account: err = %v, want not found", err)
	}

	// Once the admin also manages the member's other account, the link is
	// allowed.
	f.AddMember(t, beta, "admin@acme.test", "", apitype.RoleAdmin)
	if _, _, err := f.Store.CreateMemberPasswordReset(ctx, f.Account.ID, admin, sharedID); err != nil {
		t.Errorf("admin of both accounts: %v", err)
	}
	var resets int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM password_resets WHERE created_by = ?", adminID).Scan(ctx, &resets); err != nil {
		t.Fatal(err)
	}
	if resets != 2 {
		t.Errorf("links made by the admin = %d, want 2", resets)
	}
}
