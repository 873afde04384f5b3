package apitype

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestValidateSlug(t *testing.T) {
	tests := []struct {
		name    string
		slug    string
		message string // empty: valid
	}{
		{name: "letters and hyphens", slug: "watched-demo-video"},
		{name: "digits", slug: "step-2-done"},
		{name: "single character", slug: "a"},
		{name: "only digits", slug: "2026"},
		{name: "max length", slug: strings.Repeat("a", MaxSlugLength)},
		{name: "empty", slug: "", message: "Slug is required. Use lowercase letters, digits and hyphens, such as watched-demo-video."},
		{name: "too long", slug: strings.Repeat("a", MaxSlugLength+1), message: "Slug is too long: use at most 64 characters."},
		{name: "uppercase", slug: "Watched", message: `Slug must be lowercase: replace 'W' with 'w'.`},
		{name: "space", slug: "bad slug", message: `Slug contains ' ': use only lowercase letters, digits and hyphens.`},
		{name: "underscore", slug: "bad_slug", message: `Slug contains '_': use only lowercase letters, digits and hyphens.`},
		{name: "non-ASCII letter", slug: "café", message: `Slug contains 'é': use only lowercase letters, digits and hyphens.`},
		{name: "leading hyphen", slug: "-demo", message: "Slug must not start or end with a hyphen."},
		{name: "trailing hyphen", slug: "demo-", message: "Slug must not start or end with a hyphen."},
		{name: "reserved impression", slug: "impression", message: `Slug "impression" is reserved for a built-in event: choose another.`},
		{name: "reserved form submission", slug: "form-submission", message: `Slug "form-submission" is reserved for a built-in event: choose another.`},
		{name: "reserved word inside is fine", slug: "impression-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSlug(tt.slug)
			if tt.message == "" {
				if err != nil {
					t.Fatalf("ValidateSlug(%q) = %q, want valid", tt.slug, err.Message)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateSlug(%q) = valid, want %q", tt.slug, tt.message)
			}
			if err.Field != "slug" {
				t.Errorf("field = %q, want slug", err.Field)
			}
			if err.Message != tt.message {
				t.Errorf("message = %q, want %q", err.Message, tt.message)
			}
		})
	}
}

func TestCustomEventInputValidate(t *testing.T) {
	tests := []struct {
		name  string
		in    CustomEventInput
		field string // empty: valid
	}{
		{name: "valid", in: CustomEventInput{Name: "Watched Demo Video", Slug: "watched-demo-video"}},
		{name: "missing name", in: CustomEventInput{Name: "  ", Slug: "x"}, field: "name"},
		{name: "long name", in: CustomEventInput{Name: strings.Repeat("n", MaxNameLength+1), Slug: "x"}, field: "name"},
		{name: "bad slug", in: CustomEventInput{Name: "X", Slug: "X"}, field: "slug"},
		{name: "long description", in: CustomEventInput{Name: "X", Slug: "x", Description: strings.Repeat("d", MaxDescriptionLength+1)}, field: "description"},
		{name: "slug padded with spaces", in: CustomEventInput{Name: "X", Slug: " x "}},
		{name: "NUL in name", in: CustomEventInput{Name: "nul\x00byte", Slug: "x"}, field: "name"},
		{name: "line break in name", in: CustomEventInput{Name: "line\nbreak", Slug: "x"}, field: "name"},
		{name: "right-to-left override in name", in: CustomEventInput{Name: "abc\u202Edef", Slug: "x"}, field: "name"},
		{name: "NUL in description", in: CustomEventInput{Name: "X", Slug: "x", Description: "a\x00b"}, field: "description"},
		{name: "line breaks in description", in: CustomEventInput{Name: "X", Slug: "x", Description: "first line\nsecond\tline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Normalize()
			err := in.Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Validate() = %v, want valid", err)
			case tt.field != "" && err == nil:
				t.Fatalf("Validate() = valid, want an error on %s", tt.field)
			case tt.field != "" && err.Field != tt.field:
				t.Errorf("field = %q, want %q", err.Field, tt.field)
			}
		})
	}
}

