//! Repository functions of the job service (schema `jobs`).
//!
//! PostgreSQL is the source of truth for a job's state; the queue only
//! carries envelopes pointing at rows here. Every state change is one
//! conditional `UPDATE` (or one transaction), so a redelivered envelope, a
//! cancellation racing a worker or two workers holding the same job settle
//! on one outcome:
//!
//! ```text
//! queued ──claim──► running ──complete──► succeeded
//!   │  ▲               │ └──fail────────► failed
//!   │  └──requeue──────┤ └──mark_dead────► dead
//!   └──cancel─► cancelled ◄──claim/heartbeat after cancel_requested
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;
use crate::jobs_schema::{api_keys, audit_log, jobs, result_reports, results, tenants};

/// The tenant of requests made without an API key (created by the migration).
pub const DEFAULT_TENANT: &str = "default";

/// A value read from a `text` column that is not one of the names allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct UnknownName {
    what: &'static str,
    value: String,
    expected: &'static str,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        value: s.to_owned(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownName;
            fn try_from(s: String) -> Result<Self, UnknownName> {
                s.parse()
            }
        }
    };
}

text_enum!(
    /// What a job computes.
    JobKind, "job kind" {
        SbomAnalysis => "sbom-analysis",
        RiskScore => "risk-score",
    }
);

text_enum!(
    /// Where a job is in its life.
    JobStatus, "job status" {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
        Dead => "dead",
    }
);

impl JobStatus {
    /// No further transition leaves a terminal status.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled | JobStatus::Dead
        )
    }
}

const ACTIVE: [&str; 2] = ["queued", "running"];

/// A job row, without its inline payload (read that with [`job_payload`]).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(Pg))]
pub struct Job {
    pub id: Uuid,
    pub tenant: String,
    #[diesel(deserialize_as = String)]
    pub kind: JobKind,
    #[diesel(deserialize_as = String)]
    pub status: JobStatus,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request (input and device context).
    pub request_fingerprint: Vec<u8>,
    /// SHA-256 of the submitted SBOM, for `sbom-analysis` jobs.
    pub sbom_sha256: Option<Vec<u8>>,
    /// The input format detected on submission (`cyclonedx-json`, ...).
    pub input_format: Option<String>,
    pub input_bytes: i64,
    /// `s3://bucket/key` when the input is kept in object storage.
    pub payload_s3_uri: Option<String>,
    pub device_context: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub cache_hit: bool,
    pub kb_generation: Option<i64>,
    pub model_version: Option<String>,
    pub cancel_requested: bool,
}

impl Job {
    /// Where a worker finds the input: `pg:jobs/<uuid>` for an input kept in
    /// the row, or the `s3://bucket/key` it was uploaded to.
    pub fn payload_ref(&self) -> String {
        match &self.payload_s3_uri {
            Some(uri) => uri.clone(),
            None => format!("pg:jobs/{}", self.id),
        }
    }
}

/// Where a new job's input goes.
#[derive(Debug, Clone, Copy)]
pub enum NewPayload<'a> {
    /// Kept in the row (small inputs).
    Inline(&'a [u8]),
    /// Uploaded already; `s3://bucket/key`.
    S3Uri(&'a str),
}

/// A job to create.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: Uuid,
    pub tenant: &'a str,
    pub kind: JobKind,
    pub idempotency_key: Option<&'a str>,
    pub request_fingerprint: [u8; 32],
    pub sbom_sha256: Option<[u8; 32]>,
    pub input_format: Option<&'a str>,
    pub input_bytes: i64,
    pub payload: NewPayload<'a>,
    pub device_context: Option<&'a Value>,
}

#[derive(Insertable)]
#[diesel(table_name = jobs)]
struct JobInsert<'a> {
    id: Uuid,
    tenant: &'a str,
    kind: &'static str,
    idempotency_key: Option<&'a str>,
    request_fingerprint: &'a [u8],
    sbom_sha256: Option<&'a [u8]>,
    input_format: Option<&'a str>,
    input_bytes: i64,
    payload_inline: Option<&'a [u8]>,
    payload_s3_uri: Option<&'a str>,
    device_context: Option<&'a Value>,
}

/// What [`create_job`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CreatedJob {
    /// A new row.
    Created(Job),
    /// The idempotency key was used before for the same request: that job.
    Replayed(Job),
    /// The idempotency key was used before for a different request.
    KeyReused(Job),
}

