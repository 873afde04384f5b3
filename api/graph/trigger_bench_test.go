package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// BenchmarkTriggerRequest sends triggerCustomEvent requests to the
// handler from 8 goroutines per CPU, each request with the next of 10,000
// emails, through a running ingester. It reports the CPU time of this
// process per request, which is the server's share: PostgreSQL runs in
// processes of its own. "inline" writes the values in the document, as
// the README's example does, so each document is new to the query cache
// of 1,000 documents. "variables" sends one document and the values as
// variables.
func BenchmarkTriggerRequest(b *testing.B) {
	bodies := []struct{ name, format string }{
		{"inline", `{"query": "mutation { triggerCustomEvent(input: {slug: \"bench\", email: \"c%d@example.com\"}) }"}`},
		{"variables", `{"query": "mutation($slug: String!, $email: String!) { triggerCustomEvent(input: {slug: $slug, email: $email}) }", "variables": {"slug": "bench", "email": "c%d@example.com"}}`},
	}
	for _, body := range bodies {
		b.Run(body.name, func(b *testing.B) {
			f := dbtest.NewFixture(b)
			if _, err := f.Store.CreateCustomEvent(context.Background(), f.Account.ID, apitype.CustomEventInput{Name: "Bench", Slug: "bench"}); err != nil {
				b.Fatal(err)
			}
			log := slog.New(slog.DiscardHandler)
			stop := f.Store.StartIngester(log, db.IngestConfig{Workers: 1})
			defer stop()
			handler := NewHandler(f.Store, log, Options{})
			var next atomic.Int64
			b.SetParallelism(8)
			before := processCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(fmt.Sprintf(body.format, next.Add(1)%10000)))
					r.Header.Set("Content-Type", "application/json")
					r.Header.Set("Authorization", "Bearer "+f.APIKey)
					w := httptest.NewRecorder()
					handler.ServeHTTP(w, r)
					if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
						b.Errorf("status %d: %s", w.Code, w.Body.String())
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((processCPU(b)-before).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU(b *testing.B) time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		b.Fatal(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
