// Command precompress writes FILE.gz and FILE.br beside each FILE given, so
// the server can send compressed copies without compressing per request.
//
// Usage: go run ./api/cmd/precompress static/web/app.wasm
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		if err := precompress(name); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

func precompress(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}

	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}

	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	if _, err := bw.Write(data); err != nil {
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}

	// Write to temporary names first, so an interrupted build never leaves
	// a truncated copy that the server would send.
	for ext, body := range map[string][]byte{".gz": gz.Bytes(), ".br": br.Bytes()} {
		if err := os.WriteFile(name+ext+".tmp", body, 0o644); err != nil {
			return err
		}
		if err := os.Rename(name+ext+".tmp", name+ext); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d bytes, %d gzip, %d brotli\n", name, len(data), gz.Len(), br.Len())
	return nil
}
