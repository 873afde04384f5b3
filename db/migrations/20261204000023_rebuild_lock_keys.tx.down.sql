DROP FUNCTION rebuild_xact_lock_shared(bigint);

CREATE OR REPLACE FUNCTION rebuild_xact_lock(p_account_id bigint) RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(-1, p_account_id::int) $$;

CREATE OR REPLACE FUNCTION try_rebuild_xact_lock_shared(p_account_id bigint) RETURNS boolean
LANGUAGE sql AS $$ SELECT pg_try_advisory_xact_lock_shared(-1, p_account_id::int) $$;
