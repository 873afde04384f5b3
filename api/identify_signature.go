package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"customevents/db"
)

// identifySignatureSkew is how long after its expiry a signature still
// passes, for clocks of the website's backend and of this server that
// differ.
const identifySignatureSkew = 5 * time.Minute

// identifySignatureProblem returns why an identify message fails the
// account's signature check at time now, as a reason for Settings →
// Beacon, or "" when it passes.
//
// A signature is the hex HMAC-SHA256, keyed with the account's identify
// secret as text, of the email exactly as the page passed it to
// $__MA.identify. An expiring signature is written "<expiry>.<hex>", with
// the expiry in Unix seconds, and signs the email, a line feed and the
// expiry's digits. A message without a signature passes unless the account
// requires one. A message with a wrong signature fails either way, because
// it shows a backend that signs with another secret or another form of
// the email.
func identifySignatureProblem(settings *db.CollectSettings, email, signature string, now time.Time) string {
	if signature == "" {
		if settings.IdentifySignatureRequired {
			return "An identify call had no signature, and the account requires one, so it was ignored: pass signature, the HMAC-SHA256 of the email made with the identify secret from Settings → Beacon, to $__MA.identify."
		}
		return ""
	}
	if settings.IdentifySecret == "" {
		return "An identify call had a signature, but the account has no identify secret yet, so it was ignored: open Settings → Beacon, which creates the secret, and sign emails with it."
	}
	signed, digest := email, signature
	if expiry, rest, found := strings.Cut(signature, "."); found {
		seconds, err := strconv.ParseInt(expiry, 10, 64)
		if err != nil || seconds <= 0 || strconv.FormatInt(seconds, 10) != expiry {
			return "An identify call had a signature whose expiry, before the dot, is not a Unix time in seconds, so it was ignored: write the signature as <expiry>.<hex digest>, such as 1767225600.5b1c."
		}
		if now.After(time.Unix(seconds, 0).Add(identifySignatureSkew)) {
			return fmt.Sprintf("An identify call had a signature that expired at %s, so it was ignored: sign the email again for each page, with an expiry later than the page may stay open.", time.Unix(seconds, 0).UTC().Format(time.RFC3339))
		}
		signed, digest = email+"\n"+expiry, rest
	}
	mac, err := hex.DecodeString(digest)
	if err != nil || len(mac) != sha256.Size {
		return "An identify call had a signature that is not 64 hex digits, so it was ignored: pass the hex digest of the HMAC-SHA256 of the email, without spaces or line breaks."
	}
	if !validIdentifyMAC(settings.IdentifySecret, signed, mac) {
		return "An identify call had a signature that does not match its email, so it was ignored: sign the exact email string that the page passes to $__MA.identify with HMAC-SHA256 and the identify secret from Settings → Beacon, in hex."
	}
	return ""
}

// validIdentifyMAC reports whether mac is the HMAC-SHA256 of message under
// secret, comparing in constant time.
func validIdentifyMAC(secret, message string, mac []byte) bool {
	want := hmac.New(sha256.New, []byte(secret))
	want.Write([]byte(message))
	return hmac.Equal(mac, want.Sum(nil))
}
