package api

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/publicsuffix"
)

// Visitor id cookie that the script sets and that the collect response
// renews on a first-party collect host.
const (
	visitorCookieName   = "_ma_vid"
	visitorCookieMaxAge = 2 * 365 * 24 * 60 * 60 // two years, in seconds
)

// optOutCookieName is the cookie that $__MA.optOut() sets on the site's
// widest domain.
const optOutCookieName = "_ma_optout"

// optedOut reports whether the request carries the opt-out cookie. A
// collect host on a subdomain of the site gets it with a message that
// left after optOut() set it, such as one that the page sent in the same
// task. The reply would otherwise set _ma_vid again on the whole domain.
func optedOut(r *http.Request) bool {
	cookie, err := r.Cookie(optOutCookieName)
	return err == nil && cookie.Value == "1"
}

// setVisitorCookie renews the _ma_vid cookie with a Set-Cookie header when
// the collect host and the page share a registrable domain. Safari caps
// cookies that JavaScript sets at 7 days. Since Safari 14 it caps cookies
// from responses of a subdomain that is a CNAME to another site as well,
// so the two-year lifetime holds there only when the subdomain's DNS points
// at the website's own servers.
//
// The cookie is not Secure, also over https, as the script's is not.
// Browsers keep http pages from reading a Secure cookie and from setting
// one of the same name over it, so the site's http pages would start a
// new visitor id on every load.
func setVisitorCookie(c echo.Context, visitorID, pageURL string) {
	domain := visitorCookieDomain(c.Request().Host, pageURL)
	if domain == "" {
		return
	}
	c.SetCookie(&http.Cookie{
		Name:     visitorCookieName,
		Value:    visitorID,
		Domain:   domain,
		Path:     "/",
		MaxAge:   visitorCookieMaxAge,
		SameSite: http.SameSiteLaxMode,
	})
}

// visitorCookieDomain returns the registrable domain (eTLD+1, from the
// public suffix list) that the collect request's Host and the page URL
// share, such as example.com for t.example.com and www.example.com. It
// returns "" when they differ, when either is an IP address, localhost or
// a public suffix, or when the page URL is not http or https. A name under
// localhost, such as t.site.localhost, counts localhost as its public
// suffix, as Chromium does, so a local trial of a first-party collect host
// gets the cookie on site.localhost. The page URL
// comes from the message body: Origin and Referer headers are not used.
func visitorCookieDomain(requestHost, pageURL string) string {
	collectHost := cookieHost(requestHost)
	page, err := url.Parse(pageURL)
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") {
		return ""
	}
	pageHost := cookieHost(page.Host)
	if collectHost == "" || pageHost == "" {
		return ""
	}

	collectDomain, err := publicsuffix.EffectiveTLDPlusOne(collectHost)
	if err != nil {
		return ""
	}
	pageDomain, err := publicsuffix.EffectiveTLDPlusOne(pageHost)
	if err != nil || pageDomain != collectDomain {
		return ""
	}
	return collectDomain
}

// cookieHost returns the lowercased host name of a Host header value, with
// the port and a trailing dot removed, or "" for an IP address or
// localhost, which cannot take a Domain cookie.
func cookieHost(hostPort string) string {
	host := hostPort
	if h, _, err := net.SplitHostPort(hostPort); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" || host == "localhost" {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	return host
}
