package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

// Limits on what the beacon may send.
const (
	maxCollectBody = 16 << 10
	// maxPageURL caps the page URL and the referrer, in characters.
	maxPageURL = 2048
)

var visitorIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// collectRequest is the JSON body that the beacon posts as text/plain. A
// message is an event (e set) or an identify call (i set), never both.
type collectRequest struct {
	SiteKey   string `json:"k"`
	VisitorID string `json:"v"`
	PageURL   string `json:"u"`
	Slug      string `json:"e"`
	Referrer  string `json:"r"`
	// FirstTouch is a query string with the utm_* parameters and search
	// click ids of the first page of the visit that had any, such as
	// "?utm_source=x&utm_medium=y" or "?gclid=z".
	FirstTouch string `json:"a"`
	// FirstReferrer is the origin of the referrer of the first touch's
	// page, from which the channel is classified. Older scripts leave it out.
	FirstReferrer *string          `json:"f"`
	Metadata      json.RawMessage  `json:"m"`
	Identity      *collectIdentity `json:"i"`
}

type collectIdentity struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Company   string `json:"company"`
	// Signature is the HMAC-SHA256 of Email, as the page passed it, in hex
	// (see identifySignatureProblem).
	Signature string `json:"signature"`
}

// collectMessage is a checked beacon message. Exactly one of Event and
// Identity is set. Their AccountID is left for the caller to fill in.
type collectMessage struct {
	SiteKey   string
	VisitorID string
	PageURL   string
	Event     *db.Trigger
	Identity  *db.Identity
	// SignedEmail and Signature are the email of an identify message as
	// the page sent it, before normalization, and its signature.
	SignedEmail string
	Signature   string
}

// siteKeyPattern matches the characters of the site keys that accounts get.
var siteKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// decodeProblem describes an error of json.Unmarshal on a beacon message
// in the message's terms, such as "i.firstName is a JSON number, not a
// string", without Go's type names.
func decodeProblem(err error) error {
	typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err)
	if !ok {
		return fmt.Errorf("body is not valid JSON: %w", err)
	}
	if typeErr.Field == "" {
		return errors.New("body is not a JSON object")
	}
	want := "a string"
	if kind := typeErr.Type.Kind(); kind == reflect.Struct || kind == reflect.Pointer {
		want = "an object"
	}
	value := typeErr.Value
	if value == "bool" {
		value = "boolean"
	}
	return fmt.Errorf("%s is a JSON %s, not %s", typeErr.Field, value, want)
}

// parseCollect decodes and checks a beacon body. Its keys are
// case-sensitive (see checkCollectKeys). The page URL and the referrer are
// cut to maxPageURL characters rather than losing the event.
// Metadata is checked with apitype.ParseMetadata, and invalid metadata
// rejects the whole message. The returned SiteKey is set whenever the body
// names a well-formed site key, even when another check fails, so that the
// caller can log the rejection with the account.
func parseCollect(body []byte) (collectMessage, error) {
	var msg collectMessage
	if len(body) > maxCollectBody {
		return msg, fmt.Errorf("body is over the %d-byte limit", maxCollectBody)
	}
	var req collectRequest
	decodeErr := json.Unmarshal(body, &req)
	if req.SiteKey != "" && len(req.SiteKey) <= 64 && siteKeyPattern.MatchString(req.SiteKey) {
		msg.SiteKey = req.SiteKey
	}
	if decodeErr != nil {
		return msg, decodeProblem(decodeErr)
	}
	if err := checkCollectKeys(body); err != nil {
		return msg, err
	}
	if msg.SiteKey == "" {
		return msg, errors.New("site key is missing or too long")
	}
	if !visitorIDPattern.MatchString(req.VisitorID) {
		return msg, errors.New("visitor id is not 32 lowercase hex digits")
	}
	msg.VisitorID = req.VisitorID
	pageURL, err := cutURL("page URL", req.PageURL)
	if err != nil {
		return msg, err
	}
	msg.PageURL = pageURL

	switch {
	case req.Slug != "" && req.Identity != nil:
		return msg, errors.New("message has both an event slug and an identity: send them as two messages")
	case req.Identity != nil:
		msg.Identity, err = parseCollectIdentity(req)
		msg.SignedEmail, msg.Signature = req.Identity.Email, req.Identity.Signature
	case req.Slug != "":
		msg.Event, err = parseCollectEvent(req, pageURL)
	default:
		return msg, errors.New("message has neither an event slug nor an identity")
	}
	return msg, err
}

