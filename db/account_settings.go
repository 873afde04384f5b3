package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/app/apitype"
)

// MaxAllowedOrigins is the maximum number of origins in an account's
// allowed-origins list.
const MaxAllowedOrigins = 50

// CollectSettings are the account settings that POST /collect applies.
type CollectSettings struct {
	AccountID int64
	// AllowedOrigins lists the origins whose pages may send events, in the
	// form NormalizeOrigins returns. An empty list allows every origin.
	AllowedOrigins []string
	// IdentifySecret is the key of the HMAC-SHA256 signatures of identify
	// calls, "" until an admin first reads it (see IdentifySigning).
	IdentifySecret string
	// IdentifySignatureRequired drops identify calls without a valid
	// signature.
	IdentifySignatureRequired bool
}

// CollectSettingsBySiteKey returns the collect settings of the account that
// a beacon site key names, or an error matching ErrNotFound.
func (s *Store) CollectSettingsBySiteKey(ctx context.Context, siteKey string) (*CollectSettings, error) {
	var row struct {
		ID                        int64    `bun:"id"`
		AllowedOrigins            []string `bun:"allowed_origins,array"`
		IdentifySecret            string   `bun:"identify_secret"`
		IdentifySignatureRequired bool     `bun:"identify_signature_required"`
	}
	err := s.db.NewRaw(`SELECT id, allowed_origins, coalesce(identify_secret, '') AS identify_secret, identify_signature_required
		FROM accounts WHERE site_key = ?`, siteKey).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "site key", Key: siteKey}
	}
	if err != nil {
		return nil, fmt.Errorf("find collect settings by site key: %w", err)
	}
	return &CollectSettings{
		AccountID:                 row.ID,
		AllowedOrigins:            row.AllowedOrigins,
		IdentifySecret:            row.IdentifySecret,
		IdentifySignatureRequired: row.IdentifySignatureRequired,
	}, nil
}

// AllowedOrigins returns the account's allowed-origins list, empty when any
// origin is allowed.
func (s *Store) AllowedOrigins(ctx context.Context, accountID int64) ([]string, error) {
	var origins []string
	err := s.db.NewRaw("SELECT allowed_origins FROM accounts WHERE id = ?", accountID).Scan(ctx, pgdialect.Array(&origins))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	if err != nil {
		return nil, fmt.Errorf("read allowed origins of account %d: %w", accountID, err)
	}
	if origins == nil {
		origins = []string{}
	}
	return origins, nil
}

// SetAllowedOrigins validates origins with NormalizeOrigins, replaces the
// account's list with the result and returns it. An invalid origin stores
// nothing and returns a *apitype.ValidationError that names it.
func (s *Store) SetAllowedOrigins(ctx context.Context, accountID int64, origins []string) ([]string, error) {
	normalized, verr := NormalizeOrigins(origins)
	if verr != nil {
		return nil, verr
	}
	result, err := s.db.NewRaw("UPDATE accounts SET allowed_origins = ? WHERE id = ?", pgdialect.Array(normalized), accountID).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("set allowed origins of account %d: %w", accountID, err)
	}
	if n, err := result.RowsAffected(); err == nil && n == 0 {
		return nil, &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	s.caches.forget(accountID)
	return normalized, nil
}

// Consent modes of an account: when the beacon may track a visitor.
const (
	// ConsentTrack tracks at once.
	ConsentTrack = "track"
	// ConsentWait keeps calls in the page until it calls $__MA.consent(true).
	ConsentWait = "wait"
	// ConsentGPC tracks at once unless navigator.globalPrivacyControl is true.
	ConsentGPC = "gpc"
)

// ConsentModes lists the valid consent modes, as the accounts.consent_mode
// CHECK constraint does.
var ConsentModes = []string{ConsentTrack, ConsentWait, ConsentGPC}

// ConsentMode returns the account's consent mode, one of ConsentModes.
func (s *Store) ConsentMode(ctx context.Context, accountID int64) (string, error) {
	var mode string
	err := s.db.NewRaw("SELECT consent_mode FROM accounts WHERE id = ?", accountID).Scan(ctx, &mode)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	if err != nil {
		return "", fmt.Errorf("read consent mode of account %d: %w", accountID, err)
	}
	return mode, nil
}

// SetConsentMode stores the account's consent mode. A mode outside
// ConsentModes stores nothing and returns a *apitype.ValidationError that
// lists the valid modes.
func (s *Store) SetConsentMode(ctx context.Context, accountID int64, mode string) error {
	if !slices.Contains(ConsentModes, mode) {
		return &apitype.ValidationError{
			Field:   "consentMode",
			Message: fmt.Sprintf(`Consent mode %q is not valid: use "track", "wait" or "gpc".`, mode),
		}
	}
	result, err := s.db.NewRaw("UPDATE accounts SET consent_mode = ? WHERE id = ?", mode, accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set consent mode of account %d: %w", accountID, err)
	}
	if n, err := result.RowsAffected(); err == nil && n == 0 {
		return &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
	}
	return nil
}

