DROP TABLE privacy_audit;
DROP INDEX event_occurrences_account_time_idx;
ALTER TABLE accounts DROP COLUMN retention_months;
