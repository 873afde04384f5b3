package api

import (
	"net/url"
	"slices"
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

func TestCutReferrerSchemes(t *testing.T) {
	tests := []struct{ in, wantPage, wantReferrer string }{
		{"https://www.google.com/", "https://www.google.com/", "https://www.google.com/"},
		{"android-app://com.google.android.gm/", "", "android-app://com.google.android.gm/"},
		{"android-app://com.google.android.gm", "", "android-app://com.google.android.gm"},
		{"ANDROID-APP://com.linkedin.android/", "", "ANDROID-APP://com.linkedin.android/"},
		{"android-app://ann@com.example.app/x", "", "android-app://com.example.app/x"},
		{"android-app:com.google.android.gm", "", ""},
		{"android-app:///", "", ""},
		{"ios-app://123/", "", ""},
		{"javascript:alert(1)", "", ""},
	}
	for _, tt := range tests {
		got, err := cutURL("page URL", tt.in)
		if err != nil || got != tt.wantPage {
			t.Errorf("cutURL(%q) = %q, %v, want %q", tt.in, got, err, tt.wantPage)
		}
		got, err = cutReferrer("referrer", tt.in)
		if err != nil || got != tt.wantReferrer {
			t.Errorf("cutReferrer(%q) = %q, %v, want %q", tt.in, got, err, tt.wantReferrer)
		}
	}
}

// FuzzCutURL checks that a kept page URL is an absolute http or https URL,
// and a kept referrer an absolute http, https or android-app URL, without
// credentials and within maxPageURL characters.
func FuzzCutURL(f *testing.F) {
	f.Add("https://ann:secret@example.com/pricing?a=1")
	f.Add("javascript:alert(1)")
	f.Add("https://example.com/%E2%82")
	f.Add("android-app://ann@com.google.android.gm/")
	f.Fuzz(func(t *testing.T, in string) {
		checks := []struct {
			cut     func(name, value string) (string, error)
			schemes []string
		}{
			{cutURL, pageURLSchemes},
			{cutReferrer, referrerSchemes},
		}
		for _, check := range checks {
			got, err := check.cut("URL", in)
			if err != nil || got == "" {
				continue
			}
			if utf8.RuneCountInString(got) > maxPageURL {
				t.Fatalf("cut(%q) = %q, longer than %d characters", in, got, maxPageURL)
			}
			u, err := url.Parse(got)
			if err != nil || !slices.Contains(check.schemes, u.Scheme) || u.Host == "" || u.User != nil {
				t.Fatalf("cut(%q) = %q, which is not a %v URL without credentials", in, got, check.schemes)
			}
		}
	})
}
