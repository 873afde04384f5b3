-- Every ingest batch inserts contacts, visitors, occurrences and the
-- report rows derived from them, and PostgreSQL checks each foreign key of
-- each new row: 12 checks for each beacon event from a new visitor, and 4
-- per batch for the day change rows. In BenchmarkRecordBatch (new
-- visitors, batches of 64), alternated three times, dropping all of them
-- made an event take 64 to 68 µs against 93 to 115 µs with them.
--
-- The checks on the rows that callers write stay: a contact's account, a
-- visitor's contact, and an occurrence's contact and event. The ones that
-- only repeat them go, which leaves 4 checks per such event. In another
-- three alternated runs, an event took 72 to 83 µs against 103 to 124 µs
-- before this migration.
--
-- - account_id of event_occurrences and visitors. The ingester takes it
--   from the contact, which it finds within the account, so it is the
--   contact's account. No constraint enforces that, as none did before.
--   Deleting the account deletes its contacts and events, whose keys
--   cascade to these rows.
-- - Every key of event_contact_days and event_contact_totals. The report
--   triggers derive their rows from event_occurrences, whose keys are
--   checked. Deleting a contact or an event removed these rows through
--   ON DELETE CASCADE. The statement triggers below remove them now,
--   after the row-level cascades of the same statement, so a contact's
--   expired counts go with it as before. TRUNCATE ... CASCADE of
--   contacts, custom_events or accounts no longer reaches these tables.
--
-- A batch that inserts such a row has locked its contact and event
-- FOR KEY SHARE through the occurrence's keys, so a delete of either waits
-- for the batch to commit. A rebuild of the account's rollups
-- (report_rebuild_account) writes these rows without locking contacts. A
-- contact delete that runs meanwhile waits on the rows with expired counts,
-- which the rebuild updates in place, and deletes them once it commits.
-- The live rows that the rebuild inserted go when the cascaded delete of
-- the occurrences takes their counts out, after the triggers below.
-- TestContactDeleteDuringRebuild covers this. At READ COMMITTED, where
-- every writer of this product runs, each statement of the triggers sees
-- the rows committed before it started.
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

-- The day rows go first, and their delete trigger takes them out of the
-- day totals and gaps.
CREATE FUNCTION report_contacts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM event_contact_days r USING report_gone_contacts c
	WHERE r.contact_id = c.id;
	DELETE FROM event_contact_totals t USING report_gone_contacts c
	WHERE t.contact_id = c.id;
	RETURN NULL;
END $$;

-- Events match by id alone, as the cascade did.
CREATE FUNCTION report_events_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM event_contact_days r USING report_gone_events e
	WHERE r.custom_event_id = e.id;
	DELETE FROM event_contact_totals t USING report_gone_events e
	WHERE t.custom_event_id = e.id;
	RETURN NULL;
END $$;

CREATE TRIGGER contacts_report_delete AFTER DELETE ON contacts
	REFERENCING OLD TABLE AS report_gone_contacts
	FOR EACH STATEMENT EXECUTE FUNCTION report_contacts_deleted();
CREATE TRIGGER custom_events_report_delete AFTER DELETE ON custom_events
	REFERENCING OLD TABLE AS report_gone_events
	FOR EACH STATEMENT EXECUTE FUNCTION report_events_deleted();
