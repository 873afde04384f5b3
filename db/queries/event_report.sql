-- Counts one custom event's occurrences and distinct contacts on each
-- calendar day of a range, over the whole range, and over the previous period
-- that ends the day before the range starts. Days are the account's local
-- days, as the rollups store them (migration 20261204000009), so a day lasts
-- 23 or 25 hours across a DST change.
--
-- It reads the rollups, never event_occurrences: per day, the compacted
-- event_day_totals row plus the pending event_day_total_changes rows, and
-- the same for event_day_gaps. A contact counts once per day on its
-- event_contact_days row. Over a period of days a..b, each contact's rows
-- after its first one in the period have a gap with a <= previous_day, so
-- the distinct contacts are the sum of the days' contacts minus those gaps.
-- event_report_raw.sql computes the same from the occurrences.
--
-- Returns one row per day of the range, first day first, days without
-- occurrences included. The totals repeat on every row, so that every number
-- comes from one snapshot.
--
-- Named arguments: ?account_id, ?event_id, and the days ?first_day, ?last_day
-- and ?previous_first_day as YYYY-MM-DD.
WITH per_day AS (
	SELECT day, sum(events) AS count, sum(contacts) AS unique_contacts
	FROM (
		SELECT day, events, contacts
		FROM event_day_totals
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND day BETWEEN ?previous_first_day::date AND ?last_day::date
		UNION ALL
		SELECT day, events, contacts
		FROM event_day_total_changes
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND day BETWEEN ?previous_first_day::date AND ?last_day::date
	) t
	GROUP BY day
),
-- Gaps inside one period: both days in the range, or both in the previous
-- period. A gap from the previous period into the range belongs to neither.
repeats AS (
	SELECT
		coalesce(sum(contacts) FILTER (WHERE previous_day >= ?first_day::date), 0) AS current,
		coalesce(sum(contacts) FILTER (WHERE day < ?first_day::date), 0) AS previous
	FROM (
		SELECT previous_day, day, contacts
		FROM event_day_gaps
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND previous_day >= ?previous_first_day::date
			AND day <= ?last_day::date
		UNION ALL
		SELECT previous_day, day, contacts
		FROM event_day_gap_changes
		WHERE account_id = ?account_id
			AND custom_event_id = ?event_id
			AND previous_day >= ?previous_first_day::date
			AND day <= ?last_day::date
	) g
),
totals AS (
	SELECT
		coalesce(sum(count) FILTER (WHERE day >= ?first_day::date), 0) AS events_triggered,
		coalesce(sum(unique_contacts) FILTER (WHERE day >= ?first_day::date), 0) - (SELECT current FROM repeats) AS unique_contacts,
		coalesce(sum(count) FILTER (WHERE day < ?first_day::date), 0) AS previous_events_triggered,
		coalesce(sum(unique_contacts) FILTER (WHERE day < ?first_day::date), 0) - (SELECT previous FROM repeats) AS previous_unique_contacts
	FROM per_day
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