fn job_insert<'a>(new: &'a NewJob<'a>) -> JobInsert<'a> {
    let (payload_inline, payload_s3_uri) = match new.payload {
        NewPayload::Inline(bytes) => (Some(bytes), None),
        NewPayload::S3Uri(uri) => (None, Some(uri)),
    };
    JobInsert {
        id: new.id,
        tenant: new.tenant,
        kind: new.kind.as_str(),
        idempotency_key: new.idempotency_key,
        request_fingerprint: &new.request_fingerprint,
        sbom_sha256: new.sbom_sha256.as_ref().map(|h| h.as_slice()),
        input_format: new.input_format,
        input_bytes: new.input_bytes,
        payload_inline,
        payload_s3_uri,
        device_context: new.device_context,
    }
}

/// Inserts a job in status `queued`. With an idempotency key already used by
/// the tenant, nothing is inserted and the earlier job is returned, as
/// [`CreatedJob::Replayed`] when its request fingerprint matches and as
/// [`CreatedJob::KeyReused`] otherwise.
pub async fn create_job(
    conn: &mut AsyncPgConnection,
    new: &NewJob<'_>,
) -> Result<CreatedJob, StoreError> {
    let row = job_insert(new);
    // The earlier job may be deleted between the failed insert and the read
    // (a submission the queue refused): then the insert is tried again.
    for _ in 0..3 {
        let inserted = diesel::insert_into(jobs::table)
            .values(&row)
            .on_conflict((jobs::tenant, jobs::idempotency_key))
            .do_nothing()
            .returning(Job::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(StoreError::query("inserting a job"))?;
        if let Some(job) = inserted {
            return Ok(CreatedJob::Created(job));
        }
        let Some(key) = new.idempotency_key else {
            break;
        };
        let earlier = jobs::table
            .filter(jobs::tenant.eq(new.tenant))
            .filter(jobs::idempotency_key.eq(key))
            .select(Job::as_select())
            .first(conn)
            .await
            .optional()
            .map_err(StoreError::query("reading the job of an idempotency key"))?;
        if let Some(job) = earlier {
            return Ok(if job.request_fingerprint == new.request_fingerprint {
                CreatedJob::Replayed(job)
            } else {
                CreatedJob::KeyReused(job)
            });
        }
    }
    Err(StoreError::Invalid(format!(
        "job {} was neither inserted nor found by its idempotency key",
        new.id
    )))
}

/// One submission of a [`create_jobs`] batch: the job and the audit entry
/// written with it when its row is created.
#[derive(Debug, Clone)]
pub struct JobSubmission<'a> {
    pub job: NewJob<'a>,
    pub audit: AuditEntry<'a>,
}

/// Inserts many jobs in one transaction, with the audit entry of each job
/// whose row is created: one commit (one WAL flush) for the whole batch,
/// which is how the API keeps up with many concurrent submissions.
///
/// Answers one [`CreatedJob`] per submission, in order, exactly as
/// [`create_job`] would have: a submission whose idempotency key the tenant
/// used before (or used twice within the batch) is resolved one by one
/// after the batch commits.
pub async fn create_jobs(
    conn: &mut AsyncPgConnection,
    batch: &[JobSubmission<'_>],
) -> Result<Vec<CreatedJob>, StoreError> {
    let rows: Vec<JobInsert<'_>> = batch.iter().map(|s| job_insert(&s.job)).collect();
    let mut created: std::collections::HashMap<Uuid, Job> = conn
        .transaction::<_, StoreError, _>(async |conn| {
            let inserted: Vec<Job> = diesel::insert_into(jobs::table)
                .values(&rows)
                .on_conflict((jobs::tenant, jobs::idempotency_key))
                .do_nothing()
                .returning(Job::as_returning())
                .get_results(conn)
                .await
                .map_err(StoreError::query("inserting a batch of jobs"))?;
            let created: std::collections::HashMap<Uuid, Job> =
                inserted.into_iter().map(|job| (job.id, job)).collect();
            let audit: Vec<_> = batch
                .iter()
                .filter(|s| created.contains_key(&s.job.id))
                .map(|s| {
                    (
                        audit_log::tenant.eq(s.audit.tenant),
                        audit_log::actor.eq(s.audit.actor),
                        audit_log::action.eq(s.audit.action),
                        audit_log::job_id.eq(s.audit.job_id),
                        audit_log::detail.eq(s.audit.detail),
                    )
                })
                .collect();
            if !audit.is_empty() {
                diesel::insert_into(audit_log::table)
                    .values(&audit)
                    .execute(conn)
                    .await
                    .map_err(StoreError::query(
                        "writing the audit log of a batch of jobs",
                    ))?;
            }
            Ok(created)
        })
        .await?;
    let mut answers = Vec::with_capacity(batch.len());
    for submission in batch {
        let answer = match created.remove(&submission.job.id) {
            Some(job) => CreatedJob::Created(job),
            None => {
                let answer = create_job(conn, &submission.job).await?;
                if let CreatedJob::Created(job) = &answer {
                    // Its key's earlier job went away meanwhile; the row is
                    // new after all, and so is its audit entry.
                    record_audit(conn, &submission.audit).await?;
                    debug_assert_eq!(job.id, submission.job.id);
                }
                answer
            }
        };
        answers.push(answer);
    }
    Ok(answers)
}

/// Removes a job that was never handed to the queue (status `queued`, no
/// attempt), so a submission the queue refused leaves nothing behind.
/// Returns whether a row was deleted.
pub async fn delete_unqueued_job(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Queued.as_str()))
            .filter(jobs::attempts.eq(0)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query("deleting a job the queue refused"))?;
    Ok(deleted == 1)
}

