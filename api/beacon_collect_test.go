package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"customevents/app/apitype"
	"customevents/db/dbtest"
)

const collectVisitorID = "0123456789abcdef0123456789abcdef"

// postCollect sends body to POST /collect as a desktop browser would, with
// the extra headers, and checks the 204.
func postCollect(t *testing.T, ts *testServer, body string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/collect", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("User-Agent", desktopChromeUserAgent)
	for name, value := range headers {
		if name == "Host" {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /collect status = %d, want 204", resp.StatusCode)
	}
	<-ts.collected
	return resp
}

func createEvent(t *testing.T, ts *testServer, slug string) {
	t.Helper()
	if _, err := ts.Store.CreateCustomEvent(t.Context(), ts.Account.ID, apitype.CustomEventInput{Name: slug, Slug: slug}); err != nil {
		t.Fatal(err)
	}
}

// storedOccurrence is one event_occurrences row with its slug.
type storedOccurrence struct {
	Slug        string `bun:"slug"`
	ContactID   int64  `bun:"contact_id"`
	PageURL     string `bun:"page_url"`
	Referrer    string `bun:"referrer"`
	Channel     string `bun:"channel"`
	UTMSource   string `bun:"utm_source"`
	UTMMedium   string `bun:"utm_medium"`
	UTMCampaign string `bun:"utm_campaign"`
	UTMTerm     string `bun:"utm_term"`
	UTMContent  string `bun:"utm_content"`
	Metadata    string `bun:"metadata"`
}

func storedOccurrences(t *testing.T, ts *testServer) []storedOccurrence {
	t.Helper()
	var rows []storedOccurrence
	err := ts.Store.DB().NewRaw(`
		SELECT e.slug, o.contact_id, o.page_url, o.referrer, o.channel, o.utm_source, o.utm_medium,
			o.utm_campaign, o.utm_term, o.utm_content, o.metadata::text AS metadata
		FROM event_occurrences o JOIN custom_events e ON e.id = o.custom_event_id
		WHERE o.account_id = ? ORDER BY o.id`, ts.Account.ID).Scan(t.Context(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func decodeMetadata(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("decode stored metadata %s: %v", text, err)
	}
	return m
}

func TestCollectStoresAttributionAndMetadata(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup",` +
		`"u":"https://www.example.com/pricing?utm_source=ignored","r":"https://www.example.com/",` +
		`"a":"?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=crm+tool&utm_content=ad-1",` +
		`"m":{"plan":"pro","seats":5,"trial":false}}`
	postCollect(t, ts, body, nil)

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	got := rows[0]
	got.ContactID = 0
	metadata := got.Metadata
	got.Metadata = ""
	want := storedOccurrence{
		Slug:        "signup",
		PageURL:     "https://www.example.com/pricing?utm_source=ignored",
		Referrer:    "https://www.example.com/",
		Channel:     "PAID_SEARCH",
		UTMSource:   "google",
		UTMMedium:   "cpc",
		UTMCampaign: "brand",
		UTMTerm:     "crm tool",
		UTMContent:  "ad-1",
	}
	if got != want {
		t.Errorf("occurrence =\n%+v\nwant\n%+v", got, want)
	}
	wantMetadata := map[string]any{"plan": "pro", "seats": 5.0, "trial": false}
	if m := decodeMetadata(t, metadata); !reflect.DeepEqual(m, wantMetadata) {
		t.Errorf("metadata = %v, want %v", m, wantMetadata)
	}
}

func TestCollectDropsInvalidMetadata(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	prefix := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","m":`
	// Seven keys k0 to k6 of 1,024 bytes each and k7 of n bytes make
	// 7,233 + n bytes as compact JSON.
	ofSize := func(n int) string {
		var b strings.Builder
		for i := range 7 {
			fmt.Fprintf(&b, `"k%d":"%s",`, i, strings.Repeat("a", 1024))
		}
		return "{" + b.String() + `"k7":"` + strings.Repeat("b", n) + `"}`
	}
	for _, metadata := range []string{
		`{"note":"` + strings.Repeat("a", 1025) + `"}`,
		ofSize(960),
		`{"tags":["a","b"]}`,
	} {
		postCollect(t, ts, prefix+metadata+"}", nil)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}

	postCollect(t, ts, prefix+ofSize(959)+"}", nil)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences after metadata of 8,192 bytes = %d, want 1", n)
	}
}

// TestCollectRejectsKeyInOtherCase sends messages whose keys differ from
// the documented ones in case only, which encoding/json alone would read.
func TestCollectRejectsKeyInOtherCase(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	createEvent(t, ts, "other")
	prefix := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `",`
	bodies := []string{
		`{"K":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup"}`,
		prefix + `"e":"signup","E":"other"}`,
		prefix + `"i":{"Email":"ann@example.com"}}`,
	}
	for _, body := range bodies {
		postCollect(t, ts, body, nil)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}

	// The same message with its keys in the documented case is stored.
	postCollect(t, ts, prefix+`"e":"signup"}`, nil)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences after a valid message = %d, want 1", n)
	}
}

func TestCollectIgnoresBotUserAgent(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`
	for _, userAgent := range []string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
		"curl/8.5.0",
	} {
		resp := postCollect(t, ts, body, map[string]string{"User-Agent": userAgent})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin for %q = %q, want *", userAgent, got)
		}
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts"); n != 0 {
		t.Errorf("contacts = %d, want 0", n)
	}

	// The same body from a browser is stored, so the bot check made the
	// difference.
	postCollect(t, ts, body, nil)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences after a browser request = %d, want 1", n)
	}
}

func TestCollectAllowedOrigins(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	admin := signIn(t, ts)
	status, out := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{"https://www.example.com"}})
	if status != http.StatusOK {
		t.Fatalf("PUT allowed origins: status %d, body %s", status, out)
	}

	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`
	for _, origin := range []string{"https://evil.example.net", "http://www.example.com", "https://www.example.com:8443", "null"} {
		postCollect(t, ts, body, map[string]string{"Origin": origin})
	}
	postCollect(t, ts, body, nil)
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Fatalf("occurrences from other or missing origins = %d, want 0", n)
	}

	postCollect(t, ts, body, map[string]string{"Origin": "https://WWW.Example.com"})
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences from the allowed origin = %d, want 1", n)
	}

	// An empty list allows any origin again.
	status, out = admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{}})
	if status != http.StatusOK {
		t.Fatalf("PUT empty allowed origins: status %d, body %s", status, out)
	}
	postCollect(t, ts, body, map[string]string{"Origin": "https://evil.example.net"})
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 2 {
		t.Errorf("occurrences with an empty list = %d, want 2", n)
	}
}

func TestAllowedOriginsAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)

	status, out := admin.do(http.MethodGet, "/api/account/allowed-origins", nil)
	if status != http.StatusOK || string(out) != `{"allowedOrigins":[]}`+"\n" {
		t.Fatalf("GET default: status %d, body %q, want 200 and an empty list", status, out)
	}

	in := []string{" HTTPS://WWW.Example.com/ ", "https://www.example.com:443", "http://localhost:3000", "http://[::1]:8080", "https://shop.example.com:8443", "https://shop.example.com.", "http://[0:0:0:0:0:0:0:1]:8080", "HTTP://[FD00::A]"}
	status, out = admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": in})
	if status != http.StatusOK {
		t.Fatalf("PUT: status %d, body %s", status, out)
	}
	want := `{"allowedOrigins":["https://www.example.com","http://localhost:3000","http://[::1]:8080","https://shop.example.com:8443","https://shop.example.com.","http://[fd00::a]"]}` + "\n"
	if string(out) != want {
		t.Errorf("PUT body = %s, want %s", out, want)
	}
	status, out = admin.do(http.MethodGet, "/api/account/allowed-origins", nil)
	if status != http.StatusOK || string(out) != want {
		t.Errorf("GET after PUT: status %d, body %s, want 200 and %s", status, out, want)
	}
}

