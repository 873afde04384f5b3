ALTER FUNCTION report_add_occurrences(bigint[], bigint[], bigint[], timestamptz[]) RESET enable_seqscan;
ALTER FUNCTION report_remove_occurrences(bigint[], bigint[], bigint[], timestamptz[]) RESET enable_seqscan;
ALTER FUNCTION report_shift_gaps(bigint[], bigint[], bigint[], date[], boolean) RESET enable_seqscan;
ALTER FUNCTION report_contact_days_inserted() RESET enable_seqscan;
ALTER FUNCTION report_contact_days_deleted() RESET enable_seqscan;
ALTER FUNCTION report_contact_days_updated() RESET enable_seqscan;
ALTER FUNCTION enqueue_event_actions() RESET enable_seqscan;
ALTER FUNCTION record_simple_triggers(bigint[], bigint[], text[], text[], timestamptz[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[]) RESET enable_seqscan;