func TestValidateHiddenCharacterMessage(t *testing.T) {
	in := CustomEventInput{Name: "line\u202Ebreak", Slug: "x"}
	err := in.Validate()
	if err == nil {
		t.Fatal("Validate() = valid, want an error")
	}
	if want := "Name contains the invisible character U+202E: remove it."; err.Message != want {
		t.Errorf("message = %q, want %q", err.Message, want)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string // empty: invalid
	}{
		{in: "contact@example.com", want: "contact@example.com"},
		{in: "  Contact@Example.COM ", want: "contact@example.com"},
		{in: "first.last+tag@sub.example.co.uk", want: "first.last+tag@sub.example.co.uk"},
		// ö as U+00F6, and as o followed by the combining diaeresis U+0308.
		{in: "j\u00f6rg@example.com", want: "j\u00f6rg@example.com"},
		{in: "jo\u0308rg@example.com", want: "j\u00f6rg@example.com"},
		{in: "JO\u0308RG@Example.com", want: "j\u00f6rg@example.com"},
		// H with U+0331 has no one-character form, but its lowercase has:
		// U+1E96.
		{in: "H\u0331@example.com", want: "\u1e96@example.com"},
		// The Kelvin sign and U+0130 would become the ASCII k and i, and so
		// another address.
		{in: "\u212aim@example.com"},
		{in: "\u0130nfo@example.com"},
		{in: "ann@\u212aa.example"},
		// The Ohm sign becomes a Greek omega, which is not ASCII.
		{in: "\u2126@example.com", want: "\u03c9@example.com"},
		// The limit applies to the NFC form: 264 bytes as sent, 180 after.
		{in: strings.Repeat("o\u0308", 84) + "@example.com", want: strings.Repeat("\u00f6", 84) + "@example.com"},
		// A domain in punycode is stored in its Unicode letters.
		{in: "ann@xn--bcher-kva.example", want: "ann@b\u00fccher.example"},
		{in: "Ann@XN--BCHER-KVA.Example", want: "ann@b\u00fccher.example"},
		{in: "ann@B\u00dcCHER.example", want: "ann@b\u00fccher.example"},
		{in: "ann@mail.xn--bcher-kva.example", want: "ann@mail.b\u00fccher.example"},
		{in: "ann@xn--zz.example"},     // not punycode
		{in: "ann@xn--abc-.example"},   // decodes to ASCII only
		{in: "ann@xn--.example"},       // decodes to nothing
		{in: "ann@xn--a.example"},      // decodes to the control character U+0080
		{in: "ann@xn--x-kfa.example"},  // decodes to an uppercase xÜ
		{in: "ann@xn--a_-yka.example"}, // decodes to a_ü, with an underscore
		{in: "ann@xn--kba1n.example"},  // decodes to ü and a soft hyphen
		// Domains must be host names.
		{in: "a@[127.0.0.1]"},
		{in: "a@-x.example"},
		{in: "a@x-.example"},
		{in: "a@x_y.example"},
		{in: "a@x..example"},
		{in: "a@x-y.example", want: "a@x-y.example"},
		{in: "a@b\u00a0c.example"}, // no-break space
		{in: "a@b\u3002c.example"}, // ideographic full stop
		{in: "a@b\uff0ec.example"}, // fullwidth full stop
		{in: "a@" + strings.Repeat("x", 63) + ".example", want: "a@" + strings.Repeat("x", 63) + ".example"},
		{in: "a@" + strings.Repeat("x", 64) + ".example"},
		{in: "a@" + strings.Repeat("\u00fc", 60) + ".example"}, // 60 letters, 71 bytes in punycode
		{in: "a@xn--" + strings.Repeat("a", 100) + ".example"},
		{in: "a@b\u00fccher-2.example", want: "a@b\u00fccher-2.example"},
		// The Greek question mark U+037E is a semicolon in NFC.
		{in: "ann@a\u037e.example"},
		{in: ""},
		{in: "not-an-email"},
		{in: "a@b"},
		{in: "a@b."},
		{in: "Ann <ann@example.com>"},
		{in: "ann@@example.com"},
		{in: strings.Repeat("a", 250) + "@example.com"},
		{in: "ann\u200b@example.com"},
		{in: "a\u202eb@example.com"},
		{in: "\ufeffann@example.com"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail("email", tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizeEmail(%+q) = %+q, want an error", tt.in, got)
			} else if err.Field != "email" {
				t.Errorf("NormalizeEmail(%+q) field = %q, want email", tt.in, err.Field)
			}
			continue
		}
		if canonical := CanonicalEmail(tt.in); canonical != tt.want {
			t.Errorf("CanonicalEmail(%+q) = %+q, want %+q", tt.in, canonical, tt.want)
		}
		if err != nil {
			t.Errorf("NormalizeEmail(%+q) error = %v, want %+q", tt.in, err, tt.want)
			continue
		}
		if got != tt.want {
			t.Errorf("NormalizeEmail(%+q) = %+q, want %+q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeEmailNamesBadPunycodeLabel(t *testing.T) {
	_, err := NormalizeEmail("email", "ann@mail.xn--zz.example")
	want := `Email "ann@mail.xn--zz.example" is not a valid address: the domain label "xn--zz" is not valid punycode. Check the domain, or write it in its own letters, as in bücher.example.`
	if err == nil || err.Message != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	// Without validation, a label that does not decode stays as it is.
	if got := CanonicalEmail("Ann@XN--ZZ.example"); got != "ann@xn--zz.example" {
		t.Errorf("CanonicalEmail = %q, want ann@xn--zz.example", got)
	}
}

func TestNormalizeEmailMessages(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"a@[127.0.0.1]", `Email "a@[127.0.0.1]" is not a valid address: use a domain name after @, not an IP address.`},
		{"a@-x.example", `Email "a@-x.example" is not a valid address: the domain label "-x" starts or ends with a hyphen.`},
		{"a@x_y.example", `Email "a@x_y.example" is not a valid address: the domain contains '_', and domain names allow only letters, digits, hyphens and dots.`},
		{"a@b\u00a0c.example", `Email "a@b\u00a0c.example" is not a valid address: the domain contains '\u00a0', and domain names allow only letters, digits, hyphens and dots.`},
		// 188 bytes as stored, 308 with each label x\u00fc as xn--x-eha.
		{strings.Repeat("a", 100) + "@" + strings.Repeat("x\u00fc.", 20) + "example", "Email is too long: it is 308 bytes with its domain in ASCII form, and the limit is 254 bytes."},
		{"\u212aim@example.com", "Email \"\u212aim@example.com\" contains U+212A, which reads as \"k\" in lowercase and would name another address: type \"k\" instead."},
		// 125 letters é take 250 bytes.
		{strings.Repeat("\u00e9", 125) + "@x.com", "Email is too long: it is 256 bytes in UTF-8, and the limit is 254 bytes."},
		// 146 bytes as sent, 282 as stored: each label is 20 CJK letters of
		// 3 bytes each.
		{strings.Repeat("a", 30) + "@" + strings.Repeat("xn--fiqaaaaaaaaaaaaaaaaaaa.", 4) + "example",
			"Email is too long: it is 282 bytes in UTF-8 with its domain in Unicode form, as contacts store it, and the limit is 254 bytes."},
	}
	for _, tt := range tests {
		_, err := NormalizeEmail("email", tt.in)
		if err == nil || err.Message != tt.want {
			t.Errorf("NormalizeEmail(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestParseDateRange(t *testing.T) {
	r, err := ParseDateRange("2026-03-01", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if r.Days() != 31 {
		t.Errorf("days = %d, want 31", r.Days())
	}
	if _, err := ParseDateRange("2026-03-02", "2026-03-01"); err == nil || err.Field != "to" {
		t.Errorf("reversed range error = %v, want an error on to", err)
	}
	if _, err := ParseDateRange("2026-13-01", "2026-03-01"); err == nil || err.Field != "from" {
		t.Errorf("bad month error = %v, want an error on from", err)
	}
	if _, err := ParseDateRange("2000-01-01", "2026-01-01"); err == nil || err.Field != "to" {
		t.Errorf("long range error = %v, want an error on to", err)
	}
}

func FuzzValidateSlug(f *testing.F) {
	for _, seed := range []string{"watched-demo-video", "", "-a", "Impression", "form-submission", "é", "a--b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, slug string) {
		err := ValidateSlug(slug)
		if err != nil {
			if err.Message == "" || err.Field != "slug" {
				t.Fatalf("ValidateSlug(%q) error without field or message: %+v", slug, err)
			}
			return
		}
		// Accepted slugs must obey every rule.
		if slug == "" || len(slug) > MaxSlugLength || slug[0] == '-' || slug[len(slug)-1] == '-' {
			t.Fatalf("ValidateSlug accepted %q", slug)
		}
		for _, r := range slug {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("ValidateSlug accepted %q with %q", slug, r)
			}
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{"contact@example.com", "A@B.CO", "a@b", "<a@b.c>", "\"q\"@example.com", "JO\u0308RG@example.com", "a@xn--bcher-kva.example", "a@xn--x-kfa.example"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, email string) {
		got, err := NormalizeEmail("email", email)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || len(got) > MaxEmailLength || strings.ToLower(got) != got {
			t.Fatalf("NormalizeEmail(%q) = %q: not a lowercase address within limits", email, got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("NormalizeEmail(%+q) = %+q: not in NFC", email, got)
		}
		if canonical := CanonicalEmail(email); canonical != got {
			t.Fatalf("NormalizeEmail(%+q) = %+q, but CanonicalEmail gives %+q", email, got, canonical)
		}
		again, err := NormalizeEmail("email", got)
		if err != nil || again != got {
			t.Fatalf("NormalizeEmail is not idempotent on %q: %q, %v", got, again, err)
		}
	})
}

func FuzzParseDateRange(f *testing.F) {
	f.Add("2026-01-01", "2026-01-31")
	f.Add("2026-02-29", "2026-03-01")
	f.Fuzz(func(t *testing.T, from, to string) {
		r, err := ParseDateRange(from, to)
		if err != nil {
			return
		}
		if r.To.Before(r.From) || r.Days() < 1 || r.Days() > MaxRangeDays {
			t.Fatalf("ParseDateRange(%q, %q) accepted %d days", from, to, r.Days())
		}
		if r.From.Format(DateLayout) != from || r.To.Format(DateLayout) != to {
			t.Fatalf("ParseDateRange(%q, %q) does not round-trip", from, to)
		}
	})
}

func TestNormalizeEmailInvisibleCharacter(t *testing.T) {
	_, err := NormalizeEmail("email", "ann\u200b@example.com")
	want := "Email contains the invisible character U+200B: remove it."
	if err == nil || err.Message != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestContactField(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		message string // empty: valid
	}{
		{in: "  Ann ", want: "Ann"},
		{in: "", want: ""},
		{in: "Zoë Ça", want: "Zoë Ça"},
		// Combining marks are composed.
		{in: "Zoe\u0308 C\u0327a", want: "Zo\u00eb \u00c7a"},
		{in: strings.Repeat("e\u0301", MaxContactFieldLength), want: strings.Repeat("\u00e9", MaxContactFieldLength)},
		{in: strings.Repeat("é", MaxContactFieldLength), want: strings.Repeat("é", MaxContactFieldLength)},
		{in: strings.Repeat("é", MaxContactFieldLength+1), message: "firstName is too long: use at most 200 characters."},
		{in: "A\u0007nn", message: "firstName contains the control character U+0007: remove it."},
		{in: "Ann\r\nX-Evil: 1", message: "firstName contains the control character U+000D: remove it."},
		{in: "a\u202ebc", message: "firstName contains the invisible character U+202E: remove it."},
		{in: "a\u2028b", message: "firstName contains the line or paragraph separator U+2028: remove it."},
		{in: "a\u2029b", message: "firstName contains the line or paragraph separator U+2029: remove it."},
		{in: "a\xffb", message: "firstName is not valid UTF-8: send text."},
	}
	for _, tt := range tests {
		got, err := ContactField("firstName", tt.in)
		if tt.message != "" {
			if err == nil || err.Message != tt.message || err.Field != "firstName" {
				t.Errorf("ContactField(%q) = %q, %v, want error %q", tt.in, got, err, tt.message)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ContactField(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLookupEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string // empty: invalid
	}{
		{"Ann@Example.com", "ann@example.com"},
		{"ann@xn--bcher-kva.example", "ann@b\u00fccher.example"},
		// Rejected by NormalizeEmail, still looked up.
		{" CY@x_y.example ", "cy@x_y.example"},
		{"a@[127.0.0.1]", "a@[127.0.0.1]"},
		{"not-an-email", ""},
		{"ann@", ""},
		{"@example.com", ""},
		{"", ""},
		{strings.Repeat("a", 250) + "@x_y.example", ""},
	}
	for _, tt := range tests {
		got, err := LookupEmail("email", tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("LookupEmail(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("LookupEmail(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestDecodePunycodeLabels(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ann@xn--bcher-kva.example", "ann@b\u00fccher.example"},
		{"@xn--bcher-kva.", "@b\u00fccher."},
		{"xn--bcher-kva.example", "b\u00fccher.example"},
		{"xn--bcher", "xn--bcher"},
		{"xn--zz.example", "xn--zz.example"},
		{"x@ann.example", "x@ann.example"},
	}
	for _, tt := range tests {
		if got := DecodePunycodeLabels(tt.in); got != tt.want {
			t.Errorf("DecodePunycodeLabels(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDecodePunycodeLabels checks that decoding leaves text without a
// punycode label alone, changes nothing on a second pass, and gives the
// domain of CanonicalEmail for an email with an @.
func FuzzDecodePunycodeLabels(f *testing.F) {
	for _, seed := range []string{"ann@xn--bcher-kva.example", "@xn--bcher-kva.", "xn--bcher", "xn--zz.example", "a@xn--xn--bcher-kva-.example"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = canonicalText(strings.TrimSpace(s))
		got := DecodePunycodeLabels(s)
		if !strings.Contains(s, acePrefix) && got != s {
			t.Fatalf("DecodePunycodeLabels(%q) = %q, want it unchanged", s, got)
		}
		if again := DecodePunycodeLabels(got); again != got {
			t.Fatalf("DecodePunycodeLabels(%q) = %q, and again %q", s, got, again)
		}
		if canonical, bad := canonicalEmail(s); bad == "" && strings.Contains(s, "@") && canonical != got {
			t.Fatalf("DecodePunycodeLabels(%q) = %q, CanonicalEmail gives %q", s, got, canonical)
		}
	})
}

func TestNormalizeUTMRejectsHiddenCharacters(t *testing.T) {
	tests := []struct {
		utm     UTM
		field   string
		message string
	}{
		{UTM{Source: "news\u202eletter"}, "utmSource", "utmSource contains the invisible character U+202E: remove it."},
		{UTM{Medium: "e\u200bmail"}, "utmMedium", "utmMedium contains the invisible character U+200B: remove it."},
		{UTM{Campaign: "spring\u2028sale"}, "utmCampaign", "utmCampaign contains the line or paragraph separator U+2028: remove it."},
		{UTM{Term: "a\u2029b"}, "utmTerm", "utmTerm contains the line or paragraph separator U+2029: remove it."},
		{UTM{Content: "a\nb"}, "utmContent", "utmContent contains the control character U+000A: remove it."},
	}
	for _, tt := range tests {
		_, err := NormalizeUTM(tt.utm)
		if err == nil {
			t.Errorf("NormalizeUTM(%+v) passed, want error %q", tt.utm, tt.message)
			continue
		}
		if err.Field != tt.field || err.Message != tt.message {
			t.Errorf("NormalizeUTM(%+v) = %s: %q, want %s: %q", tt.utm, err.Field, err.Message, tt.field, tt.message)
		}
	}
}
