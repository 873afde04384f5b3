package apitype

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Error codes shared by the admin API and GraphQL (extensions.code).
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeRateLimited     = "RATE_LIMITED"
	// CodeGone marks an invite or password reset link that was used,
	// revoked or replaced, or that has expired.
	CodeGone     = "GONE"
	CodeInternal = "INTERNAL_SERVER_ERROR"
)

// Limits on custom event definitions, in characters.
const (
	MaxSlugLength        = 64
	MaxNameLength        = 200
	MaxDescriptionLength = 2000
	// MaxEmailLength counts bytes of UTF-8, as mail servers limit an
	// address, so a letter such as é takes two.
	MaxEmailLength = 254
)

// ReservedSlugs are used by built-in events and cannot name a custom event.
var ReservedSlugs = []string{"impression", "form-submission"}

// ValidationError reports one invalid input field. Message is a full
// sentence that states what is wrong and what to do.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	return e.Field + ": " + e.Message
}

// ValidateSlug checks the slug rules: 1 to 64 characters, only lowercase
// letters a-z, digits and hyphens, no hyphen at either end, and not a reserved
// slug. Uniqueness within an account is checked by the database.
func ValidateSlug(slug string) *ValidationError {
	invalid := func(format string, args ...any) *ValidationError {
		return &ValidationError{Field: "slug", Message: fmt.Sprintf(format, args...)}
	}

	if slug == "" {
		return invalid("Slug is required. Use lowercase letters, digits and hyphens, such as watched-demo-video.")
	}
	if utf8.RuneCountInString(slug) > MaxSlugLength {
		return invalid("Slug is too long: use at most %d characters.", MaxSlugLength)
	}
	for _, r := range slug {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			return invalid("Slug must be lowercase: replace %q with %q.", r, r+('a'-'A'))
		}
		return invalid("Slug contains %q: use only lowercase letters, digits and hyphens.", r)
	}
	if strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") {
		return invalid("Slug must not start or end with a hyphen.")
	}
	for _, reserved := range ReservedSlugs {
		if slug == reserved {
			return invalid("Slug %q is reserved for a built-in event: choose another.", slug)
		}
	}
	return nil
}

// SlugTakenError is the error for a slug that another event of the same
// account already uses.
func SlugTakenError(slug string) *ValidationError {
	return &ValidationError{
		Field:   "slug",
		Message: fmt.Sprintf("Slug %q is already used by another custom event in this account: choose another.", slug),
	}
}

