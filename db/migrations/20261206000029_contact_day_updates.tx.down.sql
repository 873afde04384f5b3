-- The function as 20261204000009_report_rollups created it, with the
-- setting that 20261204000020_index_plans added.
CREATE OR REPLACE FUNCTION report_contact_days_updated() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
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
