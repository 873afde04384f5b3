package api_test

import (
	"encoding/json"
	"testing"
)

// TestCollectClassifiesSearchClickID sends events whose page URL carries
// a search ad click id and checks the stored channel.
func TestCollectClassifiesSearchClickID(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	const emailTouch = "?utm_source=newsletter&utm_medium=email"
	tests := []struct {
		name       string
		pageURL    string
		referrer   string
		firstTouch string
		want       string
	}{
		{"gclid without referrer", "https://www.example.com/?gclid=Cj0KCQ", "", "", "PAID_SEARCH"},
		{"msclkid from bing", "https://www.example.com/?msclkid=7d1f", "https://www.bing.com/", "", "PAID_SEARCH"},
		{"gclid from google over UTM", "https://www.example.com/?gclid=Cj0KCQ", "https://www.google.com/", emailTouch, "PAID_SEARCH"},
		{"gclid with UTM without referrer", "https://www.example.com/?gclid=Cj0KCQ", "", emailTouch, "EMAIL"},
		{"no click id from google", "https://www.example.com/", "https://www.google.com/", "", "ORGANIC_SEARCH"},
	}
	for _, tt := range tests {
		body, err := json.Marshal(map[string]string{
			"k": ts.Account.SiteKey, "v": collectVisitorID, "e": "viewed",
			"u": tt.pageURL, "r": tt.referrer, "a": tt.firstTouch,
		})
		if err != nil {
			t.Fatal(err)
		}
		postCollect(t, ts, string(body), nil)
	}

	rows := storedOccurrences(t, ts)
	if len(rows) != len(tests) {
		t.Fatalf("occurrences = %d, want %d", len(rows), len(tests))
	}
	for i, tt := range tests {
		if rows[i].Channel != tt.want {
			t.Errorf("%s: channel = %s, want %s", tt.name, rows[i].Channel, tt.want)
		}
	}
}
