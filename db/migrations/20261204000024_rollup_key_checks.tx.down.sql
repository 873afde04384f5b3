DROP TRIGGER custom_events_report_delete ON custom_events;
DROP TRIGGER contacts_report_delete ON contacts;
DROP FUNCTION report_events_deleted();
DROP FUNCTION report_contacts_deleted();

ALTER TABLE event_contact_totals
	ADD CONSTRAINT event_contact_totals_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
	ADD CONSTRAINT event_contact_totals_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
	ADD CONSTRAINT event_contact_totals_custom_event_id_fkey FOREIGN KEY (custom_event_id) REFERENCES custom_events (id) ON DELETE CASCADE;
ALTER TABLE event_contact_days
	ADD CONSTRAINT event_contact_days_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
	ADD CONSTRAINT event_contact_days_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
	ADD CONSTRAINT event_contact_days_custom_event_id_fkey FOREIGN KEY (custom_event_id) REFERENCES custom_events (id) ON DELETE CASCADE;
ALTER TABLE visitors
	ADD CONSTRAINT visitors_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE;
ALTER TABLE event_occurrences
	ADD CONSTRAINT event_occurrences_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE;
