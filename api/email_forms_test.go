package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"customevents/app/apitype"
)

// An email with ö as one character (U+00F6) and as o followed by the
// combining diaeresis U+0308, and with its domain in Unicode and in
// punycode, names one contact, through GraphQL, the beacon and the admin
// API alike. The contact keeps the one-character form (NFC) and the
// Unicode domain.
func TestEmailUnicodeFormsShareContact(t *testing.T) {
	const (
		precomposed = "j\u00f6rg@b\u00fccher.example"
		decomposed  = "jo\u0308rg@xn--bcher-kva.example"
	)
	ts := newTestServer(t)
	createEvent(t, ts, "signup")

	status, body := postGraphQL(t, ts.URL, ts.APIKey,
		`mutation { triggerCustomEvent(input: {slug: "signup", email: "`+precomposed+`"}) }`)
	if status != http.StatusOK {
		t.Fatalf("triggerCustomEvent: status %d, body %s", status, body)
	}
	status, body = postGraphQL(t, ts.URL, ts.APIKey, `mutation { triggerCustomEvents(inputs: [`+
		`{slug: "signup", email: "`+decomposed+`"}, {slug: "signup", email: "JO\u0308RG@BU\u0308CHER.Example"}]) { accepted } }`)
	if want := `{"data":{"triggerCustomEvents":[{"accepted":true},{"accepted":true}]}}`; status != http.StatusOK || string(body) != want {
		t.Fatalf("triggerCustomEvents: status %d, body %s, want 200 %s", status, body, want)
	}

	// An anonymous visitor's event, then identify with the decomposed
	// form, which merges the visitor into the contact.
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","e":"signup","u":"https://www.example.com/"}`, nil)
	postCollect(t, ts, `{"k":"`+ts.Account.SiteKey+`","v":"`+collectVisitorID+`","u":"https://www.example.com/",`+
		`"i":{"email":"`+decomposed+`"}}`, nil)

	var emails []string
	if err := ts.Store.DB().NewRaw("SELECT email FROM contacts WHERE account_id = ? ORDER BY id", ts.Account.ID).
		Scan(t.Context(), &emails); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(emails, []string{precomposed}) {
		t.Errorf("contact emails = %+q, want [%+q]", emails, precomposed)
	}

	c := signIn(t, ts)
	for _, email := range []string{precomposed, decomposed} {
		status, body := c.do(http.MethodGet, "/api/contacts/export?"+url.Values{"email": {email}}.Encode(), nil)
		if status != http.StatusOK {
			t.Fatalf("export %+q: status %d, body %s", email, status, body)
		}
		var export apitype.ContactExport
		if err := json.Unmarshal(body, &export); err != nil {
			t.Fatal(err)
		}
		if export.Email != precomposed {
			t.Errorf("export %+q: email = %+q, want %+q", email, export.Email, precomposed)
		}
		if len(export.Occurrences) != 4 {
			t.Errorf("export %+q: occurrences = %d, want 4", email, len(export.Occurrences))
		}
	}
}
