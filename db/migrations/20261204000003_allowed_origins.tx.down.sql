ALTER TABLE accounts DROP COLUMN allowed_origins;