// Normalize trims surrounding white space from the text fields.
func (in *CustomEventInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.TrimSpace(in.Slug)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate checks every field and returns the first error, in form order.
// Call Normalize first.
func (in CustomEventInput) Validate() *ValidationError {
	if in.Name == "" {
		return &ValidationError{Field: "name", Message: "Name is required, such as Watched Demo Video."}
	}
	if utf8.RuneCountInString(in.Name) > MaxNameLength {
		return &ValidationError{Field: "name", Message: fmt.Sprintf("Name is too long: use at most %d characters.", MaxNameLength)}
	}
	if r, ok := hiddenCharacter(in.Name, false); ok {
		return &ValidationError{Field: "name", Message: fmt.Sprintf("Name contains %s: remove it.", HiddenCharacterName(r))}
	}
	if err := ValidateSlug(in.Slug); err != nil {
		return err
	}
	if utf8.RuneCountInString(in.Description) > MaxDescriptionLength {
		return &ValidationError{Field: "description", Message: fmt.Sprintf("Description is too long: use at most %d characters.", MaxDescriptionLength)}
	}
	if r, ok := hiddenCharacter(in.Description, true); ok {
		return &ValidationError{Field: "description", Message: fmt.Sprintf("Description contains %s: remove it.", HiddenCharacterName(r))}
	}
	return nil
}

// NormalizeEmail validates an email address and returns it in the form of
// CanonicalEmail, the form contacts are stored and matched in. It accepts a
// bare address with a dotted domain, not a display name such as
// "Ann <ann@example.com>". The length limit applies to the returned form.
func NormalizeEmail(field, email string) (string, *ValidationError) {
	email = strings.TrimSpace(email)
	invalid := func(message string) (string, *ValidationError) {
		return "", &ValidationError{Field: field, Message: message}
	}

	if email == "" {
		return invalid("Email is required, such as contact@example.com.")
	}
	canonical, badLabel := canonicalEmail(email)
	if len(canonical) > MaxEmailLength {
		// Contacts store a punycode domain in its own letters, which can
		// take more bytes than the address as sent.
		if strings.Contains(strings.ToLower(email[strings.LastIndexByte(email, '@')+1:]), "xn--") {
			return invalid(fmt.Sprintf("Email is too long: it is %d bytes in UTF-8 with its domain in Unicode form, as contacts store it, and the limit is %d bytes.", len(canonical), MaxEmailLength))
		}
		return invalid(fmt.Sprintf("Email is too long: it is %d bytes in UTF-8, and the limit is %d bytes.", len(canonical), MaxEmailLength))
	}
	// Invisible characters would make one address look like another:
	// ann\u200b@example.com is not ann@example.com.
	if i := strings.IndexFunc(email, isInvisible); i >= 0 {
		r, _ := utf8.DecodeRuneInString(email[i:])
		return invalid(fmt.Sprintf("Email contains %s: remove it.", HiddenCharacterName(r)))
	}
	// A few characters outside ASCII lowercase, or turn in NFC, into an
	// ASCII letter: the Kelvin sign U+212A into k, and U+0130 into i. The
	// address would then name another mailbox's contact, such as kim@ for
	// a user who registered with the Kelvin sign.
	if r, folded, ok := foldsToASCII(email); ok {
		return invalid(fmt.Sprintf("Email %q contains %U, which reads as %q in lowercase and would name another address: type %q instead.", email, r, folded, folded))
	}
	if !bareAddress(email) {
		return invalid(fmt.Sprintf("Email %q is not a valid address: use the form name@example.com.", email))
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return invalid(fmt.Sprintf("Email %q is not a valid address: the domain must contain a dot, as in example.com.", email))
	}
	if badLabel != "" {
		return invalid(fmt.Sprintf("Email %q is not a valid address: the domain label %q is not valid punycode. Check the domain, or write it in its own letters, as in bücher.example.", email, badLabel))
	}
	canonicalAt := strings.LastIndexByte(canonical, '@')
	problem, domainBytes := hostNameProblem(canonical[canonicalAt+1:])
	if problem != "" {
		return invalid(fmt.Sprintf("Email %q is not a valid address: %s.", email, problem))
	}
	// Mail servers see the domain in ASCII form, which can be longer.
	if wire := canonicalAt + 1 + domainBytes; wire > MaxEmailLength {
		return invalid(fmt.Sprintf("Email is too long: it is %d bytes with its domain in ASCII form, and the limit is %d bytes.", wire, MaxEmailLength))
	}
	// NFC can turn a character into an ASCII one that addresses do not
	// allow: the Greek question mark U+037E becomes a semicolon.
	if !bareAddress(canonical) {
		return invalid(fmt.Sprintf("Email %q is not a valid address: in Unicode NFC it reads %q. Use the form name@example.com.", email, canonical))
	}
	return canonical, nil
}

// DNS limits: 63 bytes per label and 253 for a name, in ASCII form.
const (
	maxLabelBytes  = 63
	maxDomainBytes = 253
)

// hostNameProblem describes why domain, in lowercase and with its
// punycode labels decoded, cannot name a mail server, or returns "". Each
// label must be letters, digits and hyphens, without a hyphen at either
// end, and at most 63 bytes in ASCII form. Letters, marks and digits
// outside ASCII are allowed. A bracketed IP address, which RFC 5321 also
// allows, is rejected, because contacts are people at named domains. It
// also returns the length of the domain in ASCII form.
func hostNameProblem(domain string) (problem string, asciiBytes int) {
	if strings.HasPrefix(domain, "[") {
		return "use a domain name after @, not an IP address", 0
	}
	labels := strings.Split(domain, ".")
	asciiBytes = len(labels) - 1
	for _, label := range labels {
		if label == "" {
			return "the domain has an empty label between two dots", 0
		}
		if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Sprintf("the domain label %q starts or ends with a hyphen", label), 0
		}
		nonASCII := false
		for _, r := range label {
			if !hostNameRune(r) {
				return fmt.Sprintf("the domain contains %+q, and domain names allow only letters, digits, hyphens and dots", r), 0
			}
			nonASCII = nonASCII || r >= utf8.RuneSelf
		}
		encoded := label
		if nonASCII {
			var err error
			if encoded, err = idna.Punycode.ToASCII(label); err != nil {
				return fmt.Sprintf("the domain label %q cannot be written in ASCII form", label), 0
			}
		}
		if len(encoded) > maxLabelBytes {
			return fmt.Sprintf("the domain label %q is longer than %d bytes in ASCII form", label, maxLabelBytes), 0
		}
		asciiBytes += len(encoded)
	}
	if asciiBytes > maxDomainBytes {
		return fmt.Sprintf("the domain is %d bytes in ASCII form, and the limit is %d", asciiBytes, maxDomainBytes), 0
	}
	return "", asciiBytes
}

