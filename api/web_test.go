package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"github.com/andybalholm/brotli"

	"customevents/static"
)

// TestWASMServedVersionedAndCompressed follows the URL that app.js loads
// the WASM from and checks what each Accept-Encoding gets back, and that
// only the current version's URL may be kept by browsers.
func TestWASMServedVersionedAndCompressed(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	original, err := fs.ReadFile(static.Web, "web/app.wasm")
	if err != nil {
		t.Fatal(err)
	}

	appJS := get(t, ts.URL+"/app.js", "")
	body, _ := io.ReadAll(appJS.Body)
	wasmURL := regexp.MustCompile(`/web/app\.wasm\?v=[0-9A-Za-z._%-]+`).Find(body)
	if wasmURL == nil {
		t.Fatalf("app.js names no versioned WASM URL:\n%.500s", body)
	}

	decoders := map[string]func(io.Reader) io.Reader{
		"br":   func(r io.Reader) io.Reader { return brotli.NewReader(r) },
		"gzip": func(r io.Reader) io.Reader { zr, _ := gzip.NewReader(r); return zr },
		"":     func(r io.Reader) io.Reader { return r },
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"identity", ""},
	} {
		resp := get(t, ts.URL+string(wasmURL), tc.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding = %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("Accept-Encoding %q: Cache-Control = %q, want a year, immutable", tc.accept, got)
		}
		decoded, err := io.ReadAll(decoders[tc.want](resp.Body))
		if err != nil {
			t.Fatalf("Accept-Encoding %q: decode: %v", tc.accept, err)
		}
		if !bytes.Equal(decoded, original) {
			t.Errorf("Accept-Encoding %q: decoded body has %d bytes, differs from app.wasm (%d bytes)", tc.accept, len(decoded), len(original))
		}
	}

	for _, path := range []string{"/web/app.wasm", "/web/app.wasm?v=old-build"} {
		if got := get(t, ts.URL+path, "gzip").Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control = %q, want no-cache", path, got)
		}
	}
}

func get(t *testing.T, url, acceptEncoding string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set explicitly, so the transport neither adds gzip nor decodes.
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return resp
}
