package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"customevents/db/dbtest"
)

// recordWarnings is page script that keeps the console.warn messages in
// window.warnings.
const recordWarnings = `window.warnings = []; console.warn = function (m) { warnings.push(m) };`

func pageWarnings(t *testing.T, browser context.Context) []string {
	t.Helper()
	warnings, err := chromedp.Run(browser, chromedp.Evaluate[[]string]("warnings"))
	if err != nil {
		t.Fatal(err)
	}
	return warnings
}

// jsString returns s as a JavaScript string literal.
func jsString(s string) string {
	quoted, _ := json.Marshal(s)
	return string(quoted)
}

func TestBeaconCutsLongURLs(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends))
	browser := newBrowser(t)

	// The referrer is a page URL of 3,000 characters. Chromium sends
	// referrers of up to 4,096 characters in full.
	fromPrefix := siteURL + "/from?q="
	from := fromPrefix + strings.Repeat("r", 3000-len(fromPrefix))
	openSite(t, browser, from)

	// The page URL has a %41 escape at characters 2,047 to 2,049, across the
	// 2,048-character cut, and is long enough that the whole URL would put
	// the message over the server's 16 KiB body limit.
	prefix := siteURL + "/long?utm_source=news&utm_content="
	wantPageURL := prefix + strings.Repeat("x", 2046-len(prefix))
	long := wantPageURL + "%41" + strings.Repeat("y", 17000)
	navigateBy(t, browser, "location.href = "+jsString(long))
	waitBeaconLoaded(t, browser)
	evaluate(t, browser, `$__MA.captureEvent('viewed')`)
	ts.waitCollected(t, 1)

	sent, err := chromedp.Run(browser, chromedp.Evaluate[map[string]string]("({u: sent[0].u, r: sent[0].r, a: sent[0].a, f: sent[0].f})"))
	if err != nil {
		t.Fatal(err)
	}
	firstTouch := long[strings.Index(long, "?"):]
	want := map[string]string{"u": wantPageURL, "r": from[:2048], "a": firstTouch[:2048], "f": siteURL}
	for key, value := range want {
		if sent[key] != value {
			t.Errorf("sent %s has %d characters ending in %q, want %d ending in %q",
				key, len(sent[key]), sent[key][max(0, len(sent[key])-8):], len(value), value[len(value)-8:])
		}
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
	wantRow := storedOccurrence{
		Slug:       "viewed",
		ContactID:  rows[0].ContactID,
		PageURL:    wantPageURL,
		Referrer:   from[:2048],
		Channel:    "OTHER",
		UTMSource:  "news",
		UTMContent: strings.Repeat("x", 200),
		Metadata:   "{}",
	}
	if rows[0] != wantRow {
		t.Errorf("occurrence =\n%+v\nwant\n%+v", rows[0], wantRow)
	}

	// With the three URLs at their limit, metadata of the largest size that
	// the script sends still fits in one message: 7 values of 1,024 bytes
	// and one of 959 make 8,192 bytes of JSON.
	evaluate(t, browser, `var most = {}; for (var i = 0; i < 7; i++) most['k' + i] = 'x'.repeat(1024); most.k7 = 'x'.repeat(959);
		if (JSON.stringify(most).length !== 8192) throw new Error('metadata is not 8,192 bytes');
		$__MA.captureEvent('viewed', most)`)
	ts.waitCollected(t, 1)
	rows = storedOccurrences(t, ts)
	if len(rows) != 2 {
		t.Fatalf("occurrences = %d, want 2", len(rows))
	}
	if len(rows[1].Metadata) < 8192 {
		t.Errorf("stored metadata = %d bytes, want at least 8,192", len(rows[1].Metadata))
	}
}

