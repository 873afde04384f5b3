-- Lets the contacts list read one account's contacts newest first, a page
-- at a time, without scanning the contacts of other accounts.
CREATE INDEX contacts_account_id_idx ON contacts (account_id, id);
