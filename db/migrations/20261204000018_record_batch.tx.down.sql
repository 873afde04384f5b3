DROP FUNCTION record_simple_triggers(bigint[], bigint[], text[], text[], timestamptz[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[]);
