package page

import (
	"reflect"
	"testing"

	"customevents/app/apitype"
)

func TestGroupActionRunsByOccurrence(t *testing.T) {
	runs := []apitype.ActionRun{
		{OccurrenceID: 7, Position: 1, ActionType: apitype.ActionAddTag, Outcome: apitype.RunSucceeded},
		{OccurrenceID: 9, Position: 0, ActionType: apitype.ActionWebhook, Outcome: apitype.RunFailed},
		{OccurrenceID: 7, Position: 0, ActionType: apitype.ActionAdjustScore, Outcome: apitype.RunSucceeded},
	}
	got := groupActionRuns(runs)
	want := map[int64][]apitype.ActionRun{
		7: {runs[2], runs[0]},
		9: {runs[1]},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %+v, want %+v", got, want)
	}
	if len(groupActionRuns(nil)) != 0 {
		t.Error("groups of no runs are not empty")
	}
}

func TestUTMTextJoinsSetValues(t *testing.T) {
	e := apitype.TimelineEvent{UTMSource: "google", UTMCampaign: "brand", UTMContent: "hero"}
	if got, want := utmText(e), "source google · campaign brand · content hero"; got != want {
		t.Errorf("utmText = %q, want %q", got, want)
	}
	if got := utmText(apitype.TimelineEvent{}); got != "" {
		t.Errorf("utmText of no values = %q, want empty", got)
	}
}

func TestCutForDisplay(t *testing.T) {
	short := "https://example.com/"
	if got, cut := cutForDisplay(short); got != short || cut {
		t.Errorf("cutForDisplay(%q) = %q, %v", short, got, cut)
	}
	long := "https://example.com/" + string(make([]rune, 300))
	got, cut := cutForDisplay(long)
	if !cut || len([]rune(got)) != apitype.MaxTimelineMetadataValue {
		t.Errorf("cut of a long URL = %d characters, cut %v, want %d and true", len([]rune(got)), cut, apitype.MaxTimelineMetadataValue)
	}
}
