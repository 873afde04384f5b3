package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"customevents/app/apitype"
	"customevents/db"
)

const testVisitorID = "0123456789abcdef0123456789abcdef"

// A beacon message with "m": null has no metadata, as a GraphQL trigger
// with metadata: null has none.
func TestParseCollectNullMetadata(t *testing.T) {
	msg, err := parseCollect([]byte(`{"k":"site_x","v":"` + testVisitorID + `","e":"signup","m":null}`))
	if err != nil {
		t.Fatalf("parseCollect error = %v, want none", err)
	}
	if msg.Event == nil {
		t.Fatal("parseCollect returned no event")
	}
	if msg.Event.Metadata != nil {
		t.Errorf("metadata = %v, want none", msg.Event.Metadata)
	}
}

func TestParseCollect(t *testing.T) {
	const vid = testVisitorID
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{name: "valid event", body: `{"k":"site_x","v":"` + vid + `","e":"signup","u":"https://example.com/"}`},
		{name: "valid event with metadata", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":{"plan":"pro","seats":5}}`},
		{name: "valid identify", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com"}}`},
		{name: "not JSON", body: `k=site`, wantErr: "body is not valid JSON: invalid character"},
		{name: "missing site key", body: `{"v":"` + vid + `","e":"signup"}`, wantErr: "site key is missing or too long"},
		{name: "short visitor id", body: `{"k":"site_x","v":"abc","e":"signup"}`, wantErr: "visitor id is not 32 lowercase hex digits"},
		{name: "bad slug", body: `{"k":"site_x","v":"` + vid + `","e":"Sign Up"}`, wantErr: `slug: The page sent the slug "Sign Up". Slug must be lowercase: replace 'S' with 's'.`},
		{name: "long bad slug", body: `{"k":"site_x","v":"` + vid + `","e":"` + strings.Repeat("A", 100) + `"}`, wantErr: `slug: The page sent the slug "` + strings.Repeat("A", 63) + `…". Slug is too long`},
		{name: "too large", body: `{"k":"` + strings.Repeat("x", maxCollectBody) + `"}`, wantErr: "over the 16384-byte limit"},
		{name: "slug and identity", body: `{"k":"site_x","v":"` + vid + `","e":"signup","i":{"email":"ann@example.com"}}`, wantErr: "both an event slug and an identity"},
		{name: "neither slug nor identity", body: `{"k":"site_x","v":"` + vid + `"}`, wantErr: "neither an event slug nor an identity"},
		{name: "nested metadata", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":{"plan":{"name":"pro"}}}`, wantErr: `Metadata key "plan" contains an object`},
		{name: "null metadata", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":null}`},
		{name: "metadata false", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":false}`, wantErr: "Metadata must be a JSON object"},
		{name: "metadata value over 1024 bytes", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":{"note":"` + strings.Repeat("a", 1025) + `"}}`, wantErr: `Metadata key "note" has a value of 1025 bytes`},
		{name: "metadata with 51 keys", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":` + manyKeys(51) + `}`, wantErr: "Metadata has more than 50 keys"},
		{name: "invalid email", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann"}}`, wantErr: `email: Email "ann" is not a valid address`},
		{name: "long first name", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","firstName":"` + strings.Repeat("é", 201) + `"}}`, wantErr: "firstName is too long: use at most 200 characters."},
		{name: "NUL in company", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","company":"A\u0000B"}}`, wantErr: "company contains the control character U+0000: remove it."},
		{name: "line break in first name", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","firstName":"Ann\r\nX-Evil: 1"}}`, wantErr: "firstName contains the control character U+000D: remove it."},
		{name: "first name not a string", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","firstName":5}}`, wantErr: "i.firstName is a JSON number, not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCollect([]byte(tt.body))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseCollect error = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseCollect error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// The slug is trimmed, as in GraphQL.
func TestParseCollectTrimsSlug(t *testing.T) {
	msg, err := parseCollect([]byte(`{"k":"site_x","v":"` + testVisitorID + `","e":" signup\t"}`))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Event == nil || msg.Event.Slug != "signup" {
		t.Errorf("event = %+v, want slug signup", msg.Event)
	}
}

func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + strings.Repeat("x", i) + `":1`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestParseCollectKeepsSiteKeyOnError(t *testing.T) {
	msg, err := parseCollect([]byte(`{"k":"site_x","v":"` + testVisitorID + `","e":"Bad Slug"}`))
	if err == nil {
		t.Fatal("parseCollect accepted a bad slug")
	}
	if msg.SiteKey != "site_x" {
		t.Errorf("site key = %q, want site_x so the rejection is logged with the account", msg.SiteKey)
	}
}

func TestParseCollectKeyCase(t *testing.T) {
	const vid = testVisitorID
	tests := []struct {
		name    string
		body    string
		wantErr string // empty: valid
	}{
		{name: "uppercase site key", body: `{"K":"site_x","v":"` + vid + `","e":"signup"}`,
			wantErr: `message key "K" is invalid: keys are case-sensitive, so use "k"`},
		{name: "both e and E", body: `{"k":"site_x","v":"` + vid + `","e":"signup","E":"other"}`,
			wantErr: `message key "E" is invalid: keys are case-sensitive, so use "e"`},
		{name: "Kelvin sign", body: `{"k":"site_x","v":"` + vid + `","e":"signup","` + "\u212a" + `":"site_x"}`,
			wantErr: `message key "\u212a" is invalid: keys are case-sensitive, so use "k"`},
		{name: "escaped Kelvin sign", body: `{"k":"site_x","v":"` + vid + `","e":"signup","\u212a":"site_x"}`,
			wantErr: `message key "\u212a" is invalid: keys are case-sensitive, so use "k"`},
		{name: "escaped uppercase key", body: `{"k":"site_x","v":"` + vid + `","\u0045":"signup"}`,
			wantErr: `message key "E" is invalid: keys are case-sensitive, so use "e"`},
		{name: "uppercase identity", body: `{"k":"site_x","v":"` + vid + `","I":{"email":"ann@example.com"}}`,
			wantErr: `message key "I" is invalid: keys are case-sensitive, so use "i"`},
		{name: "identity Email", body: `{"k":"site_x","v":"` + vid + `","i":{"Email":"ann@example.com"}}`,
			wantErr: `identity key "Email" is invalid: keys are case-sensitive, so use "email"`},
		{name: "identity firstname", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","firstname":"Ann"}}`,
			wantErr: `identity key "firstname" is invalid: keys are case-sensitive, so use "firstName"`},
		{name: "second identity object", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com"},"i":{"COMPANY":"Acme"}}`,
			wantErr: `message key "i" appears twice: send each key once`},
		{name: "e twice", body: `{"k":"site_x","v":"` + vid + `","e":"signup","e":"other"}`,
			wantErr: `message key "e" appears twice: send each key once`},
		{name: "escaped e twice", body: `{"k":"site_x","v":"` + vid + `","e":"signup","\u0065":"other"}`,
			wantErr: `message key "e" appears twice: send each key once`},
		{name: "identity email twice", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","email":"bob@example.com"}}`,
			wantErr: `identity key "email" appears twice: send each key once`},
		{name: "unknown key twice", body: `{"k":"site_x","v":"` + vid + `","e":"signup","x":1,"x":2}`},
		{name: "escaped lowercase key", body: `{"\u006b":"site_x","v":"` + vid + `","e":"signup"}`},
		{name: "unknown keys", body: `{"k":"site_x","v":"` + vid + `","e":"signup","x":{"K":[1,{"E":2}]},"ee":"E","":0}`},
		{name: "metadata keys in any case", body: `{"k":"site_x","v":"` + vid + `","e":"signup","m":{"K":"x","Email":true}}`},
		{name: "key text inside values", body: `{"k":"site_x","v":"` + vid + `","e":"signup","u":"https://example.com/?q=\"K\":{","r":"}"}`},
		{name: "white space", body: " {\n\t\"k\" : \"site_x\" ,\r\n \"v\":\"" + vid + "\", \"m\" : { } , \"e\" : \"signup\" } "},
		{name: "unknown identity key", body: `{"k":"site_x","v":"` + vid + `","i":{"email":"ann@example.com","phone":"1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := parseCollect([]byte(tt.body))
			if msg.SiteKey != "site_x" {
				t.Errorf("site key = %q, want site_x so the rejection is logged with the account", msg.SiteKey)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("parseCollect error = %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseCollect error = nil, want %q", tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("parseCollect error = %q, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseCollectEvent(t *testing.T) {
	body := `{"k":"site_x","v":"` + testVisitorID + `","e":"signup",` +
		`"u":"https://www.example.com/pricing","r":"https://www.example.com/",` +
		`"a":"?utm_source=Newsletter&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=top",` +
		`"m":{"plan":"pro","seats":5,"trial":true}}`
	msg, err := parseCollect([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Identity != nil {
		t.Errorf("identity = %+v, want none", msg.Identity)
	}
	want := db.Trigger{
		Slug:        "signup",
		VisitorID:   testVisitorID,
		PageURL:     "https://www.example.com/pricing",
		Referrer:    "https://www.example.com/",
		Source:      db.SourceBeacon,
		Channel:     "EMAIL",
		UTMSource:   "newsletter",
		UTMMedium:   "email",
		UTMCampaign: "spring",
		UTMTerm:     "crm",
		UTMContent:  "top",
		Metadata:    map[string]any{"plan": "pro", "seats": 5.0, "trial": true},
	}
	if msg.Event == nil {
		t.Fatal("event = nil, want one")
	}
	got := *msg.Event
	got.Metadata = map[string]any(msg.Event.Metadata)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseCollectAttribution(t *testing.T) {
	tests := []struct {
		name          string
		pageURL       string
		referrer      string
		firstTouch    string
		firstReferrer *string
		wantUTM       apitype.UTM
		wantChan      string
	}{
		{
			name:     "page UTM without first touch",
			pageURL:  "https://www.example.com/?utm_source=google&utm_medium=cpc",
			wantUTM:  apitype.UTM{Source: "google", Medium: "cpc"},
			wantChan: "PAID_SEARCH",
		},
		{
			name:       "first touch wins over page UTM",
			pageURL:    "https://www.example.com/?utm_source=google&utm_medium=cpc",
			firstTouch: "?utm_source=facebook&utm_medium=social",
			wantUTM:    apitype.UTM{Source: "facebook", Medium: "social"},
			wantChan:   "ORGANIC_SOCIAL",
		},
		{
			name:       "first touch that starts with an ampersand",
			pageURL:    "https://www.example.com/pricing",
			firstTouch: "&utm_source=newsletter&utm_medium=email",
			wantUTM:    apitype.UTM{Source: "newsletter", Medium: "email"},
			wantChan:   "EMAIL",
		},
		{
			name:     "search referrer without UTM",
			pageURL:  "https://www.example.com/",
			referrer: "https://www.google.com/",
			wantChan: "ORGANIC_SEARCH",
		},
		{
			name:     "own site referrer",
			pageURL:  "https://www.example.com/pricing",
			referrer: "https://www.example.com/",
			wantChan: "DIRECT",
		},
		{
			name:     "other site referrer",
			pageURL:  "https://www.example.com/",
			referrer: "https://blog.other.org/post",
			wantChan: "REFERRAL",
		},
		{
			name:          "later page of a visit from a search engine",
			pageURL:       "https://www.example.com/pricing",
			referrer:      "https://www.example.com/",
			firstReferrer: ptr("https://www.google.com/"),
			wantChan:      "ORGANIC_SEARCH",
		},
		{
			name:          "visit without a referrer, back from a search engine",
			pageURL:       "https://www.example.com/pricing",
			referrer:      "https://www.google.com/",
			firstReferrer: ptr(""),
			wantChan:      "DIRECT",
		},
		{
			name:          "first touch referrer that is not a URL",
			pageURL:       "https://www.example.com/pricing",
			referrer:      "https://www.bing.com/",
			firstReferrer: ptr("undefined"),
			wantChan:      "ORGANIC_SEARCH",
		},
		{
			name:          "first touch referrer with campaign parameters",
			pageURL:       "https://www.example.com/pricing",
			referrer:      "https://www.example.com/",
			firstTouch:    "?utm_source=newsletter&utm_medium=email",
			firstReferrer: ptr("https://mail.google.com/"),
			wantUTM:       apitype.UTM{Source: "newsletter", Medium: "email"},
			wantChan:      "EMAIL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := collectRequest{SiteKey: "site_x", VisitorID: testVisitorID, Slug: "signup", PageURL: tt.pageURL, Referrer: tt.referrer,
				FirstTouch: tt.firstTouch, FirstReferrer: tt.firstReferrer}
			trigger, err := parseCollectEvent(req, tt.pageURL)
			if err != nil {
				t.Fatal(err)
			}
			gotUTM := apitype.UTM{Source: trigger.UTMSource, Medium: trigger.UTMMedium, Campaign: trigger.UTMCampaign, Term: trigger.UTMTerm, Content: trigger.UTMContent}
			if gotUTM != tt.wantUTM {
				t.Errorf("UTM = %+v, want %+v", gotUTM, tt.wantUTM)
			}
			if trigger.Channel != tt.wantChan {
				t.Errorf("channel = %q, want %q", trigger.Channel, tt.wantChan)
			}
			if trigger.Referrer != tt.referrer {
				t.Errorf("referrer = %q, want %q", trigger.Referrer, tt.referrer)
			}
		})
	}
}

func TestParseCollectIdentity(t *testing.T) {
	body := `{"k":"site_x","v":"` + testVisitorID + `","u":"https://www.example.com/",` +
		`"i":{"email":" Ann@Example.COM ","firstName":" Ann ","lastName":"Lee","company":"Acme"}}`
	msg, err := parseCollect([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Event != nil {
		t.Errorf("event = %+v, want none", msg.Event)
	}
	want := db.Identity{
		VisitorID: testVisitorID,
		Email:     "ann@example.com",
		Fields:    db.ContactFields{FirstName: "Ann", LastName: "Lee", Company: "Acme"},
	}
	if msg.Identity == nil || *msg.Identity != want {
		t.Errorf("identity = %+v, want %+v", msg.Identity, want)
	}
	if msg.PageURL != "https://www.example.com/" {
		t.Errorf("page URL = %q, want https://www.example.com/", msg.PageURL)
	}
}

func TestParseCollectCutsLongPageURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("é", maxPageURL)
	body := `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"` + long + `","r":"` + long + `"}`
	msg, err := parseCollect([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(msg.PageURL); n != maxPageURL {
		t.Errorf("page URL length = %d characters, want %d", n, maxPageURL)
	}
	if !strings.HasPrefix(msg.PageURL, "https://example.com/é") {
		t.Errorf("page URL = %q..., want the start kept", msg.PageURL[:30])
	}
	if n := utf8.RuneCountInString(msg.Event.Referrer); n != maxPageURL {
		t.Errorf("referrer length = %d characters, want %d", n, maxPageURL)
	}
}

func TestParseCollectInvisibleUTMCharacters(t *testing.T) {
	body := `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"https://example.com/?utm_source=a%00b&utm_campaign=%E2%80%AEx%1B%5B31m"}`
	msg, err := parseCollect([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Event.UTMSource != "ab" || msg.Event.UTMCampaign != "x[31m" {
		t.Errorf("utm_source = %q, utm_campaign = %q, want ab and x[31m", msg.Event.UTMSource, msg.Event.UTMCampaign)
	}
}

func TestParseCollectCutBeforeEscape(t *testing.T) {
	for _, pad := range []int{0, 1, 2} {
		// The cut at maxPageURL characters falls on the %, or after one or
		// two characters of the escape %41.
		prefix := "https://example.com/?q=" + strings.Repeat("a", maxPageURL-len("https://example.com/?q=")-pad)
		long := prefix + strings.Repeat("%41", 10)
		body := `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"` + long + `"}`
		msg, err := parseCollect([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if msg.PageURL != prefix {
			t.Errorf("pad %d: page URL of %d characters ends in %q, want the %d characters before the escape",
				pad, len(msg.PageURL), msg.PageURL[max(0, len(msg.PageURL)-6):], len(prefix))
		}
	}
}

func FuzzParseCollect(f *testing.F) {
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","u":"https://example.com/"}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","u":"https://example.com/?utm_source=x","r":"https://google.com/","a":"?utm_medium=cpc","m":{"a":"b","n":1.5,"t":true}}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","i":{"email":"a@b.co","firstName":"A","lastName":"B","company":"C"}}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"x","m":{"a":{"b":1}}}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","i":{"email":"a@b.co","signature":"0f"}}`))
	f.Add([]byte(`{"k":1}`))
	f.Add([]byte(`{"K":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","E":"x"}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","i":{"Email":"a@b.co"},"\u0069":{"email":"a@b.co"}}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","e":"signup","\u0065":"x"}`))
	f.Add([]byte(`{"k":"site_x","v":"0123456789abcdef0123456789abcdef","i":{"email":"a@b.co","email":"c@d.co"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, err := parseCollect(body)
		if msg.SiteKey != "" && len(msg.SiteKey) > 64 {
			t.Fatalf("returned site key of %d bytes", len(msg.SiteKey))
		}
		if err != nil {
			return
		}
		if !visitorIDPattern.MatchString(msg.VisitorID) {
			t.Fatalf("accepted visitor id %q", msg.VisitorID)
		}
		if msg.SiteKey == "" {
			t.Fatal("accepted an empty site key")
		}
		if utf8.RuneCountInString(msg.PageURL) > maxPageURL || !utf8.ValidString(msg.PageURL) {
			t.Fatalf("accepted page URL of %d characters", utf8.RuneCountInString(msg.PageURL))
		}
		if (msg.Event == nil) == (msg.Identity == nil) {
			t.Fatalf("event %v and identity %v: want exactly one", msg.Event, msg.Identity)
		}
		checkFuzzedKeys(t, body)
		if msg.Identity != nil {
			checkFuzzedIdentity(t, msg.Identity)
			return
		}
		checkFuzzedEvent(t, msg.Event)
	})
}

// BenchmarkParseCollect decodes and checks three beacon messages: a bare
// event as in the ingest benchmark, an event with attribution and metadata,
// and an identify call, each with its keys in the script's order.
func BenchmarkParseCollect(b *testing.B) {
	bodies := []struct {
		name string
		body string
	}{
		{"event", `{"k":"site_x","v":"` + testVisitorID + `","e":"bench","u":"https://www.example.com/p"}`},
		{"event with metadata", `{"e":"started-trial","r":"https://www.google.com/","a":"?utm_source=news&utm_medium=email&utm_campaign=spring",` +
			`"m":{"plan":"pro","seats":5,"annual":true},"k":"site_x","u":"https://www.example.com/pricing?utm_source=news","v":"` + testVisitorID + `"}`},
		{"identify", `{"i":{"email":"ann@example.com","firstName":"Ann","lastName":"Lee","company":"Acme"},"k":"site_x","u":"https://www.example.com/signup","v":"` + testVisitorID + `"}`},
	}
	for _, tt := range bodies {
		body := []byte(tt.body)
		if _, err := parseCollect(body); err != nil {
			b.Fatalf("%s: %v", tt.name, err)
		}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				parseCollect(body)
			}
		})
	}
}

// checkFuzzedKeys fails when an accepted body has a key of the message or
// of its identity object that matches a documented key only without regard
// to case. Decoding into a map keeps every key as it was sent.
func checkFuzzedKeys(t *testing.T, body []byte) {
	t.Helper()
	var message map[string]json.RawMessage
	if err := json.Unmarshal(body, &message); err != nil {
		t.Fatalf("accepted body that is not a JSON object: %v", err)
	}
	var identity map[string]json.RawMessage
	if raw, ok := message["i"]; ok {
		if err := json.Unmarshal(raw, &identity); err != nil {
			t.Fatalf("accepted identity that is not a JSON object: %v", err)
		}
	}
	for key := range message {
		for _, name := range collectKeys {
			if key != name && strings.EqualFold(key, name) {
				t.Fatalf("accepted message key %q for %q", key, name)
			}
		}
	}
	for key := range identity {
		for _, name := range identityKeys {
			if key != name && strings.EqualFold(key, name) {
				t.Fatalf("accepted identity key %q for %q", key, name)
			}
		}
	}
	checkFuzzedRepeats(t, body, collectKeys, "message")
	if raw, ok := message["i"]; ok && identity != nil {
		checkFuzzedRepeats(t, raw, identityKeys, "identity")
	}
}

// checkFuzzedRepeats fails when the JSON object in body has one of names
// as a key more than once. A map keeps only the last of them.
func checkFuzzedRepeats(t *testing.T, body []byte, names []string, where string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("read %s: %v", where, err)
	}
	seen := map[string]bool{}
	for dec.More() {
		token, err := dec.Token()
		if err != nil {
			t.Fatalf("read %s key: %v", where, err)
		}
		key, _ := token.(string)
		if slices.Contains(names, key) && seen[key] {
			t.Fatalf("accepted %s key %q twice", where, key)
		}
		seen[key] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("read %s value of %q: %v", where, key, err)
		}
	}
}

func checkFuzzedEvent(t *testing.T, event *db.Trigger) {
	t.Helper()
	if verr := apitype.ValidateSlug(event.Slug); verr != nil {
		t.Fatalf("accepted slug %q: %v", event.Slug, verr)
	}
	if _, verr := apitype.NormalizeMetadata(event.Metadata); verr != nil {
		t.Fatalf("accepted metadata %v: %v", event.Metadata, verr)
	}
	if utf8.RuneCountInString(event.Referrer) > maxPageURL || !utf8.ValidString(event.Referrer) {
		t.Fatalf("accepted referrer of %d characters", utf8.RuneCountInString(event.Referrer))
	}
	if !slices.Contains(apitype.MarketingChannels, apitype.MarketingChannel(event.Channel)) {
		t.Fatalf("classified unknown channel %q", event.Channel)
	}
	for _, value := range []string{event.UTMSource, event.UTMMedium, event.UTMCampaign, event.UTMTerm, event.UTMContent} {
		if len(value) > apitype.MaxUTMLength || !utf8.ValidString(value) {
			t.Fatalf("accepted UTM value of %d bytes", len(value))
		}
		if strings.ContainsFunc(value, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("accepted UTM value %q with an invisible character", value)
		}
	}
}

func checkFuzzedIdentity(t *testing.T, identity *db.Identity) {
	t.Helper()
	again, verr := apitype.NormalizeEmail("email", identity.Email)
	if verr != nil || again != identity.Email {
		t.Fatalf("accepted email %q, which normalizes to %q (%v)", identity.Email, again, verr)
	}
	for _, value := range []string{identity.Fields.FirstName, identity.Fields.LastName, identity.Fields.Company} {
		if again, verr := apitype.ContactField("field", value); verr != nil || again != value {
			t.Fatalf("accepted contact field %q, which checks as %q (%v)", value, again, verr)
		}
	}
}

func TestMatchBotRule(t *testing.T) {
	tests := []struct {
		userAgent string
		wantRule  string
	}{
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot"},
		{"AdsBot-Google (+http://www.google.com/adsbot.html)", "googlebot"},
		{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot"},
		{"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "bot word"},
		{"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "bot word"},
		{"Mozilla/5.0 (compatible; SemrushCrawler/1.0)", "crawler word"},
		{"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", "spider word"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "headless chrome"},
		{"Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", "phantomjs"},
		{"curl/8.5.0", "curl"},
		{"Wget/1.21.4", "wget"},
		{"python-requests/2.32.3", "python http client"},
		{"Python-urllib/3.12", "python http client"},
		{"Go-http-client/1.1", "go http client"},
		{"Java/17.0.2", "java http client"},
		{"okhttp/4.12.0", "java http client"},
		{"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node http client"},
		{"axios/1.7.2", "node http client"},
		{"libwww-perl/6.72", "other http library"},
		{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "link preview"},
		{"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse", "page speed test"},
		{"Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "uptime monitor"},
		{"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "uptime monitor"},
		{"", "empty user agent"},

		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", ""},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", ""},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", ""},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ""},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", ""},
		{"Mozilla/5.0 (Linux; Android 10; CUBOT P40) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", ""},
	}
	for _, tt := range tests {
		if got := matchBotRule(tt.userAgent); got != tt.wantRule {
			t.Errorf("matchBotRule(%q) = %q, want %q", tt.userAgent, got, tt.wantRule)
		}
	}
}

// TestBotRulesEachTested fails when a rule in botRules has no case in
// TestMatchBotRule, so every rule keeps an example.
func TestBotRulesEachTested(t *testing.T) {
	examples := map[string]string{
		"googlebot":          "Googlebot/2.1",
		"bingbot":            "bingbot/2.0",
		"yahoo slurp":        "Yahoo! Slurp",
		"test automation":    "jsdom/24.1.0",
		"bot word":           "YandexBot/3.0",
		"crawler word":       "SemrushCrawler/1.0",
		"spider word":        "Baiduspider/2.0",
		"headless chrome":    "HeadlessChrome/131.0.0.0",
		"phantomjs":          "PhantomJS/2.1.1",
		"curl":               "curl/8.5.0",
		"wget":               "Wget/1.21.4",
		"python http client": "python-requests/2.32.3",
		"go http client":     "Go-http-client/1.1",
		"java http client":   "okhttp/4.12.0",
		"node http client":   "axios/1.7.2",
		"other http library": "libwww-perl/6.72",
		"link preview":       "facebookexternalhit/1.1",
		"page speed test":    "Chrome-Lighthouse",
		"uptime monitor":     "UptimeRobot/2.0",
	}
	for _, rule := range botRules {
		example, ok := examples[rule.name]
		if !ok {
			t.Errorf("bot rule %q has no example", rule.name)
			continue
		}
		if got := matchBotRule(example); got != rule.name {
			t.Errorf("matchBotRule(%q) = %q, want %q", example, got, rule.name)
		}
	}
}

func TestVisitorCookieDomain(t *testing.T) {
	tests := []struct {
		name        string
		requestHost string
		pageURL     string
		want        string
	}{
		{"first-party subdomain", "t.example.com", "https://www.example.com/pricing", "example.com"},
		{"first-party subdomain with port", "t.example.com:8443", "https://www.example.com:8443/", "example.com"},
		{"apex page", "t.example.com", "https://example.com/", "example.com"},
		{"same host", "www.example.com", "https://www.example.com/", "example.com"},
		{"two-label public suffix", "t.shop.example.co.uk", "https://www.example.co.uk/", "example.co.uk"},
		{"upper case and trailing dot", "T.Example.COM.", "https://WWW.example.com/", "example.com"},
		{"third-party collect host", "collect.vendor.io", "https://www.example.com/", ""},
		{"sites under a private public suffix", "ann.github.io", "https://bob.github.io/", ""},
		{"IPv4 collect host", "127.0.0.1:8080", "http://127.0.0.1:3000/", ""},
		{"IPv6 collect host", "[::1]:8080", "http://[::1]:3000/", ""},
		{"IP page", "t.example.com", "http://192.0.2.1/", ""},
		{"localhost", "localhost:8080", "http://localhost:3000/", ""},
		{"localhost subdomain", "t.app.localhost", "http://www.app.localhost/", "app.localhost"},
		{"localhost subdomains of two sites", "t.app.localhost", "http://www.other.localhost/", ""},
		{"localhost page", "t.localhost", "http://localhost:3000/", ""},
		{"public suffix host", "co.uk", "https://co.uk/", ""},
		{"page not http", "t.example.com", "file:///www.example.com/index.html", ""},
		{"empty page URL", "t.example.com", "", ""},
		{"unparsable page URL", "t.example.com", "https://www.example.com/%zz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := visitorCookieDomain(tt.requestHost, tt.pageURL); got != tt.want {
				t.Errorf("visitorCookieDomain(%q, %q) = %q, want %q", tt.requestHost, tt.pageURL, got, tt.want)
			}
		})
	}
}

func TestOriginAllowed(t *testing.T) {
	allowed := []string{"https://www.example.com", "http://localhost:3000"}
	tests := []struct {
		allowed []string
		origin  string
		want    bool
	}{
		{nil, "https://anything.example", true},
		{nil, "", true},
		{allowed, "https://www.example.com", true},
		{allowed, "HTTPS://WWW.EXAMPLE.COM", true},
		{allowed, "http://localhost:3000", true},
		{allowed, "http://www.example.com", false},
		{allowed, "https://www.example.com:8443", false},
		{allowed, "https://www.example.com:443", true},
		{allowed, "https://www.example.com/", true},
		{allowed, "http://www.example.com:80", false},
		{allowed, "https://shop.example.com", false},
		{allowed, "null", false},
		{allowed, "", false},
	}
	for _, tt := range tests {
		if got := originAllowed(tt.allowed, tt.origin); got != tt.want {
			t.Errorf("originAllowed(%q, %q) = %v, want %v", tt.allowed, tt.origin, got, tt.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"gzip, deflate, br":    true,
		"br;q=1.0, gzip;q=0.8": true,
		"*":                    true,
		"GZIP":                 true,
		"gzip;q=0":             false,
		"*;q=0, gzip":          true,
		"gzip;q=0, *":          false,
		"*;q=0":                false,
		"deflate, *;q=0.5":     true,
		"identity":             false,
		"":                     false,
	}
	for header, want := range tests {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestBeaconScriptSize checks the gzip size of the served /ma.js, which
// every page of every website downloads.
func TestBeaconScriptSize(t *testing.T) {
	const limit = 2048
	t.Logf("/ma.js: %d bytes, %d bytes gzip (limit %d), %d bytes brotli", len(beaconScript), len(beaconScriptGzip), limit, len(beaconScriptBrotli))
	if len(beaconScriptGzip) > limit {
		t.Errorf("/ma.js gzip size = %d bytes, want at most %d", len(beaconScriptGzip), limit)
	}
	zr, err := gzip.NewReader(bytes.NewReader(beaconScriptGzip))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, beaconScript) {
		t.Error("gzip copy of /ma.js differs from the plain copy")
	}
	for _, source := range []string{"// Custom Events beacon", "readVisit", "touch_", "\n"} {
		if bytes.Contains(beaconScript, []byte(source)) {
			t.Errorf("served /ma.js contains %q, want it minified", source)
		}
	}
	if !bytes.HasPrefix(beaconScript, []byte("((")) {
		t.Errorf("served /ma.js starts with %q, want the script", beaconScript[:min(20, len(beaconScript))])
	}
}

func TestMinifyScriptSyntaxError(t *testing.T) {
	defer func() {
		got := fmt.Sprint(recover())
		want := "static/beacon/ma.js line 2: "
		if !strings.HasPrefix(got, want) {
			t.Errorf("panic = %q, want it to start with %q", got, want)
		}
	}()
	minifyScript([]byte("let a = 1;\nlet b = (;\n"))
}

func TestSnippetQueuesEveryCall(t *testing.T) {
	snippet := Snippet("https://ce.example.com", "site_abc")
	for _, part := range []string{
		`var m=w.$__MA={q:[],u:u,k:k,c:c};`,
		`["captureEvent","identify","consent","optOut"].forEach(function(n){m[n]=function(){(m.q.length<1000||n=="consent"||n=="optOut")&&m.q.push([n,[].slice.call(arguments)])}});`,
		`s.async=1;s.src=u+"/ma.js"`,
		`(window,document,"https://ce.example.com","site_abc","track");`,
	} {
		if !strings.Contains(snippet, part) {
			t.Errorf("snippet lacks %q:\n%s", part, snippet)
		}
	}
}

func TestParseCollectDropsUnsafeURLs(t *testing.T) {
	tests := []struct {
		pageURL string
		want    string
	}{
		{"javascript:alert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"/relative/path", ""},
		{"https://www.example.com/a?b=c", "https://www.example.com/a?b=c"},
		{"http://localhost:3000/", "http://localhost:3000/"},
	}
	for _, tt := range tests {
		body := `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":` + strconv.Quote(tt.pageURL) + `,"r":"javascript:void(0)"}`
		msg, err := parseCollect([]byte(body))
		if err != nil {
			t.Errorf("parseCollect(page %q): %v", tt.pageURL, err)
			continue
		}
		if msg.PageURL != tt.want {
			t.Errorf("page URL %q stored as %q, want %q", tt.pageURL, msg.PageURL, tt.want)
		}
		if msg.Event.Referrer != "" {
			t.Errorf("referrer = %q, want empty for javascript:void(0)", msg.Event.Referrer)
		}
	}
}

func TestParseCollectRejectsControlCharacters(t *testing.T) {
	bodies := map[string]string{
		"NUL in site key":   `{"k":"site_\u0000x","v":"` + testVisitorID + `","e":"signup","u":"https://example.com/"}`,
		"NUL in page URL":   `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"https://example.com/\u0000"}`,
		"NUL in metadata":   `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"https://example.com/","m":{"plan":"a\u0000b"}}`,
		"line break in URL": `{"k":"site_x","v":"` + testVisitorID + `","e":"signup","u":"https://example.com/\n"}`,
	}
	for name, body := range bodies {
		if _, err := parseCollect([]byte(body)); err == nil {
			t.Errorf("%s: parseCollect accepted the message, want an error", name)
		}
	}
}

func ptr(s string) *string { return &s }
