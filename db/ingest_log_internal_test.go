package db

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/lib/pq"
)

func TestBulkFallbackLevel(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want slog.Level
	}{
		{"contact merged away", fmt.Errorf("record simple triggers: %w",
			&pq.Error{Code: "23502", Column: "contact_id", Message: `null value in column "contact_id" of relation "event_occurrences" violates not-null constraint`}),
			slog.LevelDebug},
		{"other not-null column", &pq.Error{Code: "23502", Column: "event_id"}, slog.LevelWarn},
		{"statement timeout", &pq.Error{Code: "57014", Message: "canceling statement due to statement timeout"}, slog.LevelWarn},
		{"not a database error", errors.New("read reply: connection reset by peer"), slog.LevelWarn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bulkFallbackLevel(tt.err); got != tt.want {
				t.Errorf("bulkFallbackLevel = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDistinctAccountIDs(t *testing.T) {
	triggers := []*preparedTrigger{
		{Trigger: Trigger{AccountID: 7}},
		{Trigger: Trigger{AccountID: 3}},
		{Trigger: Trigger{AccountID: 7}},
	}
	if got, want := distinctAccountIDs(triggers), []int64{7, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("distinctAccountIDs = %v, want %v", got, want)
	}
}
