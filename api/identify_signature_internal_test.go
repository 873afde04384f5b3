package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"customevents/db"
)

// FuzzIdentifySignature checks that a signature passes only when it is
// the hex HMAC-SHA256 of the email, or of the email and the expiry before
// its dot, in either case, and that the right plain one always passes.
func FuzzIdentifySignature(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ann@example.com", "")
	f.Add("secret", " Ann@Example.com ", "zz")
	f.Add("secret", "ann@example.com", "1893456000.0f")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, secret, email, signature string) {
		if secret == "" {
			return
		}
		sign := func(message string) string {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(message))
			return hex.EncodeToString(mac.Sum(nil))
		}
		settings := &db.CollectSettings{IdentifySecret: secret, IdentifySignatureRequired: true}
		if identifySignatureProblem(settings, email, signature, now) == "" {
			lower := strings.ToLower(signature)
			expiry, digest, expiring := strings.Cut(lower, ".")
			if lower != sign(email) && (!expiring || digest != sign(email+"\n"+expiry)) {
				t.Fatalf("signature %q passed for email %q", signature, email)
			}
		}
		want := sign(email)
		for _, right := range []string{want, strings.ToUpper(want)} {
			if problem := identifySignatureProblem(settings, email, right, now); problem != "" {
				t.Fatalf("the right signature %q failed for email %q: %s", right, email, problem)
			}
		}
	})
}

func TestIdentifySignatureProblem(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	sign := func(message string) string {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(message))
		return hex.EncodeToString(mac.Sum(nil))
	}
	expiring := func(email string, expiry time.Time) string {
		seconds := strconv.FormatInt(expiry.Unix(), 10)
		return seconds + "." + sign(email+"\n"+seconds)
	}
	hour := now.Add(time.Hour)
	const (
		mismatch = "An identify call had a signature that does not match its email, so it was ignored: sign the exact email string that the page passes to $__MA.identify with HMAC-SHA256 and the identify secret from Settings → Beacon, in hex."
		notHex   = "An identify call had a signature that is not 64 hex digits, so it was ignored: pass the hex digest of the HMAC-SHA256 of the email, without spaces or line breaks."
		badExp   = "An identify call had a signature whose expiry, before the dot, is not a Unix time in seconds, so it was ignored: write the signature as <expiry>.<hex digest>, such as 1767225600.5b1c."
		missing  = "An identify call had no signature, and the account requires one, so it was ignored: pass signature, the HMAC-SHA256 of the email made with the identify secret from Settings → Beacon, to $__MA.identify."
	)
	tests := []struct {
		name      string
		signature string
		want      string
	}{
		{"plain", sign("ann@example.com"), ""},
		{"plain in capitals", strings.ToUpper(sign("ann@example.com")), ""},
		{"missing", "", missing},
		{"other email", sign("bob@example.com"), mismatch},
		{"expiring", expiring("ann@example.com", hour), ""},
		{"expired within the skew", expiring("ann@example.com", now.Add(-4*time.Minute)), ""},
		{"expired", expiring("ann@example.com", now.Add(-6*time.Minute)),
			"An identify call had a signature that expired at 2026-12-06T11:54:00Z, so it was ignored: sign the email again for each page, with an expiry later than the page may stay open."},
		{"expiry changed", strconv.FormatInt(hour.Add(time.Hour).Unix(), 10) + "." + sign("ann@example.com\n"+strconv.FormatInt(hour.Unix(), 10)), mismatch},
		{"expiry without the line feed", strconv.FormatInt(hour.Unix(), 10) + "." + sign("ann@example.com"+strconv.FormatInt(hour.Unix(), 10)), mismatch},
		{"expiry not a number", "soon." + sign("ann@example.com"), badExp},
		{"expiry with a leading zero", "0" + expiring("ann@example.com", hour), badExp},
		{"expiry negative", "-1." + sign("ann@example.com"), badExp},
		{"empty expiry", "." + sign("ann@example.com"), badExp},
		{"digest cut", sign("ann@example.com")[:63], notHex},
		{"digest with a line feed", sign("ann@example.com") + "\n", notHex},
		{"expiring digest not hex", strconv.FormatInt(hour.Unix(), 10) + ".xyz", notHex},
	}
	settings := &db.CollectSettings{IdentifySecret: secret, IdentifySignatureRequired: true}
	for _, tt := range tests {
		if got := identifySignatureProblem(settings, "ann@example.com", tt.signature, now); got != tt.want {
			t.Errorf("%s: identifySignatureProblem(%q) = %q, want %q", tt.name, tt.signature, got, tt.want)
		}
	}
}
