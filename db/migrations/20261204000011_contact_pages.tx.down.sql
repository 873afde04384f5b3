DROP INDEX contacts_account_id_idx;
