package actions

import (
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"customevents/db"
)

func TestInternalReason(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1":        "loopback",
		"::1":              "loopback",
		"::ffff:127.0.0.1": "loopback",
		"10.1.2.3":         "private",
		"172.16.0.1":       "private",
		"192.168.1.1":      "private",
		"fd00:ec2::254":    "private",
		"169.254.169.254":  "link-local",
		"fe80::1":          "link-local",
		"0.0.0.0":          "unspecified",
		"::":               "unspecified",
		"0.1.2.3":          "this-network",
		"100.100.100.200":  "shared (carrier-grade NAT)",
		"224.0.0.1":        "link-local",
		"239.1.2.3":        "multicast",
		"255.255.255.255":  "broadcast",
		"64:ff9b::a00:1":   "NAT64",
		"93.184.215.14":    "",
		"2606:4700::1111":  "",
	}
	for addr, want := range cases {
		if got := internalReason(netip.MustParseAddr(addr)); got != want {
			t.Errorf("internalReason(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("CE_ACTION_WORKERS", "6")
	t.Setenv("CE_WEBHOOK_ALLOW_PRIVATE", "1")
	t.Setenv("CE_SMTP_ADDR", "127.0.0.1:2525")
	t.Setenv("CE_SMTP_FROM", "events@example.com")
	t.Setenv("CE_SMTP_USERNAME", "")
	t.Setenv("CE_SMTP_PASSWORD", "")
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 6 || !cfg.WebhookAllowPrivate || cfg.SMTP.Addr != "127.0.0.1:2525" || cfg.SMTP.From != "events@example.com" {
		t.Errorf("config = %+v, want 6 workers, private webhooks allowed, SMTP 127.0.0.1:2525 from events@example.com", cfg)
	}

	bad := []struct {
		name, value, want string
	}{
		{"CE_ACTION_WORKERS", "0", `CE_ACTION_WORKERS "0" is invalid: use a number of workers from 1 to 256, such as 4`},
		{"CE_SMTP_FROM", "", "CE_SMTP_FROM is missing: set the sender address of notification emails, such as events@example.com, or unset CE_SMTP_ADDR"},
		{"CE_SMTP_USERNAME", "user", "CE_SMTP_USERNAME and CE_SMTP_PASSWORD must be set together"},
		{"CE_WEBHOOK_ALLOW_PRIVATE", "y", `CE_WEBHOOK_ALLOW_PRIVATE "y" is invalid: use 1 to turn it on or 0 to turn it off`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			if _, err := ConfigFromEnv(); err == nil || err.Error() != c.want {
				t.Errorf("error = %v, want %q", err, c.want)
			}
		})
	}
}

func TestBackoffGrowsAndStaysInRange(t *testing.T) {
	p := &Pool{cfg: Config{RetryBase: time.Second, RetryMax: time.Minute}}
	for attempt := 1; attempt <= 40; attempt++ {
		full := min(time.Second<<min(attempt-1, 20), time.Minute)
		for range 20 {
			d := p.backoff(attempt)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %s, want between %s and %s", attempt, d, full/2, full)
			}
		}
	}
}

// FuzzNotificationMessage builds emails from hostile contact and event
// text and checks that the headers stay exactly the ones the mailer
// writes.
func FuzzNotificationMessage(f *testing.F) {
	f.Add("New sign-up", "Ann", "Acme", "Signed Up", "https://example.com/p")
	f.Add("x\r\nBcc: evil@example.com", "A\r\n\r\nbody", "\x00", "E\nX-Injected: 1", "\r\n.\r\n")
	f.Fuzz(func(t *testing.T, subject, firstName, company, eventName, pageURL string) {
		email := "ann@example.com"
		claim := &db.ActionClaim{
			OccurrenceID: 7, Position: 2, ContactID: 3, OccurredAt: time.Unix(1_800_000_000, 0),
			PageURL: pageURL,
			Snapshot: db.ActionSnapshot{
				Event:   db.EventSnapshot{Slug: "signed-up", Name: eventName},
				Contact: db.ContactSnapshot{Email: &email, FirstName: firstName, Company: company},
			},
		}
		claim.Action.Subject = subject
		from := &mail.Address{Address: "events@ce.example.com"}
		message, err := notificationMessage(claim, from, []string{"sales@example.com"}, time.Unix(1_800_000_000, 0))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(message)))
		if err != nil {
			t.Fatalf("message does not parse: %v\n%q", err, message)
		}
		var keys []string
		for key := range msg.Header {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		want := []string{"Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
		if !slices.Equal(keys, want) {
			t.Fatalf("headers = %v, want %v", keys, want)
		}
		if got := msg.Header.Get("Message-Id"); got != "<ce-7-2@ce.example.com>" {
			t.Errorf("Message-ID = %q", got)
		}
	})
}