// maxShownSlugRunes caps how much of an invalid slug from a page the
// reason for its rejection quotes.
const maxShownSlugRunes = 64

// parseCollectEvent checks an event message. Its UTM parameters are the
// visit's first touch when the script sent one and otherwise those of the
// page URL. The channel is classified from them, the referrer and the page
// URL.
func parseCollectEvent(req collectRequest, pageURL string) (*db.Trigger, error) {
	// GraphQL trims the slug too.
	req.Slug = strings.TrimSpace(req.Slug)
	if verr := apitype.ValidateSlug(req.Slug); verr != nil {
		// "Check my site" shows the message, so it names the slug that
		// the page sent, cut short as it comes from the page.
		quoted, _ := apitype.CutText(req.Slug, maxShownSlugRunes)
		verr.Message = fmt.Sprintf("The page sent the slug %q. %s", quoted, verr.Message)
		return nil, verr
	}
	referrer, err := cutReferrer("referrer", req.Referrer)
	if err != nil {
		return nil, err
	}
	// A null metadata value means no metadata, as in GraphQL.
	if string(req.Metadata) == "null" {
		req.Metadata = nil
	}
	metadata, verr := apitype.ParseMetadata(req.Metadata)
	if verr != nil {
		return nil, verr
	}

	// UTMFromURL reads the query of a URL, so the query string gets a path.
	utm := apitype.UTMFromURL("/?" + strings.TrimPrefix(req.FirstTouch, "?"))
	if utm.IsZero() {
		utm = apitype.UTMFromURL(pageURL)
	}

	// Without a first-touch referrer, or with one that is neither "" nor an
	// http, https or android-app URL, the event's own referrer decides the
	// channel.
	touchReferrer := referrer
	if req.FirstReferrer != nil {
		first, err := cutReferrer("first-touch referrer", *req.FirstReferrer)
		if err != nil {
			return nil, err
		}
		if first != "" || *req.FirstReferrer == "" {
			touchReferrer = first
		}
	}
	channel := apitype.ClassifyChannel(apitype.Attribution{UTM: utm, Referrer: touchReferrer, PageURL: pageURL, FirstTouch: req.FirstTouch})

	return &db.Trigger{
		Slug:        req.Slug,
		VisitorID:   req.VisitorID,
		PageURL:     pageURL,
		Referrer:    referrer,
		Source:      db.SourceBeacon,
		Channel:     string(channel),
		UTMSource:   utm.Source,
		UTMMedium:   utm.Medium,
		UTMCampaign: utm.Campaign,
		UTMTerm:     utm.Term,
		UTMContent:  utm.Content,
		Metadata:    metadata,
	}, nil
}

// parseCollectIdentity checks an identify message: a valid email and
// optional contact fields (see apitype.ContactField).
func parseCollectIdentity(req collectRequest) (*db.Identity, error) {
	email, verr := apitype.NormalizeEmail("email", req.Identity.Email)
	if verr != nil {
		return nil, verr
	}
	identity := &db.Identity{VisitorID: req.VisitorID, Email: email}
	fields := []struct {
		name  string
		value string
		dest  *string
	}{
		{"firstName", req.Identity.FirstName, &identity.Fields.FirstName},
		{"lastName", req.Identity.LastName, &identity.Fields.LastName},
		{"company", req.Identity.Company, &identity.Fields.Company},
	}
	for _, f := range fields {
		value, verr := apitype.ContactField(f.name, f.value)
		if verr != nil {
			return nil, verr
		}
		*f.dest = value
	}
	return identity, nil
}

// pageURLSchemes are the schemes that cutURL keeps.
var pageURLSchemes = []string{"http", "https"}

