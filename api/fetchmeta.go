package api

import (
	"net/http"
	"strings"
)

// scriptlessSignal returns why the fetch metadata headers of a request to
// /collect, which page script cannot change, show that no script sent it,
// or "". The beacon's sendBeacon and fetch requests have the destination
// "empty" and a mode other than "navigate". A request without the headers
// passes, because plain http, older browsers and some proxies leave them
// out.
func scriptlessSignal(h http.Header) string {
	mode := h.Get("Sec-Fetch-Mode")
	if mode == "navigate" || mode == "nested-navigate" {
		return "page navigation"
	}
	if dest := h.Get("Sec-Fetch-Dest"); dest != "" && dest != "empty" {
		return "destination " + safeSignalValue(dest)
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
