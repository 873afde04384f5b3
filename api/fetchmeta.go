package api

import (
	"net/http"
	"strconv"
	"strings"
)

// Browsers add fetch metadata headers (Sec-Fetch-Site, Sec-Fetch-Mode,
// Sec-Fetch-Dest) to every request to an https or loopback address, and
// page script cannot remove or change them. The beacon sends with
// navigator.sendBeacon or fetch, whose requests have the destination
// "empty" and a mode other than "navigate". So these headers tell a
// request that no script made: a form posted to /collect, an image or
// frame pointed at it, or a program that copies a browser's User-Agent
// but not the headers that come with it.

// scriptlessSignal returns the name of the signal by which a request to
// /collect, with header h and the user agent userAgent, was not sent by
// script on a web page, or "" when there is none. https is true when the
// browser reached the server over https, directly or through a proxy.
func scriptlessSignal(h http.Header, userAgent string, https bool) string {
	mode := h.Get("Sec-Fetch-Mode")
	if mode == "navigate" || mode == "nested-navigate" {
		return "page navigation"
	}
	if dest := h.Get("Sec-Fetch-Dest"); dest != "" && dest != "empty" {
		return "destination " + safeSignalValue(dest)
	}
	if https && h.Get("Sec-Fetch-Site") == "" && sendsFetchMetadata(asciiLower(userAgent)) {
		return "browser user agent without fetch metadata"
	}
	return ""
}

// safeSignalValue returns v for the log when it is a short token of
// lowercase letters and hyphens, as the destinations of the standard are,
// and "other" otherwise.
func safeSignalValue(v string) string {
	if len(v) > 32 || strings.ContainsFunc(v, func(r rune) bool { return r != '-' && (r < 'a' || r > 'z') }) {
		return "other"
	}
	return v
}

// sendsFetchMetadata reports whether the lowercased user agent ua names a
// browser version that sends fetch metadata: Chrome 80, Firefox 90 and
// Safari 16.4 or later. Browsers that ua does not name, such as Chrome on
// iOS, which reports no Version, are not judged.
func sendsFetchMetadata(ua string) bool {
	if major, ok := versionAfter(ua, "chrome/"); ok {
		return major >= 80
	}
	if major, ok := versionAfter(ua, "firefox/"); ok {
		return major >= 90
	}
	if !strings.Contains(ua, "safari/") || strings.Contains(ua, "chromium/") {
		return false
	}
	major, ok := versionAfter(ua, "version/")
	if !ok {
		return false
	}
	if major != 16 {
		return major > 16
	}
	rest := ua[strings.Index(ua, "version/16")+len("version/16"):]
	minor, ok := versionAfter(rest, ".")
	return ok && minor >= 4
}

// versionAfter returns the number that follows the first occurrence of
// prefix in s, when prefix occurs and digits follow it.
func versionAfter(s, prefix string) (int, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return 0, false
	}
	s = s[i+len(prefix):]
	end := 0
	for end < len(s) && end < 6 && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}

// reachedOverHTTPS reports whether the browser sent r over https: r came
// over TLS, or the first X-Forwarded-Proto value, as a proxy that ends
// TLS sets it, is https. A forged header only makes the server stricter
// with its sender's own requests.
func reachedOverHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
