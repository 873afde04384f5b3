package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"customevents/app/apitype"
)

// SMTPMailer sends the server's own emails, such as invites and password
// reset links, through the mail server that notification emails use.
type SMTPMailer struct {
	m mailer
}

// NewSMTPMailer returns a mailer for cfg, or nil when cfg names no server.
func NewSMTPMailer(cfg SMTPConfig) *SMTPMailer {
	if cfg.Addr == "" {
		return nil
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTPMailer{m: mailer{cfg: cfg}}
}

// SendMail delivers one plain-text email to one recipient.
func (s *SMTPMailer) SendMail(ctx context.Context, to, subject, body string) error {
	from, err := mail.ParseAddress(s.m.cfg.From)
	if err != nil {
		return fmt.Errorf("CE_SMTP_FROM %q is not a valid email address", s.m.cfg.From)
	}
	addr, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("recipient %q is not a valid email address", to)
	}
	rcpt, err := apitype.ASCIIEmail(addr.Address)
	if err != nil {
		return err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return errors.New("make a Message-ID: no random bytes")
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	messageID := fmt.Sprintf("<ce-%s@%s>", hex.EncodeToString(id[:]), domain)
	message, err := composeMessage(from, []string{rcpt}, subject, messageID, body, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.m.cfg.Timeout)
	defer cancel()
	return s.m.deliver(ctx, from.Address, []string{rcpt}, message)
}
