// Package actions runs the actions of recorded events. A pool of workers
// claims due action runs from the database and applies database actions
// through the store. It sends webhooks and notification emails, and it
// retries failures with exponential backoff until a run is dead. See
// docs/actions.md.
package actions

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"customevents/api/envvar"
	"customevents/db"
)

// Config sizes and configures a Pool. Zero fields take the defaults named
// in their comments.
type Config struct {
	// Workers is the number of goroutines that claim and run actions
	// (CE_ACTION_WORKERS). Default: 4.
	Workers int
	// ClaimBatch is the number of due runs a worker claims in one
	// transaction, at most db.MaxClaimBatch. It applies their database
	// actions in that transaction and then sends their webhooks and
	// emails at once. Default: 8.
	ClaimBatch int
	// MaxAttempts is the number of attempts after which a failing run is
	// dead. Default: 10.
	MaxAttempts int
	// RetryBase is the wait after the first failed attempt. Each later
	// failure doubles it, up to RetryMax, and a random part of up to half
	// of it is taken off. Defaults: 10s and 1h.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Lease is how long a worker keeps a claimed webhook or email run.
	// After that, another worker may claim the run again. It must exceed
	// WebhookTimeout and SMTPTimeout. Default: 1m.
	Lease time.Duration
	// PollInterval is how long an idle worker waits before it looks for
	// due runs again, unless the store wakes it first. Default: 500ms.
	PollInterval time.Duration
	// ShutdownGrace is how long Stop lets running actions finish before
	// it cancels them and releases their runs. Default: 10s.
	ShutdownGrace time.Duration

	// WebhookTimeout limits one webhook request. Default: 10s.
	WebhookTimeout time.Duration
	// WebhookAllowPrivate lets webhooks reach loopback, private,
	// link-local and other internal addresses
	// (CE_WEBHOOK_ALLOW_PRIVATE=1). Default: off.
	WebhookAllowPrivate bool

	// SMTP configures notification emails.
	SMTP SMTPConfig
}

// SMTPConfig is the mail server that notification emails go through.
type SMTPConfig struct {
	// Addr is host:port (CE_SMTP_ADDR). Empty turns emails off: their runs
	// fail until it is set.
	Addr string
	// From is the sender address (CE_SMTP_FROM).
	From string
	// Username and Password, when set, sign in with PLAIN authentication
	// (CE_SMTP_USERNAME, CE_SMTP_PASSWORD). net/smtp sends them only over
	// TLS or to localhost.
	Username string
	Password string
	// Timeout limits one delivery. Default: 30s.
	Timeout time.Duration
}

// ConfigFromEnv reads the settings that the environment can change and
// checks them.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		SMTP: SMTPConfig{
			Addr:     os.Getenv("CE_SMTP_ADDR"),
			From:     os.Getenv("CE_SMTP_FROM"),
			Username: os.Getenv("CE_SMTP_USERNAME"),
			Password: os.Getenv("CE_SMTP_PASSWORD"),
		},
	}
	allowPrivate, err := envvar.Switch("CE_WEBHOOK_ALLOW_PRIVATE")
	if err != nil {
		return cfg, err
	}
	cfg.WebhookAllowPrivate = allowPrivate
	if raw := os.Getenv("CE_ACTION_WORKERS"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 256 {
			return cfg, fmt.Errorf("CE_ACTION_WORKERS %q is invalid: use a number of workers from 1 to 256, such as 4", raw)
		}
		cfg.Workers = n
	}
	if cfg.SMTP.Addr != "" && cfg.SMTP.From == "" {
		return cfg, fmt.Errorf("CE_SMTP_FROM is missing: set the sender address of notification emails, such as events@example.com, or unset CE_SMTP_ADDR")
	}
	if (cfg.SMTP.Username == "") != (cfg.SMTP.Password == "") {
		return cfg, fmt.Errorf("CE_SMTP_USERNAME and CE_SMTP_PASSWORD must be set together")
	}
	return cfg, nil
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	setDefault(&cfg.Workers, 4)
	setDefault(&cfg.ClaimBatch, 8)
	cfg.ClaimBatch = min(cfg.ClaimBatch, db.MaxClaimBatch)
	setDefault(&cfg.MaxAttempts, 10)
	setDefault(&cfg.RetryBase, 10*time.Second)
	setDefault(&cfg.RetryMax, time.Hour)
	setDefault(&cfg.Lease, time.Minute)
	setDefault(&cfg.PollInterval, 500*time.Millisecond)
	setDefault(&cfg.ShutdownGrace, 10*time.Second)
	setDefault(&cfg.WebhookTimeout, 10*time.Second)
	setDefault(&cfg.SMTP.Timeout, 30*time.Second)
	return cfg
}

func setDefault[T int | time.Duration](v *T, fallback T) {
	if *v <= 0 {
		*v = fallback
	}
}
