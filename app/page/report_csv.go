package page

import (
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"customevents/app/apitype"
)

// drilldownCSVHeader names the columns of a drilldown export. UTM term and
// content come after Conversion, so every column of the exports made before
// they were added keeps its position.
var drilldownCSVHeader = []string{
	"Contact ID", "First name", "Last name", "Email", "Company", "Triggers",
	"First trigger (UTC)", "Last trigger (UTC)", "Page URL", "Channel",
	"UTM source", "UTM medium", "UTM campaign", "Conversion",
	"UTM term", "UTM content",
}

// drilldownCSV returns rows as CSV under a header line, quoted as RFC 4180
// describes. Lines end with LF and not CRLF, because encoding/csv with
// UseCRLF drops a carriage return inside a cell. Every cell passes through
// spreadsheetSafe, because names, companies, URLs and UTM values come from
// websites.
func drilldownCSV(rows []apitype.DrilldownRow) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	// Writes to a strings.Builder cannot fail, so Write's errors are nil.
	_ = w.Write(drilldownCSVHeader)
	for _, row := range rows {
		email := ""
		if row.Email != nil {
			email = *row.Email
		}
		conversion := "no"
		if row.Conversion {
			conversion = "yes"
		}
		record := []string{
			strconv.FormatInt(row.ContactID, 10),
			row.FirstName,
			row.LastName,
			email,
			row.Company,
			strconv.FormatInt(row.TriggerCount, 10),
			row.FirstTriggeredAt.UTC().Format(time.RFC3339),
			row.LastTriggeredAt.UTC().Format(time.RFC3339),
			row.PageURL,
			string(row.Channel),
			row.UTMSource,
			row.UTMMedium,
			row.UTMCampaign,
			conversion,
			row.UTMTerm,
			row.UTMContent,
		}
		for i, cell := range record {
			record[i] = spreadsheetSafe(cell)
		}
		_ = w.Write(record)
	}
	w.Flush()
	return b.String()
}

// spreadsheetSafe prefixes a cell with a single quote when spreadsheet
// programs would read it as a formula: when it starts with =, +, - or @, or
// with a tab or carriage return, which some programs skip before such a
// character. The quote makes the cell text.
func spreadsheetSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