func TestBeaconChecksMetadataKeysAndNUL(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	createEvent(t, ts, "marker")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+recordWarnings))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	// 'é' is 2 bytes of UTF-8, so 33 of them are 66 bytes.
	evaluate(t, browser, `
		$__MA.captureEvent('signup', {'': 1});
		$__MA.captureEvent('signup', {['k'.repeat(65)]: 1});
		$__MA.captureEvent('signup', {['é'.repeat(33)]: 1});
		$__MA.captureEvent('signup', {note: 'a\0b'});
		$__MA.captureEvent('signup', {['a\0b']: 'x'});
		$__MA.captureEvent('marker', {['é'.repeat(32)]: 'ok', ['k'.repeat(64)]: 1});
	`)
	ts.waitCollected(t, 1)
	if n := sentCount(t, browser); n != 1 {
		t.Errorf("messages sent = %d, want only the marker", n)
	}

	want := []string{
		"$__MA: metadata has an empty key: event signup not sent",
		"$__MA: metadata key " + strings.Repeat("k", 65) + " is over 64 bytes: event signup not sent",
		"$__MA: metadata key " + strings.Repeat("é", 33) + " is over 64 bytes: event signup not sent",
		"$__MA: metadata note contains a NUL character: event signup not sent",
		"$__MA: metadata a\x00b contains a NUL character: event signup not sent",
	}
	if warnings := pageWarnings(t, browser); !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", warnings, want)
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != 1 || rows[0].Slug != "marker" {
		t.Fatalf("occurrences = %+v, want only the marker", rows)
	}
	wantMetadata := map[string]any{strings.Repeat("é", 32): "ok", strings.Repeat("k", 64): 1.0}
	if got := decodeMetadata(t, rows[0].Metadata); !reflect.DeepEqual(got, wantMetadata) {
		t.Errorf("marker metadata = %v, want %v", got, wantMetadata)
	}
}

// TestBeaconCountsMetadataAsJSONStringify checks the 8,192-byte limit on
// metadata with "<" and "&", which JSON.stringify writes as one byte each.
func TestBeaconCountsMetadataAsJSONStringify(t *testing.T) {
	ts := newTestServer(t)
	sendMetadataAtLimit(t, ts, `'<&'.repeat(512)`, `'<'`)
}

// TestBeaconMetadataLineSeparators checks the 8,192-byte limit on metadata
// with U+2028 and U+2029, which JSON.stringify writes as 3 bytes each and
// encoding/json as 6-byte escapes, and that the server stores all of it.
func TestBeaconMetadataLineSeparators(t *testing.T) {
	ts := newTestServer(t)
	sendMetadataAtLimit(t, ts, `'\u2028\u2029'.repeat(170) + 'xxxx'`, `'x'`)

	metadata := decodeMetadata(t, storedOccurrences(t, ts)[0].Metadata)
	value := strings.Repeat("\u2028\u2029", 170) + "xxxx"
	for i := range 7 {
		key := "k" + strconv.Itoa(i)
		if metadata[key] != value {
			t.Errorf("stored %s = %q, want 170 pairs of U+2028 U+2029 and xxxx", key, metadata[key])
		}
	}
	// Braces, seven commas, eight keys with quotes and colons and seven
	// values with quotes take 7,233 bytes, so k7 has 959 x's.
	if got, want := metadata["k7"], strings.Repeat("x", 959); got != want {
		t.Errorf("stored k7 = %q, want %d x's", got, len(want))
	}
}

