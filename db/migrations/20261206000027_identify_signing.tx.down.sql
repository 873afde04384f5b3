ALTER TABLE accounts
	DROP COLUMN identify_secret,
	DROP COLUMN identify_signature_required;
