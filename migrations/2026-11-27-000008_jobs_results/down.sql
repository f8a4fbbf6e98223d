DROP TABLE jobs.audit_log;
DROP TABLE jobs.results;
