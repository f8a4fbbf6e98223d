DROP TABLE jobs.jobs;
DROP TABLE jobs.api_keys;
DROP TABLE jobs.tenants;
DROP SCHEMA jobs;
