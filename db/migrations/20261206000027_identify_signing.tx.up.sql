-- Signed identify: the secret with which a website's backend signs the
-- emails that its pages pass to $__MA.identify, and whether the beacon
-- drops an identify call without a valid signature. The server generates
-- the secret, 64 hex digits, when an admin first reads it.
ALTER TABLE accounts
	ADD COLUMN identify_secret text CHECK (identify_secret ~ '^[0-9a-f]{64}$'),
	ADD COLUMN identify_signature_required boolean NOT NULL DEFAULT false;
