//! The job loops: reserve, claim in PostgreSQL, run, commit, acknowledge.
//!
//! A delivery is acknowledged only after its outcome is committed in
//! PostgreSQL, so a worker that dies at any point leaves the job to be
//! reclaimed from the queue; the store's one-result-per-job rule makes the
//! second run write nothing new.
//!
//! A PostgreSQL outage is not the job's fault: a delivery that failed
//! because the database does not answer is handed back without counting an
//! attempt, and its loop reserves nothing more until the database answers,
//! so jobs ride out a restart instead of being dead-lettered by it.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use medsec_queue::{Delivery, JobKind, JobQueue, RetryOutcome};
use medsec_store::jobs::{self, Completed, Completion, Heartbeat, Job};
use medsec_store::{Pool, Uuid};
use tokio::sync::watch;
use tracing::{info, warn, Instrument};

use crate::failure::JobFailure;
use crate::jobs::{run_job, JobContext, Outcome};
use crate::metrics;

/// How the loops behave.
#[derive(Debug, Clone)]
pub struct LoopSettings {
    /// This worker's consumer name (unique per process).
    pub consumer: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long one reserve call waits for a job.
    pub reserve_block: Duration,
    /// How often a running job's reservation is extended and its heartbeat
    /// (and cancellation flag) checked.
    pub keepalive_every: Duration,
    /// After SIGTERM, how long in-flight jobs may take before they are
    /// handed back to the queue.
    pub shutdown_deadline: Duration,
}

/// Shared by every loop of one worker.
pub struct Runner {
    pub queue: Arc<dyn JobQueue>,
    pub pool: Pool,
    pub context: Arc<JobContext>,
    pub settings: LoopSettings,
}

/// Ways the loops learn that the worker is stopping.
#[derive(Clone)]
pub struct Stop {
    /// Becomes true on SIGTERM: reserve no more.
    pub stopping: watch::Receiver<bool>,
    /// Becomes true when the shutdown deadline has passed: hand back what
    /// is still running.
    pub deadline: watch::Receiver<bool>,
}

async fn became_true(mut rx: watch::Receiver<bool>) {
    // A dropped sender counts as "now".
    let _ = rx.wait_for(|v| *v).await;
}

impl Runner {
    /// Runs `concurrency` loops until `stop` says so and they drain.
    pub async fn run(self: Arc<Self>, stop: Stop) {
        let mut loops = tokio::task::JoinSet::new();
        for slot in 0..self.settings.concurrency {
            let runner = self.clone();
            let stop = stop.clone();
            loops.spawn(async move { runner.job_loop(slot, stop).await });
        }
        while let Some(done) = loops.join_next().await {
            if let Err(e) = done {
                warn!(error = %e, "a job loop ended abnormally");
            }
        }
    }

