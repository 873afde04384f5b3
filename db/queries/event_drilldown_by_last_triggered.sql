-- Lists the contacts behind one custom event's live occurrences over local
-- days of the account, one row per contact, as event_drilldown_by_count.sql
-- does. Rows are ordered by the time of each contact's last occurrence,
-- latest first, and ties by contact id, largest first. With ?has_cursor,
-- only rows after the cursor's time and contact id in that order are
-- returned.
--
-- A contact's last occurrence in the range is on its latest
-- event_contact_days row in the range, and a later local day means a later
-- time. So the query walks the range's rows from the last day back, keeps
-- each contact's latest row, and stops when the page is full. It counts the
-- occurrences of those contacts only.
--
-- Named arguments: ?account_id, ?event_id, ?first_day and ?last_day as
-- YYYY-MM-DD, ?search_pattern (a LIKE pattern with backslash escapes, or
-- empty for every contact), ?has_cursor, ?cursor_time (RFC 3339),
-- ?cursor_contact_id and ?row_limit.
WITH page AS (
	SELECT d.contact_id, d.day, d.last_at AS last_triggered_at
	FROM event_contact_days d
	WHERE d.account_id = ?account_id
		AND d.custom_event_id = ?event_id
		AND d.day BETWEEN ?first_day::date AND ?last_day::date
		AND d.live_events > 0
		-- Rows after the cursor's local day cannot follow it.
		AND (
			NOT ?has_cursor
			OR d.day <= (
				SELECT (?cursor_time::timestamptz AT TIME ZONE a.time_zone)::date
				FROM accounts a WHERE a.id = ?account_id)
		)
		AND (
			NOT ?has_cursor
			OR (d.last_at, d.contact_id) < (?cursor_time::timestamptz, ?cursor_contact_id)
		)
		-- The contact's latest row in the range. Every row of the last
		-- day is one.
		AND (
			d.day = ?last_day::date
			OR NOT EXISTS (
				SELECT 1 FROM event_contact_days n
				WHERE n.contact_id = d.contact_id
					AND n.custom_event_id = ?event_id
					AND n.day > d.day
					AND n.day <= ?last_day::date
					AND n.live_events > 0)
		)
		AND (
			?search_pattern = ''
			OR EXISTS (
				SELECT 1 FROM contacts c
				WHERE c.account_id = ?account_id AND c.id = d.contact_id
					AND (segment_fold(concat_ws(' ', c.first_name, c.last_name)) LIKE segment_fold(?search_pattern)
						OR segment_fold(c.email) LIKE segment_fold(?search_pattern)
						OR segment_fold(c.company) LIKE segment_fold(?search_pattern)))
		)
	ORDER BY d.day DESC, d.last_at DESC, d.contact_id DESC
	LIMIT ?row_limit
)
SELECT
	p.contact_id,
	c.first_name,
	c.last_name,
	c.email,
	c.company,
	s.trigger_count,
	s.first_triggered_at,
	p.last_triggered_at,
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
	SELECT sum(d.live_events) AS trigger_count, min(d.first_at) AS first_triggered_at
	FROM event_contact_days d
	WHERE d.contact_id = p.contact_id
		AND d.custom_event_id = ?event_id
		AND d.day BETWEEN ?first_day::date AND p.day
		AND d.live_events > 0
) s
LEFT JOIN LATERAL (
	SELECT o.page_url, o.channel, o.utm_source, o.utm_medium, o.utm_campaign, o.utm_term, o.utm_content
	FROM event_occurrences o
	WHERE o.account_id = ?account_id
		AND o.contact_id = p.contact_id
		AND o.custom_event_id = ?event_id
		AND o.occurred_at = p.last_triggered_at
	ORDER BY o.id DESC
	LIMIT 1
) l ON true
ORDER BY p.last_triggered_at DESC, p.contact_id DESC