/// One job by id, of any tenant.
pub async fn get_job(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Job>, StoreError> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a job"))
}

/// One job by id, only when it belongs to `tenant`.
pub async fn get_tenant_job(
    conn: &mut AsyncPgConnection,
    tenant: &str,
    id: Uuid,
) -> Result<Option<Job>, StoreError> {
    jobs::table
        .find(id)
        .filter(jobs::tenant.eq(tenant))
        .select(Job::as_select())
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a job"))
}

/// A tenant's job by its idempotency key.
pub async fn job_by_idempotency_key(
    conn: &mut AsyncPgConnection,
    tenant: &str,
    key: &str,
) -> Result<Option<Job>, StoreError> {
    jobs::table
        .filter(jobs::tenant.eq(tenant))
        .filter(jobs::idempotency_key.eq(key))
        .select(Job::as_select())
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading the job of an idempotency key"))
}

/// A job's input as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredPayload {
    Inline(Vec<u8>),
    S3Uri(String),
}

/// The input of a job, or `None` when there is no such job.
pub async fn job_payload(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<StoredPayload>, StoreError> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = jobs::table
        .find(id)
        .select((jobs::payload_inline, jobs::payload_s3_uri))
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a job's input"))?;
    Ok(row.and_then(|(inline, uri)| match (inline, uri) {
        (Some(bytes), _) => Some(StoredPayload::Inline(bytes)),
        (None, Some(uri)) => Some(StoredPayload::S3Uri(uri)),
        (None, None) => None,
    }))
}

/// Starts (or, after a redelivery, restarts) a job: `queued`/`running` →
/// `running`, one more attempt. Returns `None` when the job does not exist
/// or is finished; a job whose cancellation was requested becomes
/// `cancelled` here and `None` is returned.
pub async fn claim_job(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Job>, StoreError> {
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq_any(ACTIVE))
            .filter(jobs::cancel_requested),
    )
    .set((
        jobs::status.eq(JobStatus::Cancelled.as_str()),
        jobs::finished_at.eq(now),
    ))
    .execute(conn)
    .await
    .map_err(StoreError::query("cancelling a job on claim"))?;
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq_any(ACTIVE))
            .filter(jobs::cancel_requested.eq(false)),
    )
    .set((
        jobs::status.eq(JobStatus::Running.as_str()),
        jobs::attempts.eq(jobs::attempts + 1),
        jobs::started_at.eq(now),
        jobs::heartbeat_at.eq(now),
    ))
    .returning(Job::as_returning())
    .get_result(conn)
    .await
    .optional()
    .map_err(StoreError::query("claiming a job"))
}

/// What a running job's worker should do after a [`heartbeat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// Keep going.
    Continue,
    /// The client cancelled: stop, then call [`finish_cancelled`].
    CancelRequested,
    /// The job is not running any more (finished elsewhere, or cancelled).
    NotRunning,
}

/// Records that a running job is alive and tells whether it was cancelled.
pub async fn heartbeat(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Heartbeat, StoreError> {
    let cancel_requested: Option<bool> = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str())),
    )
    .set(jobs::heartbeat_at.eq(now))
    .returning(jobs::cancel_requested)
    .get_result(conn)
    .await
    .optional()
    .map_err(StoreError::query("recording a job heartbeat"))?;
    Ok(match cancel_requested {
        None => Heartbeat::NotRunning,
        Some(true) => Heartbeat::CancelRequested,
        Some(false) => Heartbeat::Continue,
    })
}

