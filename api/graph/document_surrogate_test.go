package graph

import (
	"net/http"
	"strings"
	"testing"
)

// TestDocumentLoneSurrogateRejected sends lone surrogate escapes inside
// GraphQL string literals, where the JSON text around the document holds
// only an escaped backslash. The GraphQL lexer would read k\ud800 and
// k\ud801 both as k U+FFFD, one idempotency key.
func TestDocumentLoneSurrogateRejected(t *testing.T) {
	api := newTestAPI(t)
	api.createEvent(t, "s")
	tests := []struct {
		field, value, escape string
	}{
		{"idempotencyKey", `k\ud800`, `\ud800`},
		{"idempotencyKey", `k\ud801`, `\ud801`},
		{"firstName", `Ann\udc00`, `\udc00`},
		{"idempotencyKey", `k\uD83D\n`, `\uD83D`},
	}
	for _, tt := range tests {
		document := `mutation { triggerCustomEvent(input: {slug: "s", email: "a@x.com", ` + tt.field + `: "` + tt.value + `"}) }`
		resp := api.query(t, document, nil)
		if resp.Status != http.StatusBadRequest {
			t.Errorf("%s %s: status = %d, want 400", tt.field, tt.value, resp.Status)
		}
		wantError(t, resp, "BAD_USER_INPUT", "", `query has the escape `+tt.escape+`, half of a UTF-16 surrogate pair, without its other half: send the character itself, or both halves such as \ud83d\ude00.`)
	}
	if n := api.count(t, "event_occurrences"); n != 0 {
		t.Errorf("occurrences = %d, want 0", n)
	}
}

func TestDocumentLoneSurrogateScan(t *testing.T) {
	tests := []struct {
		document string
		escape   string
	}{
		{`{ a(s: "x\ud800") }`, `\ud800`},
		{`{ a(s: "\ud83d\ude00", t: "\ude00") }`, `\ude00`},
		{`{ a(s: "\\ud800") }`, ""},
		{`{ a(s: """\ud800""") }`, ""},
		{`{ a(s: """ \""" \ud800 """, t: "ok") }`, ""},
		{"# \\ud800 in a comment\n{ a }", ""},
		{`{ a(s: "\ud83d\ude00") }`, ""},
		{`{ a(s: "unterminated \ud800`, `\ud800`},
	}
	for _, tt := range tests {
		escape, found := documentLoneSurrogate(tt.document)
		if escape != tt.escape || found != (tt.escape != "") {
			t.Errorf("documentLoneSurrogate(%q) = %q, %v, want %q", tt.document, escape, found, tt.escape)
		}
	}
}

// FuzzDocumentLoneSurrogate checks that the scan of any document ends and
// that an escape it reports is one written in the document.
func FuzzDocumentLoneSurrogate(f *testing.F) {
	for _, seed := range []string{`{ a(s: "x\ud800") }`, `{ a(s: """\ud800""") }`, "# \\ud800\n{ a }", `"\`, `"""`, `"\u`, `{ a(s: "\ud83d\ude00") }`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, document string) {
		escape, found := documentLoneSurrogate(document)
		if found && (len(escape) != 6 || !strings.Contains(document, escape)) {
			t.Fatalf("documentLoneSurrogate(%q) reported %q, which the document does not contain", document, escape)
		}
	})
}
