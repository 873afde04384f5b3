DROP TRIGGER event_occurrences_enqueue_actions ON event_occurrences;
DROP FUNCTION enqueue_event_actions();
DROP FUNCTION ce_json_array(jsonb);
DROP TABLE action_frequency;
DROP TABLE action_runs;
DROP TABLE action_jobs;
