-- Every report format of a result, rendered by the worker when the job
-- completes, so that the API serves bytes and never renders on the request
-- path. Written in the transaction that writes the result.
CREATE TABLE jobs.result_reports (
    job_id uuid NOT NULL REFERENCES jobs.results (job_id) ON DELETE CASCADE,
    format text NOT NULL CHECK (format IN ('json', 'sarif', 'vex', 'csv', 'html')),
    media_type text NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (job_id, format)
);
