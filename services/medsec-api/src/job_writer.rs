//! Group commit of submissions' job rows.
//!
//! Every accepted submission needs its row committed before it is
//! enqueued, and a commit waits for a WAL flush. One transaction per
//! request caps the API at the rate PostgreSQL flushes; so requests hand
//! their rows to this writer, which commits whatever has gathered (up to
//! `api.submit_batch_max` rows, with their audit entries) in one
//! transaction, with at most `api.submit_batch_writers` transactions in
//! flight. Under light load a batch holds one row and nothing waits; under
//! heavy load the batches grow while the previous ones commit.
//!
//! Each request still gets its own answer, exactly as a transaction of its
//! own would have given it: if a batch fails for a reason other than the
//! database being unavailable, its rows are retried one by one, so one bad
//! row fails only its own request.

use std::sync::Arc;

use bytes::Bytes;
use medsec_store::jobs::{
    self, AuditEntry, CreatedJob, JobKind, JobSubmission, NewJob, NewPayload,
};
use medsec_store::Pool;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, Semaphore};
use uuid::Uuid;

use crate::db::store_problem;
use crate::problem::Problem;

/// Where a pending job's input lives.
pub enum PendingPayload {
    Inline(Bytes),
    /// Uploaded already; `s3://bucket/key`.
    S3Uri(String),
}

/// A job row to create, with the audit entry written with it.
pub struct PendingJob {
    pub id: Uuid,
    pub tenant: String,
    pub actor: String,
    pub kind: JobKind,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: [u8; 32],
    pub sbom_sha256: Option<[u8; 32]>,
    pub input_format: Option<&'static str>,
    pub input_bytes: i64,
    pub payload: PendingPayload,
    pub device_context: Option<Value>,
    /// The `job.submitted` audit entry's detail.
    pub audit_detail: Value,
}

impl PendingJob {
    fn submission(&self) -> JobSubmission<'_> {
        JobSubmission {
            job: NewJob {
                id: self.id,
                tenant: &self.tenant,
                kind: self.kind,
                idempotency_key: self.idempotency_key.as_deref(),
                request_fingerprint: self.request_fingerprint,
                sbom_sha256: self.sbom_sha256,
                input_format: self.input_format,
                input_bytes: self.input_bytes,
                payload: match &self.payload {
                    PendingPayload::Inline(bytes) => NewPayload::Inline(bytes),
                    PendingPayload::S3Uri(uri) => NewPayload::S3Uri(uri),
                },
                device_context: self.device_context.as_ref(),
            },
            audit: AuditEntry {
                tenant: &self.tenant,
                actor: &self.actor,
                action: "job.submitted",
                job_id: Some(self.id),
                detail: &self.audit_detail,
            },
        }
    }
}

type Answer = Result<CreatedJob, Problem>;

struct Request {
    job: PendingJob,
    answer: oneshot::Sender<Answer>,
}

/// The handle requests use; cloning is cheap.
#[derive(Clone)]
pub struct JobWriter {
    requests: mpsc::Sender<Request>,
    retry_after: u64,
}

impl JobWriter {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(pool: Pool, batch_max: usize, writers: usize, retry_after: u64) -> JobWriter {
        let batch_max = batch_max.max(1);
        let writers = writers.max(1);
        let (requests, incoming) = mpsc::channel(batch_max * writers * 2);
        tokio::spawn(gather(pool, incoming, batch_max, writers, retry_after));
        JobWriter {
            requests,
            retry_after,
        }
    }

    /// Creates the job (see [`jobs::create_job`] for what an idempotency
    /// key already used gives), committed with others that arrived
    /// meanwhile.
    pub async fn create(&self, job: PendingJob) -> Answer {
        let (answer, answered) = oneshot::channel();
        let gone = || {
            Problem::unavailable(
                "job-writer",
                "the job writer has stopped".to_owned(),
                self.retry_after,
            )
        };
        self.requests
            .send(Request { job, answer })
            .await
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

/// Takes what has gathered, up to `batch_max` requests, whenever one of
/// the `writers` permits is free.
async fn gather(
    pool: Pool,
    mut incoming: mpsc::Receiver<Request>,
    batch_max: usize,
    writers: usize,
    retry_after: u64,
) {
    let permits = Arc::new(Semaphore::new(writers));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = incoming.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < batch_max {
            match incoming.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            commit(&pool, batch, retry_after).await;
            drop(permit);
        });
    }
}

async fn commit(pool: &Pool, batch: Vec<Request>, retry_after: u64) {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => {
            let problem = store_problem(e, retry_after);
            for request in batch {
                let _ = request.answer.send(Err(problem.clone()));
            }
            return;
        }
    };
    let submissions: Vec<JobSubmission<'_>> = batch.iter().map(|r| r.job.submission()).collect();
    let outcome = jobs::create_jobs(&mut conn, &submissions).await;
    drop(submissions);
    match outcome {
        Ok(answers) => {
            for (request, created) in batch.into_iter().zip(answers) {
                let _ = request.answer.send(Ok(created));
            }
        }
        Err(e) => {
            let problem = store_problem(e, retry_after);
            if batch.len() == 1 || problem.status == 503 {
                for request in batch {
                    let _ = request.answer.send(Err(problem.clone()));
                }
                return;
            }
            tracing::warn!(
                rows = batch.len(),
                "batch insert failed; writing its jobs one by one"
            );
            for request in batch {
                let submission = request.job.submission();
                let answer =
                    match jobs::create_jobs(&mut conn, std::slice::from_ref(&submission)).await {
                        Ok(mut answers) => Ok(answers.remove(0)),
                        Err(e) => Err(store_problem(e, retry_after)),
                    };
                let _ = request.answer.send(answer);
            }
        }
    }
}
