package graph

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRequestErrorsCarryCode(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		message     string
	}{
		{
			name:        "text body",
			contentType: "text/plain",
			body:        `{"query":"{ customEvents { slug } }"}`,
			status:      http.StatusUnsupportedMediaType,
			message:     `Content-Type "text/plain" is not supported: send the request as application/json, such as {"query": "{ customEvents { slug } }"}.`,
		},
		{
			name:        "truncated JSON",
			contentType: "application/json",
			body:        `{"query":"secret-looking text`,
			status:      http.StatusBadRequest,
			message:     `Request body is not valid JSON: send an object such as {"query": "{ customEvents { slug } }"}.`,
		},
		{
			name:        "body over 1 MiB",
			contentType: "application/json; charset=utf-8",
			body:        `{"query":"` + strings.Repeat("a", 1<<20) + `"}`,
			status:      http.StatusRequestEntityTooLarge,
			message:     "Request body is larger than 1048576 bytes: send fewer inputs per call.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, api.URL, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set("Authorization", "Bearer "+api.APIKey)
			resp := api.do(t, req)
			if resp.Status != tt.status {
				t.Errorf("status = %d, want %d", resp.Status, tt.status)
			}
			wantError(t, resp, "BAD_USER_INPUT", "", tt.message)
		})
	}
}

func TestGetMutationRejectedWithCode(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "signed-up")
	query := url.Values{"query": {`mutation { triggerCustomEvent(input: {slug: "signed-up", email: "a@example.com"}) }`}}
	req, err := http.NewRequest(http.MethodGet, api.URL+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.APIKey)
	resp := api.do(t, req)
	if resp.Status != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", resp.Status)
	}
	wantError(t, resp, "BAD_USER_INPUT", "", "Mutations cannot be sent with GET: send them with POST and a JSON body.")
	if got := api.count(t, "event_occurrences"); got != 0 {
		t.Errorf("occurrences = %d, want 0", got)
	}
}
