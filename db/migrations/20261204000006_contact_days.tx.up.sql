-- Daily counts of occurrences that retention deleted: one row per custom
-- event, local day of the account and contact, so reports keep their
-- numbers, distinct contacts included, after the raw rows are gone. day is
-- the calendar day in the account's time zone when the rows were rolled up.
CREATE TABLE event_contact_days (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	day             date NOT NULL,
	contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	events          integer NOT NULL CHECK (events > 0),
	PRIMARY KEY (account_id, custom_event_id, day, contact_id)
);
CREATE INDEX event_contact_days_contact_idx ON event_contact_days (contact_id);
