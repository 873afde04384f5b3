DROP TRIGGER accounts_report_time_zone ON accounts;
DROP TRIGGER event_occurrences_report_insert ON event_occurrences;
DROP TRIGGER event_occurrences_report_delete ON event_occurrences;
DROP TRIGGER event_occurrences_report_update ON event_occurrences;
DROP TRIGGER event_contact_days_report_insert ON event_contact_days;
DROP TRIGGER event_contact_days_report_delete ON event_contact_days;
DROP TRIGGER event_contact_days_report_update ON event_contact_days;
DROP FUNCTION report_time_zone_changed();
DROP FUNCTION report_rebuild_account(bigint);
DROP FUNCTION report_contact_days_inserted();
DROP FUNCTION report_contact_days_deleted();
DROP FUNCTION report_contact_days_updated();
DROP FUNCTION report_shift_gaps(bigint[], bigint[], bigint[], date[], boolean);
DROP FUNCTION report_occurrences_inserted();
DROP FUNCTION report_occurrences_deleted();
DROP FUNCTION report_occurrences_updated();
DROP FUNCTION report_add_occurrences(bigint[], bigint[], bigint[], timestamptz[]);
DROP FUNCTION report_remove_occurrences(bigint[], bigint[], bigint[], timestamptz[]);

DROP TABLE event_day_gap_changes;
DROP TABLE event_day_gaps;
DROP TABLE event_day_total_changes;
DROP TABLE event_day_totals;
DROP TABLE event_contact_totals;

DROP INDEX event_occurrences_contact_idx;
CREATE INDEX event_occurrences_contact_idx ON event_occurrences (contact_id);

-- Back to counts of expired occurrences only.
DELETE FROM event_contact_days WHERE expired_events = 0;
DROP INDEX event_contact_days_expired_idx;
DROP INDEX event_contact_days_contact_idx;
CREATE INDEX event_contact_days_contact_idx ON event_contact_days (contact_id);
ALTER TABLE event_contact_days
	DROP COLUMN live_events,
	DROP COLUMN first_at,
	DROP COLUMN last_at,
	DROP CONSTRAINT event_contact_days_expired_events_check,
	ALTER COLUMN expired_events DROP DEFAULT;
ALTER TABLE event_contact_days RENAME COLUMN expired_events TO events;
ALTER TABLE event_contact_days ADD CONSTRAINT event_contact_days_events_check CHECK (events > 0);
