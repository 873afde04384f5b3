package db

import (
	"strings"
	"testing"
)

// FuzzNormalizeOrigin checks that an accepted origin comes out in a form
// that normalizes to itself, lowercased, without a path, and that a
// rejected one names the field.
func FuzzNormalizeOrigin(f *testing.F) {
	for _, seed := range []string{
		"https://www.example.com", " HTTPS://WWW.Example.com/ ", "https://www.example.com:443",
		"http://[0:0:0:0:0:0:0:1]:8080", "https://shop.example.com.", "http://127.1", "https://[fe80::1%25eth0]",
		"https://a.example.com,https://b.example.com", "https://www.example.com/?", "ftp://x", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		origin, verr := normalizeOrigin(raw)
		if verr != nil {
			if verr.Field != "allowedOrigins" || origin != "" {
				t.Fatalf("normalizeOrigin(%q) = %q, error field %q", raw, origin, verr.Field)
			}
			return
		}
		again, verr := normalizeOrigin(origin)
		if verr != nil || again != origin {
			t.Fatalf("normalizeOrigin(%q) = %q, which normalizes to %q (%v)", raw, origin, again, verr)
		}
		if origin != strings.ToLower(origin) || strings.Count(origin, "/") != 2 {
			t.Fatalf("normalizeOrigin(%q) = %q, want a lowercase scheme://host[:port]", raw, origin)
		}
	})
}