    async fn job_loop(&self, slot: usize, stop: Stop) {
        // Each loop starts on a different kind so both streams are served
        // even when one is busy.
        let kinds = JobKind::ALL;
        let mut turn = slot;
        let mut backoff = Duration::from_millis(200);
        while !*stop.stopping.borrow() {
            let kind = kinds[turn % kinds.len()];
            turn += 1;
            let reserved = tokio::select! {
                r = self.queue.reserve(kind.as_str(), &self.settings.consumer, 1, self.settings.reserve_block) => r,
                () = became_true(stop.stopping.clone()) => break,
            };
            let deliveries = match reserved {
                Ok(d) => {
                    backoff = Duration::from_millis(200);
                    d
                }
                Err(e) => {
                    warn!(error = %e, kind = kind.as_str(), "reserving a job failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            for delivery in deliveries {
                if self.handle(delivery, &stop).await == metrics::DATABASE_UNAVAILABLE {
                    self.wait_for_database(&stop).await;
                }
            }
        }
    }

    /// One delivery, start to acknowledgement (or hand-back); the metric
    /// label of its outcome.
    async fn handle(&self, delivery: Delivery, stop: &Stop) -> &'static str {
        let span = crate::tracing_setup::job_span(&delivery.envelope);
        let work = async {
            let started = Instant::now();
            let kind = delivery.envelope.kind.clone();
            let work = self.process(&delivery);
            tokio::select! {
                outcome = work => {
                    let label = self.settle(&delivery, outcome).await;
                    self.context.metrics.job_finished(&kind, label, started.elapsed());
                    label
                }
                () = became_true(stop.deadline.clone()) => {
                    // Shutdown deadline: give the job to another worker now
                    // rather than after the visibility timeout.
                    self.hand_back(&delivery).await;
                    self.context.metrics.job_finished(&kind, metrics::HANDED_BACK, started.elapsed());
                    metrics::HANDED_BACK
                }
            }
        };
        work.instrument(span).await
    }

    /// Claims, runs and commits the job, keeping its reservation alive.
    async fn process(&self, delivery: &Delivery) -> Result<Outcome, JobFailure> {
        let env = &delivery.envelope;
        let id = Uuid::parse_str(&env.job_id)
            .map_err(|e| JobFailure::permanent(format!("envelope job id {:?}: {e}", env.job_id)))?;
        let job = {
            let mut conn = self.pool.get().await?;
            match jobs::claim_job(&mut conn, id).await? {
                Some(job) => job,
                // Cancelled, finished, or unknown: nothing to run.
                None => return Ok(Outcome::Skipped),
            }
        };
        info!(job_id = %id, kind = %env.kind, attempt = env.attempt, "job claimed");
        let cancelled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let run = run_job(&self.context, &self.pool, &job, cancelled.clone());
        self.with_keepalive(delivery, &job, cancelled, run).await
    }

    /// Runs `work` while extending the reservation and recording heartbeats;
    /// a heartbeat that finds the job cancelled raises `cancelled`.
    async fn with_keepalive<F>(
        &self,
        delivery: &Delivery,
        job: &Job,
        cancelled: Arc<std::sync::atomic::AtomicBool>,
        work: F,
    ) -> Result<Outcome, JobFailure>
    where
        F: Future<Output = Result<Outcome, JobFailure>>,
    {
        let keepalive = async {
            let mut ticker = tokio::time::interval(self.settings.keepalive_every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(e) = self.queue.extend(delivery).await {
                    warn!(job_id = %job.id, error = %e, "extending the reservation failed");
                }
                match self.pool.get().await {
                    Ok(mut conn) => match jobs::heartbeat(&mut conn, job.id).await {
                        Ok(Heartbeat::Continue) => {}
                        Ok(Heartbeat::CancelRequested | Heartbeat::NotRunning) => {
                            cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
                        }
                        Err(e) => warn!(job_id = %job.id, error = %e, "heartbeat failed"),
                    },
                    Err(e) => warn!(job_id = %job.id, error = %e, "heartbeat: no connection"),
                }
            }
        };
        tokio::select! {
            outcome = work => outcome,
            () = keepalive => unreachable!("the keepalive loop never ends"),
        }
    }

    /// Records the outcome in PostgreSQL and the queue; returns the metric
    /// label of the outcome.
    async fn settle(
        &self,
        delivery: &Delivery,
        outcome: Result<Outcome, JobFailure>,
    ) -> &'static str {
        let env = &delivery.envelope;
        let id = Uuid::parse_str(&env.job_id).ok();
        match outcome {
            Ok(Outcome::Done(completed)) => {
                match completed {
                    Completed::Succeeded => info!(job_id = %env.job_id, "job succeeded"),
                    other => {
                        info!(job_id = %env.job_id, outcome = ?other, "job already settled; result not written again")
                    }
                }
                self.ack(delivery).await;
                "succeeded"
            }
            Ok(Outcome::CacheHit) => {
                info!(job_id = %env.job_id, "job answered from cache");
                self.ack(delivery).await;
                metrics::CACHE_HIT
            }
            Ok(Outcome::Skipped) => {
                info!(job_id = %env.job_id, "job not active (cancelled or finished); dropped");
                self.ack(delivery).await;
                metrics::SKIPPED
            }
            Ok(Outcome::Cancelled) => {
                if let Some(id) = id {
                    self.store_retrying("finishing a cancelled job", |conn| {
                        Box::pin(async move { jobs::finish_cancelled(conn, id).await.map(|_| ()) })
                    })
                    .await;
                }
                info!(job_id = %env.job_id, "job cancelled");
                self.ack(delivery).await;
                "cancelled"
            }
            Err(failure) if !failure.retryable => {
                warn!(job_id = %env.job_id, error = %failure, "job failed for good");
                if let Some(id) = id {
                    let message = failure.message.clone();
                    self.store_retrying("failing a job", move |conn| {
                        let message = message.clone();
                        Box::pin(
                            async move { jobs::fail_job(conn, id, &message).await.map(|_| ()) },
                        )
                    })
                    .await;
                }
                self.ack(delivery).await;
                "failed"
            }
            Err(failure) if failure.from_database && !self.database_answers().await => {
                // Spending an attempt here would dead-letter healthy jobs
                // during an outage; the job row is left for the next claim.
                warn!(job_id = %env.job_id, error = %failure, "database unavailable; job handed back without counting an attempt");
                if let Err(e) = self.queue.release(delivery).await {
                    warn!(job_id = %env.job_id, error = %e, "releasing the job failed; it returns after the visibility timeout");
                }
                metrics::DATABASE_UNAVAILABLE
            }
            Err(failure) => self.retry(delivery, id, &failure).await,
        }
    }

