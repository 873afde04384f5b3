package api

import (
	"net/http"
	"strings"
)

// Browsers add fetch metadata headers (Sec-Fetch-Mode, Sec-Fetch-Dest) to
// requests to https and loopback addresses, and page script cannot remove
// or change them. The beacon sends with navigator.sendBeacon or fetch,
// whose requests have the destination "empty" and a mode other than
// "navigate". So when the headers are there, they tell a request that no
// script made: a form posted to /collect, or an image or a frame pointed
// at it. Their absence proves nothing: browsers leave them out over plain
// http, older browsers never send them, and proxies may drop them.

// scriptlessSignal returns the name of the signal by which a request to
// /collect with header h was not sent by script on a web page, or "" when
// there is none.
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
