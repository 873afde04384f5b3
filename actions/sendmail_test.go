package actions_test

import (
	"context"
	"strings"
	"testing"

	"customevents/actions"
)

func TestSMTPMailerSendsMail(t *testing.T) {
	if actions.NewSMTPMailer(actions.SMTPConfig{}) != nil {
		t.Error("NewSMTPMailer without an address should return nil, so the server sends no email")
	}
	sink := newSMTPSink(t)
	m := actions.NewSMTPMailer(actions.SMTPConfig{Addr: sink.addr(), From: "Custom Events <events@example.com>"})
	if err := m.SendMail(context.Background(), "Ana@Example.com", "You are invited to Acme", "Open this link:\r\nhttps://ce.example.com/invite#t"); err != nil {
		t.Fatal(err)
	}
	msg := <-sink.messages
	// The domain goes out in lowercase, and the local part as typed.
	if msg.From != "events@example.com" || len(msg.To) != 1 || msg.To[0] != "Ana@example.com" {
		t.Errorf("envelope = %q to %q, want events@example.com to Ana@example.com", msg.From, msg.To)
	}
	for _, want := range []string{"Subject: You are invited to Acme\r\n", "To: Ana@example.com\r\n", "https://ce.example.com/invite#t"} {
		if !strings.Contains(msg.Data, want) {
			t.Errorf("message lacks %q:\n%s", want, msg.Data)
		}
	}
	// An internationalized domain goes out in ASCII, in the envelope and in
	// the To header.
	for _, to := range []string{"ann@b\u00fccher.example", "ann@BU\u0308CHER.example"} {
		if err := m.SendMail(context.Background(), to, "Hello", "Hi"); err != nil {
			t.Fatal(err)
		}
		msg = <-sink.messages
		if len(msg.To) != 1 || msg.To[0] != "ann@xn--bcher-kva.example" {
			t.Errorf("%+q: RCPT TO = %q, want ann@xn--bcher-kva.example", to, msg.To)
		}
	}
	if !strings.Contains(msg.Data, "To: ann@xn--bcher-kva.example\r\n") {
		t.Errorf("message lacks the ASCII To header:\n%s", msg.Data)
	}
	if err := m.SendMail(context.Background(), "not an address", "s", "b"); err == nil || !strings.Contains(err.Error(), "not a valid email address") {
		t.Errorf("bad recipient: err = %v, want a message naming the address", err)
	}
}
