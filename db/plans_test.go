package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"customevents/db/dbtest"
)

// TestIngestPlansUseIndexes checks that the functions which every ingest
// statement runs read the growing tables by index, also when the planner's
// statistics show nearly empty tables, as after VACUUM ANALYZE of a new
// database. A connection keeps the plans that it makes then until the
// tables are analyzed again.
func TestIngestPlansUseIndexes(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	event := createEvent(t, f, "demo")
	stored := recordAll(t, f, "demo", []occurrence{{email: "ann@example.com", at: "2026-05-01T10:00:00Z"}})
	ann := stored[0].ContactID
	if _, err := f.Store.DB().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}

	conn, err := f.Store.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Plans that this connection made before the ANALYZE would hide the
	// ones that the new statistics lead to.
	if _, err := conn.ExecContext(ctx, "DISCARD PLANS"); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// An occurrence of Ann on a later day runs the report triggers and
	// links her two days. Then the batch function runs with her email and
	// a new visitor id.
	_, err = tx.ExecContext(ctx, `
		INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, source)
		VALUES (?, ?, ?, '2026-05-03T10:00:00Z', 'api')`, f.Account.ID, event.ID, ann)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	empty := pgdialect.Array([]string{"", ""})
	_, err = tx.ExecContext(ctx, `
		SELECT count(*) FROM record_simple_triggers(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::timestamptz[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[], true)`,
		pgdialect.Array([]int64{f.Account.ID, f.Account.ID}), pgdialect.Array([]int64{event.ID, event.ID}),
		pgdialect.Array([]string{"ann@example.com", ""}), pgdialect.Array([]string{"", "0123456789abcdef0123456789abcdef"}),
		pgdialect.Array([]time.Time{at, at}),
		empty, pgdialect.Array([]string{"api", "beacon"}), pgdialect.Array([]string{"{}", "{}"}), empty,
		pgdialect.Array([]string{"DIRECT", "DIRECT"}), empty, empty, empty, empty, empty)
	if err != nil {
		t.Fatal(err)
	}

	// The view counts this transaction's scans. Small tables such as
	// accounts are left out, because reading them whole is cheap, and the
	// foreign key checks, which PostgreSQL plans apart from the functions,
	// may do it.
	var scanned []string
	err = tx.QueryRowContext(ctx, `
		SELECT coalesce(array_agg(relname ORDER BY relname), '{}') FROM pg_stat_xact_user_tables
		WHERE seq_scan > 0 AND relname IN ('event_contact_days', 'event_contact_day_links',
			'event_contact_totals', 'event_day_gaps', 'event_day_totals', 'visitors')`).Scan(pgdialect.Array(&scanned))
	if err != nil {
		t.Fatal(err)
	}
	if len(scanned) != 0 {
		t.Errorf("sequential scans of %v, want none", scanned)
	}
}
