//! The request path of a submission: store the input, write the job row,
//! enqueue, answer. No analysis happens here.
//!
//! Ordering, and why nothing is left half-written:
//!
//! 1. A quick depth check refuses a full queue before anything is written.
//! 2. A large input is uploaded to S3 first (the row must point at it).
//! 3. The row is committed (status `queued`), with its `job.submitted`
//!    audit entry, before the envelope is enqueued, so a worker never
//!    receives an envelope whose row it cannot see. Rows of concurrent
//!    submissions are committed together ([`crate::job_writer`]).
//! 4. If enqueueing fails (the bound was reached meanwhile, or the queue is
//!    down) the row is deleted again (only while still `queued` with no
//!    attempt) along with its S3 object, and the answer is 503 with
//!    Retry-After. If even that delete fails, the row stays `queued` and the
//!    reconciler enqueues it later: a job is never lost, at worst it runs
//!    although the client was told to retry, and a retry with the same
//!    Idempotency-Key then finds that job.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use medsec_queue::{JobEnvelope, QueueError};
use medsec_store::jobs::{self, CreatedJob, Job, JobKind};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::IdempotencyKey;
use crate::idempotency;
use crate::job_writer::{PendingJob, PendingPayload};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::Tenant;

/// How long a job may wait and run before workers give up on it.
pub const JOB_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// A validated submission.
pub struct Submission {
    pub kind: JobKind,
    pub input: Bytes,
    pub sbom_sha256: Option<[u8; 32]>,
    pub input_format: Option<&'static str>,
    pub device_context: Option<Value>,
    pub idempotency_key: Option<IdempotencyKey>,
}

/// What the client gets.
pub enum Submitted {
    Created(Job),
    Replayed(Job),
}

fn unix_ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn queue_problem(state: &AppState, error: &QueueError) -> Problem {
    let retry_after = state.settings.api.retry_after_secs;
    match error {
        QueueError::Full { kind, depth, limit } => Problem::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "queue-full",
            format!("the {kind} queue holds {depth} jobs, its limit is {limit}; retry later"),
        )
        .with_title("Queue full")
        .with("kind", kind)
        .with("depth", depth)
        .with("limit", limit)
        .retry_after(retry_after),
        other => Problem::unavailable(
            "queue",
            format!("the job queue is unavailable: {other}"),
            retry_after,
        ),
    }
}

