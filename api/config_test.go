package api

import (
	"strings"
	"testing"
)

func TestConfigFromEnvIngestSettings(t *testing.T) {
	tests := []struct {
		workers, maxBatch         string
		wantWorkers, wantMaxBatch int
		wantErr                   string
	}{
		{"", "", 0, 0, ""},
		{"2", "32", 2, 32, ""},
		{"64", "64", 64, 64, ""},
		{"0", "", 0, 0, `CE_INGEST_WORKERS "0" is invalid: use a whole number from 1 to 64`},
		{"", "65", 0, 0, `CE_INGEST_MAX_BATCH "65" is invalid: use a whole number from 1 to 64`},
		{"four", "", 0, 0, `CE_INGEST_WORKERS "four" is invalid`},
	}
	for _, tt := range tests {
		t.Run(tt.workers+"/"+tt.maxBatch, func(t *testing.T) {
			t.Setenv("DATABASE_URL", "postgres://localhost/ce")
			t.Setenv("CE_INGEST_WORKERS", tt.workers)
			t.Setenv("CE_INGEST_MAX_BATCH", tt.maxBatch)
			cfg, err := ConfigFromEnv()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.IngestWorkers != tt.wantWorkers || cfg.IngestMaxBatch != tt.wantMaxBatch {
				t.Errorf("workers, max batch = %d, %d, want %d, %d", cfg.IngestWorkers, cfg.IngestMaxBatch, tt.wantWorkers, tt.wantMaxBatch)
			}
		})
	}
}

func TestConfigFromEnvSwitches(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://localhost/ce")
	t.Setenv("CE_SEED_DEMO", "yes")
	t.Setenv("CE_LOG_DEBUG", "true")
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.SeedDemo {
		t.Error("CE_SEED_DEMO=yes left SeedDemo off")
	}
	if !cfg.LogDebug {
		t.Error("CE_LOG_DEBUG=true left LogDebug off")
	}

	t.Setenv("CE_LOG_DEBUG", "verbose")
	_, err = ConfigFromEnv()
	want := `CE_LOG_DEBUG "verbose" is invalid: use 1 to turn it on or 0 to turn it off`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestConfigFromEnvPublicURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://localhost/ce")
	for _, tt := range []struct {
		raw, want, wantErr string
	}{
		{raw: "https://events.example.com/", want: "https://events.example.com"},
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "https://example.com/events/", wantErr: `CE_PUBLIC_URL "https://example.com/events" has more than a scheme, host and port: the server is reached at the root of its host, so use a URL such as https://events.example.com`},
		{raw: "https://events.example.com/?a=1", wantErr: `CE_PUBLIC_URL "https://events.example.com/?a=1" has more than a scheme, host and port`},
		{raw: "events.example.com", wantErr: `CE_PUBLIC_URL "events.example.com" is invalid: use an absolute http or https URL`},
	} {
		t.Setenv("CE_PUBLIC_URL", tt.raw)
		cfg, err := ConfigFromEnv()
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("CE_PUBLIC_URL=%s: err = %v, want %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("CE_PUBLIC_URL=%s: err = %v, want nil", tt.raw, err)
		}
		if cfg.PublicURL != tt.want {
			t.Errorf("CE_PUBLIC_URL=%s: public URL = %q, want %q", tt.raw, cfg.PublicURL, tt.want)
		}
	}
}
