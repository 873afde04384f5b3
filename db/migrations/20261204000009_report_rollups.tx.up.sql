-- Rollups that let the custom event report read rows whose number depends
-- on the days of the range rather than on its occurrences.
-- event_occurrences stays the source of truth. Triggers keep the rollups in
-- step with it in the same transaction as each insert, update or delete,
-- whatever code runs the statement. docs/benchmarks.md explains the design
-- and measures it.
--
-- Two layers of statement-level triggers keep them:
--
-- 1. Triggers on event_occurrences keep event_contact_days: one row per
--    custom event, local day of the account and contact, with the number of
--    occurrences (live_events) and the first and last of their times.
-- 2. Triggers on event_contact_days keep the tables derived from it:
--    event_contact_totals (a contact's live occurrences of an event, all days
--    together), event_day_totals (per day: occurrences, and the contacts
--    that have a row on that day) and event_day_gaps (per day and the
--    contact's previous day with a row, how many contacts). Unique contacts
--    of a range come from the last two without reading any contact id; see
--    queries/event_report.sql.
--
-- Every ingest statement would update the same event_day_totals and
-- event_day_gaps rows for today, and hold their locks until commit. So the
-- triggers only append signed changes to event_day_total_changes and
-- event_day_gap_changes, which never block each other, and readers add
-- the pending changes to the compacted rows. Store.CompactReportRollups
-- folds the changes into the compacted tables. Reports are exact whether or
-- not it has run.
--
-- Local days follow accounts.time_zone. Changing it rebuilds the account's
-- rollups from event_occurrences in the same transaction (trigger
-- accounts_report_time_zone).

-- event_contact_days held only the counts of occurrences that retention
-- deleted. Those move to expired_events, and live_events counts the rows
-- still in event_occurrences. After each statement, a row exists exactly
-- while either count is above zero. first_at and last_at are the earliest and latest occurred_at of the
-- live occurrences, or NULL without any.
ALTER TABLE event_contact_days RENAME COLUMN events TO expired_events;
ALTER TABLE event_contact_days DROP CONSTRAINT event_contact_days_events_check;
ALTER TABLE event_contact_days
	ALTER COLUMN expired_events SET DEFAULT 0,
	ADD CONSTRAINT event_contact_days_expired_events_check CHECK (expired_events >= 0),
	ADD COLUMN live_events integer NOT NULL DEFAULT 0 CHECK (live_events >= 0),
	ADD COLUMN first_at timestamptz,
	ADD COLUMN last_at timestamptz;
-- Serves lookups by contact (merges, erasure, export) and a contact's days
-- of one event (maintenance and the drilldown).
DROP INDEX event_contact_days_contact_idx;
CREATE INDEX event_contact_days_contact_idx ON event_contact_days (contact_id, custom_event_id, day);
CREATE INDEX event_contact_days_expired_idx ON event_contact_days (account_id, custom_event_id, day)
	WHERE expired_events > 0;

-- The drilldown reads the attribution of a contact's last occurrence
-- through this index, which also serves every lookup by contact_id that the
-- old single-column index served. Building it blocks writes to
-- event_occurrences for the duration of this migration.
DROP INDEX event_occurrences_contact_idx;
CREATE INDEX event_occurrences_contact_idx ON event_occurrences (contact_id, custom_event_id, occurred_at);

-- A contact's live occurrences of a custom event over all days. The
-- drilldown ranks contacts by it to find the busiest ones of a range
-- quickly. Rows stay, with zero, after every occurrence is gone.
CREATE TABLE event_contact_totals (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	live_events     bigint NOT NULL CHECK (live_events >= 0),
	PRIMARY KEY (contact_id, custom_event_id)
);
CREATE INDEX event_contact_totals_rank_idx ON event_contact_totals (account_id, custom_event_id, live_events DESC, contact_id DESC);

-- Per custom event and local day: occurrences (live and expired) and the
-- number of event_contact_days rows, which is the day's distinct contacts.
-- Neither count has a CHECK (>= 0): compaction adds negative changes with
-- INSERT ... ON CONFLICT DO UPDATE, and PostgreSQL checks the row it would
-- insert before it finds the conflict.
CREATE TABLE event_day_totals (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	day             date NOT NULL,
	events          bigint NOT NULL,
	contacts        bigint NOT NULL,
	-- INCLUDE lets reports read the counts with an index-only scan.
	PRIMARY KEY (account_id, custom_event_id, day) INCLUDE (events, contacts)
);
CREATE INDEX event_day_totals_empty_idx ON event_day_totals (account_id) WHERE contacts = 0;

CREATE TABLE event_day_total_changes (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	day             date NOT NULL,
	events          bigint NOT NULL,
	contacts        bigint NOT NULL
);
CREATE INDEX event_day_total_changes_day_idx ON event_day_total_changes (account_id, custom_event_id, day);

-- Per custom event, day and previous_day: how many event_contact_days rows
-- on day belong to a contact whose latest earlier row is on previous_day,
-- or '-infinity' when there is none. A contact with rows on several days of
-- a range has one gap per row after the first whose previous_day is in the
-- range, so the distinct contacts of days a..b are the sum of the days'
-- contacts minus the gaps with a <= previous_day and day <= b. contacts
-- has no CHECK, for the reason given at event_day_totals.
CREATE TABLE event_day_gaps (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	previous_day    date NOT NULL,
	day             date NOT NULL,
	contacts        bigint NOT NULL,
	PRIMARY KEY (account_id, custom_event_id, previous_day, day) INCLUDE (contacts),
	CHECK (previous_day < day)
);
CREATE INDEX event_day_gaps_empty_idx ON event_day_gaps (account_id) WHERE contacts = 0;

CREATE TABLE event_day_gap_changes (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL REFERENCES custom_events (id) ON DELETE CASCADE,
	previous_day    date NOT NULL,
	day             date NOT NULL,
	contacts        bigint NOT NULL
);
CREATE INDEX event_day_gap_changes_day_idx ON event_day_gap_changes (account_id, custom_event_id, previous_day, day);

-- Layer 1: occurrences to contact-days.
--
-- Each function locks the accounts rows FOR KEY SHARE before it reads their
-- time zones. report_rebuild_account locks the row FOR UPDATE, so a time
-- zone change waits for the transactions that are writing the account's
-- rollups, and they wait for it.

-- report_add_occurrences counts occurrences, given as parallel arrays with
-- one element per occurrence, into event_contact_days.
CREATE FUNCTION report_add_occurrences(p_account_ids bigint[], p_event_ids bigint[], p_contact_ids bigint[], p_times timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	WITH zones AS (
		SELECT a.id, a.time_zone FROM accounts a
		WHERE a.id IN (SELECT DISTINCT unnest(p_account_ids))
		ORDER BY a.id
		FOR KEY SHARE
	)
	INSERT INTO event_contact_days AS r (account_id, custom_event_id, day, contact_id, live_events, first_at, last_at)
	SELECT o.account_id, o.custom_event_id, (o.occurred_at AT TIME ZONE z.time_zone)::date, o.contact_id,
		count(*), min(o.occurred_at), max(o.occurred_at)
	FROM unnest(p_account_ids, p_event_ids, p_contact_ids, p_times) AS o (account_id, custom_event_id, contact_id, occurred_at)
	JOIN zones z ON z.id = o.account_id
	GROUP BY 1, 2, 3, 4
	-- One lock order for every writer, against deadlocks.
	ORDER BY 1, 2, 3, 4
	ON CONFLICT (account_id, custom_event_id, day, contact_id) DO UPDATE SET
		live_events = r.live_events + EXCLUDED.live_events,
		first_at = least(r.first_at, EXCLUDED.first_at),
		last_at = greatest(r.last_at, EXCLUDED.last_at);
END $$;

-- report_remove_occurrences takes occurrences that are no longer in
-- event_occurrences, given as report_add_occurrences takes them, out of
-- event_contact_days. first_at and last_at are read again from the
-- occurrences that remain on the day, and rows left with no count go.
CREATE FUNCTION report_remove_occurrences(p_account_ids bigint[], p_event_ids bigint[], p_contact_ids bigint[], p_times timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	WITH zones AS (
		SELECT a.id, a.time_zone FROM accounts a
		WHERE a.id IN (SELECT DISTINCT unnest(p_account_ids))
		ORDER BY a.id
		FOR KEY SHARE
	), removed AS (
		SELECT o.account_id, o.custom_event_id, (o.occurred_at AT TIME ZONE z.time_zone)::date AS day, o.contact_id,
			z.time_zone, count(*) AS n
		FROM unnest(p_account_ids, p_event_ids, p_contact_ids, p_times) AS o (account_id, custom_event_id, contact_id, occurred_at)
		JOIN zones z ON z.id = o.account_id
		GROUP BY 1, 2, 3, 4, 5
	)
	UPDATE event_contact_days r SET
		live_events = r.live_events - d.n,
		first_at = left_over.first_at,
		last_at = left_over.last_at
	FROM removed d
	CROSS JOIN LATERAL (
		SELECT min(o.occurred_at) AS first_at, max(o.occurred_at) AS last_at
		FROM event_occurrences o
		-- contact_id alone selects one account, and this form uses
		-- event_occurrences_contact_idx.
		WHERE o.contact_id = d.contact_id AND o.custom_event_id = d.custom_event_id
			AND o.occurred_at >= d.day::timestamp AT TIME ZONE d.time_zone
			AND o.occurred_at < (d.day + 1)::timestamp AT TIME ZONE d.time_zone
	) left_over
	WHERE r.account_id = d.account_id AND r.custom_event_id = d.custom_event_id
		AND r.day = d.day AND r.contact_id = d.contact_id;

	DELETE FROM event_contact_days r
	USING (
		SELECT DISTINCT o.account_id, o.custom_event_id, (o.occurred_at AT TIME ZONE a.time_zone)::date AS day, o.contact_id
		FROM unnest(p_account_ids, p_event_ids, p_contact_ids, p_times) AS o (account_id, custom_event_id, contact_id, occurred_at)
		JOIN accounts a ON a.id = o.account_id
	) d
	WHERE r.account_id = d.account_id AND r.custom_event_id = d.custom_event_id
		AND r.day = d.day AND r.contact_id = d.contact_id
		AND r.live_events = 0 AND r.expired_events = 0;
END $$;

CREATE FUNCTION report_occurrences_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM report_add_occurrences(array_agg(account_id), array_agg(custom_event_id), array_agg(contact_id), array_agg(occurred_at))
	FROM report_inserted_occurrences
	HAVING count(*) > 0;
	RETURN NULL;
END $$;

CREATE FUNCTION report_occurrences_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM report_remove_occurrences(array_agg(account_id), array_agg(custom_event_id), array_agg(contact_id), array_agg(occurred_at))
	FROM report_deleted_occurrences
	HAVING count(*) > 0;
	RETURN NULL;
END $$;

-- An update that moves occurrences to another contact (a merge), event or
-- time counts as removing the old rows and adding the new ones.
CREATE FUNCTION report_occurrences_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM report_remove_occurrences(array_agg(o.account_id), array_agg(o.custom_event_id), array_agg(o.contact_id), array_agg(o.occurred_at))
	FROM report_old_occurrences o JOIN report_new_occurrences n ON n.id = o.id
	WHERE (o.account_id, o.custom_event_id, o.contact_id, o.occurred_at) IS DISTINCT FROM (n.account_id, n.custom_event_id, n.contact_id, n.occurred_at)
	HAVING count(*) > 0;
	PERFORM report_add_occurrences(array_agg(n.account_id), array_agg(n.custom_event_id), array_agg(n.contact_id), array_agg(n.occurred_at))
	FROM report_old_occurrences o JOIN report_new_occurrences n ON n.id = o.id
	WHERE (o.account_id, o.custom_event_id, o.contact_id, o.occurred_at) IS DISTINCT FROM (n.account_id, n.custom_event_id, n.contact_id, n.occurred_at)
	HAVING count(*) > 0;
	RETURN NULL;
END $$;

CREATE TRIGGER event_occurrences_report_insert AFTER INSERT ON event_occurrences
	REFERENCING NEW TABLE AS report_inserted_occurrences
	FOR EACH STATEMENT EXECUTE FUNCTION report_occurrences_inserted();
CREATE TRIGGER event_occurrences_report_delete AFTER DELETE ON event_occurrences
	REFERENCING OLD TABLE AS report_deleted_occurrences
	FOR EACH STATEMENT EXECUTE FUNCTION report_occurrences_deleted();
CREATE TRIGGER event_occurrences_report_update AFTER UPDATE ON event_occurrences
	REFERENCING OLD TABLE AS report_old_occurrences NEW TABLE AS report_new_occurrences
	FOR EACH STATEMENT EXECUTE FUNCTION report_occurrences_updated();

-- Layer 2: contact-days to the tables derived from them.
--
-- report_rebuild_account sets customevents.report_rebuild to 'on' for its
-- transaction while it writes every table itself, and these triggers then
-- do nothing.

-- report_shift_gaps appends to event_day_gap_changes what adding (p_added)
-- or removing the given event_contact_days keys changed in event_day_gaps.
-- The keys are already in, or already out of, event_contact_days.
--
-- For each contact and event, only the rows from the first changed day up
-- to the next unchanged row after the last one can change their previous
-- day. The function reads that window and the unchanged row before it, and
-- derives each row's previous day before and after the change.
-- Concurrent changes to one contact's days must not interleave. The callers
-- lock the contact's event_contact_totals row first, and each statement
-- here reads the rows committed before that lock was granted.
CREATE FUNCTION report_shift_gaps(p_account_ids bigint[], p_event_ids bigint[], p_contact_ids bigint[], p_days date[], p_added boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO event_day_gap_changes (account_id, custom_event_id, previous_day, day, contacts)
	WITH changed AS (
		SELECT * FROM unnest(p_account_ids, p_event_ids, p_contact_ids, p_days) AS k (account_id, custom_event_id, contact_id, day)
	), windows AS MATERIALIZED (
		-- Contact ids are unique across accounts, so these lookups leave
		-- account_id out, which lets them use event_contact_days_contact_idx
		-- rather than a range of the primary key.
		SELECT c.account_id, c.custom_event_id, c.contact_id,
			coalesce((
				SELECT max(r.day) FROM event_contact_days r
				WHERE r.contact_id = c.contact_id AND r.custom_event_id = c.custom_event_id
					AND r.day < c.first_day
			), '-infinity') AS lower_day,
			coalesce((
				SELECT min(r.day) FROM event_contact_days r
				WHERE r.contact_id = c.contact_id AND r.custom_event_id = c.custom_event_id
					AND r.day > c.last_day
			), c.last_day) AS upper_day
		FROM (
			SELECT account_id, custom_event_id, contact_id, min(day) AS first_day, max(day) AS last_day
			FROM changed GROUP BY 1, 2, 3
		) c
	), marked AS (
		-- Rows in the window now, the unchanged row before it included,
		-- and the changed keys. A key in both is an added row. The row
		-- before the window gets the same previous day before and after,
		-- so its shifts cancel out.
		SELECT w.account_id, w.custom_event_id, w.contact_id, r.day, 1 AS in_table, 0 AS in_changes
		FROM windows w
		JOIN event_contact_days r ON r.contact_id = w.contact_id AND r.custom_event_id = w.custom_event_id
			AND r.day >= w.lower_day AND r.day <= w.upper_day
		UNION ALL
		SELECT account_id, custom_event_id, contact_id, day, 0, 1
		FROM changed
	), days AS (
		SELECT account_id, custom_event_id, contact_id, day,
			sum(in_table) > 0 AS present_after,
			CASE WHEN p_added THEN sum(in_changes) = 0 ELSE true END AS present_before
		FROM marked
		GROUP BY 1, 2, 3, 4
	), previous AS (
		SELECT account_id, custom_event_id, day, present_after, present_before,
			coalesce(max(day) FILTER (WHERE present_after) OVER earlier, '-infinity') AS previous_after,
			coalesce(max(day) FILTER (WHERE present_before) OVER earlier, '-infinity') AS previous_before
		FROM days
		WINDOW earlier AS (PARTITION BY contact_id, custom_event_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
	), shifts AS (
		SELECT account_id, custom_event_id, previous_after AS previous_day, day, 1 AS contacts
		FROM previous WHERE present_after
		UNION ALL
		SELECT account_id, custom_event_id, previous_before, day, -1
		FROM previous WHERE present_before
	)
	SELECT s.account_id, s.custom_event_id, s.previous_day, s.day, sum(s.contacts)
	FROM shifts s
	-- Deleting an account or an event cascades to event_contact_days, and
	-- the changes of rows that go with their event have nowhere to go.
	JOIN custom_events e ON e.id = s.custom_event_id AND e.account_id = s.account_id
	JOIN accounts a ON a.id = s.account_id
	GROUP BY 1, 2, 3, 4
	HAVING sum(s.contacts) <> 0;
END $$;

CREATE FUNCTION report_contact_days_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('customevents.report_rebuild', true) = 'on' THEN
		RETURN NULL;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM report_added_days) THEN
		RETURN NULL;
	END IF;
	PERFORM 1 FROM accounts WHERE id IN (SELECT account_id FROM report_added_days) ORDER BY id FOR KEY SHARE;

	-- Also the per-contact lock that report_shift_gaps relies on.
	INSERT INTO event_contact_totals AS t (account_id, custom_event_id, contact_id, live_events)
	SELECT account_id, custom_event_id, contact_id, sum(live_events)
	FROM report_added_days
	GROUP BY 1, 2, 3
	ORDER BY contact_id, custom_event_id
	ON CONFLICT (contact_id, custom_event_id) DO UPDATE SET live_events = t.live_events + EXCLUDED.live_events;

	INSERT INTO event_day_total_changes (account_id, custom_event_id, day, events, contacts)
	SELECT account_id, custom_event_id, day, sum(live_events + expired_events), count(*)
	FROM report_added_days
	GROUP BY 1, 2, 3;

	PERFORM report_shift_gaps(array_agg(account_id), array_agg(custom_event_id), array_agg(contact_id), array_agg(day), true)
	FROM report_added_days;
	RETURN NULL;
END $$;

CREATE FUNCTION report_contact_days_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('customevents.report_rebuild', true) = 'on' THEN
		RETURN NULL;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM report_removed_days) THEN
		RETURN NULL;
	END IF;
	PERFORM 1 FROM accounts WHERE id IN (SELECT account_id FROM report_removed_days) ORDER BY id FOR KEY SHARE;

	-- Updating the row also takes the lock that report_shift_gaps relies
	-- on. When the contact itself is being deleted, the cascade may have
	-- removed the row already, and no other writer can reach the contact.
	UPDATE event_contact_totals t SET live_events = t.live_events - s.live_events
	FROM (
		SELECT contact_id, custom_event_id, sum(live_events) AS live_events
		FROM report_removed_days GROUP BY 1, 2
	) s
	WHERE t.contact_id = s.contact_id AND t.custom_event_id = s.custom_event_id;

	-- The join leaves out the rows of an account or event being deleted.
	INSERT INTO event_day_total_changes (account_id, custom_event_id, day, events, contacts)
	SELECT r.account_id, r.custom_event_id, r.day, -sum(r.live_events + r.expired_events), -count(*)
	FROM report_removed_days r
	JOIN custom_events e ON e.id = r.custom_event_id AND e.account_id = r.account_id
	JOIN accounts a ON a.id = r.account_id
	GROUP BY 1, 2, 3;

	PERFORM report_shift_gaps(array_agg(account_id), array_agg(custom_event_id), array_agg(contact_id), array_agg(day), false)
	FROM report_removed_days;
	RETURN NULL;
END $$;

-- Updates change counts and times only: a row never moves to another key,
-- because a moved row would leave its old key's gaps behind.
CREATE FUNCTION report_contact_days_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('customevents.report_rebuild', true) = 'on' THEN
		RETURN NULL;
	END IF;
	IF (SELECT count(*) FROM report_new_days n
		JOIN report_old_days o USING (account_id, custom_event_id, day, contact_id))
		<> (SELECT count(*) FROM report_new_days) THEN
		RAISE EXCEPTION 'event_contact_days rows cannot change their key: delete the row and insert one with the new key';
	END IF;

	UPDATE event_contact_totals t SET live_events = t.live_events + s.change
	FROM (
		SELECT n.contact_id, n.custom_event_id, sum(n.live_events - o.live_events) AS change
		FROM report_new_days n JOIN report_old_days o USING (account_id, custom_event_id, day, contact_id)
		GROUP BY 1, 2
		HAVING sum(n.live_events - o.live_events) <> 0
	) s
	WHERE t.contact_id = s.contact_id AND t.custom_event_id = s.custom_event_id;

	INSERT INTO event_day_total_changes (account_id, custom_event_id, day, events, contacts)
	SELECT n.account_id, n.custom_event_id, n.day, sum(n.live_events + n.expired_events - o.live_events - o.expired_events), 0
	FROM report_new_days n
	JOIN report_old_days o USING (account_id, custom_event_id, day, contact_id)
	JOIN custom_events e ON e.id = n.custom_event_id AND e.account_id = n.account_id
	JOIN accounts a ON a.id = n.account_id
	GROUP BY 1, 2, 3
	HAVING sum(n.live_events + n.expired_events - o.live_events - o.expired_events) <> 0;
	RETURN NULL;
END $$;

CREATE TRIGGER event_contact_days_report_insert AFTER INSERT ON event_contact_days
	REFERENCING NEW TABLE AS report_added_days
	FOR EACH STATEMENT EXECUTE FUNCTION report_contact_days_inserted();
CREATE TRIGGER event_contact_days_report_delete AFTER DELETE ON event_contact_days
	REFERENCING OLD TABLE AS report_removed_days
	FOR EACH STATEMENT EXECUTE FUNCTION report_contact_days_deleted();
CREATE TRIGGER event_contact_days_report_update AFTER UPDATE ON event_contact_days
	REFERENCING OLD TABLE AS report_old_days NEW TABLE AS report_new_days
	FOR EACH STATEMENT EXECUTE FUNCTION report_contact_days_updated();

-- report_rebuild_account computes every rollup of one account again from
-- event_occurrences in its current time zone. Expired counts stay on the
-- day they were counted on, because their occurrences are gone. It locks
-- the account row FOR UPDATE for the rest of the transaction.
CREATE FUNCTION report_rebuild_account(p_account_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	zone text;
BEGIN
	SELECT time_zone INTO zone FROM accounts WHERE id = p_account_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	-- Fails with "time zone ... not recognized" for an unknown zone.
	PERFORM now() AT TIME ZONE zone;
	PERFORM set_config('customevents.report_rebuild', 'on', true);

	-- The change tables first: a concurrent compaction that already took
	-- some of their rows then finishes before this function writes the
	-- compacted tables.
	DELETE FROM event_day_total_changes WHERE account_id = p_account_id;
	DELETE FROM event_day_gap_changes WHERE account_id = p_account_id;
	DELETE FROM event_day_totals WHERE account_id = p_account_id;
	DELETE FROM event_day_gaps WHERE account_id = p_account_id;
	DELETE FROM event_contact_totals WHERE account_id = p_account_id;

	DELETE FROM event_contact_days WHERE account_id = p_account_id AND expired_events = 0;
	UPDATE event_contact_days SET live_events = 0, first_at = NULL, last_at = NULL
	WHERE account_id = p_account_id AND live_events > 0;
	INSERT INTO event_contact_days AS r (account_id, custom_event_id, day, contact_id, live_events, first_at, last_at)
	SELECT account_id, custom_event_id, (occurred_at AT TIME ZONE zone)::date, contact_id,
		count(*), min(occurred_at), max(occurred_at)
	FROM event_occurrences
	WHERE account_id = p_account_id
	GROUP BY 1, 2, 3, 4
	-- The order in which the triggers would have created the rows.
	ORDER BY min(occurred_at)
	ON CONFLICT (account_id, custom_event_id, day, contact_id) DO UPDATE SET
		live_events = EXCLUDED.live_events, first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at;

	INSERT INTO event_contact_totals (account_id, custom_event_id, contact_id, live_events)
	SELECT account_id, custom_event_id, contact_id, sum(live_events)
	FROM event_contact_days
	WHERE account_id = p_account_id
	GROUP BY 1, 2, 3;

	INSERT INTO event_day_totals (account_id, custom_event_id, day, events, contacts)
	SELECT account_id, custom_event_id, day, sum(live_events + expired_events), count(*)
	FROM event_contact_days
	WHERE account_id = p_account_id
	GROUP BY 1, 2, 3
	ORDER BY 1, 2, 3;

	INSERT INTO event_day_gaps (account_id, custom_event_id, previous_day, day, contacts)
	SELECT account_id, custom_event_id, previous_day, day, count(*)
	FROM (
		SELECT account_id, custom_event_id, day,
			lag(day, 1, '-infinity') OVER (PARTITION BY contact_id, custom_event_id ORDER BY day) AS previous_day
		FROM event_contact_days
		WHERE account_id = p_account_id
	) s
	GROUP BY 1, 2, 3, 4
	-- Rows that reports read together share pages.
	ORDER BY 1, 2, 3, 4;

	PERFORM set_config('customevents.report_rebuild', '', true);
END $$;

CREATE FUNCTION report_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM report_rebuild_account(NEW.id);
	RETURN NULL;
END $$;

CREATE TRIGGER accounts_report_time_zone AFTER UPDATE OF time_zone ON accounts
	FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
	EXECUTE FUNCTION report_time_zone_changed();

-- With plan_cache_mode = auto, PostgreSQL planned the statements of these
-- functions again on every call, because a plan for a one-element array
-- looks cheaper than the generic one. Planning took longer than running
-- them, and doubled the cost of a one-row insert in a trial. The generic
-- plans join by index lookups, which suit one row and large statements.
ALTER FUNCTION report_add_occurrences(bigint[], bigint[], bigint[], timestamptz[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION report_remove_occurrences(bigint[], bigint[], bigint[], timestamptz[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION report_shift_gaps(bigint[], bigint[], bigint[], date[], boolean) SET plan_cache_mode = force_generic_plan;

-- Existing data: count every account's occurrences. This reads every
-- occurrence once, so it takes minutes on a large database (317 s for 10
-- million in the benchmark of docs/benchmarks.md).
SELECT report_rebuild_account(id) FROM accounts ORDER BY id;
