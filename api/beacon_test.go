package api

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCollect(t *testing.T) {
	const vid = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{name: "valid", body: `{"k":"site_x","v":"` + vid + `","e":"signup","u":"https://example.com/"}`},
		{name: "not JSON", body: `k=site`, wantErr: "body is not a JSON object"},
		{name: "missing site key", body: `{"v":"` + vid + `","e":"signup"}`, wantErr: "site key is missing or too long"},
		{name: "short visitor id", body: `{"k":"site_x","v":"abc","e":"signup"}`, wantErr: "visitor id is not 32 lowercase hex digits"},
		{name: "bad slug", body: `{"k":"site_x","v":"` + vid + `","e":"Sign Up"}`, wantErr: "slug: Slug must be lowercase"},
		{name: "too large", body: `{"k":"` + strings.Repeat("x", maxCollectBody) + `"}`, wantErr: "over the 16384-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCollect([]byte(tt.body))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseCollect error = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseCollect error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseCollectCutsLongPageURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("é", maxPageURL)
	body := `{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","u":"` + long + `"}`
	req, err := parseCollect([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(req.PageURL); n != maxPageURL {
		t.Errorf("page URL length = %d characters, want %d", n, maxPageURL)
	}
	if !strings.HasPrefix(req.PageURL, "https://example.com/é") {
		t.Errorf("page URL = %q..., want the start kept", req.PageURL[:30])
	}
}

func FuzzParseCollect(f *testing.F) {
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","u":"https://example.com/"}`))
	f.Add([]byte(`{"k":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseCollect(body)
		if err != nil {
			return
		}
		if !visitorIDPattern.MatchString(req.VisitorID) {
			t.Fatalf("accepted visitor id %q", req.VisitorID)
		}
		if req.SiteKey == "" || len(req.SiteKey) > 64 {
			t.Fatalf("accepted site key %q", req.SiteKey)
		}
		if utf8.RuneCountInString(req.PageURL) > maxPageURL || !utf8.ValidString(req.PageURL) {
			t.Fatalf("accepted page URL of %d characters", utf8.RuneCountInString(req.PageURL))
		}
	})
}
