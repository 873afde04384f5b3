package graph

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"customevents/app/apitype"
	"customevents/db"
)

// maxPageURLLength is the longest page URL a trigger may carry, in bytes.
// Longer URLs are rejected rather than stored truncated.
const maxPageURLLength = 2048

// normalizePageURL trims an optional page URL and checks that it is an
// absolute http or https URL. A nil or blank URL returns "".
func normalizePageURL(pageURL *string) (string, *apitype.ValidationError) {
	if pageURL == nil {
		return "", nil
	}
	raw := strings.TrimSpace(*pageURL)
	if raw == "" {
		return "", nil
	}
	if utf8.RuneCountInString(raw) > maxPageURLLength {
		return "", &apitype.ValidationError{
			Field:   "pageUrl",
			Message: fmt.Sprintf("Page URL is too long: use at most %d characters.", maxPageURLLength),
		}
	}
	// A hidden character would make the stored URL read as another one,
	// such as U+202E in the host. A browser sends such characters
	// percent-encoded.
	if i := strings.IndexFunc(raw, isHiddenInURL); i >= 0 {
		r, _ := utf8.DecodeRuneInString(raw[i:])
		return "", &apitype.ValidationError{
			Field:   "pageUrl",
			Message: fmt.Sprintf("Page URL contains %s: percent-encode it, or remove it.", apitype.HiddenCharacterName(r)),
		}
	}
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return "", &apitype.ValidationError{
			Field:   "pageUrl",
			Message: fmt.Sprintf("Page URL %q is invalid: use an absolute http or https URL, such as https://example.com/pricing.", raw),
		}
	}
	if parsed.User != nil {
		// The message leaves the URL out, so as not to repeat a password.
		return "", &apitype.ValidationError{
			Field:   "pageUrl",
			Message: "Page URL contains a user name or password before the host, which must not be stored: remove them, as in https://example.com/pricing.",
		}
	}
	if port := parsed.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", &apitype.ValidationError{
				Field:   "pageUrl",
				Message: fmt.Sprintf("Page URL has the port %s, which is not a port number: use a port from 1 to 65535, or none.", port),
			}
		}
	}
	return raw, nil
}

// isHiddenInURL reports whether r is a control or format character or a
// line or paragraph separator, none of which a page URL shows.
func isHiddenInURL(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// requireSlug rejects an empty slug before any lookup, so the client learns
// that the argument is missing and not that an event "" does not exist.
func requireSlug(field, slug string) (string, *apitype.ValidationError) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return "", &apitype.ValidationError{
			Field:   field,
			Message: "Slug is required, such as watched-demo-video.",
		}
	}
	return slug, nil
}

// notFoundBySlug rewrites a not-found error that names a custom event by id
// so that it names the slug the client sent. Other errors pass unchanged.
func notFoundBySlug(err error, slug string) error {
	if _, ok := errors.AsType[*db.NotFoundError](err); !ok {
		return err
	}
	return db.CustomEventNotFound(slug)
}
