-- beacon_drops holds, per account, why the server dropped beacon messages
-- lately, so that Settings → Beacon lists them whichever server process
-- dropped the messages and whichever one answers the page. Each process
-- gathers its drops in memory and adds them here about once a second, one
-- statement for all accounts, so a website that sends a wrong slug on
-- every page costs no write per message.
CREATE TABLE beacon_drops (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	-- The reason with what to fix, at most 300 characters, such as
	-- 'No custom event has the slug "sign-up": ...'.
	reason     text NOT NULL,
	-- Messages dropped for this reason since its first drop after an
	-- hour without any.
	count      bigint NOT NULL CHECK (count > 0),
	last_at    timestamptz NOT NULL,
	PRIMARY KEY (account_id, reason)
);

CREATE INDEX beacon_drops_latest ON beacon_drops (account_id, last_at DESC);