// hostNameRune reports whether r may appear in a domain label: an ASCII
// letter, digit or hyphen, or a letter, mark or digit outside ASCII.
func hostNameRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// ASCIIEmail returns addr with its domain in lowercase NFC and then in
// ASCII form (punycode), as mail servers without the SMTPUTF8 extension
// need it. The local part stays as it is, so addresses stored as typed,
// such as ann@BÜCHER.example or bücher with a combining diaeresis, go to
// the same domain, xn--bcher-kva.example.
func ASCIIEmail(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	domain, err := idna.Punycode.ToASCII(canonicalText(addr[at+1:]))
	if err != nil {
		return "", fmt.Errorf("email %q has a domain that cannot be written in ASCII form: %w", addr, err)
	}
	return addr[:at+1] + domain, nil
}

// bareAddress reports whether s is one email address with no display name
// or comment around it.
func bareAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && addr.Name == ""
}

// LookupEmail checks an email that only looks up a stored contact, as for
// an export or an erasure, and returns it in the form of CanonicalEmail. A
// contact stored under earlier rules of NormalizeEmail must stay reachable,
// so an address that those rules reject passes when it has text on both
// sides of its last @ and is within MaxEmailLength. Other input gets the
// error of NormalizeEmail.
func LookupEmail(field, email string) (string, *ValidationError) {
	normalized, verr := NormalizeEmail(field, email)
	if verr == nil {
		return normalized, nil
	}
	canonical := CanonicalEmail(email)
	at := strings.LastIndexByte(canonical, '@')
	if at <= 0 || at == len(canonical)-1 || len(canonical) > MaxEmailLength {
		return "", verr
	}
	return canonical, nil
}

// CanonicalEmail returns email trimmed, in lowercase and in Unicode
// Normalization Form C (NFC), with an internationalized domain in its
// Unicode letters, without validating it. In NFC, "ö" typed as U+00F6 and
// typed as "o" followed by the combining diaeresis U+0308 are the same
// string, U+00F6. Lowercasing comes first because it can leave a letter
// and a combining mark that NFC then joins: "H" and U+0331 lowercase to "h"
// and U+0331, which NFC joins to U+1E96. A domain label written in its
// ASCII form (punycode), such as xn--bcher-kva for bücher, is decoded, so
// ann@xn--bcher-kva.example and ann@bücher.example are one address. A
// domain with a label that does not decode is left as it is.
func CanonicalEmail(email string) string {
	canonical, _ := canonicalEmail(email)
	return canonical
}

// canonicalEmail returns the form of CanonicalEmail, and the first domain
// label that starts with xn-- but is not valid punycode, or "".
func canonicalEmail(email string) (canonical, badLabel string) {
	email = canonicalText(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email, ""
	}
	domain, badLabel := decodeDomain(email[at+1:])
	if badLabel != "" {
		return email, badLabel
	}
	return email[:at+1] + domain, ""
}

// foldsToASCII returns the first character outside ASCII in s that
// canonicalText turns into ASCII text, with that text.
func foldsToASCII(s string) (r rune, folded string, ok bool) {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		folded := canonicalText(string(r))
		if strings.IndexFunc(folded, func(c rune) bool { return c >= utf8.RuneSelf }) < 0 {
			return r, folded, true
		}
	}
	return 0, "", false
}

func canonicalText(s string) string {
	return norm.NFC.String(strings.ToLower(s))
}

// acePrefix starts every domain label written in punycode.
const acePrefix = "xn--"

