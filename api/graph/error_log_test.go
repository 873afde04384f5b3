package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// errorLogRecords returns the log records of api at error level.
func errorLogRecords(t *testing.T, api *testAPI) []map[string]any {
	t.Helper()
	var records []map[string]any
	for line := range strings.Lines(api.Logs.String()) {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if record["level"] == "ERROR" {
			records = append(records, record)
		}
	}
	return records
}

// TestBatchFailuresLogOneLine breaks the table that triggers write to, so
// that every input of a batch fails inside the server, and checks that the
// call logs one line with the count and the request id, not one per input.
func TestBatchFailuresLogOneLine(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	// The server's request id middleware sets the header before the
	// handler runs, as this wrapper does.
	handler := NewHandler(api.Store, slog.New(slog.NewJSONHandler(api.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Options{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1234")
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	api.URL = server.URL

	if _, err := api.Store.DB().ExecContext(context.Background(), "ALTER TABLE event_occurrences RENAME TO event_occurrences_gone"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		api.Store.DB().ExecContext(context.Background(), "ALTER TABLE event_occurrences_gone RENAME TO event_occurrences")
	})
	var inputs []map[string]any
	for range 50 {
		inputs = append(inputs, map[string]any{"slug": "s", "email": "ann@example.com"})
	}
	resp := api.query(t, `mutation($inputs: [TriggerCustomEventInput!]!) { triggerCustomEvents(inputs: $inputs) { accepted error { code } } }`,
		map[string]any{"inputs": inputs})
	if strings.Count(string(resp.Data), `"INTERNAL_SERVER_ERROR"`) != 50 {
		t.Errorf("data = %s, want 50 internal errors", resp.Data)
	}

	records := errorLogRecords(t, api)
	var batchLines []map[string]any
	for _, record := range records {
		if record["msg"] == "batch triggers failed" {
			batchLines = append(batchLines, record)
		}
	}
	if len(batchLines) != 1 {
		t.Fatalf("batch failure lines = %d, want 1; error records: %v", len(batchLines), records)
	}
	if batchLines[0]["failed"] != 50.0 || batchLines[0]["request_id"] != "req-1234" || batchLines[0]["account_id"] != float64(api.Account.ID) {
		t.Errorf("batch failure line = %v, want failed 50, request_id req-1234 and the account id", batchLines[0])
	}
}
