package page

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"customevents/app/apitype"
)

func TestDrilldownCSVEscapesFormulas(t *testing.T) {
	email := "=cmd@example.com"
	first := time.Date(2026, 11, 5, 9, 30, 0, 0, time.UTC)
	last := time.Date(2026, 11, 5, 14, 3, 7, 0, time.UTC)
	rows := []apitype.DrilldownRow{
		{
			ContactID:        7,
			FirstName:        "=HYPERLINK(\"http://evil.example\",\"x\")",
			LastName:         "+1",
			Email:            &email,
			Company:          "-2+3",
			TriggerCount:     3,
			FirstTriggeredAt: first,
			LastTriggeredAt:  last,
			PageURL:          "@SUM(A1)",
			Channel:          apitype.ChannelEmail,
			UTMSource:        "\t=1",
			UTMMedium:        "\r=2",
			UTMCampaign:      "spring, \"sale\"\nline two",
			UTMTerm:          "-crm tool",
			UTMContent:       "hero, \"top\"",
			Conversion:       true,
		},
		{
			ContactID:        8,
			FirstName:        "Ann",
			LastName:         "O'Neil",
			Company:          "A=B",
			TriggerCount:     1,
			FirstTriggeredAt: first,
			LastTriggeredAt:  first,
			PageURL:          "https://example.com/?a=1&b=-2",
			Channel:          apitype.ChannelDirect,
			UTMContent:       "banner",
		},
	}

	want := "Contact ID,First name,Last name,Email,Company,Triggers,First trigger (UTC),Last trigger (UTC),Page URL,Channel,UTM source,UTM medium,UTM campaign,Conversion,UTM term,UTM content\n" +
		`7,"'=HYPERLINK(""http://evil.example"",""x"")",'+1,'=cmd@example.com,'-2+3,3,2026-11-05T09:30:00Z,2026-11-05T14:03:07Z,'@SUM(A1),EMAIL,'` + "\t=1,\"'\r=2\",\"spring, \"\"sale\"\"\nline two\",yes,'-crm tool,\"hero, \"\"top\"\"\"\n" +
		"8,Ann,O'Neil,,A=B,1,2026-11-05T09:30:00Z,2026-11-05T09:30:00Z,https://example.com/?a=1&b=-2,DIRECT,,,,no,,banner\n"
	got := drilldownCSV(rows)
	if got != want {
		t.Errorf("drilldownCSV =\n%q\nwant\n%q", got, want)
	}

	// A CSV reader gets the quoted cells back, each starting with the
	// quote that keeps spreadsheets from evaluating it.
	records, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV back: %v", err)
	}
	if len(records) != 3 {
		t.Fatalf("records = %d, want 3", len(records))
	}
	wantFirstRow := []string{
		"7", `'=HYPERLINK("http://evil.example","x")`, "'+1", "'=cmd@example.com", "'-2+3", "3",
		"2026-11-05T09:30:00Z", "2026-11-05T14:03:07Z", "'@SUM(A1)", "EMAIL", "'\t=1", "'\r=2",
		"spring, \"sale\"\nline two", "yes", "'-crm tool", "hero, \"top\"",
	}
	if len(records[1]) != len(wantFirstRow) {
		t.Fatalf("row 1 has %d columns, want %d", len(records[1]), len(wantFirstRow))
	}
	for i, cell := range records[1] {
		if cell != wantFirstRow[i] {
			t.Errorf("row 1 column %q = %q, want %q", drilldownCSVHeader[i], cell, wantFirstRow[i])
		}
	}
}

func TestDrilldownCSVEmpty(t *testing.T) {
	want := strings.Join(drilldownCSVHeader, ",") + "\n"
	if got := drilldownCSV(nil); got != want {
		t.Errorf("drilldownCSV(nil) = %q, want %q", got, want)
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	tests := []struct {
		cell string
		want string
	}{
		{"", ""},
		{"Acme", "Acme"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@A1", "'@A1"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{" =1", " =1"},
		{"'=1", "'=1"},
		{"1=1", "1=1"},
	}
	for _, tt := range tests {
		if got := spreadsheetSafe(tt.cell); got != tt.want {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", tt.cell, got, tt.want)
		}
	}
}
