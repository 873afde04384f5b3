package api

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"customevents/api/envvar"
)

// Config is the server's configuration, read from the environment.
type Config struct {
	// Addr is the listen address (CE_ADDR). Default: localhost:8080.
	Addr string
	// PublicURL is the address browsers and integrations reach the server
	// at, used in the beacon snippet and the GraphQL examples
	// (CE_PUBLIC_URL). Default: http:// plus Addr.
	PublicURL string
	// PublicURLSet is true when CE_PUBLIC_URL set PublicURL. Without it,
	// the GraphQL examples use the host that the admin's request reached.
	PublicURLSet bool
	// DatabaseURL is the PostgreSQL connection URL (DATABASE_URL).
	DatabaseURL string
	// LogFormat is "json" or "text" (CE_LOG_FORMAT). Default: json.
	LogFormat string
	// LogDebug turns on debug-level logs (CE_LOG_DEBUG).
	LogDebug bool
	// AdminEmail, AdminPassword and APIKey seed the first account
	// (CE_ADMIN_EMAIL, CE_ADMIN_PASSWORD, CE_API_KEY). Empty values are
	// generated on first start and printed once.
	AdminEmail    string
	AdminPassword string
	APIKey        string
	// SeedDemo adds demo events and contacts on first start (CE_SEED_DEMO).
	SeedDemo bool
	// APIRateLimit is the average number of GraphQL requests per second
	// that one account may send, with bursts of twice as many
	// (CE_API_RATE_LIMIT). Zero turns the limit off. Default: 100.
	APIRateLimit float64
	// IngestWorkers is the number of event batches written at once
	// (CE_INGEST_WORKERS), and IngestMaxBatch the maximum number of events
	// in one batch (CE_INGEST_MAX_BATCH), each from 1 to 64. Zero keeps
	// db.IngestConfig's defaults.
	IngestWorkers  int
	IngestMaxBatch int
	// Version names the build; it versions the admin app's cached files.
	Version string
	// Mailer sends invite and password reset emails. When it is nil, the
	// server sends no email: invite links are shown to the inviter only,
	// and admins make password reset links for members.
	Mailer Mailer
}

// ConfigFromEnv reads the configuration and checks it.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Addr:          envOr("CE_ADDR", "localhost:8080"),
		PublicURL:     os.Getenv("CE_PUBLIC_URL"),
		PublicURLSet:  os.Getenv("CE_PUBLIC_URL") != "",
		DatabaseURL:   os.Getenv("DATABASE_URL"),
		LogFormat:     envOr("CE_LOG_FORMAT", "json"),
		AdminEmail:    os.Getenv("CE_ADMIN_EMAIL"),
		AdminPassword: os.Getenv("CE_ADMIN_PASSWORD"),
		APIKey:        os.Getenv("CE_API_KEY"),
		APIRateLimit:  100,
	}
	if raw := os.Getenv("CE_API_RATE_LIMIT"); raw != "" {
		limit, err := strconv.ParseFloat(raw, 64)
		if err != nil || limit < 0 || math.IsInf(limit, 0) || math.IsNaN(limit) {
			return cfg, fmt.Errorf("CE_API_RATE_LIMIT %q is invalid: use a number of requests per second, such as 100, or 0 for no limit", raw)
		}
		cfg.APIRateLimit = limit
	}
	for _, v := range []struct {
		name string
		dest *int
		max  int
	}{{"CE_INGEST_WORKERS", &cfg.IngestWorkers, 64}, {"CE_INGEST_MAX_BATCH", &cfg.IngestMaxBatch, 64}} {
		raw := os.Getenv(v.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > v.max {
			return cfg, fmt.Errorf("%s %q is invalid: use a whole number from 1 to %d, or leave it unset for the default", v.name, raw, v.max)
		}
		*v.dest = n
	}
	for _, v := range []struct {
		name string
		dest *bool
	}{{"CE_SEED_DEMO", &cfg.SeedDemo}, {"CE_LOG_DEBUG", &cfg.LogDebug}} {
		on, err := envvar.Switch(v.name)
		if err != nil {
			return cfg, err
		}
		*v.dest = on
	}
	if cfg.DatabaseURL == "" {
		return cfg, fmt.Errorf("DATABASE_URL is missing: set it to a PostgreSQL URL, or start with `make run`, which starts a local PostgreSQL")
	}
	if cfg.LogFormat != "json" && cfg.LogFormat != "text" {
		return cfg, fmt.Errorf("CE_LOG_FORMAT %q is invalid: use json or text", cfg.LogFormat)
	}
	if cfg.APIKey != "" && len(cfg.APIKey) < 20 {
		return cfg, fmt.Errorf("CE_API_KEY is too short: use at least 20 random characters")
	}
	if cfg.AdminPassword != "" && len(cfg.AdminPassword) < 8 {
		return cfg, fmt.Errorf("CE_ADMIN_PASSWORD is too short: use at least 8 characters")
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = defaultPublicURL(cfg.Addr)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("CE_PUBLIC_URL %q is invalid: use an absolute http or https URL such as https://events.example.com", cfg.PublicURL)
	} else if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		// The server serves the admin app, the beacon and GraphQL at the
		// root of its host, so a path would break the snippet's address.
		return cfg, fmt.Errorf("CE_PUBLIC_URL %q has more than a scheme, host and port: the server is reached at the root of its host, so use a URL such as https://events.example.com", cfg.PublicURL)
	}
	return cfg, nil
}

func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
