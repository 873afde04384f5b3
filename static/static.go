// Package static embeds the files the server sends to browsers: the admin
// app's assets under /web/ and the beacon script.
package static

import "embed"

// Web holds the files served under /web/, the compiled app.wasm among them
// once `make wasm` has built it.
//
//go:embed web
var Web embed.FS

// Beacon is the tracking script that websites load.
//
//go:embed beacon/ma.js
var Beacon []byte
