package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db/dbtest"
)

// signEmail returns the hex HMAC-SHA256 of email under secret, as a
// website's backend computes it for $__MA.identify.
func signEmail(secret, email string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(email))
	return hex.EncodeToString(mac.Sum(nil))
}

// expiringSignature returns the signature of email that expires at the
// Unix time expiry: "<expiry>.<hex digest>".
func expiringSignature(secret, email string, expiry int64) string {
	seconds := strconv.FormatInt(expiry, 10)
	return seconds + "." + signEmail(secret, email+"\n"+seconds)
}

func getIdentifySigning(t *testing.T, c *adminClient, method, path string, body any) apitype.IdentifySigning {
	t.Helper()
	status, out := c.do(method, path, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %s", method, path, status, out)
	}
	var got apitype.IdentifySigning
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

var identifySecretPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestIdentifySigningAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)

	first := getIdentifySigning(t, admin, http.MethodGet, "/api/account/identify-signing", nil)
	if !identifySecretPattern.MatchString(first.Secret) || first.Required {
		t.Fatalf("first GET = %+v, want a secret of 64 hex digits, not required", first)
	}
	if again := getIdentifySigning(t, admin, http.MethodGet, "/api/account/identify-signing", nil); again != first {
		t.Errorf("second GET = %+v, want %+v", again, first)
	}

	on := getIdentifySigning(t, admin, http.MethodPut, "/api/account/identify-signing", map[string]any{"required": true})
	if want := (apitype.IdentifySigning{Secret: first.Secret, Required: true}); on != want {
		t.Errorf("PUT required true = %+v, want %+v", on, want)
	}
	if got := getIdentifySigning(t, admin, http.MethodGet, "/api/account/identify-signing", nil); got != on {
		t.Errorf("GET after PUT = %+v, want %+v", got, on)
	}

	rotated := getIdentifySigning(t, admin, http.MethodPost, "/api/account/identify-signing/secret", nil)
	if !identifySecretPattern.MatchString(rotated.Secret) || rotated.Secret == first.Secret || !rotated.Required {
		t.Errorf("POST secret = %+v, want a new secret, still required (old %s)", rotated, first.Secret)
	}

	off := getIdentifySigning(t, admin, http.MethodPut, "/api/account/identify-signing", map[string]any{"required": false})
	if want := (apitype.IdentifySigning{Secret: rotated.Secret, Required: false}); off != want {
		t.Errorf("PUT required false = %+v, want %+v", off, want)
	}

	for _, tt := range []struct {
		body string
		want string
	}{
		{`{}`, `{"error":{"code":"BAD_USER_INPUT","message":"required is missing: send true or false.","field":"required"}}`},
		{`{"required": "yes"}`, `{"error":{"code":"BAD_USER_INPUT","message":"Request body must be JSON such as {\"required\": true}.","field":"body"}}`},
	} {
		status, out := admin.doRaw(http.MethodPut, "/api/account/identify-signing", tt.body)
		if status != http.StatusUnprocessableEntity || strings.TrimSpace(string(out)) != tt.want {
			t.Errorf("PUT %s: status %d, body %s, want 422 and %s", tt.body, status, out, tt.want)
		}
	}
	// A form body is not JSON, though Echo's default binder reads it.
	status, out := admin.doRawType(http.MethodPut, "/api/account/identify-signing", "application/x-www-form-urlencoded", "required=true")
	if want := `{"error":{"code":"BAD_USER_INPUT","message":"Request body must be JSON such as {\"required\": true}.","field":"body"}}`; status != http.StatusUnprocessableEntity || strings.TrimSpace(string(out)) != want {
		t.Errorf("PUT form body: status %d, body %s, want 422 and %s", status, out, want)
	}
	if got := getIdentifySigning(t, admin, http.MethodGet, "/api/account/identify-signing", nil); got != off {
		t.Errorf("GET after rejected PUTs = %+v, want %+v", got, off)
	}
}

