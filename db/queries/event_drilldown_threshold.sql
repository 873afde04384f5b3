-- Finds a trigger count that every row of a drilldown page in the count
-- order reaches, so that event_drilldown_by_count.sql can skip the contacts
-- below it, and picks how that query reads the range.
--
-- It takes the ?sample contacts with the most live occurrences of the event
-- over all days (event_contact_totals) and counts their occurrences in the
-- range. Of those that the search and the cursor let through, it returns
-- the ?row_limit-th largest count as min_count. At least ?row_limit
-- of the eligible contacts reach that count, so every contact of the page
-- reaches it too, and no contact can reach it in the range without reaching
-- it over all days. min_count is 1 when fewer than ?row_limit sampled
-- contacts are eligible. scan_range tells the page query whether to read
-- every row of the range rather than each candidate's days, and read_links
-- whether to read the range's links first.
--
-- Named arguments: as event_drilldown_by_count.sql, and ?sample.
WITH leaders AS (
	SELECT t.contact_id
	FROM event_contact_totals t
	WHERE t.account_id = ?account_id
		AND t.custom_event_id = ?event_id
		AND t.live_events > 0
	ORDER BY t.live_events DESC, t.contact_id DESC
	LIMIT ?sample
),
counted AS (
	SELECT l.contact_id, s.trigger_count
	FROM leaders l
	CROSS JOIN LATERAL (
		-- The contact id comes from this account, so the lookup can use
		-- event_contact_days_contact_idx without account_id.
		SELECT sum(d.live_events) AS trigger_count
		FROM event_contact_days d
		WHERE d.contact_id = l.contact_id
			AND d.custom_event_id = ?event_id
			AND d.day BETWEEN ?first_day::date AND ?last_day::date
			AND d.live_events > 0
	) s
	WHERE s.trigger_count > 0
),
threshold AS MATERIALIZED (
	SELECT coalesce((
		SELECT c.trigger_count
		FROM counted c
		WHERE (
				NOT ?has_cursor
				OR (c.trigger_count, c.contact_id) < (?cursor_count, ?cursor_contact_id)
			)
			AND (
				?search_pattern = ''
				OR EXISTS (
					SELECT 1 FROM contacts ct
					WHERE ct.account_id = ?account_id AND ct.id = c.contact_id
						AND (segment_fold(concat_ws(' ', ct.first_name, ct.last_name)) LIKE segment_fold(?search_pattern)
							OR segment_fold(ct.email) LIKE segment_fold(?search_pattern)
							OR segment_fold(ct.company) LIKE segment_fold(?search_pattern)))
			)
		ORDER BY c.trigger_count DESC
		OFFSET ?row_limit - 1
		LIMIT 1
	), 1) AS min_count
),
-- The event_contact_days rows of the range.
range_rows AS (
	SELECT coalesce(sum(contacts), 0) AS rows
	FROM (
		SELECT contacts FROM event_day_totals
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND day BETWEEN ?first_day::date AND ?last_day::date
		UNION ALL
		SELECT contacts FROM event_day_total_changes
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND day BETWEEN ?first_day::date AND ?last_day::date
	) t
),
-- A tenth of them.
budget AS (
	SELECT rows / 10 AS rows FROM range_rows
),
choice AS (
	SELECT
		t.min_count,
		-- Looking up one contact's days costs about as much as reading
		-- ten rows of the range in order (an estimate), so the page query
		-- scans the range when more candidates than that reach the bound.
		-- Counting stops at the budget.
		t.min_count <= 1 OR (
			SELECT count(*) FROM (
				SELECT 1 FROM event_contact_totals c
				WHERE c.account_id = ?account_id
					AND c.custom_event_id = ?event_id
					AND c.live_events >= t.min_count
				LIMIT (SELECT rows FROM budget) + 1
			) candidates
		) > (SELECT rows FROM budget) AS scan_range
	FROM threshold t
)
SELECT
	c.min_count,
	c.scan_range,
	-- The links read costs about one index entry per link and per uneven
	-- row of the range, the range read one per row. So the links read is
	-- chosen when those entries are at most half the range's rows. The
	-- range's links are the contact-day rows whose previous day is in the
	-- range, which event_day_gaps counts by pair of days. Counting uneven
	-- rows stops at the limit. PostgreSQL runs these subqueries only when
	-- scan_range is true.
	CASE WHEN c.scan_range THEN (
		SELECT coalesce(sum(g.contacts), 0)
		FROM (
			SELECT contacts FROM event_day_gaps
			WHERE account_id = ?account_id
				AND custom_event_id = ?event_id
				AND previous_day BETWEEN ?first_day::date AND ?last_day::date
				AND day <= ?last_day::date
			UNION ALL
			SELECT contacts FROM event_day_gap_changes
			WHERE account_id = ?account_id
				AND custom_event_id = ?event_id
				AND previous_day BETWEEN ?first_day::date AND ?last_day::date
				AND day <= ?last_day::date
		) g
	) + (
		SELECT count(*) FROM (
			SELECT 1 FROM event_contact_days d
			WHERE d.account_id = ?account_id
				AND d.custom_event_id = ?event_id
				AND d.day BETWEEN ?first_day::date AND ?last_day::date
				AND d.live_events <> 1
			LIMIT (SELECT rows FROM range_rows) / 2 + 1
		) uneven
	) <= (SELECT rows FROM range_rows) / 2 ELSE false END AS read_links
FROM choice c
