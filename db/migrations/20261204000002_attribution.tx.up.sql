-- Attribution and metadata of each occurrence. channel holds a
-- MarketingChannel value such as ORGANIC_SEARCH.
ALTER TABLE event_occurrences
	ADD COLUMN metadata     jsonb NOT NULL DEFAULT '{}',
	ADD COLUMN referrer     text NOT NULL DEFAULT '',
	ADD COLUMN channel      text NOT NULL DEFAULT 'DIRECT',
	ADD COLUMN utm_source   text NOT NULL DEFAULT '',
	ADD COLUMN utm_medium   text NOT NULL DEFAULT '',
	ADD COLUMN utm_campaign text NOT NULL DEFAULT '',
	ADD COLUMN utm_term     text NOT NULL DEFAULT '',
	ADD COLUMN utm_content  text NOT NULL DEFAULT '';

-- Idempotency keys of API triggers. A key claims its row in the trigger's
-- transaction, so a concurrent call with the same key waits for that
-- transaction and then finds the stored occurrence. request_hash is the
-- SHA-256 of the trigger's input, to tell a retry from a different request
-- that reuses the key. A key is reusable once it is 7 days old.
CREATE TABLE idempotency_keys (
	account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key           text NOT NULL,
	request_hash  bytea NOT NULL,
	occurrence_id bigint REFERENCES event_occurrences (id) ON DELETE CASCADE,
	created_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
