package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzIdentifySignature checks that a signature passes only when it is
// the hex HMAC-SHA256 of the email, in either case, and that the right one
// always passes.
func FuzzIdentifySignature(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ann@example.com", "")
	f.Add("secret", " Ann@Example.com ", "zz")
	f.Fuzz(func(t *testing.T, secret, email, signature string) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(email))
		want := hex.EncodeToString(mac.Sum(nil))
		if validIdentifySignature(secret, email, signature) && strings.ToLower(signature) != want {
			t.Fatalf("signature %q passed for email %q, want only %q", signature, email, want)
		}
		if !validIdentifySignature(secret, email, want) || !validIdentifySignature(secret, email, strings.ToUpper(want)) {
			t.Fatalf("the right signature %q failed for email %q", want, email)
		}
	})
}
