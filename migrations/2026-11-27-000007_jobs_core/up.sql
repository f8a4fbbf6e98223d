-- Application data of the job service, in a schema of its own beside `kb`.
CREATE SCHEMA jobs;

CREATE TABLE jobs.tenants (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Requests without an API key belong to this tenant.
INSERT INTO jobs.tenants (id, name) VALUES ('default', 'Default tenant');

-- Only the SHA-256 of a key is kept: a leaked table does not leak keys.
CREATE TABLE jobs.api_keys (
    id uuid PRIMARY KEY,
    tenant text NOT NULL REFERENCES jobs.tenants (id),
    key_sha256 bytea NOT NULL UNIQUE CHECK (length(key_sha256) = 32),
    label text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE jobs.jobs (
    id uuid PRIMARY KEY,
    tenant text NOT NULL REFERENCES jobs.tenants (id),
    kind text NOT NULL CHECK (kind IN ('sbom-analysis', 'risk-score')),
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of the request (body and device context): tells a retried
    -- request from a different one sent with the same idempotency key.
    request_fingerprint bytea NOT NULL CHECK (length(request_fingerprint) = 32),
    sbom_sha256 bytea CHECK (length(sbom_sha256) = 32),
    input_format text,
    input_bytes bigint NOT NULL CHECK (input_bytes >= 0),
    payload_inline bytea,
    payload_s3_uri text,
    device_context jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- When the job last entered `queued` (creation or a retry): the
    -- reconciler re-enqueues jobs queued for longer than a stream would hold
    -- them.
    queued_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    heartbeat_at timestamptz,
    finished_at timestamptz,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    cache_hit boolean NOT NULL DEFAULT false,
    kb_generation bigint,
    model_version text,
    cancel_requested boolean NOT NULL DEFAULT false,
    -- The input is kept in exactly one place.
    CHECK ((payload_inline IS NULL) <> (payload_s3_uri IS NULL)),
    CHECK (status NOT IN ('succeeded', 'failed', 'cancelled', 'dead') OR finished_at IS NOT NULL),
    UNIQUE (tenant, idempotency_key)
);

-- Listing: newest first per tenant, keyset pagination on (created_at, id).
CREATE INDEX jobs_tenant_created ON jobs.jobs (tenant, created_at DESC, id DESC);
-- The reconciler looks only at queued jobs.
CREATE INDEX jobs_queued_since ON jobs.jobs (queued_at) WHERE status = 'queued';
