//! Re-enqueues jobs that PostgreSQL says are queued but the queue has lost
//! (Redis restarted without its data, a FLUSHALL, an enqueue that failed
//! after the row was written). PostgreSQL is the source of truth: a job
//! that got a 202 is never lost.
//!
//! A job is taken as lost when its kind's queue holds nothing at all and
//! the job has been queued for longer than `grace` (an API between its
//! insert and its enqueue), or, whatever the queue holds, when it has been
//! queued for longer than `stale_after`. A duplicate envelope is harmless:
//! claiming and completing a job are idempotent. One worker at a time runs
//! a pass, under a PostgreSQL advisory lock.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncConnection, RunQueryDsl};
use medsec_queue::{JobEnvelope, JobKind, JobQueue};
use medsec_store::jobs::{self, Job};
use medsec_store::{Pool, StoreError};
use tokio::sync::watch;
use tracing::{info, warn};

/// Advisory-lock key of the reconciler ("medsec-reconcile" folded to 63 bits).
const LOCK_KEY: i64 = 0x6d65_6473_6563_7263;

/// Jobs looked at per pass.
const BATCH: u32 = 500;

#[derive(Debug, Clone)]
pub struct ReconcileSettings {
    pub every: Duration,
    pub grace: Duration,
    pub stale_after: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reconciler: {0}")]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Queue(#[from] medsec_queue::QueueError),
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Runs passes every `settings.every` until `stopping` turns true.
pub async fn run(
    queue: Arc<dyn JobQueue>,
    pool: Pool,
    settings: ReconcileSettings,
    mut stopping: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(settings.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopping.wait_for(|v| *v) => return,
        }
        match pass(queue.as_ref(), &pool, &settings).await {
            Ok(Some(n)) if n > 0 => info!(reenqueued = n, "reconciler re-enqueued lost jobs"),
            Ok(_) => {}
            Err(e) => warn!(error = %e, "reconciler pass failed"),
        }
    }
}

/// One pass; `None` when another worker holds the lock.
pub async fn pass(
    queue: &dyn JobQueue,
    pool: &Pool,
    settings: &ReconcileSettings,
) -> Result<Option<usize>, ReconcileError> {
    // Depth per kind first: a kind whose queue is empty has lost whatever
    // PostgreSQL still calls queued.
    let mut empty = Vec::new();
    for kind in JobKind::ALL {
        if queue.depth(kind.as_str()).await? == 0 {
            empty.push(kind.as_str());
        }
    }
    let now = Utc::now();
    let grace = chrono::Duration::from_std(settings.grace).unwrap_or_default();
    let stale = chrono::Duration::from_std(settings.stale_after).unwrap_or_default();
    let mut conn = pool.get().await?;
    conn.transaction::<_, ReconcileError, _>(async |conn| {
        let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(LOCK_KEY)
            .get_result(conn)
            .await?;
        if !locked.locked {
            return Ok(None);
        }
        let candidates = jobs::queued_jobs_for_reconcile(conn, now - grace, BATCH).await?;
        let mut count = 0;
        for job in candidates {
            let lost = empty.contains(&job.kind.as_str()) || job.queued_at < now - stale;
            if !lost {
                continue;
            }
            match queue.enqueue(&envelope(&job)).await {
                Ok(()) => {
                    jobs::touch_queued(conn, job.id).await?;
                    count += 1;
                }
                // A full queue or an unreachable backend: next pass.
                Err(e) => {
                    warn!(job_id = %job.id, error = %e, "re-enqueueing a job failed");
                    break;
                }
            }
        }
        Ok(Some(count))
    })
    .await
}

/// The envelope of a queued job, rebuilt from its row. The trace context
/// of the original request is not kept in PostgreSQL.
fn envelope(job: &Job) -> JobEnvelope {
    JobEnvelope {
        job_id: job.id.to_string(),
        kind: job.kind.as_str().to_owned(),
        tenant: job.tenant.clone(),
        attempt: u32::try_from(job.attempts).unwrap_or(0) + 1,
        deadline_unix_ms: 0,
        payload_ref: job.payload_ref(),
        enqueued_at_unix_ms: Utc::now().timestamp_millis(),
        traceparent: String::new(),
        tracestate: String::new(),
    }
}
