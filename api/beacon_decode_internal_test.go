package api

import "testing"

func TestDecodeProblem(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"k":"site_x","i":{"firstName":5}}`, "i.firstName is a JSON number, not a string"},
		{`{"k":"site_x","e":true}`, "e is a JSON boolean, not a string"},
		{`{"k":"site_x","i":"ann@example.com"}`, "i is a JSON string, not an object"},
		{`["k"]`, "body is not a JSON object"},
		{`{"k":`, "body is not valid JSON: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		_, err := parseCollect([]byte(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseCollect(%s) = %v, want %q", tt.body, err, tt.want)
		}
	}
}