// referrerSchemes are the schemes that cutReferrer keeps. Android apps that
// open a link in a browser tab send android-app://package/ as the referrer,
// and the package name shows the marketing channel, such as Gmail's
// com.google.android.gm.
var referrerSchemes = []string{"http", "https", "android-app"}

// cutURL checks that a page URL from the beacon is valid UTF-8 without
// control characters and cuts it to maxPageURL characters. A URL that is not
// an absolute http or https URL, such as javascript:alert(1), becomes "", so
// that no stored page URL can run script where it is shown. A user name or
// password before the host is dropped.
func cutURL(name, value string) (string, error) {
	return cutURLWithSchemes(name, value, pageURLSchemes)
}

// cutReferrer is cutURL for a referrer, which may also be an absolute
// android-app URL with a package name as its host.
func cutReferrer(name, value string) (string, error) {
	return cutURLWithSchemes(name, value, referrerSchemes)
}

func cutURLWithSchemes(name, value string, schemes []string) (string, error) {
	if !utf8.ValidString(value) {
		return "", fmt.Errorf("%s is not valid UTF-8", name)
	}
	if strings.ContainsFunc(value, unicode.IsControl) {
		return "", fmt.Errorf("%s contains a control character", name)
	}
	if utf8.RuneCountInString(value) > maxPageURL {
		value = string([]rune(value)[:maxPageURL])
		// A cut inside a %XX escape would make the URL unparsable.
		if i := strings.LastIndexByte(value, '%'); i >= 0 && i >= len(value)-2 {
			value = value[:i]
		}
	}
	u, err := url.Parse(value)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		return "", nil
	}
	if u.User != nil {
		// A user name or password before the host is a credential, not
		// part of the page: it is dropped, and the rest kept as sent.
		// As for url.Parse, the last @ of the authority ends it.
		prefix := len(u.Scheme) + len("://")
		rest := value[prefix:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		value = value[:prefix] + rest[strings.LastIndexByte(rest[:end], '@')+1:]
	}
	return value, nil
}

// postCollect records one beacon message: an event or an identify call.
// Like a tracking pixel it always returns 204, so a website never receives
// our failures, which go to the log. It stores nothing for a bot's user
// agent, a request that no page script sent (see scriptlessSignal), an
// unknown site key, an Origin outside the account's allowed list or an
// invalid message.
func (s *Server) postCollect(c echo.Context) error {
	setCollectCORS(c)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	// Each log line below carries the request id of the access log line,
	// so that a dropped message can be traced to its request.
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)

	if rule := matchBotRule(c.Request().UserAgent()); rule != "" {
		s.log.Debug("beacon request from a bot ignored", "request_id", requestID, "rule", rule)
		return c.NoContent(http.StatusNoContent)
	}
	if signal := scriptlessSignal(c.Request().Header); signal != "" {
		s.log.Debug("beacon request that no page script sent ignored", "request_id", requestID, "signal", signal)
		return c.NoContent(http.StatusNoContent)
	}
	if optedOut(c.Request()) {
		s.log.Debug("beacon request from an opted-out browser ignored", "request_id", requestID)
		return c.NoContent(http.StatusNoContent)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxCollectBody+1))
	if err != nil {
		s.log.Debug("beacon body unreadable", "request_id", requestID, "error", err)
		return c.NoContent(http.StatusNoContent)
	}
	msg, parseErr := parseCollect(body)
	if msg.SiteKey == "" {
		s.log.Debug("beacon message rejected", "request_id", requestID, "reason", parseErr.Error())
		return c.NoContent(http.StatusNoContent)
	}

	// The message is read whole, so it is stored even when the browser
	// closes the connection now, as it does when a page unloads. The
	// beacon never retries.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), collectWriteTimeout)
	defer cancel()
	settings, err := s.store.CachedCollectSettings(ctx, msg.SiteKey)
	if errors.Is(err, db.ErrNotFound) {
		s.log.Debug("beacon message for unknown site key", "request_id", requestID, "site_key", msg.SiteKey)
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		s.log.Error("beacon message not recorded", "request_id", requestID, "error", err)
		return c.NoContent(http.StatusNoContent)
	}
	if origin := c.Request().Header.Get(echo.HeaderOrigin); !originAllowed(settings.AllowedOrigins, origin) {
		s.log.Debug("beacon message from an origin outside the allowed list", "request_id", requestID, "account_id", settings.AccountID, "origin", origin)
		s.beaconDrops.add(settings.AccountID, time.Now(), originDropReason(origin))
		return c.NoContent(http.StatusNoContent)
	}
	if parseErr != nil {
		s.log.Debug("beacon message rejected", "request_id", requestID, "account_id", settings.AccountID, "reason", parseErr.Error())
		s.beaconDrops.add(settings.AccountID, time.Now(), rejectedDropReason(parseErr))
		return c.NoContent(http.StatusNoContent)
	}

	if msg.Identity != nil {
		if reason := identifySignatureProblem(settings, msg.SignedEmail, msg.Signature, time.Now()); reason != "" {
			s.log.Debug("beacon identify rejected", "request_id", requestID, "account_id", settings.AccountID, "reason", reason)
			s.beaconDrops.add(settings.AccountID, time.Now(), reason)
			return c.NoContent(http.StatusNoContent)
		}
	}

	setVisitorCookie(c, msg.VisitorID, msg.PageURL)
	if msg.Identity != nil {
		s.identifyVisitor(ctx, requestID, settings.AccountID, msg.Identity)
	} else {
		s.recordBeaconEvent(ctx, requestID, settings.AccountID, msg.Event)
	}
	return c.NoContent(http.StatusNoContent)
}

