package page

import (
	"strings"
	"testing"

	"customevents/app/apitype"
)

func TestSuggestSlug(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"Watched Demo Video", "watched-demo-video"},
		{"  Signed up -- for TRIAL!  ", "signed-up-for-trial"},
		{"Step 2: Checkout", "step-2-checkout"},
		{"Café crème", "caf-cr-me"},
		{"日本語", ""},
		{"", ""},
		{"Impression", "impression"},
		{strings.Repeat("a", 63) + " b", strings.Repeat("a", 63)},
	}
	for _, tt := range tests {
		if got := SuggestSlug(tt.name); got != tt.want {
			t.Errorf("SuggestSlug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzSuggestSlug checks that every suggestion is empty or passes the slug
// format rules, so the form never proposes a slug the API rejects for its
// form. Reserved slugs are allowed, because the form reports them.
func FuzzSuggestSlug(f *testing.F) {
	for _, seed := range []string{"Watched Demo Video", "--a--", "Ünïcode", strings.Repeat("ab ", 40)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug := SuggestSlug(name)
		if slug == "" {
			return
		}
		if err := apitype.ValidateSlug(slug); err != nil && !strings.Contains(err.Message, "reserved") {
			t.Fatalf("SuggestSlug(%q) = %q, which is invalid: %s", name, slug, err.Message)
		}
	})
}
