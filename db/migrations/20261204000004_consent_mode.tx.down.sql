ALTER TABLE accounts DROP COLUMN consent_mode;
