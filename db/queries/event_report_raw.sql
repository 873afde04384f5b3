-- The reference for event_report.sql: the same result computed from
-- event_occurrences without the daily rollups, reading every occurrence in
-- the range. Tests compare the two, and `make bench-report` times both.
--
-- Counts one custom event's occurrences and distinct contacts on each
-- calendar day of a range, over the whole range, and over the previous period
-- that ends the day before the range starts. Days are read in the account's
-- time zone: a local day runs from its local midnight to the next one, so it
-- lasts 23 or 25 hours across a DST change.
--
-- Returns one row per day of the range, first day first, days without
-- occurrences included. The totals repeat on every row, so that every number
-- comes from one snapshot.
--
-- Named arguments: ?account_id, ?event_id, and the days ?first_day, ?last_day
-- and ?previous_first_day as YYYY-MM-DD.
WITH bounds AS (
	SELECT
		a.time_zone,
		(?previous_first_day::date)::timestamp AT TIME ZONE a.time_zone AS starts_at,
		(?last_day::date + 1)::timestamp AT TIME ZONE a.time_zone AS ends_at
	FROM accounts a
	WHERE a.id = ?account_id
),
-- Raw occurrences count one each. Occurrences that retention deleted are
-- counted from event_contact_days, where n is a contact's expired count of
-- a day.
occurrences AS (
	SELECT
		(o.occurred_at AT TIME ZONE (SELECT time_zone FROM bounds))::date AS day,
		o.contact_id,
		1 AS n
	FROM event_occurrences o
	WHERE o.account_id = ?account_id
		AND o.custom_event_id = ?event_id
		AND o.occurred_at >= (SELECT starts_at FROM bounds)
		AND o.occurred_at < (SELECT ends_at FROM bounds)
	UNION ALL
	SELECT r.day, r.contact_id, r.expired_events AS n
	FROM event_contact_days r
	WHERE r.account_id = ?account_id
		AND r.custom_event_id = ?event_id
		AND r.day >= ?previous_first_day::date
		AND r.day <= ?last_day::date
		AND r.expired_events > 0
),
per_day AS (
	SELECT day, sum(n) AS count, count(DISTINCT contact_id) AS unique_contacts
	FROM occurrences
	WHERE day >= ?first_day::date
	GROUP BY day
),
totals AS (
	SELECT
		coalesce(sum(n) FILTER (WHERE day >= ?first_day::date), 0) AS events_triggered,
		count(DISTINCT contact_id) FILTER (WHERE day >= ?first_day::date) AS unique_contacts,
		coalesce(sum(n) FILTER (WHERE day < ?first_day::date), 0) AS previous_events_triggered,
		count(DISTINCT contact_id) FILTER (WHERE day < ?first_day::date) AS previous_unique_contacts
	FROM occurrences
),
-- Integer offsets from the first day, so the series is one local date per
-- step whatever the session's time zone.
days AS (
	SELECT ?first_day::date + i AS day
	FROM generate_series(0, ?last_day::date - ?first_day::date) AS i
)
SELECT
	to_char(days.day, 'YYYY-MM-DD') AS date,
	coalesce(per_day.count, 0) AS count,
	coalesce(per_day.unique_contacts, 0) AS day_unique_contacts,
	totals.events_triggered,
	totals.unique_contacts,
	totals.previous_events_triggered,
	totals.previous_unique_contacts
FROM days
LEFT JOIN per_day ON per_day.day = days.day
CROSS JOIN totals
ORDER BY days.day
