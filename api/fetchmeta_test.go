package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestScriptlessSignal(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"sendBeacon", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}, ""},
		{"fetch with keepalive", map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}, ""},
		// Plain http, older browsers and some proxies leave the headers
		// out, so their absence is no signal.
		{"no fetch metadata", nil, ""},
		{"form post", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, "page navigation"},
		{"form post into a frame", map[string]string{"Sec-Fetch-Mode": "nested-navigate"}, "page navigation"},
		{"image", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}, "destination image"},
		{"unknown destination", map[string]string{"Sec-Fetch-Dest": "Not a Token<script>"}, "destination other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			if got := scriptlessSignal(h); got != tt.want {
				t.Errorf("scriptlessSignal = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzScriptlessSignal checks that any headers give a signal without a
// panic, that a request carrying the beacon's own fetch metadata is never
// ignored, and that a logged destination is a token.
func FuzzScriptlessSignal(f *testing.F) {
	f.Add("navigate", "document")
	f.Add("no-cors", "empty")
	f.Add("", "x<y")
	f.Fuzz(func(t *testing.T, mode, dest string) {
		h := http.Header{}
		if mode != "" {
			h.Set("Sec-Fetch-Mode", mode)
		}
		if dest != "" {
			h.Set("Sec-Fetch-Dest", dest)
		}
		signal := scriptlessSignal(h)
		if (mode == "no-cors" || mode == "cors") && (dest == "" || dest == "empty") && signal != "" {
			t.Fatalf("beacon request ignored with signal %q", signal)
		}
		if after, ok := strings.CutPrefix(signal, "destination "); ok && after != "other" && after != dest {
			t.Fatalf("signal %q for destination %q", signal, dest)
		}
	})
}
