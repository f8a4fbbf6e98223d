DROP TABLE jobs.result_reports;