// sendMetadataAtLimit sends an event with metadata of 8,193 bytes and one
// with 8,192 bytes of UTF-8 as JSON.stringify writes them. The metadata has
// seven values of the JavaScript expression value, 1,024 bytes each, and
// an eighth made of the one-byte string filler. It checks that the script
// sent only the second event, with a warning for the first, and that the
// server stored it.
func sendMetadataAtLimit(t *testing.T, ts *testServer, value, filler string) {
	t.Helper()
	createEvent(t, ts, "signup")
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+recordWarnings))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `
		window.metadataOfSize = function (size) {
			var m = {};
			for (var i = 0; i < 7; i++) m['k' + i] = `+value+`;
			m.k7 = '';
			m.k7 = `+filler+`.repeat(size - new Blob([JSON.stringify(m)]).size);
			return m;
		};
		$__MA.captureEvent('signup', metadataOfSize(8193));
		$__MA.captureEvent('signup', metadataOfSize(8192));
	`)
	ts.waitCollected(t, 1)

	sizes, err := chromedp.Run(browser, chromedp.Evaluate[[]int]("sent.map(function (m) { return new Blob([JSON.stringify(m.m)]).size })"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{8192}; !reflect.DeepEqual(sizes, want) {
		t.Errorf("sent metadata sizes = %v, want %v", sizes, want)
	}
	want := []string{"$__MA: metadata is over 8192 bytes: event signup not sent"}
	if warnings := pageWarnings(t, browser); !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	if rows := storedOccurrences(t, ts); len(rows) != 1 {
		t.Fatalf("occurrences = %d, want 1", len(rows))
	}
}

func TestBeaconChecksIdentifyFields(t *testing.T) {
	ts := newTestServer(t)
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+recordWarnings))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	// The last call is valid at every limit: an email of 254 bytes and
	// fields of 200 characters once trimmed and in NFC. 'é' is one
	// character, and so is 'e' with a combining acute accent once in NFC.
	email := strings.Repeat("a", 242) + "@example.com"
	evaluate(t, browser, `
		$__MA.identify({email: 'ann@example.com', firstName: 5});
		$__MA.identify({email: 'ann@example.com', lastName: {}});
		$__MA.identify({email: 'ann@example.com', company: true});
		$__MA.identify({email: 'ann@example.com', company: 'a'.repeat(201)});
		$__MA.identify({email: 'ann@example.com', firstName: 'é'.repeat(201)});
		$__MA.identify({email: 'ann@example.com', lastName: 'Ber\0g'});
		$__MA.identify({email: 'ann@example.com', firstName: 'A\u202enn'});
		$__MA.identify({email: 'ann@example.com', company: 'Acme\r\nX'});
		$__MA.identify({email: 'ann@example.com', lastName: 'Lee\u2028X'});
		$__MA.identify({email: 'a' + `+jsString(email)+`});
		$__MA.identify({email: `+jsString(email)+`, firstName: '  ' + 'e\u0301'.repeat(200) + '  ', lastName: null, company: 'c'.repeat(200)});
	`)
	ts.waitCollected(t, 1)
	if n := sentCount(t, browser); n != 1 {
		t.Errorf("messages sent = %d, want only the valid identify", n)
	}

	want := []string{
		"$__MA: identify firstName is not a string: not sent",
		"$__MA: identify lastName is not a string: not sent",
		"$__MA: identify company is not a string: not sent",
		"$__MA: identify company is over 200 characters: not sent",
		"$__MA: identify firstName is over 200 characters: not sent",
		"$__MA: identify lastName contains a control or invisible character: not sent",
		"$__MA: identify firstName contains a control or invisible character: not sent",
		"$__MA: identify company contains a control or invisible character: not sent",
		"$__MA: identify lastName contains a control or invisible character: not sent",
		"$__MA: identify email is over 254 bytes: not sent",
	}
	if warnings := pageWarnings(t, browser); !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", warnings, want)
	}

	type contactFields struct {
		Email     string `bun:"email"`
		FirstName string `bun:"first_name"`
		LastName  string `bun:"last_name"`
		Company   string `bun:"company"`
	}
	var contact contactFields
	if err := ts.Store.DB().NewRaw("SELECT email, first_name, last_name, company FROM contacts WHERE email IS NOT NULL").Scan(t.Context(), &contact); err != nil {
		t.Fatalf("identified contact: %v", err)
	}
	wantContact := contactFields{Email: email, FirstName: strings.Repeat("é", 200), Company: strings.Repeat("c", 200)}
	if contact != wantContact {
		t.Errorf("contact = %+v, want %+v", contact, wantContact)
	}
	if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email IS NOT NULL"); n != 1 {
		t.Errorf("known contacts = %d, want 1", n)
	}
}

// TestBeaconSignedIdentify requires signed identify calls and sends one
// with a signature that is not a string, one with a wrong signature and
// one that the backend signed: only the last makes the visitor known.
func TestBeaconSignedIdentify(t *testing.T) {
	ts := newTestServer(t)
	signing, err := ts.Store.SetIdentifySignatureRequired(t.Context(), ts.Account.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	siteURL := newSitePage(t, sitePageHTML(ts, recordSends+recordWarnings))
	browser := newBrowser(t)
	openSite(t, browser, siteURL+"/")

	evaluate(t, browser, `
		$__MA.identify({email: 'ann@example.com', signature: 42});
		$__MA.identify({email: 'bob@example.com', signature: `+jsString(signEmail(signing.Secret, "ann@example.com"))+`});
		$__MA.identify({email: 'Cy@Example.com', signature: `+jsString(signEmail(signing.Secret, "Cy@Example.com"))+`});
	`)
	ts.waitCollected(t, 2)
	want := []string{"$__MA: identify signature is not a string: not sent"}
	if warnings := pageWarnings(t, browser); !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	var emails []string
	if err := ts.Store.DB().NewRaw("SELECT email FROM contacts WHERE email IS NOT NULL").Scan(t.Context(), &emails); err != nil {
		t.Fatal(err)
	}
	if want := []string{"cy@example.com"}; !reflect.DeepEqual(emails, want) {
		t.Errorf("known contacts = %q, want %q", emails, want)
	}
}
