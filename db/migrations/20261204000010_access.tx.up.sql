-- Invitations to join an account. The link carries a random token, and
-- only its SHA-256 is stored, as for sessions.
CREATE TABLE invites (
	id          bigserial PRIMARY KEY,
	account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	-- Lowercase.
	email       text NOT NULL,
	role        text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
	token_hash  bytea NOT NULL UNIQUE,
	invited_by  bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	expires_at  timestamptz NOT NULL,
	accepted_at timestamptz,
	accepted_by bigint REFERENCES users (id) ON DELETE SET NULL,
	revoked_at  timestamptz
);
-- At most one open invite per account and email: inviting again revokes
-- the earlier one.
CREATE UNIQUE INDEX invites_open_key ON invites (account_id, email)
	WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Password reset links, single use. used_at is also set on the links that
-- a newer password change made void.
CREATE TABLE password_resets (
	token_hash bytea PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	-- The admin who made the link for a member, or NULL when the user asked
	-- for it by email.
	created_by bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