// TestCollectIdentifySignature sends identify calls with and without
// signatures, before the account has a secret, with the signature optional
// and with it required, and checks which visitors became known contacts
// and which reasons Settings → Beacon lists.
func TestCollectIdentifySignature(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	visitor := 0
	// identify sends an identify call from a new visitor and reports
	// whether a contact with the canonical email exists afterwards.
	identify := func(email, signature string) bool {
		t.Helper()
		visitor++
		identity, err := json.Marshal(map[string]string{"email": email, "signature": signature})
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"k":%q,"v":"%032x","u":"https://www.example.com/","i":%s}`, ts.Account.SiteKey, visitor, identity)
		postCollect(t, ts, body, nil)
		canonical := strings.ToLower(strings.TrimSpace(email))
		return dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = '"+canonical+"'") == 1
	}

	// An account that has no secret yet takes unsigned calls and rejects
	// signed ones.
	if !identify("before@example.com", "") {
		t.Error("unsigned identify before the secret exists: visitor not identified")
	}
	if identify("early@example.com", signEmail("guess", "early@example.com")) {
		t.Error("signed identify before the secret exists: visitor identified, want dropped")
	}

	secret := getIdentifySigning(t, admin, http.MethodGet, "/api/account/identify-signing", nil).Secret
	optional := []struct {
		email, signature string
		known            bool
	}{
		{"plain@example.com", "", true},
		{"signed@example.com", signEmail(secret, "signed@example.com"), true},
		{"upper@example.com", strings.ToUpper(signEmail(secret, "upper@example.com")), true},
		{" Raw@Example.com ", signEmail(secret, " Raw@Example.com "), true},
		{"canonical@example.com", signEmail(secret, "Canonical@example.com"), false},
		{"other@example.com", signEmail(secret, "ann@example.com"), false},
	}
	for _, tt := range optional {
		if got := identify(tt.email, tt.signature); got != tt.known {
			t.Errorf("optional signature, identify(%q, %q): known = %v, want %v", tt.email, tt.signature, got, tt.known)
		}
	}

	getIdentifySigning(t, admin, http.MethodPut, "/api/account/identify-signing", map[string]any{"required": true})
	later := time.Now().Add(time.Hour).Unix()
	earlier := time.Now().Add(-time.Hour).Unix()
	required := []struct {
		email, signature string
		known            bool
	}{
		{"unsigned@example.com", "", false},
		{"valid@example.com", signEmail(secret, "valid@example.com"), true},
		{"nothex@example.com", "not hex", false},
		{"expiring@example.com", expiringSignature(secret, "expiring@example.com", later), true},
		{"expired@example.com", expiringSignature(secret, "expired@example.com", earlier), false},
		{"short@example.com", signEmail(secret, "short@example.com")[:62], false},
	}
	for _, tt := range required {
		if got := identify(tt.email, tt.signature); got != tt.known {
			t.Errorf("required signature, identify(%q, %q): known = %v, want %v", tt.email, tt.signature, got, tt.known)
		}
	}

	// A new secret invalidates signatures made with the old one at once.
	rotated := getIdentifySigning(t, admin, http.MethodPost, "/api/account/identify-signing/secret", nil).Secret
	if identify("old@example.com", signEmail(secret, "old@example.com")) {
		t.Error("identify signed with the replaced secret: visitor identified, want dropped")
	}
	if !identify("new@example.com", signEmail(rotated, "new@example.com")) {
		t.Error("identify signed with the new secret: visitor not identified")
	}

	var reasons []string
	for _, drop := range getBeaconStatus(t, admin).RecentDrops {
		reasons = append(reasons, fmt.Sprintf("%d × %s", drop.Count, drop.Reason))
	}
	slices.Sort(reasons)
	want := []string{
		"1 × An identify call had a signature, but the account has no identify secret yet, so it was ignored: open Settings → Beacon, which creates the secret, and sign emails with it.",
		"1 × An identify call had no signature, and the account requires one, so it was ignored: pass signature, the HMAC-SHA256 of the email made with the identify secret from Settings → Beacon, to $__MA.identify.",
		fmt.Sprintf("1 × An identify call had a signature that expired at %s, so it was ignored: sign the email again for each page, with an expiry later than the page may stay open.", time.Unix(earlier, 0).UTC().Format(time.RFC3339)),
		"2 × An identify call had a signature that is not 64 hex digits, so it was ignored: pass the hex digest of the HMAC-SHA256 of the email, without spaces or line breaks.",
		"3 × An identify call had a signature that does not match its email, so it was ignored: sign the exact email string that the page passes to $__MA.identify with HMAC-SHA256 and the identify secret from Settings → Beacon, in hex.",
	}
	slices.Sort(want)
	if !slices.Equal(reasons, want) {
		t.Errorf("drop reasons =\n%q\nwant\n%q", reasons, want)
	}
}

// TestBeaconSettingsIdentifySigning shows an admin the identify secret,
// requires signatures with the checkbox and replaces the secret after a
// confirming click. An editor does not see the section.
func TestBeaconSettingsIdentifySigning(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/beacon")
	waitFor(t, browser, "identify secret", `/^[0-9a-f]{64}$/.test((document.getElementById("identify-secret")||{}).textContent)`)

	stored, err := ts.Store.IdentifySigning(t.Context(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if secretShown := pageString(t, browser, `document.getElementById("identify-secret").textContent`); secretShown != stored.Secret {
		t.Errorf("secret shown = %q, want the stored %q", secretShown, stored.Secret)
	}
	if checked := pageString(t, browser, `String(document.getElementById("identify-required").checked)`); checked != "false" {
		t.Errorf("required checkbox checked = %s, want false", checked)
	}

	click(t, browser, "#identify-required")
	waitFor(t, browser, "saved status", textIs("#identify-signing-status", "Saved."))
	if got, err := ts.Store.IdentifySigning(t.Context(), ts.Account.ID); err != nil || !got.Required {
		t.Errorf("stored required = %v (%v), want true", got.Required, err)
	}

	click(t, browser, "#replace-identify-secret")
	waitFor(t, browser, "confirm label", textIs("#replace-identify-secret", "Confirm: replace secret"))
	if got, _ := ts.Store.IdentifySigning(t.Context(), ts.Account.ID); got.Secret != stored.Secret {
		t.Errorf("secret after the first click = %q, want it unchanged", got.Secret)
	}
	click(t, browser, "#replace-identify-secret")
	waitFor(t, browser, "replaced status", textIs("#identify-signing-status", "Secret replaced. Sign with the new one from now on."))
	replaced, err := ts.Store.IdentifySigning(t.Context(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if replaced.Secret == stored.Secret || !replaced.Required {
		t.Errorf("stored after replace = %+v, want a new secret, still required", replaced)
	}
	if secretShown := pageString(t, browser, `document.getElementById("identify-secret").textContent`); secretShown != replaced.Secret {
		t.Errorf("secret shown after replace = %q, want %q", secretShown, replaced.Secret)
	}
	saveScreenshot(t, browser, "beacon-settings-identify-signing")

	// The page shows the stored state after a reload.
	navigate(t, browser, ts.URL+"/settings/beacon")
	waitFor(t, browser, "required after reload", `(document.getElementById("identify-required")||{}).checked === true`)

	ts.AddMember(t, ts.Account.ID, "editor@example.com", "editor password", apitype.RoleEditor)
	editor := newBrowser(t)
	signInBrowserAs(t, editor, ts, "editor@example.com", "editor password", "/settings/beacon")
	// For an admin, the section loads at the same time as the snippet and
	// the examples.
	waitFor(t, editor, "examples", `!!document.getElementById("example-identify")`)
	if present := pageString(t, editor, `String(!!document.getElementById("identify-signing") || !!document.getElementById("identify-secret"))`); present != "false" {
		t.Errorf("identify signing section secretShown to an editor = %s, want false", present)
	}
}

// TestIdentifySigningNoStore checks that each response that contains the
// identify secret sends Cache-Control: no-store, as GET /api/beacon/status
// does, so that browsers and proxies keep no copy of the secret.
func TestIdentifySigningNoStore(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/account/identify-signing", ""},
		{http.MethodPut, "/api/account/identify-signing", `{"required": true}`},
		{http.MethodPost, "/api/account/identify-signing/secret", ""},
	} {
		req, err := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", admin.session.CSRFToken)
		resp, err := admin.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: status %d, want 200", tt.method, tt.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s: Cache-Control = %q, want no-store", tt.method, tt.path, got)
		}
	}
}

// TestSignedIdentifyUnicodeCaseFold signs emails whose local part has a
// character outside ASCII that lowercases to an ASCII letter: the Kelvin
// sign U+212A to k and U+0130 to i. A site signs them for the user who
// registered them, but they are other mailboxes than kim@ and info@, so
// the signed call must not tie the visitor to those contacts.
func TestSignedIdentifyUnicodeCaseFold(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	secret := getIdentifySigning(t, admin, http.MethodPut, "/api/account/identify-signing", map[string]any{"required": true}).Secret

	for i, tt := range []struct{ signed, victim string }{
		{"\u212aim@example.com", "kim@example.com"},
		{"\u0130nfo@example.com", "info@example.com"},
	} {
		identity, err := json.Marshal(map[string]string{"email": tt.signed, "signature": signEmail(secret, tt.signed)})
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"k":%q,"v":"%032x","u":"https://www.example.com/","i":%s}`, ts.Account.SiteKey, 0xabc0+i, identity)
		postCollect(t, ts, body, nil)
		if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = '"+tt.victim+"'"); n != 0 {
			t.Errorf("identify signed for %+q: contact %s exists, want the visitor not tied to it", tt.signed, tt.victim)
		}
	}
}
