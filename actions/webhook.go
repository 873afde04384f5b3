package actions

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"customevents/db"
)

// Headers of a webhook request. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
const (
	DeliveryIDHeader = "X-CE-Delivery-Id"
	TimestampHeader  = "X-CE-Timestamp"
	SignatureHeader  = "X-CE-Signature"
)

// WebhookPayload is the JSON body of a webhook request.
type WebhookPayload struct {
	// DeliveryID is the same in every attempt of one action of one
	// occurrence, so receivers can drop repeats.
	DeliveryID string         `json:"deliveryId"`
	Event      WebhookEvent   `json:"event"`
	Contact    WebhookContact `json:"contact"`
}

// WebhookEvent is the occurrence that ran the webhook.
type WebhookEvent struct {
	Slug       string         `json:"slug"`
	Name       string         `json:"name"`
	OccurredAt time.Time      `json:"occurredAt"`
	PageURL    string         `json:"pageUrl"`
	Metadata   map[string]any `json:"metadata"`
}

// WebhookContact is the contact as it was when the occurrence was
// recorded, with its current id.
type WebhookContact struct {
	ID int64 `json:"id"`
	// Email is null for an anonymous contact.
	Email          *string `json:"email"`
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	Company        string  `json:"company"`
	LeadScore      int64   `json:"leadScore"`
	LifecycleStage string  `json:"lifecycleStage"`
}

// DeliveryID returns the delivery id of the action at position of an
// occurrence.
func DeliveryID(occurrenceID int64, position int) string {
	return fmt.Sprintf("%d-%d", occurrenceID, position)
}

// Sign returns the signature header value for a body sent at timestamp,
// in Unix seconds.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// webhookPayload builds the body of a webhook attempt from the claim's
// stored snapshot and occurrence, with the contact id at claim time. Two
// attempts send the same body unless an anonymous contact merged into a
// known one in between, which changes the contact id.
func webhookPayload(c *db.ActionClaim) WebhookPayload {
	contact := c.Snapshot.Contact
	metadata := c.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	return WebhookPayload{
		DeliveryID: DeliveryID(c.OccurrenceID, c.Position),
		Event: WebhookEvent{
			Slug:       c.Snapshot.Event.Slug,
			Name:       c.Snapshot.Event.Name,
			OccurredAt: c.OccurredAt.UTC(),
			PageURL:    c.PageURL,
			Metadata:   metadata,
		},
		Contact: WebhookContact{
			ID:             c.ContactID,
			Email:          contact.Email,
			FirstName:      contact.FirstName,
			LastName:       contact.LastName,
			Company:        contact.Company,
			LeadScore:      contact.LeadScore,
			LifecycleStage: contact.LifecycleStage,
		},
	}
}

// webhookSender posts webhook requests.
type webhookSender struct {
	client *http.Client
}

// maxResponseRead is how much of a response body is read before the
// connection is reused or closed.
const maxResponseRead = 64 << 10

func newWebhookSender(timeout time.Duration, allowPrivate bool) *webhookSender {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = rejectInternal
	}
	transport := &http.Transport{
		// No proxy from the environment: the dialer must see the
		// target's own address to check it.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &webhookSender{client: &http.Client{
		Transport: transport,
		Timeout:   timeout,
		// A redirect counts as a failed delivery, so a target cannot send
		// the request on to another address.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// send posts the webhook of claim. A 2xx status is success; any other
// status or a network error fails the attempt. An invalid or rejected
// target fails it for good.
func (w *webhookSender) send(ctx context.Context, c *db.ActionClaim) error {
	target, err := url.Parse(c.Action.URL)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return &db.PermanentError{Message: "webhook URL is invalid: use an absolute http or https URL"}
	}
	body, err := json.Marshal(webhookPayload(c))
	if err != nil {
		return fmt.Errorf("encode webhook body: %w", err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return &db.PermanentError{Message: fmt.Sprintf("build webhook request: %v", err)}
	}
	timestamp := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "CustomEvents-Webhook/1")
	req.Header.Set(DeliveryIDHeader, DeliveryID(c.OccurrenceID, c.Position))
	req.Header.Set(TimestampHeader, strconv.FormatInt(timestamp, 10))
	if c.Action.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(c.Action.Secret, timestamp, body))
	}

	resp, err := w.client.Do(req)
	if err != nil {
		return webhookError(target.Host, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook to %s returned status %d", target.Host, resp.StatusCode)
	}
	return nil
}

// webhookError describes a failed request without its URL, whose path
// and query may hold a token.
func webhookError(host string, err error) error {
	var rejected *rejectedAddressError
	if errors.As(err, &rejected) {
		return &db.PermanentError{Message: fmt.Sprintf("webhook to %s rejected: %v. Set CE_WEBHOOK_ALLOW_PRIVATE=1 to allow internal targets", host, rejected)}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("webhook to %s timed out: %w", host, err)
	}
	return fmt.Errorf("webhook to %s failed: %w", host, err)
}

// rejectedAddressError is a dial to an address that webhooks may not reach.
type rejectedAddressError struct {
	addr   netip.Addr
	reason string
}

func (e *rejectedAddressError) Error() string {
	return fmt.Sprintf("%s is a %s address", e.addr, e.reason)
}

// rejectInternal is a net.Dialer Control function. It runs after name
// resolution, once per address that the dialer tries, so a host name
// that resolves to an internal address is rejected too.
func rejectInternal(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial address %q: %w", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("webhook dial address %q: %w", address, err)
	}
	if reason := internalReason(addr); reason != "" {
		return &rejectedAddressError{addr: addr, reason: reason}
	}
	return nil
}

// internalPrefixes are the ranges beyond netip's own tests that are not
// public Internet hosts.
var internalPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// internalReason returns why addr is internal, or "" for a public
// address. The cloud metadata services (169.254.169.254, fd00:ec2::254)
// are link-local and private addresses.
func internalReason(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "link-local"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	}
	if addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "broadcast"
	}
	for _, p := range internalPrefixes {
		if p.prefix.Contains(addr) {
			return p.reason
		}
	}
	return ""
}