/// Facts about how a result was computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion<'a> {
    /// The analysis JSON the reports are rendered from.
    pub analysis: &'a Value,
    /// Answered from the `sbom:` cache.
    pub cache_hit: bool,
    pub kb_generation: Option<i64>,
    pub model_version: Option<&'a str>,
    /// The result in each report format, served by the API as they are.
    pub reports: &'a [RenderedReport],
}

/// One report format of a result, rendered by the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReport {
    /// `json`, `sarif`, `vex`, `csv` or `html`.
    pub format: String,
    pub media_type: String,
    pub body: Vec<u8>,
}

/// What [`complete_job_with_result`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    /// Result written, job `succeeded`.
    Succeeded,
    /// The job had succeeded before (a redelivery): nothing written.
    AlreadySucceeded,
    /// The job is in another terminal status (cancelled, failed, dead):
    /// nothing written.
    NotActive(JobStatus),
    NotFound,
}

/// Writes a job's result and marks it `succeeded`, in one transaction. A
/// job has at most one result: a second completion (a redelivered envelope)
/// writes nothing and says so.
pub async fn complete_job_with_result(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    completion: &Completion<'_>,
) -> Result<Completed, StoreError> {
    conn.transaction::<_, StoreError, _>(async |conn| {
        let status: Option<String> = jobs::table
            .find(id)
            .select(jobs::status)
            .for_update()
            .first(conn)
            .await
            .optional()
            .map_err(StoreError::query("locking a job to complete it"))?;
        let status = match status.map(JobStatus::try_from) {
            None => return Ok(Completed::NotFound),
            Some(Ok(status)) => status,
            Some(Err(err)) => return Err(StoreError::Invalid(err.to_string())),
        };
        match status {
            JobStatus::Succeeded => return Ok(Completed::AlreadySucceeded),
            JobStatus::Queued | JobStatus::Running => {}
            other => return Ok(Completed::NotActive(other)),
        }
        diesel::insert_into(results::table)
            .values((
                results::job_id.eq(id),
                results::analysis.eq(completion.analysis),
            ))
            .on_conflict(results::job_id)
            .do_nothing()
            .execute(conn)
            .await
            .map_err(StoreError::query("writing a job result"))?;
        for report in completion.reports {
            diesel::insert_into(result_reports::table)
                .values((
                    result_reports::job_id.eq(id),
                    result_reports::format.eq(&report.format),
                    result_reports::media_type.eq(&report.media_type),
                    result_reports::body.eq(&report.body),
                ))
                .on_conflict((result_reports::job_id, result_reports::format))
                .do_nothing()
                .execute(conn)
                .await
                .map_err(StoreError::query("writing a job's report"))?;
        }
        diesel::update(jobs::table.find(id))
            .set((
                jobs::status.eq(JobStatus::Succeeded.as_str()),
                jobs::finished_at.eq(now),
                jobs::last_error.eq(None::<String>),
                jobs::cache_hit.eq(completion.cache_hit),
                jobs::kb_generation.eq(completion.kb_generation),
                jobs::model_version.eq(completion.model_version),
            ))
            .execute(conn)
            .await
            .map_err(StoreError::query("marking a job succeeded"))?;
        Ok(Completed::Succeeded)
    })
    .await
}

async fn finish_active(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: JobStatus,
    error: Option<&str>,
    context: &'static str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq_any(ACTIVE)),
    )
    .set((
        jobs::status.eq(status.as_str()),
        jobs::finished_at.eq(now),
        jobs::last_error.eq(error),
    ))
    .execute(conn)
    .await
    .map_err(StoreError::query(context))?;
    Ok(changed == 1)
}

/// Ends an active job as `failed` (an error retrying cannot fix, such as an
/// input the worker cannot read). Returns whether the job was active.
pub async fn fail_job(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    error: &str,
) -> Result<bool, StoreError> {
    finish_active(conn, id, JobStatus::Failed, Some(error), "failing a job").await
}

/// Ends an active job as `dead`: it failed on every attempt the queue allows
/// and its envelope went to the dead-letter stream.
pub async fn mark_dead(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    error: &str,
) -> Result<bool, StoreError> {
    finish_active(conn, id, JobStatus::Dead, Some(error), "marking a job dead").await
}

