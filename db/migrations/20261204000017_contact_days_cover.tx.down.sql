DROP INDEX event_contact_days_contact_idx;
CREATE INDEX event_contact_days_contact_idx ON event_contact_days (contact_id, custom_event_id, day);
ALTER TABLE event_contact_days DROP CONSTRAINT event_contact_days_pkey;
ALTER TABLE event_contact_days ADD CONSTRAINT event_contact_days_pkey
	PRIMARY KEY (account_id, custom_event_id, day, contact_id);