// collectWriteTimeout bounds the database work for one beacon message,
// which goes on after its connection has closed.
const collectWriteTimeout = 30 * time.Second

func (s *Server) recordBeaconEvent(ctx context.Context, requestID string, accountID int64, trigger *db.Trigger) {
	trigger.AccountID = accountID
	trigger.OccurredAt = time.Now()
	occurrence, err := s.store.RecordEvent(ctx, *trigger)
	if errors.Is(err, db.ErrNotFound) {
		s.log.Debug("beacon event for unknown slug", "request_id", requestID, "account_id", accountID, "slug", trigger.Slug)
		s.beaconDrops.add(accountID, time.Now(), unknownSlugDropReason(trigger.Slug))
		return
	}
	if _, ok := errors.AsType[*apitype.ValidationError](err); ok {
		s.log.Debug("beacon event rejected", "request_id", requestID, "account_id", accountID, "slug", trigger.Slug, "reason", err.Error())
		s.beaconDrops.add(accountID, time.Now(), rejectedDropReason(err))
		return
	}
	if err != nil {
		s.log.Error("beacon event not recorded", "request_id", requestID, "error", err, "account_id", accountID, "slug", trigger.Slug)
		return
	}
	s.log.Debug("beacon event recorded", "request_id", requestID, "account_id", accountID, "occurrence_id", occurrence.ID, "contact_id", occurrence.ContactID)
}

func (s *Server) identifyVisitor(ctx context.Context, requestID string, accountID int64, identity *db.Identity) {
	identity.AccountID = accountID
	contactID, err := s.store.Identify(ctx, s.log, *identity)
	if err != nil {
		s.log.Error("beacon identify failed", "request_id", requestID, "error", err, "account_id", accountID)
		return
	}
	s.log.Debug("beacon visitor identified", "request_id", requestID, "account_id", accountID, "contact_id", contactID)
}

// originAllowed reports whether a request with the Origin header origin may
// send events under the allowed list. An empty list allows every request.
// A request without an Origin header has no origin in the list.
func originAllowed(allowed []string, origin string) bool {
	if len(allowed) == 0 {
		return true
	}
	if slices.Contains(allowed, strings.ToLower(origin)) {
		return true
	}
	// Browsers send an origin in the form that the list stores. A request
	// written by hand may add a default port or a trailing slash, which
	// the drop reason would show removed, as if the origin were allowed.
	normalized, verr := db.NormalizeOrigins([]string{origin})
	return verr == nil && len(normalized) == 1 && slices.Contains(allowed, normalized[0])
}

