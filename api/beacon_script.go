package api

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/andybalholm/brotli"
	esbuild "github.com/evanw/esbuild/pkg/api"

	"customevents/static"
)

const beaconContentType = "text/javascript; charset=utf-8"

// The served tracking script: static/beacon/ma.js minified, as is and
// gzip- and brotli-compressed.
var (
	beaconScript       = minifyScript(static.Beacon)
	beaconScriptGzip   = gzipBytes(beaconScript)
	beaconScriptBrotli = brotliBytes(beaconScript)
)

// minifyScript minifies the beacon source with esbuild: whitespace,
// comments and local names go, and so do the names of properties that end
// in "_", which the script keeps for its own objects. The output uses
// ES2019 syntax (optional catch binding, object spread), which every
// browser released since 2019 parses. It panics on a syntax error, so a
// broken script stops the server at start and fails every test.
func minifyScript(source []byte) []byte {
	result := esbuild.Transform(string(source), esbuild.TransformOptions{
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		MangleProps:       "_$",
		LegalComments:     esbuild.LegalCommentsNone,
		Target:            esbuild.ES2019,
	})
	if len(result.Errors) > 0 {
		e := result.Errors[0]
		line := 0
		if e.Location != nil {
			line = e.Location.Line
		}
		panic(fmt.Sprintf("static/beacon/ma.js line %d: %s", line, e.Text))
	}
	return bytes.TrimRight(result.Code, "\n")
}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	// Writes to a bytes.Buffer do not fail.
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func brotliBytes(data []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	// Writes to a bytes.Buffer do not fail.
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header value accepts
// gzip: by name, or else through "*", either with a weight above zero.
func acceptsGzip(acceptEncoding string) bool {
	if accepted, found := codingAccepted(acceptEncoding, "gzip"); found {
		return accepted
	}
	return acceptsEncoding(acceptEncoding, "*")
}
