//! Diesel table definitions of the job service (PostgreSQL schema `jobs`),
//! written to match `migrations/2026-11-27-000007_jobs_core` and
//! `000008_jobs_results`; `tests/jobs.rs` checks them against the migrated
//! database.

diesel::table! {
    jobs.tenants (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    jobs.api_keys (id) {
        id -> Uuid,
        tenant -> Text,
        key_sha256 -> Bytea,
        label -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    jobs.jobs (id) {
        id -> Uuid,
        tenant -> Text,
        kind -> Text,
        status -> Text,
        idempotency_key -> Nullable<Text>,
        request_fingerprint -> Bytea,
        sbom_sha256 -> Nullable<Bytea>,
        input_format -> Nullable<Text>,
        input_bytes -> Int8,
        payload_inline -> Nullable<Bytea>,
        payload_s3_uri -> Nullable<Text>,
        device_context -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        queued_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        heartbeat_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        cache_hit -> Bool,
        kb_generation -> Nullable<Int8>,
        model_version -> Nullable<Text>,
        cancel_requested -> Bool,
    }
}

diesel::table! {
    jobs.results (job_id) {
        job_id -> Uuid,
        analysis -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    jobs.result_reports (job_id, format) {
        job_id -> Uuid,
        format -> Text,
        media_type -> Text,
        body -> Bytea,
    }
}

diesel::table! {
    jobs.audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        tenant -> Text,
        actor -> Text,
        action -> Text,
        job_id -> Nullable<Uuid>,
        detail -> Jsonb,
    }
}

diesel::joinable!(api_keys -> tenants (tenant));
diesel::joinable!(jobs -> tenants (tenant));
diesel::joinable!(results -> jobs (job_id));
diesel::joinable!(result_reports -> results (job_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    api_keys,
    jobs,
    results,
    result_reports,
    audit_log
);
