package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"customevents/db"
)

// identifySignatureProblem returns why an identify message fails the
// account's signature check, as a reason for Settings → Beacon, or "" when
// it passes. The signature is the HMAC-SHA256 of the email exactly as the
// page passed it to $__MA.identify, keyed with the account's identify
// secret as text, in hex. A message without a signature passes unless the
// account requires one. A message with a wrong signature fails either way,
// because it shows a backend that signs with another secret or another
// form of the email.
func identifySignatureProblem(settings *db.CollectSettings, email, signature string) string {
	if signature == "" {
		if settings.IdentifySignatureRequired {
			return "An identify call had no signature, and the account requires one, so it was ignored: pass signature, the HMAC-SHA256 of the email made with the identify secret from Settings → Beacon, to $__MA.identify."
		}
		return ""
	}
	if settings.IdentifySecret == "" {
		return "An identify call had a signature, but the account has no identify secret yet, so it was ignored: open Settings → Beacon, which creates the secret, and sign emails with it."
	}
	if len(signature) != 2*sha256.Size || strings.Trim(strings.ToLower(signature), "0123456789abcdef") != "" {
		return "An identify call had a signature that is not 64 hex digits, so it was ignored: pass the hex digest of the HMAC-SHA256 of the email, without spaces or line breaks."
	}
	if !validIdentifySignature(settings.IdentifySecret, email, signature) {
		return "An identify call had a signature that does not match its email, so it was ignored: sign the exact email string that the page passes to $__MA.identify with HMAC-SHA256 and the identify secret from Settings → Beacon, in hex."
	}
	return ""
}

// validIdentifySignature reports whether signature is the hex HMAC-SHA256
// of email under secret, in either case, comparing in constant time.
func validIdentifySignature(secret, email, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(email))
	return hmac.Equal(got, mac.Sum(nil))
}
