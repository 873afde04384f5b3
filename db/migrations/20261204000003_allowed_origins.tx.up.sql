-- Origins (scheme://host[:port], lowercase, no default port) whose pages may
-- send beacon events for the account. An empty list allows every origin.
ALTER TABLE accounts ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';
