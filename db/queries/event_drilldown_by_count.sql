-- Lists the contacts behind one custom event's live occurrences over local
-- days of the account, one row per contact, with the page, channel and UTM
-- fields of the contact's last occurrence, from the rollups. Occurrences at
-- the same time are ordered by id, so the later-stored one counts as last.
--
-- Rows are ordered by the number of occurrences, largest first, and ties by
-- contact id, largest first. With ?has_cursor, only rows after the cursor's
-- count and contact id in that order are returned (keyset paging).
--
-- ?min_count comes from event_drilldown_threshold.sql: no row of the page
-- has fewer occurrences than it. ?read picks how the counts are read:
--
--   lookups  Only contacts with at least ?min_count occurrences over all
--            days, one index lookup each.
--   links    Only contacts with two or more occurrences in the range,
--            from event_contact_day_links and the range's rows whose count
--            is not 1. Every contact left out has exactly one, so these
--            rows are right as long as they fill the page.
--   range    Every event_contact_days row of the range.
--
-- Named arguments: ?account_id, ?event_id, ?first_day and ?last_day as
-- YYYY-MM-DD, ?search_pattern (a LIKE pattern with backslash escapes, or
-- empty for every contact), ?has_cursor, ?cursor_count, ?cursor_contact_id,
-- ?min_count, ?read and ?row_limit.
WITH per_contact AS (
	SELECT t.contact_id, s.trigger_count
	FROM event_contact_totals t
	CROSS JOIN LATERAL (
		-- The contact id comes from this account, so the lookup can use
		-- event_contact_days_contact_idx without account_id.
		SELECT sum(d.live_events) AS trigger_count
		FROM event_contact_days d
		WHERE d.contact_id = t.contact_id
			AND d.custom_event_id = ?event_id
			AND d.day BETWEEN ?first_day::date AND ?last_day::date
			AND d.live_events > 0
	) s
	WHERE ?read = 'lookups'
		AND t.account_id = ?account_id
		AND t.custom_event_id = ?event_id
		AND t.live_events >= ?min_count
		AND s.trigger_count >= ?min_count
	UNION ALL
	-- Hashing every contact of the range is the main cost here, so this
	-- computes the sum alone. The page's times are read below.
	SELECT d.contact_id, sum(d.live_events) AS trigger_count
	FROM event_contact_days d
	WHERE ?read = 'range'
		AND d.account_id = ?account_id
		AND d.custom_event_id = ?event_id
		AND d.day BETWEEN ?first_day::date AND ?last_day::date
		AND d.live_events > 0
	GROUP BY d.contact_id
	HAVING sum(d.live_events) >= ?min_count
	UNION ALL
	-- A contact has one row more in the range than links with both days
	-- there. Its count is that number of rows plus live_events - 1 of
	-- each row whose count is not 1. A row of expired occurrences alone
	-- has a count of 0.
	SELECT coalesce(m.contact_id, u.contact_id), coalesce(m.days, 1) + coalesce(u.extra, 0)
	FROM (
		SELECT l.contact_id, count(*) + 1 AS days
		FROM event_contact_day_links l
		WHERE ?read = 'links'
			AND l.account_id = ?account_id
			AND l.custom_event_id = ?event_id
			AND l.previous_day BETWEEN ?first_day::date AND ?last_day::date
			AND l.day <= ?last_day::date
		GROUP BY l.contact_id
	) m
	FULL JOIN (
		SELECT d.contact_id, sum(d.live_events - 1) AS extra
		FROM event_contact_days d
		WHERE ?read = 'links'
			AND d.account_id = ?account_id
			AND d.custom_event_id = ?event_id
			AND d.day BETWEEN ?first_day::date AND ?last_day::date
			AND d.live_events <> 1
		GROUP BY d.contact_id
	) u ON u.contact_id = m.contact_id
	WHERE coalesce(m.days, 1) + coalesce(u.extra, 0) >= greatest(?min_count, 2)
),
page AS (
	SELECT p.*
	FROM per_contact p
	WHERE (
			NOT ?has_cursor
			OR (p.trigger_count, p.contact_id) < (?cursor_count, ?cursor_contact_id)
		)
		AND (
			?search_pattern = ''
			OR EXISTS (
				SELECT 1 FROM contacts c
				WHERE c.account_id = ?account_id AND c.id = p.contact_id
					AND (segment_fold(concat_ws(' ', c.first_name, c.last_name)) LIKE segment_fold(?search_pattern)
						OR segment_fold(c.email) LIKE segment_fold(?search_pattern)
						OR segment_fold(c.company) LIKE segment_fold(?search_pattern)))
		)
	ORDER BY p.trigger_count DESC, p.contact_id DESC
	LIMIT ?row_limit
)
SELECT
	p.contact_id,
	c.first_name,
	c.last_name,
	c.email,
	c.company,
	p.trigger_count,
	t.first_triggered_at,
	t.last_triggered_at,
	coalesce(l.page_url, '') AS page_url,
	coalesce(l.channel, 'DIRECT') AS channel,
	coalesce(l.utm_source, '') AS utm_source,
	coalesce(l.utm_medium, '') AS utm_medium,
	coalesce(l.utm_campaign, '') AS utm_campaign,
	coalesce(l.utm_term, '') AS utm_term,
	coalesce(l.utm_content, '') AS utm_content,
	e.is_conversion
FROM page p
JOIN contacts c ON c.account_id = ?account_id AND c.id = p.contact_id
JOIN custom_events e ON e.account_id = ?account_id AND e.id = ?event_id
CROSS JOIN LATERAL (
	SELECT min(d.first_at) AS first_triggered_at, max(d.last_at) AS last_triggered_at
	FROM event_contact_days d
	WHERE d.contact_id = p.contact_id
		AND d.custom_event_id = ?event_id
		AND d.day BETWEEN ?first_day::date AND ?last_day::date
		AND d.live_events > 0
) t
LEFT JOIN LATERAL (
	SELECT o.page_url, o.channel, o.utm_source, o.utm_medium, o.utm_campaign, o.utm_term, o.utm_content
	FROM event_occurrences o
	WHERE o.account_id = ?account_id
		AND o.contact_id = p.contact_id
		AND o.custom_event_id = ?event_id
		AND o.occurred_at = t.last_triggered_at
	ORDER BY o.id DESC
	LIMIT 1
) l ON true
ORDER BY p.trigger_count DESC, p.contact_id DESC
