package api

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/page"
	"customevents/static"
)

// webResolver maps go-app's /web/ paths to versioned URLs, such as
// /web/app.wasm?v=3f2a…, so browsers may keep them for a year: a new build
// has a new version and so new URLs. It is not an http.Handler, so go-app
// leaves serving those files to getWebAsset.
type webResolver struct {
	version string
}

func (r webResolver) Resolve(location string) string {
	if location == "" {
		return "/"
	}
	if strings.HasPrefix(location, "/web/") {
		return location + "?v=" + url.QueryEscape(r.version)
	}
	return location
}

// assetVersion names the admin app's files: the build's version followed
// by a digest of every file under /web/, so that a rebuilt WASM gets new
// URLs even when the build version did not change.
func assetVersion(build string) string {
	h := sha256.New()
	_ = fs.WalkDir(static.Web, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static.Web, name)
		if err != nil {
			return err
		}
		io.WriteString(h, name)
		h.Write(data)
		return nil
	})
	digest := hex.EncodeToString(h.Sum(nil))[:12]
	if build == "" {
		return digest
	}
	return build + "-" + digest
}

// appHandler returns go-app's handler, which prerenders pages on the server
// and serves the PWA files (app.js, manifest, service worker).
func (s *Server) appHandler() http.Handler {
	page.Register()
	return &app.Handler{
		Name:            "Custom Events",
		ShortName:       "Events",
		Title:           "Custom Events",
		Description:     "Define, track and report custom events.",
		Lang:            "en",
		BackgroundColor: "#ffffff",
		ThemeColor:      "#1d4ed8",
		LoadingLabel:    "Loading Custom Events…",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-512.png",
			SVG:      "/web/icon.svg",
		},
		// go-app builds og:url and og:image from https:// and Domain, and
		// Image makes link previews show the app's icon.
		Domain:                publicHost(s.cfg.PublicURL),
		Image:                 "/web/icon-512.png",
		Styles:                []string{"/web/app.css"},
		Resources:             webResolver{version: s.assetVersion},
		Version:               s.assetVersion,
		ServiceWorkerTemplate: serviceWorker,
	}
}

// serviceWorker is the admin app's service worker. It saves the app's
// shell and files at install, serves page loads from the network and,
// offline, from the saved shell (the app then routes to the page itself),
// and never touches the API, GraphQL, the beacon or health checks, whose
// responses must be live. go-app fills in {{.Version}} and
// {{.ResourcesToCache}}.
const serviceWorker = `const cacheName = "custom-events-{{.Version}}";
const shell = {{.ResourcesToCache}};
const live = ["/api/", "/graphql", "/collect", "/ma.js", "/healthz"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (live.some((prefix) => url.pathname.startsWith(prefix))) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match("/", { cacheName }))
    );
    return;
  }
  event.respondWith(
    caches.match(request, { cacheName }).then((saved) => saved || fetch(request))
  );
});
`

// getWebAsset serves the embedded files under /web/. A request for the
// current version (see webResolver) may be kept by the browser for a year;
// any other is revalidated. The app's WASM is sent brotli- or
// gzip-compressed when the build left .br and .gz copies beside it.
func (s *Server) getWebAsset(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/")
	if strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	if _, err := fs.Stat(static.Web, name); err != nil {
		return echo.ErrNotFound
	}

	h := c.Response().Header()
	if c.QueryParam("v") == s.assetVersion {
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		h.Set(echo.HeaderCacheControl, "no-cache")
	}
	if strings.HasSuffix(name, ".wasm") {
		h.Set(echo.HeaderContentType, "application/wasm")
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		accept := c.Request().Header.Get(echo.HeaderAcceptEncoding)
		for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(accept, enc.token) {
				continue
			}
			if body, err := fs.ReadFile(static.Web, name+enc.ext); err == nil {
				h.Set(echo.HeaderContentEncoding, enc.token)
				return c.Blob(http.StatusOK, "application/wasm", body)
			}
		}
	}
	http.ServeFileFS(c.Response(), c.Request(), static.Web, name)
	return nil
}

// acceptsEncoding reports whether an Accept-Encoding header value lists
// the content coding token with a weight above zero.
func acceptsEncoding(header, token string) bool {
	accepted, _ := codingAccepted(header, token)
	return accepted
}

// codingAccepted looks up the content coding token in an Accept-Encoding
// header value: found reports whether the header lists it, and accepted
// whether its weight is above zero. Coding names and the q parameter match
// without regard to case, as RFC 9110 section 12.5.3 specifies.
func codingAccepted(header, token string) (accepted, found bool) {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(coding), token) {
			return !zeroWeight(params), true
		}
	}
	return false, false
}

// zeroWeight reports whether the parameters of a coding in Accept-Encoding
// give it the weight 0, written as "q=0", "q=0.", "q=0.0", "q=0.00" or
// "q=0.000".
func zeroWeight(params string) bool {
	for param := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		if value == "0" {
			return true
		}
		fraction, ok := strings.CutPrefix(value, "0.")
		return ok && len(fraction) <= 3 && strings.Trim(fraction, "0") == ""
	}
	return false
}

// publicHost returns the host of the public URL, which go-app puts into the
// pages' Open Graph URLs.
func publicHost(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return u.Host
}
