-- Links between each contact's days of an event, so that the count-ordered
-- drilldown can skip the contacts with a single row in a range.
--
-- event_contact_day_links has one row per event_contact_days row that has
-- an earlier row of the same contact and event, with the day of the latest
-- such row. A contact's rows in the range a..b after its first one are
-- exactly its links with a <= previous_day and day <= b. So a contact with
-- rows in a..b has one row more there than such links. report_shift_gaps,
-- which already derives every row's previous day for event_day_gaps, keeps
-- the links in the same statement. report_rebuild_account computes them
-- again.
--
-- Only account_id has a foreign key. Checking the contact and the event of
-- every new link made an ingest batch of returning contacts about 40 %
-- slower in BenchmarkRecordBatch, and the links of a deleted contact or
-- event go with its event_contact_days rows, through report_shift_gaps.
CREATE TABLE event_contact_day_links (
	account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	custom_event_id bigint NOT NULL,
	contact_id      bigint NOT NULL,
	day             date NOT NULL,
	previous_day    date NOT NULL,
	-- The key of the later row, which has one previous day. Keying by
	-- previous_day instead would make an inserted row's two links collide
	-- with the one they replace within one statement.
	PRIMARY KEY (contact_id, custom_event_id, day),
	CHECK (previous_day < day)
);
-- The drilldown reads a range's links in one index-only scan.
CREATE INDEX event_contact_day_links_range_idx ON event_contact_day_links (account_id, custom_event_id, previous_day)
	INCLUDE (day, contact_id);

-- With the links, a contact's count in a range is its number of rows there
-- plus live_events - 1 of each row whose live_events is not 1. Such rows
-- are few when counts are flat, and this index lists them.
CREATE INDEX event_contact_days_uneven_idx ON event_contact_days (account_id, custom_event_id, day)
	INCLUDE (contact_id, live_events)
	WHERE live_events <> 1;

-- report_shift_gaps appends to event_day_gap_changes what adding (p_added)
-- or removing the given event_contact_days keys changed in event_day_gaps,
-- and updates event_contact_day_links to match. The keys are already in,
-- or already out of, event_contact_days.
--
-- For each contact and event, only the rows from the first changed day up
-- to the next unchanged row after the last one can change their previous
-- day. The function reads that window and the unchanged row before it, and
-- derives each row's previous day before and after the change.
-- Concurrent changes to one contact's days must not interleave. The callers
-- lock the contact's event_contact_totals row first, and each statement
-- here reads the rows committed before that lock was granted.
CREATE OR REPLACE FUNCTION report_shift_gaps(p_account_ids bigint[], p_event_ids bigint[], p_contact_ids bigint[], p_days date[], p_added boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
		-- so its shifts cancel out, and its link stays as it is.
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
	), previous AS MATERIALIZED (
		SELECT account_id, custom_event_id, contact_id, day, present_after, present_before,
			coalesce(max(day) FILTER (WHERE present_after) OVER earlier, '-infinity') AS previous_after,
			coalesce(max(day) FILTER (WHERE present_before) OVER earlier, '-infinity') AS previous_before
		FROM days
		WINDOW earlier AS (PARTITION BY contact_id, custom_event_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
	), links AS (
		-- A row's link before and after the change, '-infinity' standing
		-- for none. Each key is in at most one of the three statements
		-- below, so they do not depend on each other's order.
		SELECT account_id, custom_event_id, contact_id, day,
			CASE WHEN present_before THEN previous_before ELSE '-infinity' END AS linked_before,
			CASE WHEN present_after THEN previous_after ELSE '-infinity' END AS linked_after
		FROM previous
	), relinked AS (
		UPDATE event_contact_day_links l SET previous_day = k.linked_after
		FROM links k
		WHERE k.linked_before > '-infinity' AND k.linked_after > '-infinity' AND k.linked_before <> k.linked_after
			AND l.contact_id = k.contact_id AND l.custom_event_id = k.custom_event_id AND l.day = k.day
	), unlinked AS (
		DELETE FROM event_contact_day_links l
		USING links k
		WHERE k.linked_before > '-infinity' AND k.linked_after = '-infinity'
			AND l.contact_id = k.contact_id AND l.custom_event_id = k.custom_event_id AND l.day = k.day
	), linked AS (
		INSERT INTO event_contact_day_links (account_id, custom_event_id, contact_id, day, previous_day)
		SELECT k.account_id, k.custom_event_id, k.contact_id, k.day, k.linked_after
		FROM links k
		WHERE k.linked_before = '-infinity' AND k.linked_after > '-infinity'
	), shifts AS (
		SELECT account_id, custom_event_id, previous_after AS previous_day, day, 1 AS contacts
		FROM previous WHERE present_after
		UNION ALL
		SELECT account_id, custom_event_id, previous_before, day, -1
		FROM previous WHERE present_before
	)
	INSERT INTO event_day_gap_changes (account_id, custom_event_id, previous_day, day, contacts)
	SELECT s.account_id, s.custom_event_id, s.previous_day, s.day, sum(s.contacts)
	FROM shifts s
	-- Deleting an account or an event cascades to event_contact_days, and
	-- the changes of rows that go with their event have nowhere to go.
	JOIN custom_events e ON e.id = s.custom_event_id AND e.account_id = s.account_id
	JOIN accounts a ON a.id = s.account_id
	GROUP BY 1, 2, 3, 4
	HAVING sum(s.contacts) <> 0;
END $$;

-- report_rebuild_account computes every rollup of one account again from
-- event_occurrences in its current time zone. Expired counts stay on the
-- day they were counted on, because their occurrences are gone. It locks
-- the account row FOR UPDATE for the rest of the transaction.
CREATE OR REPLACE FUNCTION report_rebuild_account(p_account_id bigint) RETURNS void LANGUAGE plpgsql AS $$
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
	DELETE FROM event_contact_day_links WHERE account_id = p_account_id;

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

	INSERT INTO event_contact_day_links (account_id, custom_event_id, contact_id, day, previous_day)
	SELECT account_id, custom_event_id, contact_id, day, previous_day
	FROM (
		SELECT account_id, custom_event_id, contact_id, day,
			lag(day) OVER (PARTITION BY contact_id, custom_event_id ORDER BY day) AS previous_day
		FROM event_contact_days
		WHERE account_id = p_account_id
	) s
	WHERE previous_day IS NOT NULL;

	PERFORM set_config('customevents.report_rebuild', '', true);
END $$;

-- CREATE OR REPLACE drops the settings that migration
-- 20261204000009_report_rollups gave the function; see the reason there.
ALTER FUNCTION report_shift_gaps(bigint[], bigint[], bigint[], date[], boolean) SET plan_cache_mode = force_generic_plan;

-- Existing data: link every account's rows.
INSERT INTO event_contact_day_links (account_id, custom_event_id, contact_id, day, previous_day)
SELECT account_id, custom_event_id, contact_id, day, previous_day
FROM (
	SELECT account_id, custom_event_id, contact_id, day,
		lag(day) OVER (PARTITION BY contact_id, custom_event_id ORDER BY day) AS previous_day
	FROM event_contact_days
) s
WHERE previous_day IS NOT NULL;