    /// PostgreSQL answers a query. Tells an outage from a failure of the
    /// job's own queries, which should spend attempts as usual.
    async fn database_answers(&self) -> bool {
        self.pool.ping().await.is_ok()
    }

    /// Reserves nothing until PostgreSQL answers again (or the worker stops).
    async fn wait_for_database(&self, stop: &Stop) {
        warn!(consumer = %self.settings.consumer, "waiting for the database before reserving more jobs");
        let mut delay = Duration::from_millis(200);
        loop {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = became_true(stop.stopping.clone()) => return,
            }
            if self.database_answers().await {
                info!(consumer = %self.settings.consumer, "database answers again; reserving jobs");
                return;
            }
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn retry(
        &self,
        delivery: &Delivery,
        id: Option<Uuid>,
        failure: &JobFailure,
    ) -> &'static str {
        let env = &delivery.envelope;
        let message = failure.message.clone();
        match self.queue.retry(delivery, &failure.message).await {
            Ok(RetryOutcome::Requeued { attempt, delay }) => {
                warn!(job_id = %env.job_id, error = %failure, next_attempt = attempt, delay_ms = delay.as_millis() as u64, "job attempt failed; retrying");
                if let Some(id) = id {
                    self.store_retrying("requeueing a job", move |conn| {
                        let message = message.clone();
                        Box::pin(
                            async move { jobs::requeue_job(conn, id, &message).await.map(|_| ()) },
                        )
                    })
                    .await;
                }
                "retried"
            }
            Ok(RetryOutcome::DeadLettered { attempts }) => {
                warn!(job_id = %env.job_id, error = %failure, attempts, "job dead-lettered");
                if let Some(id) = id {
                    let message = format!("{message} (gave up after {attempts} attempts)");
                    self.store_retrying("marking a job dead", move |conn| {
                        let message = message.clone();
                        Box::pin(
                            async move { jobs::mark_dead(conn, id, &message).await.map(|_| ()) },
                        )
                    })
                    .await;
                }
                "dead"
            }
            Err(e) => {
                // The reservation expires and the job comes back with its
                // attempt counted.
                warn!(job_id = %env.job_id, error = %e, "handing a failed job back to the queue failed");
                "retried"
            }
        }
    }

    async fn ack(&self, delivery: &Delivery) {
        if let Err(e) = self.queue.ack(delivery).await {
            // The outcome is committed; a redelivery finds it and writes nothing.
            warn!(job_id = %delivery.envelope.job_id, error = %e, "acknowledging failed");
        }
    }

    async fn hand_back(&self, delivery: &Delivery) {
        let env = &delivery.envelope;
        warn!(job_id = %env.job_id, "shutdown deadline passed; handing the job back");
        if let Ok(id) = Uuid::parse_str(&env.job_id) {
            self.store_retrying("handing a job back", move |conn| {
                Box::pin(async move {
                    jobs::requeue_job(conn, id, "worker shut down before finishing")
                        .await
                        .map(|_| ())
                })
            })
            .await;
        }
        if let Err(e) = self.queue.release(delivery).await {
            warn!(job_id = %env.job_id, error = %e, "releasing the job failed; it returns after the visibility timeout");
        }
    }

    /// A state change that must not be lost to a brief database outage:
    /// tried a few times over about ten seconds.
    async fn store_retrying<F>(&self, what: &'static str, op: F)
    where
        F: for<'c> Fn(
            &'c mut medsec_store::AsyncPgConnection,
        ) -> std::pin::Pin<
            Box<dyn Future<Output = Result<(), medsec_store::StoreError>> + Send + 'c>,
        >,
    {
        let mut delay = Duration::from_millis(100);
        for attempt in 1..=8 {
            let result = match self.pool.get().await {
                Ok(mut conn) => op(&mut conn).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => return,
                Err(e) if attempt == 8 => {
                    warn!(error = %e, "{what} failed; giving up");
                    return;
                }
                Err(e) => {
                    warn!(error = %e, attempt, "{what} failed; trying again");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(3));
                }
            }
        }
    }
}

/// The outcome written for a completed job.
pub fn completion<'a>(
    analysis: &'a serde_json::Value,
    reports: &'a [medsec_store::jobs::RenderedReport],
    cache_hit: bool,
    kb_generation: u64,
    model_version: &'a str,
) -> Completion<'a> {
    Completion {
        analysis,
        reports,
        cache_hit,
        kb_generation: i64::try_from(kb_generation).ok(),
        model_version: Some(model_version),
    }
}
