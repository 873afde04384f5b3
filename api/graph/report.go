package graph

import (
	"fmt"
	"strconv"
	"time"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
)

// NOTE: GraphQL Int is 32-bit, so counts above 2147483647 are sent as larger
// numbers that strict clients may reject.

// customEventStatsModel converts a report into the GraphQL type. The
// drilldown field has its own resolver, which reads EventID.
func customEventStatsModel(eventID int64, report *db.EventReport) (*model.CustomEventStats, error) {
	byDay := make([]*model.DayCount, len(report.ByDay))
	for i, day := range report.ByDay {
		date, err := time.Parse(apitype.DateLayout, day.Date)
		if err != nil {
			return nil, fmt.Errorf("parse report day %q: %w", day.Date, err)
		}
		byDay[i] = &model.DayCount{Date: date, Count: int(day.Count), UniqueContacts: int(day.UniqueContacts)}
	}
	return &model.CustomEventStats{
		EventID:                 eventID,
		From:                    report.Days.From,
		To:                      report.Days.To,
		EventsTriggered:         int(report.EventsTriggered),
		UniqueContacts:          int(report.UniqueContacts),
		PreviousFrom:            report.Previous.From,
		PreviousTo:              report.Previous.To,
		PreviousEventsTriggered: int(report.PreviousEventsTriggered),
		PreviousUniqueContacts:  int(report.PreviousUniqueContacts),
		ByDay:                   byDay,
	}, nil
}

// drilldownOptions converts the arguments of CustomEventStats.drilldown. The
// schema gives first and orderBy defaults, so nil values come only from an
// explicit null, which takes the same defaults.
func drilldownOptions(day *time.Time, first *int, after, search *string, orderBy *model.DrilldownOrder) (db.DrilldownOptions, *apitype.ValidationError) {
	opts := db.DrilldownOptions{First: apitype.DefaultDrilldownPageSize, Order: apitype.DrilldownByCount}
	if day != nil {
		opts.Day = *day
	}
	if first != nil {
		// Checked here because the store reads zero as its default.
		if verr := apitype.ValidateDrilldownPageSize(*first); verr != nil {
			return db.DrilldownOptions{}, verr
		}
		opts.First = *first
	}
	if after != nil {
		opts.After = *after
	}
	if search != nil {
		opts.Search = *search
	}
	if orderBy != nil && *orderBy == model.DrilldownOrderLastTriggered {
		opts.Order = apitype.DrilldownByLastTriggered
	}
	return opts, nil
}

func drilldownConnection(page *db.DrilldownPage) *model.DrilldownConnection {
	nodes := make([]*model.DrilldownRow, len(page.Rows))
	for i := range page.Rows {
		row := &page.Rows[i]
		nodes[i] = &model.DrilldownRow{
			ContactID:        strconv.FormatInt(row.ContactID, 10),
			Name:             row.Name(),
			Email:            row.Email,
			Anonymous:        row.Email == nil,
			Company:          row.Company,
			TriggerCount:     int(row.TriggerCount),
			FirstTriggeredAt: row.FirstTriggeredAt,
			LastTriggeredAt:  row.LastTriggeredAt,
			PageURL:          row.PageURL,
			Channel:          model.MarketingChannel(row.Channel),
			UtmSource:        row.UTMSource,
			UtmMedium:        row.UTMMedium,
			UtmCampaign:      row.UTMCampaign,
			UtmTerm:          row.UTMTerm,
			UtmContent:       row.UTMContent,
			Conversion:       row.IsConversion,
		}
	}
	connection := &model.DrilldownConnection{
		Nodes:    nodes,
		PageInfo: &model.PageInfo{HasNextPage: page.NextCursor != ""},
	}
	if page.NextCursor != "" {
		connection.PageInfo.EndCursor = &page.NextCursor
	}
	return connection
}
