DROP TABLE ingest_receipts;