// optionsCollect handles a CORS preflight. The beacon sends text/plain,
// which needs none, but clients that add headers still get through.
func (s *Server) optionsCollect(c echo.Context) error {
	setCollectCORS(c)
	c.Response().Header().Set("Access-Control-Allow-Methods", "POST")
	c.Response().Header().Set("Access-Control-Allow-Headers", "Content-Type")
	c.Response().Header().Set("Access-Control-Max-Age", "86400")
	return c.NoContent(http.StatusNoContent)
}

// setCollectCORS allows any website to post events. The site key in the
// body, not the Origin header, names the account. postCollect compares
// Origin only with the account's allowed origins.
func setCollectCORS(c echo.Context) {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
}

// getBeaconScript serves the tracking script with a short cache, so a fix
// reaches every website within an hour. Clients get the brotli copy when
// they accept it, as browsers do over HTTPS, else the gzip copy when they
// accept that.
func (s *Server) getBeaconScript(c echo.Context) error {
	header := c.Response().Header()
	header.Set(echo.HeaderCacheControl, "public, max-age=3600")
	header.Set("Access-Control-Allow-Origin", "*")
	header.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	accept := c.Request().Header.Get(echo.HeaderAcceptEncoding)
	if acceptsEncoding(accept, "br") {
		header.Set(echo.HeaderContentEncoding, "br")
		return c.Blob(http.StatusOK, beaconContentType, beaconScriptBrotli)
	}
	if acceptsGzip(accept) {
		header.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, beaconContentType, beaconScriptGzip)
	}
	return c.Blob(http.StatusOK, beaconContentType, beaconScript)
}

// getBeacon returns the snippet for the account's consent mode, for the
// installation page.
func (s *Server) getBeacon(c echo.Context) error {
	account := currentSession(c).Account
	mode, err := s.store.ConsentMode(c.Request().Context(), account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitype.Beacon{
		SiteKey:     account.SiteKey,
		Snippet:     SnippetWithMode(s.cfg.PublicURL, account.SiteKey, mode),
		ConsentMode: mode,
	})
}

// Snippet returns the HTML that a website pastes into its pages for the
// "track" consent mode. It defines $__MA at once and queues calls until the
// script has loaded. Websites paste it once and keep it, so later versions
// may add to it but must keep $__MA.captureEvent and the q queue working.
// Snippets pasted before consent modes existed still work.
func Snippet(publicURL, siteKey string) string {
	return SnippetWithMode(publicURL, siteKey, db.ConsentTrack)
}

// SnippetWithMode returns the snippet for a consent mode: "track", "wait"
// or "gpc". The mode is the last argument, which /ma.js reads as $__MA.c
// and which site owners may edit. The stub queues captureEvent, identify,
// consent and optOut calls until the script has loaded. Past 1,000 queued
// calls, as on a page whose /ma.js a blocker keeps from loading, it drops
// captureEvent and identify calls, so that the queue cannot grow for as
// long as the page stays open. consent and optOut calls are always kept.
//
// NOTE: like any script added before the page has loaded, /ma.js holds back
// the window's load event until it arrives or fails, also when it is slow.
func SnippetWithMode(publicURL, siteKey, mode string) string {
	url, _ := json.Marshal(publicURL)
	key, _ := json.Marshal(siteKey)
	consent, _ := json.Marshal(mode)
	return `<script>
!function(w,d,u,k,c){if(w.$__MA)return;var m=w.$__MA={q:[],u:u,k:k,c:c};` +
		`["captureEvent","identify","consent","optOut"].forEach(function(n){m[n]=function(){(m.q.length<1000||n=="consent"||n=="optOut")&&m.q.push([n,[].slice.call(arguments)])}});` +
		`var s=d.createElement("script");s.async=1;s.src=u+"/ma.js";d.head.appendChild(s)}` +
		`(window,document,` + string(url) + `,` + string(key) + `,` + string(consent) + `);
</script>`
}
