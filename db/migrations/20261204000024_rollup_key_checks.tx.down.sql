DROP TRIGGER custom_events_report_delete ON custom_events;
DROP TRIGGER contacts_report_delete ON contacts;
DROP FUNCTION report_events_deleted();
DROP FUNCTION report_contacts_deleted();

-- Rows that lost their contact, event or account while the keys were
-- absent would fail the keys below. The day rows go first, through their
-- triggers, so that the day totals follow.
DELETE FROM event_contact_days r
WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = r.contact_id)
	OR NOT EXISTS (SELECT 1 FROM custom_events e WHERE e.id = r.custom_event_id)
	OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = r.account_id);
DELETE FROM event_contact_totals t
WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id)
	OR NOT EXISTS (SELECT 1 FROM custom_events e WHERE e.id = t.custom_event_id)
	OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id);
DELETE FROM visitors v WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = v.account_id);
DELETE FROM event_occurrences o WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = o.account_id);

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
