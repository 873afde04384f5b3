package api

import (
	"bytes"
	"compress/gzip"
	"strings"

	"customevents/static"
)

const beaconContentType = "text/javascript; charset=utf-8"

// The served tracking script: static/beacon/ma.js without its leading
// comment, as is and gzip-compressed.
var (
	beaconScript     = stripLeadingComment(static.Beacon)
	beaconScriptGzip = gzipBytes(beaconScript)
)

// stripLeadingComment removes a /* */ comment at the start of script and
// the line break after it. ma.js keeps its notes for readers there.
func stripLeadingComment(script []byte) []byte {
	rest, ok := bytes.CutPrefix(script, []byte("/*"))
	if !ok {
		return script
	}
	_, after, found := bytes.Cut(rest, []byte("*/"))
	if !found {
		return script
	}
	return bytes.TrimLeft(after, "\r\n")
}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	// Writes to a bytes.Buffer do not fail.
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header value lists gzip
// (or *) without q=0.
func acceptsGzip(acceptEncoding string) bool {
	for _, part := range strings.Split(acceptEncoding, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}
