-- One result per job: a redelivered job that finishes twice writes once.
CREATE TABLE jobs.results (
    job_id uuid PRIMARY KEY REFERENCES jobs.jobs (id) ON DELETE CASCADE,
    analysis jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs.audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    tenant text NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    job_id uuid,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_job ON jobs.audit_log (job_id) WHERE job_id IS NOT NULL;
