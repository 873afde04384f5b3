-- Outbox of event actions. Recording an occurrence of an event whose
-- actions are on inserts, in the same transaction, one action_jobs row with
-- what the actions need and one action_runs row per action. Workers claim
-- due runs with FOR UPDATE SKIP LOCKED.

-- One row per occurrence whose actions were enqueued. snapshot holds the
-- event's slug and name and the contact as they were when the occurrence
-- was recorded (db.ActionSnapshot), plan the apitype.ActionList that was
-- in force then. matched holds the outcome of each conditional entry of
-- the plan, in order, once a worker has evaluated them; it is NULL before.
-- The contact is the occurrence's, so a merge of contacts moves the job
-- with the occurrence. Jobs and runs go when their occurrence does, also
-- when its account, event or contact is deleted, so their account_id and
-- custom_event_id need no foreign key of their own: each key is a check
-- per inserted row.
CREATE TABLE action_jobs (
	occurrence_id   bigint PRIMARY KEY REFERENCES event_occurrences (id) ON DELETE CASCADE,
	account_id      bigint NOT NULL,
	custom_event_id bigint NOT NULL,
	occurred_at     timestamptz NOT NULL,
	snapshot        jsonb NOT NULL,
	plan            jsonb NOT NULL,
	matched         boolean[],
	evaluated_at    timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per action of a job: the queue entry and the run log at once.
-- position numbers the plan's global actions first, then the actions of
-- each conditional entry in order; condition_index is the entry's index,
-- NULL for a global action. outcome holds an apitype.Run* value. attempts
-- counts the attempts made, without those released at shutdown. claims
-- counts every claim, and a worker writes its result only while claims
-- still equals the value its claim set, so a worker whose lease another
-- one took over writes nothing. A claimed webhook or email run has run_at
-- and locked_until at the end of its lease, after which any worker may
-- claim it again.
CREATE TABLE action_runs (
	occurrence_id   bigint NOT NULL REFERENCES action_jobs (occurrence_id) ON DELETE CASCADE,
	position        integer NOT NULL CHECK (position >= 0),
	account_id      bigint NOT NULL,
	action_type     text NOT NULL,
	action          jsonb NOT NULL,
	condition_index integer,
	outcome         text NOT NULL DEFAULT 'pending'
		CHECK (outcome IN ('pending', 'succeeded', 'skipped', 'failed', 'dead')),
	attempts        integer NOT NULL DEFAULT 0,
	claims          integer NOT NULL DEFAULT 0,
	last_error      text NOT NULL DEFAULT '',
	run_at          timestamptz NOT NULL DEFAULT now(),
	locked_until    timestamptz,
	locked_by       text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (occurrence_id, position)
);
CREATE INDEX action_runs_due_idx ON action_runs (run_at) WHERE outcome IN ('pending', 'failed');

-- Frequency gate per event and contact: the occurrence whose actions were
-- enqueued last. window_days is 0 for once_per_contact, so a second
-- occurrence never passes, and N for once_per_days, so the next occurrence
-- passes N days later. every_time events keep no row here.
CREATE TABLE action_frequency (
	custom_event_id    bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	contact_id         bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	account_id         bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	window_days        integer NOT NULL,
	last_occurrence_id bigint NOT NULL,
	last_occurred_at   timestamptz NOT NULL,
	PRIMARY KEY (custom_event_id, contact_id)
);
CREATE INDEX action_frequency_contact_idx ON action_frequency (contact_id);

-- ce_json_array returns j when it is a JSON array and an empty array
-- otherwise, because encoding/json writes a nil slice as null.
CREATE FUNCTION ce_json_array(j jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN jsonb_typeof(j) = 'array' THEN j ELSE '[]'::jsonb END;

-- enqueue_event_actions runs once per INSERT statement on
-- event_occurrences and reads the inserted rows from the transition table,
-- so every insert path (a batch of the ingester, one trigger, the demo
-- seed) enqueues in its own transaction with a fixed number of statements.
CREATE FUNCTION enqueue_event_actions() RETURNS trigger
	LANGUAGE plpgsql AS $$
BEGIN
	-- Most events run no actions: leave at once when none in the
	-- statement does.
	IF NOT EXISTS (
		SELECT 1 FROM new_occurrences o JOIN custom_events e ON e.id = o.custom_event_id
		WHERE e.action_mode <> 'none'
	) THEN
		RETURN NULL;
	END IF;

	WITH candidates AS (
		SELECT o.id, o.account_id, o.custom_event_id, o.contact_id, o.occurred_at,
			e.slug, e.name, e.action_frequency, e.action_frequency_days,
			CASE e.action_mode WHEN 'action_set' THEN s.actions ELSE e.actions END AS plan
		FROM new_occurrences o
		JOIN custom_events e ON e.id = o.custom_event_id AND e.account_id = o.account_id
		LEFT JOIN action_sets s ON s.id = e.action_set_id AND s.account_id = e.account_id
		WHERE e.action_mode <> 'none'
	), planned AS (
		-- A plan without a single action enqueues nothing and leaves the
		-- frequency gate alone.
		SELECT c.* FROM candidates c
		WHERE jsonb_array_length(ce_json_array(c.plan -> 'global')) > 0
			OR EXISTS (
				SELECT 1 FROM jsonb_array_elements(ce_json_array(c.plan -> 'conditional')) AS entry
				WHERE jsonb_array_length(ce_json_array(entry -> 'actions')) > 0)
	), gated AS (
		-- The upsert locks the gate row, so concurrent transactions for one
		-- event and contact pass one at a time and each sees the last
		-- committed occurrence. ON CONFLICT may touch a row once per
		-- statement, so only the earliest occurrence of each event and
		-- contact in the statement can pass.
		INSERT INTO action_frequency AS f
			(custom_event_id, contact_id, account_id, window_days, last_occurrence_id, last_occurred_at)
		SELECT DISTINCT ON (p.custom_event_id, p.contact_id)
			p.custom_event_id, p.contact_id, p.account_id,
			CASE p.action_frequency WHEN 'once_per_days' THEN p.action_frequency_days ELSE 0 END,
			p.id, p.occurred_at
		FROM planned p
		WHERE p.action_frequency <> 'every_time'
		ORDER BY p.custom_event_id, p.contact_id, p.occurred_at, p.id
		ON CONFLICT (custom_event_id, contact_id) DO UPDATE
			SET window_days = EXCLUDED.window_days,
				last_occurrence_id = EXCLUDED.last_occurrence_id,
				last_occurred_at = EXCLUDED.last_occurred_at
			WHERE EXCLUDED.window_days > 0
				AND EXCLUDED.last_occurred_at >= f.last_occurred_at + make_interval(days => EXCLUDED.window_days)
		RETURNING f.last_occurrence_id
	), chosen AS (
		SELECT p.* FROM planned p WHERE p.action_frequency = 'every_time'
		UNION ALL
		SELECT p.* FROM planned p JOIN gated g ON g.last_occurrence_id = p.id
	), jobs AS (
		INSERT INTO action_jobs (occurrence_id, account_id, custom_event_id, occurred_at, snapshot, plan)
		SELECT c.id, c.account_id, c.custom_event_id, c.occurred_at,
			jsonb_build_object(
				'event', jsonb_build_object('slug', c.slug, 'name', c.name),
				'contact', jsonb_build_object(
					'id', k.id,
					'email', k.email,
					'firstName', k.first_name,
					'lastName', k.last_name,
					'company', k.company,
					'jobTitle', k.job_title,
					'leadScore', k.lead_score,
					'lifecycleStage', k.lifecycle_stage,
					'customFields', k.custom_fields,
					'listIds', coalesce((
						SELECT jsonb_agg(m.list_id ORDER BY m.list_id)
						FROM contact_list_members m WHERE m.contact_id = k.id), '[]'::jsonb),
					'tags', coalesce((
						SELECT jsonb_agg(t.tag ORDER BY t.tag)
						FROM contact_tags t WHERE t.contact_id = k.id), '[]'::jsonb))),
			c.plan
		FROM chosen c JOIN contacts k ON k.id = c.contact_id
		RETURNING occurrence_id, account_id, plan
	)
	INSERT INTO action_runs (occurrence_id, position, account_id, action_type, action, condition_index)
	SELECT j.occurrence_id,
		(row_number() OVER (PARTITION BY j.occurrence_id ORDER BY a.entry_ord, a.action_ord) - 1)::int,
		j.account_id, coalesce(a.action ->> 'type', ''), a.action, a.condition_index
	FROM jobs j
	CROSS JOIN LATERAL (
		SELECT g.action, NULL::int AS condition_index, 0::bigint AS entry_ord, g.ord AS action_ord
		FROM jsonb_array_elements(ce_json_array(j.plan -> 'global')) WITH ORDINALITY AS g(action, ord)
		UNION ALL
		SELECT x.action, (e.ord - 1)::int, e.ord, x.ord
		FROM jsonb_array_elements(ce_json_array(j.plan -> 'conditional')) WITH ORDINALITY AS e(entry, ord)
		CROSS JOIN LATERAL jsonb_array_elements(ce_json_array(e.entry -> 'actions')) WITH ORDINALITY AS x(action, ord)
	) AS a;

	RETURN NULL;
END
$$;

CREATE TRIGGER event_occurrences_enqueue_actions
	AFTER INSERT ON event_occurrences
	REFERENCING NEW TABLE AS new_occurrences
	FOR EACH STATEMENT EXECUTE FUNCTION enqueue_event_actions();
