package api

import (
	"strings"
	"testing"
)

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, token string
		want          bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"GZIP", "gzip", true},
		{"br;q=0, gzip", "br", false},
		{"br; q=0.000", "br", false},
		{"br;q=0.5", "br", true},
		{"br;Q=0, gzip", "br", false},
		{"br;q=0., gzip", "br", false},
		{"br;q=0.0001", "br", true},
		{"br;level=1;q=0", "br", false},
		{"br;q=0.01", "br", true},
		{"brotli", "br", false},
		{"", "gzip", false},
		{"x-gzip", "gzip", false},
	} {
		if got := acceptsEncoding(tc.header, tc.token); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tc.header, tc.token, got, tc.want)
		}
	}
}

// FuzzAcceptsEncoding checks that a coding is only ever accepted when the
// header names it.
func FuzzAcceptsEncoding(f *testing.F) {
	f.Add("gzip, deflate, br;q=1.0")
	f.Add("br;q=0,gzip")
	f.Fuzz(func(t *testing.T, header string) {
		for _, token := range []string{"br", "gzip"} {
			if acceptsEncoding(header, token) && !strings.Contains(strings.ToLower(header), token) {
				t.Errorf("acceptsEncoding(%q, %q) = true, but the header does not name it", header, token)
			}
		}
	})
}