/// Ends a job whose cancellation was requested while it ran.
pub async fn finish_cancelled(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, StoreError> {
    finish_active(conn, id, JobStatus::Cancelled, None, "cancelling a job").await
}

/// Puts a running job back to `queued` after a failed attempt the queue will
/// retry, keeping the error for `GET /jobs/{id}`.
pub async fn requeue_job(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    error: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Running.as_str())),
    )
    .set((
        jobs::status.eq(JobStatus::Queued.as_str()),
        jobs::queued_at.eq(now),
        jobs::last_error.eq(error),
    ))
    .execute(conn)
    .await
    .map_err(StoreError::query("requeueing a job"))?;
    Ok(changed == 1)
}

/// What [`cancel_job`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    /// The job was queued and is now `cancelled`.
    Cancelled(Job),
    /// The job is running: `cancel_requested` is set; the worker stops it.
    Requested(Job),
    /// The job had finished; nothing changed.
    AlreadyFinished(Job),
    NotFound,
}

/// Cancels a tenant's job: queued → cancelled; running → cancel requested.
pub async fn cancel_job(
    conn: &mut AsyncPgConnection,
    tenant: &str,
    id: Uuid,
) -> Result<Cancelled, StoreError> {
    // A job can move between queued and running while this runs; a few
    // rounds settle it.
    for _ in 0..3 {
        let cancelled = diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::tenant.eq(tenant))
                .filter(jobs::status.eq(JobStatus::Queued.as_str())),
        )
        .set((
            jobs::status.eq(JobStatus::Cancelled.as_str()),
            jobs::finished_at.eq(now),
        ))
        .returning(Job::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_err(StoreError::query("cancelling a queued job"))?;
        if let Some(job) = cancelled {
            return Ok(Cancelled::Cancelled(job));
        }
        let requested = diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::tenant.eq(tenant))
                .filter(jobs::status.eq(JobStatus::Running.as_str())),
        )
        .set(jobs::cancel_requested.eq(true))
        .returning(Job::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_err(StoreError::query(
            "requesting cancellation of a running job",
        ))?;
        if let Some(job) = requested {
            return Ok(Cancelled::Requested(job));
        }
        match get_tenant_job(conn, tenant, id).await? {
            None => return Ok(Cancelled::NotFound),
            Some(job) if job.status.is_terminal() => return Ok(Cancelled::AlreadyFinished(job)),
            Some(_) => continue,
        }
    }
    match get_tenant_job(conn, tenant, id).await? {
        None => Ok(Cancelled::NotFound),
        Some(job) => Ok(Cancelled::AlreadyFinished(job)),
    }
}

/// Position in a job listing: the last job of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// Which jobs [`list_jobs`] returns.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    /// Created at or after.
    pub since: Option<DateTime<Utc>>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPage {
    pub jobs: Vec<Job>,
    /// Where the next page starts, when there is one.
    pub next: Option<JobCursor>,
}

