-- The reference for the drilldown queries: the same rows computed from
-- event_occurrences without the rollups, reading every occurrence in the
-- range. Tests compare the two, and `make bench-report` times both.
--
-- Lists the contacts behind one custom event's occurrences over calendar
-- days read in the account's time zone, one row per contact, with the page,
-- channel and UTM fields of the contact's last occurrence. Occurrences at the
-- same time are ordered by id, so the later-stored one counts as last.
--
-- Rows are ordered by ?order, largest first: 'count' sorts by the number of
-- occurrences, 'last_triggered' by the time of the last one, and both break
-- ties by contact id, largest first. With ?has_cursor, only rows after the
-- cursor's key and contact id in that order are returned (keyset paging).
--
-- Named arguments: ?account_id, ?event_id, ?first_day and ?last_day as
-- YYYY-MM-DD, ?search_pattern (a LIKE pattern with backslash escapes, or
-- empty for every contact), ?order, ?has_cursor, ?cursor_count,
-- ?cursor_time (RFC 3339), ?cursor_contact_id and ?row_limit.
WITH bounds AS (
	SELECT
		(?first_day::date)::timestamp AT TIME ZONE a.time_zone AS starts_at,
		(?last_day::date + 1)::timestamp AT TIME ZONE a.time_zone AS ends_at
	FROM accounts a
	WHERE a.id = ?account_id
),
occurrences AS (
	SELECT
		o.id, o.contact_id, o.occurred_at, o.page_url, o.channel,
		o.utm_source, o.utm_medium, o.utm_campaign, o.utm_term, o.utm_content
	FROM event_occurrences o
	WHERE o.account_id = ?account_id
		AND o.custom_event_id = ?event_id
		AND o.occurred_at >= (SELECT starts_at FROM bounds)
		AND o.occurred_at < (SELECT ends_at FROM bounds)
),
per_contact AS (
	SELECT
		contact_id,
		count(*) AS trigger_count,
		min(occurred_at) AS first_triggered_at,
		max(occurred_at) AS last_triggered_at
	FROM occurrences
	GROUP BY contact_id
),
last_trigger AS (
	SELECT DISTINCT ON (contact_id)
		contact_id, page_url, channel, utm_source, utm_medium, utm_campaign,
		utm_term, utm_content
	FROM occurrences
	ORDER BY contact_id, occurred_at DESC, id DESC
)
SELECT
	p.contact_id,
	c.first_name,
	c.last_name,
	c.email,
	c.company,
	p.trigger_count,
	p.first_triggered_at,
	p.last_triggered_at,
	l.page_url,
	l.channel,
	l.utm_source,
	l.utm_medium,
	l.utm_campaign,
	l.utm_term,
	l.utm_content,
	e.is_conversion
FROM per_contact p
JOIN last_trigger l ON l.contact_id = p.contact_id
JOIN contacts c ON c.account_id = ?account_id AND c.id = p.contact_id
JOIN custom_events e ON e.account_id = ?account_id AND e.id = ?event_id
WHERE (
		?search_pattern = ''
		OR segment_fold(concat_ws(' ', c.first_name, c.last_name)) LIKE segment_fold(?search_pattern)
		OR segment_fold(c.email) LIKE segment_fold(?search_pattern)
		OR segment_fold(c.company) LIKE segment_fold(?search_pattern)
	)
	AND (
		NOT ?has_cursor
		OR (?order = 'count'
			AND (p.trigger_count, p.contact_id) < (?cursor_count, ?cursor_contact_id))
		OR (?order = 'last_triggered'
			AND (p.last_triggered_at, p.contact_id) < (?cursor_time::timestamptz, ?cursor_contact_id))
	)
ORDER BY
	CASE WHEN ?order = 'count' THEN p.trigger_count END DESC,
	CASE WHEN ?order = 'last_triggered' THEN p.last_triggered_at END DESC,
	p.contact_id DESC
LIMIT ?row_limit
