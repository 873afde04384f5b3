package api

import (
	"net/url"
	"testing"
	"unicode/utf8"
)

func TestCutURLDropsCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ann:secret@example.com/pricing?a=1", "https://example.com/pricing?a=1"},
		{"https://ann@example.com", "https://example.com"},
		{"HTTPS://ann:p@ss@example.com:8443/x#top", "HTTPS://example.com:8443/x#top"},
		{"https://example.com/@ann?by=a@b.c", "https://example.com/@ann?by=a@b.c"},
		{"https://example.com/pricing", "https://example.com/pricing"},
	}
	for _, tt := range tests {
		got, err := cutURL("page URL", tt.in)
		if err != nil || got != tt.want {
			t.Errorf("cutURL(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzCutURL checks that a kept URL is an absolute http or https URL
// without credentials and within maxPageURL characters.
func FuzzCutURL(f *testing.F) {
	f.Add("https://ann:secret@example.com/pricing?a=1")
	f.Add("javascript:alert(1)")
	f.Add("https://example.com/%E2%82")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := cutURL("page URL", in)
		if err != nil || got == "" {
			return
		}
		if utf8.RuneCountInString(got) > maxPageURL {
			t.Fatalf("cutURL(%q) = %q, longer than %d characters", in, got, maxPageURL)
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			t.Fatalf("cutURL(%q) = %q, which is not an http or https URL without credentials", in, got)
		}
	})
}
