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