// SetTimeZone stores the account's time zone, an IANA name such as
// "Europe/Berlin", in which reports read calendar days. In the same
// transaction, the accounts_report_time_zone trigger counts the account's
// occurrences again into the local days of the new zone, so it takes longer
// the more occurrences the account has, and holds up the account's ingest
// meanwhile. Ingest workers go on writing other accounts' events (see
// batchRoute). Counts of occurrences that retention deleted stay on the days
// they were counted on. An unknown zone stores nothing and returns an
// *apitype.ValidationError.
func (s *Store) SetTimeZone(ctx context.Context, accountID int64, zone string) error {
	invalid := &apitype.ValidationError{
		Field:   "timeZone",
		Message: fmt.Sprintf("Time zone %q is unknown: use an IANA name such as Europe/Berlin or America/New_York.", zone),
	}
	// LoadLocation reads "" and "Local" as UTC and the server's zone, which
	// PostgreSQL does not know by those names.
	if zone == "" || zone == "Local" {
		return invalid
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return invalid
	}

	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The rebuild lock comes before the row lock, as in UpdateAccount
		// and RebuildReportRollups (see rebuild_xact_lock).
		if _, err := tx.NewRaw("SELECT rebuild_xact_lock(?)", accountID).Exec(ctx); err != nil {
			return fmt.Errorf("take the rebuild lock of account %d: %w", accountID, err)
		}
		var found []int64
		if err := tx.NewRaw("SELECT id FROM accounts WHERE id = ? FOR UPDATE", accountID).Scan(ctx, &found); err != nil {
			return fmt.Errorf("lock account %d: %w", accountID, err)
		}
		if len(found) == 0 {
			return &NotFoundError{Resource: "account", Key: strconv.FormatInt(accountID, 10)}
		}
		_, err := tx.NewRaw("UPDATE accounts SET time_zone = ? WHERE id = ?", zone, accountID).Exec(ctx)
		return err
	})
	// 22023 is PostgreSQL's "time zone ... not recognized", for a zone
	// that Go's time zone database has and the server's lacks.
	if pqErr, ok := errors.AsType[*pq.Error](err); ok && pqErr.Code == "22023" {
		return invalid
	}
	if err != nil {
		if _, ok := errors.AsType[*NotFoundError](err); ok {
			return err
		}
		return fmt.Errorf("set time zone of account %d: %w", accountID, err)
	}
	s.caches.forget(accountID)
	return nil
}

// NormalizeOrigins checks each origin and returns the list in the form that
// browsers send in the Origin header: lowercase scheme://host[:port], http
// or https, without the scheme's default port. A single trailing slash is
// dropped. Duplicates are removed and the input order is kept. The list may
// hold at most MaxAllowedOrigins origins.
func NormalizeOrigins(origins []string) ([]string, *apitype.ValidationError) {
	out := make([]string, 0, len(origins))
	seen := make(map[string]bool, len(origins))
	for _, raw := range origins {
		origin, verr := normalizeOrigin(raw)
		if verr != nil {
			return nil, verr
		}
		if seen[origin] {
			continue
		}
		seen[origin] = true
		out = append(out, origin)
	}
	if len(out) > MaxAllowedOrigins {
		return nil, &apitype.ValidationError{
			Field:   "allowedOrigins",
			Message: fmt.Sprintf("allowedOrigins has %d origins: list at most %d.", len(out), MaxAllowedOrigins),
		}
	}
	return out, nil
}

func normalizeOrigin(raw string) (string, *apitype.ValidationError) {
	invalid := func(problem string) (string, *apitype.ValidationError) {
		return "", &apitype.ValidationError{
			Field:   "allowedOrigins",
			Message: fmt.Sprintf("Origin %q %s: use scheme://host[:port] with http or https, such as https://www.example.com.", raw, problem),
		}
	}

	text := strings.TrimSpace(raw)
	if text == "" {
		return invalid("is empty")
	}
	if strings.Contains(text, "*") {
		return invalid("contains a wildcard, which is not supported, so list each origin")
	}
	if strings.ContainsAny(text, ", \t\r\n") {
		return invalid("contains a comma or a space: list each origin on its own, one per line or list item")
	}
	u, err := url.Parse(strings.TrimSuffix(text, "/"))
	if err != nil {
		return invalid("is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return invalid("does not start with http:// or https://")
	}
	if u.Opaque != "" || u.Host == "" {
		return invalid("has no host")
	}
	if u.User != nil {
		return invalid("contains a user name")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(text, "#") {
		return invalid("has a query or a fragment")
	}
	if u.Path != "" {
		return invalid("has a path")
	}

	host := strings.ToLower(u.Hostname())
	if problem := originHostProblem(host); problem != "" {
		return invalid(problem)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return invalid("has an invalid port")
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	}

	if addr, err := netip.ParseAddr(host); err == nil {
		// Browsers send an IPv6 address with its longest run of zero
		// groups written as ::, as String writes it.
		host = addr.String()
		if addr.Is6() {
			host = "[" + host + "]"
		}
	}
	if port != "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	return scheme + "://" + host, nil
}

// originHostProblem returns what is wrong with host, or "" for an IP
// address or a DNS name of ASCII letters, digits and hyphens in non-empty
// labels. One trailing dot, as in www.example.com., is allowed: browsers
// send it in the Origin header of a page opened under that name.
func originHostProblem(host string) string {
	if host == "" {
		return "has no host"
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		switch {
		case addr.Zone() != "":
			return "has an IPv6 zone, which browsers do not send: leave out the % part"
		case addr.Is4In6():
			return "has an IPv4 address in IPv6 form: write it as four numbers, such as 127.0.0.1"
		}
		return ""
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	// Browsers read a host whose last label is a number as an IPv4
	// address, also in forms such as 127.1 or 0x7f000001, and send it as
	// four decimal numbers.
	if last := labels[len(labels)-1]; last != "" && (strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x")) {
		return "is not an IP address as browsers send it: write four numbers from 0 to 255, such as 127.0.0.1"
	}
	for _, label := range labels {
		switch {
		case label == "":
			return "has an empty label in its host, as from two dots in a row"
		case len(label) > 63:
			return "has a host label longer than 63 characters"
		case strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-"):
			return "has a host label that starts or ends with a hyphen"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "has a character other than letters, digits, hyphens and dots in its host; write international names in their xn-- form"
			}
		}
	}
	return ""
}
