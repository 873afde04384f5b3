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

// TestCollectKeepsAndroidAppReferrer sends events whose referrer or
// first-touch referrer is an android-app URL and checks the stored
// referrer and channel. A page URL keeps only http and https.
func TestCollectKeepsAndroidAppReferrer(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	const page = "https://www.example.com/pricing"
	tests := []struct {
		name         string
		fields       map[string]string
		wantPage     string
		wantReferrer string
		wantChannel  string
	}{
		{
			name:         "gmail app referrer",
			fields:       map[string]string{"u": page, "r": "android-app://com.google.android.gm/"},
			wantPage:     page,
			wantReferrer: "android-app://com.google.android.gm/",
			wantChannel:  "EMAIL",
		},
		{
			name:         "google app first touch",
			fields:       map[string]string{"u": page, "r": "https://www.example.com/", "f": "android-app://com.google.android.googlequicksearchbox"},
			wantPage:     page,
			wantReferrer: "https://www.example.com/",
			wantChannel:  "ORGANIC_SEARCH",
		},
		{
			name:         "other app referrer",
			fields:       map[string]string{"u": page, "r": "android-app://org.example.reader/"},
			wantPage:     page,
			wantReferrer: "android-app://org.example.reader/",
			wantChannel:  "REFERRAL",
		},
		{
			name:         "app page URL dropped",
			fields:       map[string]string{"u": "android-app://com.example.app/", "r": ""},
			wantPage:     "",
			wantReferrer: "",
			wantChannel:  "DIRECT",
		},
	}
	for _, tt := range tests {
		fields := map[string]string{"k": ts.Account.SiteKey, "v": collectVisitorID, "e": "viewed"}
		for key, value := range tt.fields {
			fields[key] = value
		}
		body, err := json.Marshal(fields)
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
		if rows[i].PageURL != tt.wantPage {
			t.Errorf("%s: page URL = %q, want %q", tt.name, rows[i].PageURL, tt.wantPage)
		}
		if rows[i].Referrer != tt.wantReferrer {
			t.Errorf("%s: referrer = %q, want %q", tt.name, rows[i].Referrer, tt.wantReferrer)
		}
		if rows[i].Channel != tt.wantChannel {
			t.Errorf("%s: channel = %s, want %s", tt.name, rows[i].Channel, tt.wantChannel)
		}
	}
}

// TestCollectKeepsUTMSemicolonAndPercent sends first touches whose campaign
// has a ';' or a '%' that starts no escape and checks the stored campaign.
func TestCollectKeepsUTMSemicolonAndPercent(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "viewed")
	tests := []struct {
		name       string
		firstTouch string
		want       string
	}{
		{"semicolon", "?utm_source=news&utm_medium=email&utm_campaign=spring;sale", "spring;sale"},
		{"bare percent", "?utm_source=news&utm_medium=email&utm_campaign=50%off", "50%off"},
	}
	for _, tt := range tests {
		body, err := json.Marshal(map[string]string{
			"k": ts.Account.SiteKey, "v": collectVisitorID, "e": "viewed",
			"u": "https://www.example.com/", "r": "", "a": tt.firstTouch,
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
		if rows[i].UTMCampaign != tt.want {
			t.Errorf("%s: utm_campaign = %q, want %q", tt.name, rows[i].UTMCampaign, tt.want)
		}
		if rows[i].Channel != "EMAIL" {
			t.Errorf("%s: channel = %s, want EMAIL", tt.name, rows[i].Channel)
		}
	}
}
