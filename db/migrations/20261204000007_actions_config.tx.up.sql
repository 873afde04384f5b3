-- Contact fields that segment conditions read and actions change.
ALTER TABLE contacts
	ADD COLUMN job_title       text NOT NULL DEFAULT '',
	ADD COLUMN lead_score      integer NOT NULL DEFAULT 0,
	ADD COLUMN lifecycle_stage text NOT NULL DEFAULT 'subscriber'
		CHECK (lifecycle_stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'evangelist', 'other')),
	-- Flat object of custom field names to string values.
	ADD COLUMN custom_fields   jsonb NOT NULL DEFAULT '{}'
		CHECK (jsonb_typeof(custom_fields) = 'object');

-- Static lists of contacts, kept by hand or by actions.
CREATE TABLE contact_lists (
	id         bigserial PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name       text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contact_lists_name_key ON contact_lists (account_id, lower(name));

CREATE TABLE contact_list_members (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	list_id    bigint NOT NULL REFERENCES contact_lists (id) ON DELETE CASCADE,
	contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	added_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX contact_list_members_contact_idx ON contact_list_members (contact_id);

-- Tags are free text, lowercase, one row per contact and tag.
CREATE TABLE contact_tags (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	tag        text NOT NULL,
	added_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_account_tag_idx ON contact_tags (account_id, tag);

-- Named, reusable actions that custom events can link. actions holds an
-- apitype.ActionList as JSON.
CREATE TABLE action_sets (
	id          bigserial PRIMARY KEY,
	account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name        text NOT NULL,
	description text NOT NULL DEFAULT '',
	actions     jsonb NOT NULL DEFAULT '{"global": [], "conditional": []}',
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX action_sets_name_key ON action_sets (account_id, lower(name));

-- What runs when a custom event fires. actions holds the on-the-fly
-- apitype.ActionList; it is empty unless action_mode is on_the_fly. A linked
-- action set cannot be deleted while an event links it.
ALTER TABLE custom_events
	ADD COLUMN action_mode text NOT NULL DEFAULT 'none'
		CHECK (action_mode IN ('none', 'on_the_fly', 'action_set')),
	ADD COLUMN actions jsonb NOT NULL DEFAULT '{"global": [], "conditional": []}',
	ADD COLUMN action_set_id bigint REFERENCES action_sets (id) ON DELETE RESTRICT,
	ADD COLUMN action_frequency text NOT NULL DEFAULT 'every_time'
		CHECK (action_frequency IN ('every_time', 'once_per_contact', 'once_per_days')),
	ADD COLUMN action_frequency_days integer NOT NULL DEFAULT 0
		CHECK (action_frequency_days BETWEEN 0 AND 3650),
	ADD CONSTRAINT custom_events_linked_set_check
		CHECK ((action_mode = 'action_set') = (action_set_id IS NOT NULL)),
	ADD CONSTRAINT custom_events_frequency_days_check
		CHECK ((action_frequency = 'once_per_days') = (action_frequency_days > 0));
CREATE INDEX custom_events_action_set_idx ON custom_events (action_set_id) WHERE action_set_id IS NOT NULL;