// DecodePunycodeLabels returns s, a lowercase NFC email or part of one,
// with each whole label after its last @ (or in all of s without an @)
// that is valid punycode decoded, as CanonicalEmail decodes stored
// emails. Other labels, such as a label cut in two, stay as they are.
func DecodePunycodeLabels(s string) string {
	at := strings.LastIndexByte(s, '@')
	domain, _ := decodeDomain(s[at+1:])
	return s[:at+1] + domain
}

// decodeDomain decodes the punycode labels of a lowercase NFC domain. A
// label that is not valid punycode stays as it is, and the first one is
// returned as badLabel.
func decodeDomain(domain string) (decoded, badLabel string) {
	if !strings.Contains(domain, acePrefix) {
		return domain, ""
	}
	labels := strings.Split(domain, ".")
	for i, label := range labels {
		if !strings.HasPrefix(label, acePrefix) {
			continue
		}
		if text, ok := decodeLabel(label); ok {
			labels[i] = text
		} else if badLabel == "" {
			badLabel = label
		}
	}
	return strings.Join(labels, "."), badLabel
}

// decodeLabel decodes one punycode label. The result must encode back to
// the same label, so that each domain has one Unicode form. It must also
// contain a character outside ASCII, be lowercase and in NFC, and contain
// only the characters of hostNameRune.
func decodeLabel(label string) (string, bool) {
	// A longer label is not a DNS label, and decoding time grows with the
	// square of the length.
	if len(label) > maxLabelBytes {
		return "", false
	}
	decoded, err := idna.Punycode.ToUnicode(label)
	if err != nil {
		return "", false
	}
	if back, err := idna.Punycode.ToASCII(decoded); err != nil || back != label {
		return "", false
	}
	nonASCII := false
	for _, r := range decoded {
		if !hostNameRune(r) {
			return "", false
		}
		nonASCII = nonASCII || r >= utf8.RuneSelf
	}
	return decoded, nonASCII && canonicalText(decoded) == decoded
}

// isInvisible reports whether r is a control or format character, such as
// a zero-width space, a byte order mark or a bidirectional override.
func isInvisible(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || r == utf8.RuneError
}

// MaxContactFieldLength caps a contact's first name, last name and company,
// in characters.
const MaxContactFieldLength = 200

// ContactField checks a first name, last name or company sent with an
// event or an identify call, and returns it trimmed and in Unicode NFC, the
// form that searches compare with.
func ContactField(field, value string) (string, *ValidationError) {
	value = strings.TrimSpace(value)
	if !utf8.ValidString(value) {
		return "", &ValidationError{Field: field, Message: fmt.Sprintf("%s is not valid UTF-8: send text.", field)}
	}
	value = norm.NFC.String(value)
	if r, ok := hiddenCharacter(value, false); ok {
		return "", &ValidationError{Field: field, Message: fmt.Sprintf("%s contains %s: remove it.", field, HiddenCharacterName(r))}
	}
	if utf8.RuneCountInString(value) > MaxContactFieldLength {
		return "", &ValidationError{Field: field, Message: fmt.Sprintf("%s is too long: use at most %d characters.", field, MaxContactFieldLength)}
	}
	return value, nil
}

// HiddenCharacterName names r, a character that a field may not contain,
// for an error message: "the control character U+000A" for a control
// character such as a line break, and "the invisible character U+202E"
// for the others, such as a bidirectional override.
func HiddenCharacterName(r rune) string {
	if unicode.IsControl(r) {
		return fmt.Sprintf("the control character %U", r)
	}
	if unicode.In(r, unicode.Zl, unicode.Zp) {
		return fmt.Sprintf("the line or paragraph separator %U", r)
	}
	return fmt.Sprintf("the invisible character %U", r)
}

// hiddenCharacter returns the first control character, line or paragraph
// separator (U+2028, U+2029) or bidirectional override in s. Line breaks,
// tabs and the two separators pass when multiline is true. Such characters
// cannot be stored (NUL), break a one-line field into lines, or make a
// name read differently from what it is (U+202E reverses the text after
// it).
func hiddenCharacter(s string, multiline bool) (rune, bool) {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029') {
			continue
		}
		if unicode.IsControl(r) || (r >= 0x2028 && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == utf8.RuneError {
			return r, true
		}
	}
	return 0, false
}
