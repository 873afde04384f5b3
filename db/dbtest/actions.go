package dbtest

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
)

// SetEventActions writes what a custom event runs when it fires, as the
// admin API stores it, without validation.
func SetEventActions(t testing.TB, bdb bun.IDB, eventID int64, ea apitype.EventActions) {
	t.Helper()
	var setID *int64
	if ea.ActionSetID != 0 {
		setID = &ea.ActionSetID
	}
	if ea.Frequency == "" {
		ea.Frequency = apitype.FrequencyEveryTime
	}
	_, err := bdb.NewRaw(`
		UPDATE custom_events SET action_mode = ?, actions = ?, action_set_id = ?,
			action_frequency = ?, action_frequency_days = ?
		WHERE id = ?`,
		ea.Mode, ea.OnTheFly, setID, ea.Frequency, ea.FrequencyDays, eventID).Exec(context.Background())
	if err != nil {
		t.Fatalf("set actions of event %d: %v", eventID, err)
	}
}

// CreateActionSet inserts an action set and returns its id.
func CreateActionSet(t testing.TB, bdb bun.IDB, accountID int64, name string, actions apitype.ActionList) int64 {
	t.Helper()
	var id int64
	err := bdb.NewRaw("INSERT INTO action_sets (account_id, name, actions) VALUES (?, ?, ?) RETURNING id",
		accountID, name, actions).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("create action set %q: %v", name, err)
	}
	return id
}

// CreateList inserts a contact list and returns its id.
func CreateList(t testing.TB, bdb bun.IDB, accountID int64, name string) int64 {
	t.Helper()
	var id int64
	err := bdb.NewRaw("INSERT INTO contact_lists (account_id, name) VALUES (?, ?) RETURNING id", accountID, name).
		Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("create list %q: %v", name, err)
	}
	return id
}
