-- Months of event occurrences an account keeps. EnforceRetention deletes
-- older occurrences once a day.
ALTER TABLE accounts ADD COLUMN retention_months integer NOT NULL DEFAULT 25
	CHECK (retention_months BETWEEN 1 AND 120);

-- Lets EnforceRetention find an account's oldest occurrences without
-- scanning every event's index. Building it blocks writes to
-- event_occurrences for the duration of this migration.
CREATE INDEX event_occurrences_account_time_idx ON event_occurrences (account_id, occurred_at);

-- Record of erasures and exports of contact data. It stores that a request
-- happened, when and by whom (an admin's email or "api-key:" and the key's
-- prefix), and never the contact's email or id.
CREATE TABLE privacy_audit (
	id         bigserial PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	action     text NOT NULL CHECK (action IN ('erase', 'export')),
	actor      text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_audit_account_idx ON privacy_audit (account_id, created_at);
