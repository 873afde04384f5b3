package page

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	tests := []struct {
		next string
		want string
	}{
		{"/settings/custom-events", "/settings/custom-events"},
		{"/automations/custom-events?event=signed-up", "/automations/custom-events?event=signed-up"},
		{"", PathReport},
		{"https://evil.example/", PathReport},
		{"//evil.example/path", PathReport},
		{"/\\evil.example", PathReport},
		{"/\t/evil.example", PathReport},
		{"javascript:alert(1)", PathReport},
		{"settings", PathReport},
		{"/login?next=/login", PathReport},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

func TestLoginURL(t *testing.T) {
	current, _ := url.Parse("http://localhost:8080/automations/custom-events?event=signed-up")
	want := "/login?next=%2Fautomations%2Fcustom-events%3Fevent%3Dsigned-up"
	if got := loginURL(current); got != want {
		t.Errorf("loginURL = %q, want %q", got, want)
	}
}

// FuzzSafeNext checks that the page opened after signing in is always a
// path on this site, whatever the next parameter holds.
func FuzzSafeNext(f *testing.F) {
	for _, seed := range []string{"/settings/beacon", "//x", "/\\x", "http://x", "/%2F%2Fx", " /x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q, which is not a local path", next, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q, which parses to host %q", next, got, u.Host)
		}
	})
}
