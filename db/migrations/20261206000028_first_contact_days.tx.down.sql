-- The function as 20261204000009_report_rollups created it, with the
-- setting that 20261204000020_index_plans added.
CREATE OR REPLACE FUNCTION report_contact_days_inserted() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
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
