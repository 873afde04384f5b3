-- The functions that every ingest statement runs read and write rows by
-- key. PL/pgSQL plans each of their statements once per connection and
-- keeps the plan, and a statement without parameters, or under
-- force_generic_plan, keeps the first plan. When the statistics said the
-- tables were empty at that moment, that plan scans them whole, and it
-- stays while they grow, until the next ANALYZE of the table. In a trial,
-- 64-row inserts after VACUUM ANALYZE of empty tables took 34 ms each
-- instead of 3 ms for the next 8 s, with sequential scans of
-- event_contact_days and event_contact_day_links in report_shift_gaps.
-- With sequential scans off, the planner picks index scans whatever the
-- statistics say.
-- report_rebuild_account, which reads whole tables, keeps its setting.
ALTER FUNCTION report_add_occurrences(bigint[], bigint[], bigint[], timestamptz[]) SET enable_seqscan = off;
ALTER FUNCTION report_remove_occurrences(bigint[], bigint[], bigint[], timestamptz[]) SET enable_seqscan = off;
ALTER FUNCTION report_shift_gaps(bigint[], bigint[], bigint[], date[], boolean) SET enable_seqscan = off;
ALTER FUNCTION report_contact_days_inserted() SET enable_seqscan = off;
ALTER FUNCTION report_contact_days_deleted() SET enable_seqscan = off;
ALTER FUNCTION report_contact_days_updated() SET enable_seqscan = off;
ALTER FUNCTION enqueue_event_actions() SET enable_seqscan = off;
ALTER FUNCTION record_simple_triggers(bigint[], bigint[], text[], text[], timestamptz[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[]) SET enable_seqscan = off;