// One trailing slash is dropped from an origin, but a longer path is
// rejected.
func TestAllowedOriginsTrailingSlash(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)

	status, out := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{"https://www.example.com/"}})
	if status != http.StatusOK {
		t.Fatalf("PUT: status %d, body %s, want 200", status, out)
	}
	want := `{"allowedOrigins":["https://www.example.com"]}` + "\n"
	if string(out) != want {
		t.Errorf("PUT body = %s, want %s", out, want)
	}
	origins, err := ts.Store.AllowedOrigins(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(origins, []string{"https://www.example.com"}) {
		t.Errorf("stored origins = %q, want [https://www.example.com]", origins)
	}

	suffix := ": use scheme://host[:port] with http or https, such as https://www.example.com."
	for _, origin := range []string{"https://www.example.com/shop", "https://www.example.com/shop/", "https://www.example.com//"} {
		status, out := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{origin}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status = %d, body %s, want 422", origin, status, out)
			continue
		}
		if got, want := decodeError(t, out).Message, fmt.Sprintf("Origin %q has a path", origin)+suffix; got != want {
			t.Errorf("%s: message = %q, want %q", origin, got, want)
		}
	}
	origins, err = ts.Store.AllowedOrigins(context.Background(), ts.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(origins, []string{"https://www.example.com"}) {
		t.Errorf("origins after rejected PUTs = %q, want [https://www.example.com]", origins)
	}
}

func TestAllowedOriginsAPIRejectsInvalid(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	suffix := ": use scheme://host[:port] with http or https, such as https://www.example.com."
	tests := []struct {
		name    string
		origins []string
		message string
	}{
		{"path", []string{"https://www.example.com/shop"}, `Origin "https://www.example.com/shop" has a path` + suffix},
		{"no scheme", []string{"www.example.com"}, `Origin "www.example.com" does not start with http:// or https://` + suffix},
		{"ftp scheme", []string{"ftp://example.com"}, `Origin "ftp://example.com" does not start with http:// or https://` + suffix},
		{"query", []string{"https://example.com?a=1"}, `Origin "https://example.com?a=1" has a query or a fragment` + suffix},
		{"user name", []string{"https://ann@example.com"}, `Origin "https://ann@example.com" contains a user name` + suffix},
		{"wildcard", []string{"https://*.example.com"}, `Origin "https://*.example.com" contains a wildcard, which is not supported, so list each origin` + suffix},
		{"bad port", []string{"https://example.com:99999"}, `Origin "https://example.com:99999" has an invalid port` + suffix},
		{"unicode host", []string{"https://bücher.example"}, `Origin "https://bücher.example" has a character other than letters, digits, hyphens and dots in its host; write international names in their xn-- form` + suffix},
		{"comma list", []string{"https://www.example.com,https://shop.example.com"}, `Origin "https://www.example.com,https://shop.example.com" contains a comma or a space: list each origin on its own, one per line or list item` + suffix},
		{"space in host", []string{"https://www example.com"}, `Origin "https://www example.com" contains a comma or a space: list each origin on its own, one per line or list item` + suffix},
		{"empty query", []string{"https://www.example.com/?"}, `Origin "https://www.example.com/?" has a query or a fragment` + suffix},
		{"empty fragment", []string{"https://www.example.com/#"}, `Origin "https://www.example.com/#" has a query or a fragment` + suffix},
		{"short IPv4", []string{"http://127.1:8080"}, `Origin "http://127.1:8080" is not an IP address as browsers send it: write four numbers from 0 to 255, such as 127.0.0.1` + suffix},
		{"hex IPv4", []string{"https://0x7f000001"}, `Origin "https://0x7f000001" is not an IP address as browsers send it: write four numbers from 0 to 255, such as 127.0.0.1` + suffix},
		{"IPv4 out of range", []string{"https://999.1.1.1"}, `Origin "https://999.1.1.1" is not an IP address as browsers send it: write four numbers from 0 to 255, such as 127.0.0.1` + suffix},
		{"IPv4 in IPv6", []string{"https://[::ffff:127.0.0.1]"}, `Origin "https://[::ffff:127.0.0.1]" has an IPv4 address in IPv6 form: write it as four numbers, such as 127.0.0.1` + suffix},
		{"IPv6 zone", []string{"https://[fe80::1%25eth0]"}, `Origin "https://[fe80::1%25eth0]" has an IPv6 zone, which browsers do not send: leave out the % part` + suffix},
		{"two dots", []string{"https://www..example.com"}, `Origin "https://www..example.com" has an empty label in its host, as from two dots in a row` + suffix},
		{"two trailing dots", []string{"https://www.example.com.."}, `Origin "https://www.example.com.." has an empty label in its host, as from two dots in a row` + suffix},
		{"hyphen", []string{"https://-www.example.com"}, `Origin "https://-www.example.com" has a host label that starts or ends with a hyphen` + suffix},
		{"long label", []string{"https://" + strings.Repeat("a", 64) + ".example.com"}, `Origin "https://` + strings.Repeat("a", 64) + `.example.com" has a host label longer than 63 characters` + suffix},
		{"empty", []string{"https://ok.example.com", " "}, `Origin " " is empty` + suffix},
		{"too many", manyOrigins(51), "allowedOrigins has 51 origins: list at most 50."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": tt.origins})
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, body %s, want 422", status, out)
			}
			got := decodeError(t, out)
			if got.Message != tt.message {
				t.Errorf("message = %q, want %q", got.Message, tt.message)
			}
			if got.Field != "allowedOrigins" || got.Code != apitype.CodeBadUserInput {
				t.Errorf("field, code = %q, %q, want allowedOrigins, %s", got.Field, got.Code, apitype.CodeBadUserInput)
			}
		})
	}

	status, out := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("missing list: status = %d, want 422", status)
	}
	if got := decodeError(t, out).Message; !strings.HasPrefix(got, "allowedOrigins is missing") {
		t.Errorf("missing list message = %q", got)
	}
	status, out = admin.do(http.MethodGet, "/api/account/allowed-origins", nil)
	if status != http.StatusOK || string(out) != `{"allowedOrigins":[]}`+"\n" {
		t.Errorf("GET after rejected PUTs: status %d, body %s, want the empty list unchanged", status, out)
	}
}