/// A tenant's jobs, newest first, `limit` at a time after `after`.
pub async fn list_jobs(
    conn: &mut AsyncPgConnection,
    tenant: &str,
    filter: &JobFilter,
    after: Option<JobCursor>,
    limit: u32,
) -> Result<JobPage, StoreError> {
    let limit = i64::from(limit.max(1));
    let mut query = jobs::table
        .filter(jobs::tenant.eq(tenant))
        .select(Job::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(jobs::kind.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(jobs::created_at.ge(since));
    }
    if let Some(cursor) = after {
        query = query.filter(
            jobs::created_at.lt(cursor.created_at).or(jobs::created_at
                .eq(cursor.created_at)
                .and(jobs::id.lt(cursor.id))),
        );
    }
    let mut jobs: Vec<Job> = query
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .limit(limit + 1)
        .load(conn)
        .await
        .map_err(StoreError::query("listing jobs"))?;
    let next = if jobs.len() as i64 > limit {
        jobs.truncate(limit as usize);
        jobs.last().map(|job| JobCursor {
            created_at: job.created_at,
            id: job.id,
        })
    } else {
        None
    };
    Ok(JobPage { jobs, next })
}

/// Jobs `queued` since before `queued_before`, oldest first: the candidates a
/// reconciler checks against the queue (an envelope lost with Redis' data).
pub async fn queued_jobs_for_reconcile(
    conn: &mut AsyncPgConnection,
    queued_before: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Job>, StoreError> {
    jobs::table
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .filter(jobs::queued_at.lt(queued_before))
        .order((jobs::queued_at.asc(), jobs::id.asc()))
        .limit(i64::from(limit))
        .select(Job::as_select())
        .load(conn)
        .await
        .map_err(StoreError::query("listing queued jobs to reconcile"))
}

/// Marks a job as handed to the queue again (by the reconciler), so it is not
/// picked again at once.
pub async fn touch_queued(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, StoreError> {
    let changed = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(JobStatus::Queued.as_str())),
    )
    .set(jobs::queued_at.eq(now))
    .execute(conn)
    .await
    .map_err(StoreError::query("touching a queued job"))?;
    Ok(changed == 1)
}

/// A job's stored result.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = results, check_for_backend(Pg))]
pub struct JobResult {
    pub job_id: Uuid,
    pub analysis: Value,
    pub created_at: DateTime<Utc>,
}

/// The result of a job, when it has one.
pub async fn get_result(
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
) -> Result<Option<JobResult>, StoreError> {
    results::table
        .find(job_id)
        .select(JobResult::as_select())
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a job result"))
}

/// One report format of a job's result: its media type and bytes.
pub async fn get_report(
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
    format: &str,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    result_reports::table
        .find((job_id, format))
        .select((result_reports::media_type, result_reports::body))
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a job report"))
}

/// Counts of jobs per status, for metrics.
pub async fn count_by_status(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<(JobKind, JobStatus, i64)>, StoreError> {
    let rows: Vec<(String, String, i64)> = jobs::table
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
        .load(conn)
        .await
        .map_err(StoreError::query("counting jobs"))?;
    rows.into_iter()
        .map(|(kind, status, count)| {
            let kind = kind
                .parse()
                .map_err(|e: UnknownName| StoreError::Invalid(e.to_string()))?;
            let status = status
                .parse()
                .map_err(|e: UnknownName| StoreError::Invalid(e.to_string()))?;
            Ok((kind, status, count))
        })
        .collect()
}

/// Creates a tenant; returns whether it was new.
pub async fn create_tenant(
    conn: &mut AsyncPgConnection,
    id: &str,
    name: &str,
) -> Result<bool, StoreError> {
    let inserted = diesel::insert_into(tenants::table)
        .values((tenants::id.eq(id), tenants::name.eq(name)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map_err(StoreError::query("creating a tenant"))?;
    Ok(inserted == 1)
}

/// Stores the SHA-256 of a new API key for `tenant`; returns the key's id.
pub async fn create_api_key(
    conn: &mut AsyncPgConnection,
    tenant: &str,
    label: &str,
    key_sha256: &[u8; 32],
) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(id),
            api_keys::tenant.eq(tenant),
            api_keys::label.eq(label),
            api_keys::key_sha256.eq(key_sha256.as_slice()),
        ))
        .execute(conn)
        .await
        .map_err(StoreError::query("creating an API key"))?;
    Ok(id)
}

/// The tenant of an unrevoked API key, by the key's SHA-256.
pub async fn tenant_for_api_key(
    conn: &mut AsyncPgConnection,
    key_sha256: &[u8; 32],
) -> Result<Option<String>, StoreError> {
    api_keys::table
        .filter(api_keys::key_sha256.eq(key_sha256.as_slice()))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::tenant)
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("looking up an API key"))
}

/// One audit-log entry to write.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub tenant: &'a str,
    /// Who acted: an API key id, `anonymous`, or a worker's consumer name.
    pub actor: &'a str,
    /// What happened (`job.submitted`, `job.cancelled`, ...).
    pub action: &'a str,
    pub job_id: Option<Uuid>,
    pub detail: &'a Value,
}

/// Appends to the audit log.
pub async fn record_audit(
    conn: &mut AsyncPgConnection,
    entry: &AuditEntry<'_>,
) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::tenant.eq(entry.tenant),
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::job_id.eq(entry.job_id),
            audit_log::detail.eq(entry.detail),
        ))
        .execute(conn)
        .await
        .map_err(StoreError::query("writing the audit log"))?;
    Ok(())
}

/// A job's audit entries, oldest first: `(action, actor, detail)`.
pub async fn audit_for_job(
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
) -> Result<Vec<(String, String, Value)>, StoreError> {
    audit_log::table
        .filter(audit_log::job_id.eq(job_id))
        .order(audit_log::id.asc())
        .select((audit_log::action, audit_log::actor, audit_log::detail))
        .load(conn)
        .await
        .map_err(StoreError::query("reading the audit log"))
}
