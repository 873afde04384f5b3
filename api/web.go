package api

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"customevents/app/page"
	"customevents/static"
)

// webResolver maps go-app's /web/ paths to themselves. It is not an
// http.Handler, so go-app leaves serving those files to getWebAsset.
type webResolver struct{}

func (webResolver) Resolve(location string) string {
	if location == "" {
		return "/"
	}
	return location
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
		Domain:    publicHost(s.cfg.PublicURL),
		Styles:    []string{"/web/app.css"},
		Resources: webResolver{},
		Version:   s.cfg.Version,
	}
}

// getWebAsset serves the embedded files under /web/. The app's wasm is
// sent gzip-compressed when the build left a .gz beside it.
func (s *Server) getWebAsset(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/")
	if strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	if _, err := fs.Stat(static.Web, name); err != nil {
		return echo.ErrNotFound
	}

	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-cache")
	if strings.HasSuffix(name, ".wasm") {
		h.Set(echo.HeaderContentType, "application/wasm")
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		if strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
			if gz, err := fs.ReadFile(static.Web, name+".gz"); err == nil {
				h.Set(echo.HeaderContentEncoding, "gzip")
				return c.Blob(http.StatusOK, "application/wasm", gz)
			}
		}
	}
	http.ServeFileFS(c.Response(), c.Request(), static.Web, name)
	return nil
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
