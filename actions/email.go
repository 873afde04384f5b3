package actions

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"customevents/app/apitype"
	"customevents/db"
)

// mailer sends notification emails through the configured SMTP server.
type mailer struct {
	cfg SMTPConfig
}

// send delivers the notification email of claim to its recipients. The
// Message-ID is the same in every attempt, so mail systems can drop a
// repeat.
func (m *mailer) send(ctx context.Context, c *db.ActionClaim) error {
	if m.cfg.Addr == "" {
		return errors.New("notification email is not configured: set CE_SMTP_ADDR and CE_SMTP_FROM and restart the server")
	}
	if len(c.Action.To) == 0 {
		return &db.PermanentError{Message: "notification email has no recipients: add at least one address to the action"}
	}
	var to []string
	for _, raw := range c.Action.To {
		addr, err := mail.ParseAddress(raw)
		if err != nil {
			return &db.PermanentError{Message: fmt.Sprintf("recipient %q is not a valid email address", raw)}
		}
		rcpt, err := apitype.ASCIIEmail(addr.Address)
		if err != nil {
			return &db.PermanentError{Message: err.Error()}
		}
		to = append(to, rcpt)
	}
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return &db.PermanentError{Message: fmt.Sprintf("CE_SMTP_FROM %q is not a valid email address", m.cfg.From)}
	}
	message, err := notificationMessage(c, from, to, time.Now())
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	return m.deliver(ctx, from.Address, to, message)
}

// deliver runs one SMTP session. The connection's deadline follows ctx,
// because net/smtp takes no context.
func (m *mailer) deliver(ctx context.Context, from string, to []string, message []byte) error {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", m.cfg.Addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	host, _, err := net.SplitHostPort(m.cfg.Addr)
	if err != nil {
		return &db.PermanentError{Message: fmt.Sprintf("CE_SMTP_ADDR %q is invalid: use host:port", m.cfg.Addr)}
	}
	client, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("start SMTP session with %s: %w", m.cfg.Addr, err)
	}
	defer client.Close()
	if ok, _ := client.Extension("STARTTLS"); ok {
		if err := client.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("start TLS with SMTP server %s: %w", m.cfg.Addr, err)
		}
	}
	if m.cfg.Username != "" {
		if err := client.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("sign in to SMTP server %s as %s: %w", m.cfg.Addr, m.cfg.Username, err)
		}
	}
	if err := client.Mail(from); err != nil {
		return fmt.Errorf("SMTP MAIL FROM rejected by %s: %w", m.cfg.Addr, err)
	}
	for _, rcpt := range to {
		if err := client.Rcpt(rcpt); err != nil {
			return fmt.Errorf("SMTP RCPT TO %s rejected by %s: %w", rcpt, m.cfg.Addr, err)
		}
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA rejected by %s: %w", m.cfg.Addr, err)
	}
	if _, err := w.Write(message); err != nil {
		return fmt.Errorf("send message to SMTP server %s: %w", m.cfg.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP server %s did not accept the message: %w", m.cfg.Addr, err)
	}
	if err := client.Quit(); err != nil {
		return fmt.Errorf("end SMTP session with %s: %w", m.cfg.Addr, err)
	}
	return nil
}

// notificationMessage builds the email: plain text, quoted-printable,
// with a Message-ID made from the delivery id and the sender's domain.
// Contact data comes from websites, so it goes into the body only, never
// into a header.
func notificationMessage(c *db.ActionClaim, from *mail.Address, to []string, now time.Time) ([]byte, error) {
	event := c.Snapshot.Event
	subject := oneLine(c.Action.Subject)
	if subject == "" {
		subject = "Custom event: " + oneLine(event.Name)
	}
	domain := "localhost"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}

	messageID := fmt.Sprintf("<ce-%s@%s>", DeliveryID(c.OccurrenceID, c.Position), domain)
	return composeMessage(from, to, subject, messageID, notificationText(c), now)
}

// composeMessage builds a plain-text, quoted-printable email.
func composeMessage(from *mail.Address, to []string, subject, messageID, text string, now time.Time) ([]byte, error) {
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\n", from.String())
	fmt.Fprintf(&msg, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&msg, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", oneLine(subject)))
	fmt.Fprintf(&msg, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&msg, "Message-ID: %s\r\n", messageID)
	msg.WriteString("MIME-Version: 1.0\r\n")
	msg.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	msg.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")

	qp := quotedprintable.NewWriter(&msg)
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("encode email: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode email: %w", err)
	}
	return msg.Bytes(), nil
}

// notificationText is the body of a notification email.
func notificationText(c *db.ActionClaim) string {
	contact := c.Snapshot.Contact
	email := "anonymous"
	if contact.Email != nil {
		email = *contact.Email
	}
	name := strings.TrimSpace(contact.FirstName + " " + contact.LastName)
	if name == "" {
		name = "(no name)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) was triggered.\r\n\r\n", oneLine(c.Snapshot.Event.Name), c.Snapshot.Event.Slug)
	fmt.Fprintf(&b, "Occurred at: %s\r\n", c.OccurredAt.UTC().Format(time.RFC3339))
	if c.PageURL != "" {
		fmt.Fprintf(&b, "Page: %s\r\n", oneLine(c.PageURL))
	}
	fmt.Fprintf(&b, "Contact: %s, %s (id %d)\r\n", oneLine(name), email, c.ContactID)
	if contact.Company != "" {
		fmt.Fprintf(&b, "Company: %s\r\n", oneLine(contact.Company))
	}
	fmt.Fprintf(&b, "Lead score: %d\r\n", contact.LeadScore)
	fmt.Fprintf(&b, "Lifecycle stage: %s\r\n", contact.LifecycleStage)
	return b.String()
}

// oneLine replaces line breaks and other control characters with spaces.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}