pub async fn submit(
    state: &AppState,
    tenant: &Tenant,
    submission: Submission,
) -> Result<Submitted, Problem> {
    let kind = submission.kind;
    let fingerprint =
        idempotency::fingerprint(kind, &submission.input, submission.device_context.as_ref());
    let key = submission
        .idempotency_key
        .as_ref()
        .map(IdempotencyKey::as_str);

    if let Some(key) = key {
        let mut conn = state.conn().await?;
        if let Some(earlier) = jobs::job_by_idempotency_key(&mut conn, &tenant.id, key)
            .await
            .map_err(state.db_error())?
        {
            return if earlier.request_fingerprint == fingerprint {
                Ok(Submitted::Replayed(earlier))
            } else {
                Err(idempotency::key_reused(key, &earlier))
            };
        }
    }

    match state.queue.depth(kind.as_str()).await {
        Ok(depth) if depth >= state.settings.queue.max_depth => {
            return Err(queue_problem(
                state,
                &QueueError::Full {
                    kind: kind.as_str().to_owned(),
                    depth,
                    limit: state.settings.queue.max_depth,
                },
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(queue_problem(state, &e)),
    }

    let id = Uuid::new_v4();
    let inline = submission.input.len() <= state.settings.api.inline_sbom_max_bytes;
    let s3_uri = if inline {
        None
    } else {
        Some(
            state
                .payloads
                .put(&tenant.id, id, submission.input.clone())
                .await
                .map_err(|e| {
                    Problem::unavailable(
                        "object-storage",
                        e.to_string(),
                        state.settings.api.retry_after_secs,
                    )
                })?,
        )
    };
    let pending = PendingJob {
        id,
        tenant: tenant.id.clone(),
        actor: tenant.actor.clone(),
        kind,
        idempotency_key: key.map(str::to_owned),
        request_fingerprint: fingerprint,
        sbom_sha256: submission.sbom_sha256,
        input_format: submission.input_format,
        input_bytes: submission.input.len() as i64,
        audit_detail: json!({
            "kind": kind.as_str(),
            "input_bytes": submission.input.len(),
            "input_format": submission.input_format,
            "stored": if inline { "inline" } else { "s3" },
        }),
        payload: match &s3_uri {
            None => PendingPayload::Inline(submission.input.clone()),
            Some(uri) => PendingPayload::S3Uri(uri.clone()),
        },
        device_context: submission.device_context,
    };
    let job = match state.job_writer.create(pending).await {
        Ok(CreatedJob::Created(job)) => job,
        Ok(other) => {
            // A concurrent request with the same key won the insert.
            discard_upload(state, tenant, id, s3_uri.is_some()).await;
            return match other {
                CreatedJob::Replayed(job) => Ok(Submitted::Replayed(job)),
                CreatedJob::KeyReused(job) => {
                    Err(idempotency::key_reused(key.unwrap_or_default(), &job))
                }
                CreatedJob::Created(_) => unreachable!("handled above"),
            };
        }
        Err(problem) => {
            discard_upload(state, tenant, id, s3_uri.is_some()).await;
            return Err(problem);
        }
    };

    let trace = medsec_telemetry::current_context();
    let now = SystemTime::now();
    let envelope = JobEnvelope {
        job_id: job.id.to_string(),
        kind: kind.as_str().to_owned(),
        tenant: tenant.id.clone(),
        attempt: 1,
        deadline_unix_ms: unix_ms(now + JOB_DEADLINE),
        payload_ref: job.payload_ref(),
        enqueued_at_unix_ms: unix_ms(now),
        traceparent: trace.traceparent,
        tracestate: trace.tracestate,
    };
    if let Err(error) = state.queue.enqueue(&envelope).await {
        tracing::warn!(job_id = %job.id, error = %error, "enqueue failed; withdrawing the job");
        let withdrawn = match state.conn().await {
            Ok(mut conn) => jobs::delete_unqueued_job(&mut conn, job.id)
                .await
                .unwrap_or(false),
            Err(_) => false,
        };
        if withdrawn {
            discard_upload(state, tenant, id, s3_uri.is_some()).await;
            record_withdrawal(state, tenant, job.id, &error).await;
        } else {
            tracing::warn!(job_id = %job.id, "job row kept; the reconciler will enqueue it");
        }
        return Err(queue_problem(state, &error));
    }
    Ok(Submitted::Created(job))
}

/// The row went with the refused enqueue; its `job.submitted` entry
/// (written with the row) gets its ending.
async fn record_withdrawal(state: &AppState, tenant: &Tenant, id: Uuid, error: &QueueError) {
    let detail = json!({ "reason": error.to_string() });
    let entry = jobs::AuditEntry {
        tenant: &tenant.id,
        actor: &tenant.actor,
        action: "job.withdrawn",
        job_id: Some(id),
        detail: &detail,
    };
    let written = match state.conn().await {
        Ok(mut conn) => jobs::record_audit(&mut conn, &entry).await.is_ok(),
        Err(_) => false,
    };
    if !written {
        tracing::warn!(job_id = %id, "audit entry of the withdrawal not written");
    }
}

async fn discard_upload(state: &AppState, tenant: &Tenant, id: Uuid, uploaded: bool) {
    if uploaded {
        if let Err(e) = state.payloads.delete(&tenant.id, id).await {
            tracing::warn!(job_id = %id, error = %e, "orphaned upload not deleted");
        }
    }
}
