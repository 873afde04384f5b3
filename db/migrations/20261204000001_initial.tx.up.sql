CREATE TABLE accounts (
	id           bigserial PRIMARY KEY,
	name         text NOT NULL,
	time_zone    text NOT NULL DEFAULT 'UTC',
	-- Public key that the beacon snippet sends to name the account.
	site_key     text NOT NULL UNIQUE,
	created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
	id            bigserial PRIMARY KEY,
	email         text NOT NULL,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role       text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, user_id)
);

-- Sessions are looked up by the SHA-256 of the cookie value, so a leaked
-- table does not yield usable cookies.
CREATE TABLE sessions (
	token_hash  bytea PRIMARY KEY,
	account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token  text NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_keys (
	id           bigserial PRIMARY KEY,
	account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name         text NOT NULL,
	-- First characters of the key, shown so people can tell keys apart.
	prefix       text NOT NULL,
	key_hash     bytea NOT NULL UNIQUE,
	created_at   timestamptz NOT NULL DEFAULT now(),
	last_used_at timestamptz,
	revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id);

CREATE TABLE custom_events (
	id            bigserial PRIMARY KEY,
	account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name          text NOT NULL,
	slug          text NOT NULL,
	description   text NOT NULL DEFAULT '',
	is_conversion boolean NOT NULL DEFAULT false,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	-- Deleted definitions keep their occurrences for reporting history and
	-- free their slug for reuse.
	deleted_at    timestamptz
);
CREATE UNIQUE INDEX custom_events_slug_key ON custom_events (account_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE contacts (
	id         bigserial PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	-- Lowercase; NULL for an anonymous contact known only by a visitor id.
	email      text,
	first_name text NOT NULL DEFAULT '',
	last_name  text NOT NULL DEFAULT '',
	company    text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (account_id, email) WHERE email IS NOT NULL;

-- A visitor is a browser, known by the first-party id the beacon keeps in a
-- cookie on the website's own domain.
CREATE TABLE visitors (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	id         text NOT NULL,
	contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, id)
);
CREATE INDEX visitors_contact_idx ON visitors (contact_id);

-- One row per time a custom event fired.
CREATE TABLE event_occurrences (
	id              bigserial PRIMARY KEY,
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	occurred_at     timestamptz NOT NULL,
	page_url        text NOT NULL DEFAULT '',
	source          text NOT NULL CHECK (source IN ('beacon', 'api')),
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_occurrences_event_time_idx ON event_occurrences (account_id, custom_event_id, occurred_at);
CREATE INDEX event_occurrences_contact_idx ON event_occurrences (contact_id);
