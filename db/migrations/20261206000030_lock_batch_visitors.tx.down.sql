-- The function as 20261204000025_record_batch_sequences created it.
CREATE OR REPLACE FUNCTION record_simple_triggers(
	p_account_ids bigint[], p_event_ids bigint[], p_emails text[], p_visitor_ids text[],
	p_times timestamptz[], p_page_urls text[], p_sources text[], p_metadata text[],
	p_referrers text[], p_channels text[], p_utm_sources text[], p_utm_mediums text[],
	p_utm_campaigns text[], p_utm_terms text[], p_utm_contents text[], p_skip_locked boolean)
RETURNS TABLE (trigger_index bigint, id bigint, contact_id bigint, created_at timestamptz)
LANGUAGE plpgsql
-- Plans made while the tables look empty must not scan them whole, as
-- for the other ingest functions in 20261204000020_index_plans.
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
	v_new_accounts bigint[];
	v_new_visitors text[];
	-- The accounts whose triggers are written, or NULL for all of them.
	v_open bigint[];
	v_contact_ids regclass := pg_get_serial_sequence('contacts', 'id');
	v_occurrence_ids regclass := pg_get_serial_sequence('event_occurrences', 'id');
BEGIN
	IF p_skip_locked THEN
		SELECT array_agg(s.a) INTO v_open
		FROM (SELECT DISTINCT unnest(p_account_ids) AS a) s
		WHERE try_rebuild_xact_lock_shared(s.a);
		IF cardinality(v_open) = (SELECT count(DISTINCT t.a) FROM unnest(p_account_ids) AS t (a)) THEN
			v_open := NULL;
		ELSE
			v_open := coalesce(v_open, '{}');
		END IF;
	END IF;

	-- New emails are inserted. DO NOTHING leaves existing contacts
	-- unlocked and unwritten.
	INSERT INTO contacts (account_id, email)
	SELECT DISTINCT t.a, t.e FROM unnest(p_account_ids, p_emails) AS t (a, e)
	WHERE t.e <> '' AND (v_open IS NULL OR t.a = ANY (v_open))
	ORDER BY 1, 2
	ON CONFLICT (account_id, email) WHERE email IS NOT NULL DO NOTHING;

	-- Visitor ids seen for the first time wait for each other's
	-- transactions, so that each gets one contact. Only the locked ones
	-- may be created below.
	SELECT coalesce(array_agg(s.a ORDER BY s.a, s.i), '{}'), coalesce(array_agg(s.i ORDER BY s.a, s.i), '{}')
	INTO v_new_accounts, v_new_visitors
	FROM (
		SELECT DISTINCT t.a, t.i FROM unnest(p_account_ids, p_visitor_ids) AS t (a, i)
		WHERE t.i <> '' AND (v_open IS NULL OR t.a = ANY (v_open))
			AND NOT EXISTS (SELECT 1 FROM visitors v WHERE v.account_id = t.a AND v.id = t.i)
	) s;
	PERFORM count(pg_advisory_xact_lock(l.a::int, hashtext(l.i)))
	FROM (SELECT * FROM unnest(v_new_accounts, v_new_visitors) WITH ORDINALITY AS u (a, i, n) ORDER BY u.n) l;

	-- This statement's snapshot sees the visitors that the transactions
	-- holding those locks created. A visitor that another transaction
	-- deleted after the first check is not in the locked list, so it gets
	-- no contact, and the caller writes the batch again trigger by trigger.
	WITH missing AS (
		SELECT l.a, l.i FROM unnest(v_new_accounts, v_new_visitors) AS l (a, i)
		WHERE NOT EXISTS (SELECT 1 FROM visitors v WHERE v.account_id = l.a AND v.id = l.i)
	), numbered AS (
		SELECT m.a, m.i, nextval(v_contact_ids) AS new_contact_id
		FROM missing m
	), new_contacts AS (
		INSERT INTO contacts (id, account_id)
		SELECT n.new_contact_id, n.a FROM numbered n
	)
	INSERT INTO visitors (account_id, id, contact_id)
	SELECT n.a, n.i, n.new_contact_id FROM numbered n;

	RETURN QUERY
	WITH visitor_contacts AS (
		SELECT v.account_id, v.id AS visitor_id, v.contact_id
		FROM visitors v
		JOIN contacts c ON c.id = v.contact_id
		JOIN (
			SELECT DISTINCT t.a, t.i FROM unnest(p_account_ids, p_visitor_ids) AS t (a, i)
			WHERE t.i <> '' AND (v_open IS NULL OR t.a = ANY (v_open))
		) t ON v.account_id = t.a AND v.id = t.i
		FOR KEY SHARE OF c
	), email_contacts AS (
		SELECT c.account_id, c.email, c.id AS contact_id
		FROM contacts c
		JOIN (
			SELECT DISTINCT t.a, t.e FROM unnest(p_account_ids, p_emails) AS t (a, e)
			WHERE t.e <> '' AND (v_open IS NULL OR t.a = ANY (v_open))
		) t ON c.account_id = t.a AND c.email = t.e
	), input AS (
		SELECT t.*, nextval(v_occurrence_ids) AS new_id,
			coalesce(ec.contact_id, vc.contact_id) AS resolved_contact_id
		FROM unnest(p_account_ids, p_event_ids, p_emails, p_visitor_ids, p_times, p_page_urls,
				p_sources, p_metadata, p_referrers, p_channels, p_utm_sources, p_utm_mediums,
				p_utm_campaigns, p_utm_terms, p_utm_contents) WITH ORDINALITY
			AS t (account_id, custom_event_id, email, visitor_id, occurred_at, page_url,
				source, metadata, referrer, channel, utm_source, utm_medium,
				utm_campaign, utm_term, utm_content, position)
		LEFT JOIN email_contacts ec ON t.email <> '' AND ec.account_id = t.account_id AND ec.email = t.email
		LEFT JOIN visitor_contacts vc ON t.visitor_id <> '' AND vc.account_id = t.account_id AND vc.visitor_id = t.visitor_id
		WHERE v_open IS NULL OR t.account_id = ANY (v_open)
	), inserted AS (
		INSERT INTO event_occurrences AS o (id, account_id, custom_event_id, contact_id, occurred_at,
			page_url, source, metadata, referrer, channel,
			utm_source, utm_medium, utm_campaign, utm_term, utm_content)
		SELECT i.new_id, i.account_id, i.custom_event_id, i.resolved_contact_id, i.occurred_at,
			i.page_url, i.source, i.metadata::jsonb, i.referrer, i.channel,
			i.utm_source, i.utm_medium, i.utm_campaign, i.utm_term, i.utm_content
		FROM input i
		RETURNING o.id, o.contact_id, o.created_at
	)
	SELECT i.position, r.id, r.contact_id, r.created_at
	FROM inserted r
	JOIN input i ON i.new_id = r.id
	ORDER BY i.position;
END $$;