func manyOrigins(n int) []string {
	origins := make([]string, n)
	for i := range origins {
		origins[i] = "https://site" + strings.Repeat("a", i) + ".example.com"
	}
	return origins
}

func TestAllowedOriginsAPINeedsCSRF(t *testing.T) {
	ts := newTestServer(t)
	admin := signIn(t, ts)
	admin.session.CSRFToken = ""
	status, _ := admin.do(http.MethodPut, "/api/account/allowed-origins", map[string]any{"allowedOrigins": []string{"https://www.example.com"}})
	if status != http.StatusForbidden {
		t.Errorf("PUT without CSRF token: status = %d, want 403", status)
	}

	resp, err := http.Get(ts.URL + "/api/account/allowed-origins")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without session: status = %d, want 401", resp.StatusCode)
	}
}

func TestCollectSetsFirstPartyCookie(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`

	resp := postCollect(t, ts, body, map[string]string{"Host": "t.example.com"})
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v, want one _ma_vid", cookies)
	}
	c := cookies[0]
	if c.Name != "_ma_vid" || c.Value != collectVisitorID {
		t.Errorf("cookie = %s=%s, want _ma_vid=%s", c.Name, c.Value, collectVisitorID)
	}
	if c.Domain != "example.com" || c.Path != "/" || c.MaxAge != 63072000 || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie = %+v, want Domain=example.com, Path=/, Max-Age=63072000, SameSite=Lax", c)
	}
	if c.Secure || c.HttpOnly {
		t.Errorf("cookie Secure, HttpOnly = %v, %v, want false on http and readable by the script", c.Secure, c.HttpOnly)
	}

	// Over https too the cookie is not Secure, so that the site's http
	// pages keep the same visitor id.
	resp = postCollect(t, ts, body, map[string]string{"Host": "t.example.com", "X-Forwarded-Proto": "https"})
	if cookies := resp.Cookies(); len(cookies) != 1 || cookies[0].Secure || cookies[0].Value != collectVisitorID {
		t.Errorf("cookies over https = %v, want one _ma_vid without Secure", cookies)
	}

	// A collect host on another site, and the loopback address the server
	// really listens on, get no cookie.
	for _, host := range []string{"collect.vendor.io", ""} {
		headers := map[string]string{}
		if host != "" {
			headers["Host"] = host
		}
		resp := postCollect(t, ts, body, headers)
		if cookies := resp.Cookies(); len(cookies) != 0 {
			t.Errorf("cookies for host %q = %v, want none", host, cookies)
		}
	}

	// A rejected message sets no cookie either.
	bad := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"Bad Slug","u":"https://www.example.com/"}`
	resp = postCollect(t, ts, bad, map[string]string{"Host": "t.example.com"})
	if cookies := resp.Cookies(); len(cookies) != 0 {
		t.Errorf("cookies for a rejected message = %v, want none", cookies)
	}
}

