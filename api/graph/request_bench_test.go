package graph

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkReadQuery checks and decodes the body of a triggerCustomEvent
// request with its input as a variable, as a backend sends it.
func BenchmarkReadQuery(b *testing.B) {
	const body = `{"query":"mutation($i: TriggerCustomEventInput!) { triggerCustomEvent(input: $i) }",` +
		`"variables":{"i":{"slug":"watched-demo-video","email":"c1234@example.com","metadata":{"plan":"pro","seats":12}}}}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if _, ok := readQuery(httptest.NewRecorder(), r); !ok {
			b.Fatal("readQuery rejected the request")
		}
	}
}
