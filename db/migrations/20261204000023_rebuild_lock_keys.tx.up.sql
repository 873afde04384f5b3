-- The rebuild lock of 20261204000021_skip_locked_accounts keyed the
-- advisory lock by (-1, account id::int), which fails with "integer out of
-- range" for an account id of 2^31 or more, and with it every batch that
-- holds a trigger of that account. The keys now split the id. The first
-- is -1 - (id >> 31), which is negative for ids below 2^62, so it never
-- equals the first key of a visitor lock (an account id). The second is
-- the low 31 bits. Ids below 2^31 keep their lock keys.
CREATE OR REPLACE FUNCTION rebuild_xact_lock(p_account_id bigint) RETURNS void
LANGUAGE sql AS $$
	SELECT pg_advisory_xact_lock((-1 - (p_account_id >> 31))::int, (p_account_id & 2147483647)::int)
$$;

CREATE OR REPLACE FUNCTION try_rebuild_xact_lock_shared(p_account_id bigint) RETURNS boolean
LANGUAGE sql AS $$
	SELECT pg_try_advisory_xact_lock_shared((-1 - (p_account_id >> 31))::int, (p_account_id & 2147483647)::int)
$$;

-- rebuild_xact_lock_shared waits for a rebuild of the account that holds
-- or waits for the rebuild lock. The ingester calls it as a statement of
-- its own, which releases the lock when it ends.
CREATE FUNCTION rebuild_xact_lock_shared(p_account_id bigint) RETURNS void
LANGUAGE sql AS $$
	SELECT pg_advisory_xact_lock_shared((-1 - (p_account_id >> 31))::int, (p_account_id & 2147483647)::int)
$$;