// TestCollectIgnoresOptedOutBrowser sends a message with the opt-out
// cookie, as a request still on its way when the page called optOut()
// does, to a first-party collect host.
func TestCollectIgnoresOptedOutBrowser(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	body := `{"k":"` + ts.Account.SiteKey + `","v":"` + collectVisitorID + `","e":"signup","u":"https://www.example.com/"}`

	resp := postCollect(t, ts, body, map[string]string{"Host": "t.example.com", "Cookie": "_ma_vid=" + collectVisitorID + "; _ma_optout=1"})
	if cookies := resp.Cookies(); len(cookies) != 0 {
		t.Errorf("cookies = %v, want none", cookies)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}

	// Another value of the cookie is not the script's opt-out.
	resp = postCollect(t, ts, body, map[string]string{"Host": "t.example.com", "Cookie": "_ma_optout=0"})
	if cookies := resp.Cookies(); len(cookies) != 1 {
		t.Errorf("cookies with _ma_optout=0 = %v, want one _ma_vid", cookies)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences"); n != 1 {
		t.Errorf("occurrences with _ma_optout=0 = %d, want 1", n)
	}
}

func TestBeaconScriptEncodings(t *testing.T) {
	ts := newTestServer(t)

	// get returns the body as sent and its Content-Encoding. Setting
	// Accept-Encoding turns off the client's transparent decompression.
	get := func(acceptEncoding string) ([]byte, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/ma.js", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", acceptEncoding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary = %q, want Accept-Encoding", acceptEncoding, got)
		}
		if got := resp.Header.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
			t.Errorf("Accept-Encoding %q: Content-Type = %q", acceptEncoding, got)
		}
		return body, resp.Header.Get("Content-Encoding")
	}

	plain, encoding := get("identity")
	if encoding != "" {
		t.Errorf("Content-Encoding for identity = %q, want none", encoding)
	}
	if !bytes.HasPrefix(plain, []byte("((")) {
		t.Fatalf("plain /ma.js starts with %q, want the script", plain[:min(20, len(plain))])
	}

	tests := []struct {
		acceptEncoding string
		encoding       string
		decode         func(io.Reader) (io.Reader, error)
	}{
		{"gzip, deflate, br", "br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
		{"gzip, deflate", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"br;q=0, gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
	}
	for _, tt := range tests {
		body, encoding := get(tt.acceptEncoding)
		t.Logf("GET /ma.js with Accept-Encoding %q: %d bytes %s", tt.acceptEncoding, len(body), encoding)
		if encoding != tt.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding = %q, want %q", tt.acceptEncoding, encoding, tt.encoding)
			continue
		}
		if len(body) > 2048 {
			t.Errorf("Accept-Encoding %q: body = %d bytes, want at most 2048", tt.acceptEncoding, len(body))
		}
		r, err := tt.decode(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		script, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(script, plain) {
			t.Errorf("Accept-Encoding %q: decoded body differs from the plain /ma.js", tt.acceptEncoding)
		}
	}
}
