package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/static"
)

// Limits on what the beacon may send.
const (
	maxCollectBody = 16 << 10
	maxPageURL     = 2048
)

var visitorIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// collectRequest is the JSON body that the beacon posts as text/plain.
type collectRequest struct {
	SiteKey   string `json:"k"`
	VisitorID string `json:"v"`
	Slug      string `json:"e"`
	PageURL   string `json:"u"`
}

// parseCollect decodes and checks a beacon body. The page URL is cut to
// maxPageURL characters rather than losing the event.
func parseCollect(body []byte) (collectRequest, error) {
	var req collectRequest
	if len(body) > maxCollectBody {
		return req, fmt.Errorf("body of %d bytes is over the %d-byte limit", len(body), maxCollectBody)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("body is not a JSON object: %w", err)
	}
	if req.SiteKey == "" || len(req.SiteKey) > 64 {
		return req, errors.New("site key is missing or too long")
	}
	if !visitorIDPattern.MatchString(req.VisitorID) {
		return req, errors.New("visitor id is not 32 lowercase hex digits")
	}
	if verr := apitype.ValidateSlug(req.Slug); verr != nil {
		return req, verr
	}
	if !utf8.ValidString(req.PageURL) {
		return req, errors.New("page URL is not valid UTF-8")
	}
	if utf8.RuneCountInString(req.PageURL) > maxPageURL {
		req.PageURL = string([]rune(req.PageURL)[:maxPageURL])
	}
	return req, nil
}

// postCollect records one beacon event. Like a tracking pixel it always
// answers 204, so a website never sees our failures; they go to the log.
func (s *Server) postCollect(c echo.Context) error {
	setCollectCORS(c)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")

	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxCollectBody+1))
	if err != nil {
		s.log.Debug("beacon body unreadable", "error", err)
		return c.NoContent(http.StatusNoContent)
	}
	req, err := parseCollect(body)
	if err != nil {
		s.log.Debug("beacon event rejected", "reason", err.Error())
		return c.NoContent(http.StatusNoContent)
	}

	ctx := c.Request().Context()
	account, err := s.store.AccountBySiteKey(ctx, req.SiteKey)
	if errors.Is(err, db.ErrNotFound) {
		s.log.Debug("beacon event for unknown site key")
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		s.log.Error("beacon event not recorded", "error", err)
		return c.NoContent(http.StatusNoContent)
	}

	occurrence, err := s.store.RecordEvent(ctx, db.Trigger{
		AccountID:  account.ID,
		Slug:       req.Slug,
		VisitorID:  req.VisitorID,
		PageURL:    req.PageURL,
		Source:     db.SourceBeacon,
		OccurredAt: time.Now(),
	})
	if errors.Is(err, db.ErrNotFound) {
		s.log.Debug("beacon event for unknown slug", "account_id", account.ID, "slug", req.Slug)
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		s.log.Error("beacon event not recorded", "error", err, "account_id", account.ID, "slug", req.Slug)
		return c.NoContent(http.StatusNoContent)
	}
	s.log.Debug("beacon event recorded", "account_id", account.ID, "occurrence_id", occurrence.ID, "contact_id", occurrence.ContactID)
	return c.NoContent(http.StatusNoContent)
}

// optionsCollect answers a CORS preflight. The beacon sends text/plain,
// which needs none, but clients that add headers still get through.
func (s *Server) optionsCollect(c echo.Context) error {
	setCollectCORS(c)
	c.Response().Header().Set("Access-Control-Allow-Methods", "POST")
	c.Response().Header().Set("Access-Control-Allow-Headers", "Content-Type")
	c.Response().Header().Set("Access-Control-Max-Age", "86400")
	return c.NoContent(http.StatusNoContent)
}

// setCollectCORS allows any website to post events. The site key in the
// body, not the Origin header, names the account: Origin is not trusted.
func setCollectCORS(c echo.Context) {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
}

// getBeaconScript serves the tracking script with a short cache, so a fix
// reaches every website within an hour.
func (s *Server) getBeaconScript(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", static.Beacon)
}

// getBeacon returns the account's snippet for the installation page.
func (s *Server) getBeacon(c echo.Context) error {
	account := currentSession(c).Account
	return c.JSON(http.StatusOK, apitype.Beacon{
		SiteKey: account.SiteKey,
		Snippet: Snippet(s.cfg.PublicURL, account.SiteKey),
	})
}

// Snippet returns the HTML that a website pastes into its pages. It defines
// $__MA at once and queues calls until the script has loaded.
func Snippet(publicURL, siteKey string) string {
	url, _ := json.Marshal(publicURL)
	key, _ := json.Marshal(siteKey)
	return `<script>
!function(w,d,u,k){if(w.$__MA)return;var m=w.$__MA={q:[],u:u,k:k};` +
		`m.captureEvent=function(){m.q.push(["captureEvent",[].slice.call(arguments)])};` +
		`var s=d.createElement("script");s.async=1;s.src=u+"/ma.js";d.head.appendChild(s)}` +
		`(window,document,` + string(url) + `,` + string(key) + `);
</script>`
}
