package page

import (
	"testing"

	"customevents/app/apitype"
)

func TestUTMSlashes(t *testing.T) {
	tests := []struct {
		source, medium, campaign string
		want                     string
	}{
		{"newsletter", "email", "spring", "newsletter / email / spring"},
		{"newsletter", "", "spring", "newsletter / – / spring"},
		{"", "cpc", "", "– / cpc / –"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		row := apitype.DrilldownRow{UTMSource: tt.source, UTMMedium: tt.medium, UTMCampaign: tt.campaign}
		if got := utmSlashes(row); got != tt.want {
			t.Errorf("utmSlashes(%q, %q, %q) = %q, want %q", tt.source, tt.medium, tt.campaign, got, tt.want)
		}
	}
}
