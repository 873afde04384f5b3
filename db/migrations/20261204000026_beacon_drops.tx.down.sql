DROP TABLE beacon_drops;
