DROP TABLE event_contact_days;
