-- Counts one custom event's occurrences and distinct contacts over calendar
-- days read in a time zone: from the start of ?2 to the start of the day
-- after ?3, both local midnights converted to UTC.
-- ?0 account id, ?1 custom event id, ?2 first day, ?3 last day, ?4 time zone.
SELECT
	count(*) AS events_triggered,
	count(DISTINCT contact_id) AS unique_contacts
FROM event_occurrences
WHERE account_id = ?0
	AND custom_event_id = ?1
	AND occurred_at >= (?2::date)::timestamp AT TIME ZONE ?4
	AND occurred_at < (?3::date + 1)::timestamp AT TIME ZONE ?4
