-- Every ingest batch inserts contacts, visitors, occurrences and the
-- report rows derived from them, and PostgreSQL checks each foreign key of
-- each new row: 12 checks for a beacon event from a new visitor. In
-- BenchmarkRecordBatch (new visitors, batches of 64), dropping all of them
-- made an event take 64 to 68 µs against 93 to 115 µs with them.
--
-- The checks on the rows that callers write stay: a contact's account, a
-- visitor's contact, and an occurrence's contact and event. The ones that
-- only repeat them go, which leaves 4 checks for such an event (72 to
-- 83 µs against 103 to 124 µs in three alternating runs):
--
-- - account_id of event_occurrences and visitors. Their contact and event
--   belong to the account already, and deleting the account deletes those,
--   whose keys cascade to these rows.
-- - Every key of event_contact_days and event_contact_totals. The report
--   triggers derive their rows from event_occurrences, whose keys are
--   checked. Deleting a contact or an event removed these rows through
--   ON DELETE CASCADE. The statement triggers below remove them now,
--   after the row-level cascades of the same statement, so a contact's
--   expired counts go with it as before. A batch that inserts such a row
--   has locked its contact and event FOR KEY SHARE through the
--   occurrence's keys, so a delete of either waits for the batch to commit.
--   At READ COMMITTED, where every writer of this product runs, each
--   statement of the trigger then sees the batch's rows.
ALTER TABLE event_occurrences DROP CONSTRAINT event_occurrences_account_id_fkey;
ALTER TABLE visitors DROP CONSTRAINT visitors_account_id_fkey;
ALTER TABLE event_contact_days
	DROP CONSTRAINT event_contact_days_account_id_fkey,
	DROP CONSTRAINT event_contact_days_contact_id_fkey,
	DROP CONSTRAINT event_contact_days_custom_event_id_fkey;
ALTER TABLE event_contact_totals
	DROP CONSTRAINT event_contact_totals_account_id_fkey,
	DROP CONSTRAINT event_contact_totals_contact_id_fkey,
	DROP CONSTRAINT event_contact_totals_custom_event_id_fkey;

-- The day rows go first, so that their delete trigger still finds the
-- totals rows that it locks and updates.
CREATE FUNCTION report_contacts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM event_contact_days r USING report_gone_contacts c
	WHERE r.contact_id = c.id;
	DELETE FROM event_contact_totals t USING report_gone_contacts c
	WHERE t.contact_id = c.id;
	RETURN NULL;
END $$;

CREATE FUNCTION report_events_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM event_contact_days r USING report_gone_events e
	WHERE r.account_id = e.account_id AND r.custom_event_id = e.id;
	DELETE FROM event_contact_totals t USING report_gone_events e
	WHERE t.account_id = e.account_id AND t.custom_event_id = e.id;
	RETURN NULL;
END $$;

CREATE TRIGGER contacts_report_delete AFTER DELETE ON contacts
	REFERENCING OLD TABLE AS report_gone_contacts
	FOR EACH STATEMENT EXECUTE FUNCTION report_contacts_deleted();
CREATE TRIGGER custom_events_report_delete AFTER DELETE ON custom_events
	REFERENCING OLD TABLE AS report_gone_events
	FOR EACH STATEMENT EXECUTE FUNCTION report_events_deleted();
