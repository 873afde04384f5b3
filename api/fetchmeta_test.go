package api

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	chromeUA    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	oldChromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/75.0.3770.100 Safari/537.36"
	firefoxUA   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariUA    = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"
	// Chrome on iOS names no Version, so the rule does not judge it.
	chromeIOSUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)

func TestScriptlessSignal(t *testing.T) {
	beacon := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}
	keepaliveFetch := map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
	tests := []struct {
		name    string
		headers map[string]string
		ua      string
		https   bool
		want    string
	}{
		{"sendBeacon over https", beacon, chromeUA, true, ""},
		{"fetch with keepalive over https", keepaliveFetch, firefoxUA, true, ""},
		{"form post", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, chromeUA, false, "page navigation"},
		{"form post into a frame", map[string]string{"Sec-Fetch-Mode": "nested-navigate"}, chromeUA, true, "page navigation"},
		{"image", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}, safariUA, false, "destination image"},
		{"unknown destination", map[string]string{"Sec-Fetch-Dest": "Not a Token<script>"}, chromeUA, false, "destination other"},
		{"copied Chrome user agent over https", nil, chromeUA, true, "browser user agent without fetch metadata"},
		{"copied Firefox user agent over https", nil, firefoxUA, true, "browser user agent without fetch metadata"},
		{"copied Safari user agent over https", nil, safariUA, true, "browser user agent without fetch metadata"},
		// Browsers send no fetch metadata to a plain http address other
		// than loopback, so its absence proves nothing there.
		{"no metadata over http", nil, chromeUA, false, ""},
		{"browser too old for fetch metadata", nil, oldChromeUA, true, ""},
		{"browser the rule does not judge", nil, chromeIOSUA, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			if got := scriptlessSignal(h, tt.ua, tt.https); got != tt.want {
				t.Errorf("scriptlessSignal = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendsFetchMetadata(t *testing.T) {
	tests := []struct {
		ua   string
		want bool
	}{
		{asciiLower(chromeUA), true},
		{"mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/80.0.3987.87 safari/537.36", true},
		{"mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/79.0.3945.88 safari/537.36", false},
		{"mozilla/5.0 (linux; android 14; sm-s918b) applewebkit/537.36 (khtml, like gecko) samsungbrowser/25.0 chrome/121.0.0.0 mobile safari/537.36", true},
		{"mozilla/5.0 (windows nt 10.0; win64; x64; rv:90.0) gecko/20100101 firefox/90.0", true},
		{"mozilla/5.0 (windows nt 10.0; win64; x64; rv:89.0) gecko/20100101 firefox/89.0", false},
		{"mozilla/5.0 (macintosh; intel mac os x 10_15_7) applewebkit/605.1.15 (khtml, like gecko) version/16.4 safari/605.1.15", true},
		{"mozilla/5.0 (macintosh; intel mac os x 10_15_7) applewebkit/605.1.15 (khtml, like gecko) version/16.3 safari/605.1.15", false},
		{"mozilla/5.0 (iphone; cpu iphone os 18_1 like mac os x) applewebkit/605.1.15 (khtml, like gecko) version/18.1 mobile/15e148 safari/604.1", true},
		{"mozilla/5.0 (macintosh; intel mac os x 10_15_7) applewebkit/605.1.15 (khtml, like gecko) version/15.6 safari/605.1.15", false},
		{"mozilla/5.0 (iphone; cpu iphone os 17_0 like mac os x) applewebkit/605.1.15 (khtml, like gecko) mobile/15e148", false},
		{"opera/9.80 (windows nt 6.1) presto/2.12.388 version/12.16", false},
		{"", false},
		{"chrome/", false},
	}
	for _, tt := range tests {
		if got := sendsFetchMetadata(tt.ua); got != tt.want {
			t.Errorf("sendsFetchMetadata(%q) = %t, want %t", tt.ua, got, tt.want)
		}
	}
}

func TestReachedOverHTTPS(t *testing.T) {
	tests := []struct {
		name  string
		tls   bool
		proto string
		want  bool
	}{
		{"plain http", false, "", false},
		{"tls", true, "", true},
		{"proxy that ended tls", false, "https", true},
		{"proxy header in capitals", false, "HTTPS", true},
		{"chain of proxies", false, "https, http", true},
		{"proxy over http", false, "http", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/collect", nil)
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		} else {
			r.TLS = nil
		}
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		if got := reachedOverHTTPS(r); got != tt.want {
			t.Errorf("%s: reachedOverHTTPS = %t, want %t", tt.name, got, tt.want)
		}
	}
}

// FuzzScriptlessSignal checks that any headers and user agent give a
// signal without a panic, that a request carrying the beacon's own fetch
// metadata is never ignored, and that a logged destination is a token.
func FuzzScriptlessSignal(f *testing.F) {
	f.Add(chromeUA, "navigate", "document", "cross-site", true)
	f.Add(safariUA, "no-cors", "empty", "", true)
	f.Add("Version/16.", "", "", "", true)
	f.Add("chrome/99999999999999999999", "", "x<y", "", false)
	f.Fuzz(func(t *testing.T, ua, mode, dest, site string, https bool) {
		h := http.Header{}
		for name, value := range map[string]string{"Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest, "Sec-Fetch-Site": site} {
			if value != "" {
				h.Set(name, value)
			}
		}
		signal := scriptlessSignal(h, ua, https)
		if site != "" && (mode == "no-cors" || mode == "cors") && (dest == "" || dest == "empty") && signal != "" {
			t.Fatalf("beacon request ignored with signal %q", signal)
		}
		if after, ok := strings.CutPrefix(signal, "destination "); ok && after != "other" && after != dest {
			t.Fatalf("signal %q for destination %q", signal, dest)
		}
	})
}
