-- When the beacon may track a visitor: 'track' at once, 'wait' for the
-- page to call $__MA.consent(true), or 'gpc' at once unless the browser
-- sends the Global Privacy Control signal. GET /api/beacon writes the mode
-- into the snippet that it returns.
ALTER TABLE accounts ADD COLUMN consent_mode text NOT NULL DEFAULT 'track'
	CHECK (consent_mode IN ('track', 'wait', 'gpc'));
