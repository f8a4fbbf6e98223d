//! What one job does, per kind, once it is claimed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use medsec_queue::JobKind;
use medsec_store::jobs::{self, Completed, Job};
use medsec_store::Pool;
use tracing::Instrument;

use crate::analysis::{analyse_sbom, device_context};
use crate::cache::ResultCache;
use crate::exploit::{exploitability, TimedExploitability};
use crate::failure::JobFailure;
use crate::kb::KnowledgeBase;
use crate::metrics::JobMetrics;
use crate::model::{version_of, ModelSource};
use crate::reports::{render_all, CachedResult};
use crate::risk::{score_risks, RiskRequest};

/// Everything a job needs besides its row.
pub struct JobContext {
    pub kb: Arc<KnowledgeBase>,
    pub model: ModelSource,
    pub cache: Option<ResultCache>,
    pub s3: Option<aws_sdk_s3::Client>,
    pub metrics: JobMetrics,
}

/// How a claimed job ended (failures are [`JobFailure`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The result was committed (or had been, by an earlier delivery).
    Done(Completed),
    /// Committed from the `sbom:` cache.
    CacheHit,
    /// Not active any more when claimed.
    Skipped,
    /// Cancellation was requested while it ran; no result written.
    Cancelled,
}

/// Runs a claimed job and commits its result.
pub async fn run_job(
    ctx: &JobContext,
    pool: &Pool,
    job: &Job,
    cancelled: Arc<AtomicBool>,
) -> Result<Outcome, JobFailure> {
    match job.kind.as_str().parse::<JobKind>() {
        Ok(JobKind::SbomAnalysis) => sbom_analysis(ctx, pool, job, &cancelled).await,
        Ok(JobKind::RiskScore) => risk_score(ctx, pool, job, &cancelled).await,
        Err(e) => Err(JobFailure::permanent(e.to_string())),
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn sbom_analysis(
    ctx: &JobContext,
    pool: &Pool,
    job: &Job,
    cancelled: &AtomicBool,
) -> Result<Outcome, JobFailure> {
    let device = device_context(job.device_context.as_ref())?;
    // The model this job runs with, even if a newer one is swapped in meanwhile.
    let model = ctx.model.current();
    let model_version = version_of(model.as_deref());
    let generation = ctx.kb.generation();
    let key = match (&ctx.cache, job.sbom_sha256.as_deref()) {
        (Some(cache), Some(sha)) => {
            cache.sbom_key(sha, job.device_context.as_ref(), generation, &model_version)
        }
        _ => None,
    };
    if let (Some(cache), Some(key)) = (&ctx.cache, &key) {
        if let Some(cached) = cache.get(key).await {
            let reports = cached.rendered();
            let completed = commit(
                pool,
                job,
                &cached.analysis,
                &reports,
                true,
                generation,
                &model_version,
            )
            .await?;
            return Ok(match completed {
                Completed::Succeeded => Outcome::CacheHit,
                other => Outcome::Done(other),
            });
        }
    }

    let bytes = {
        let mut conn = pool.get().await?;
        crate::payload::fetch(&mut conn, ctx.s3.as_ref(), job.id).await?
    };
    if cancelled.load(Ordering::SeqCst) {
        return Ok(Outcome::Cancelled);
    }

    let kb = ctx.kb.clone();
    let span = tracing::info_span!("analysis", job_id = %job.id, sbom_bytes = bytes.len());
    let as_of = today();
    let source_name = format!("job {}", job.id);
    let (result, inference) = tokio::task::spawn_blocking({
        let span = span.clone();
        move || {
            let _entered = span.enter();
            let inner = exploitability(model);
            let timed = TimedExploitability::new(inner.as_ref());
            let analysis = analyse_sbom(&kb, &timed, &bytes, &device, as_of)?;
            let inference = timed.total();
            let value = serde_json::to_value(&analysis)
                .map_err(|e| JobFailure::permanent(format!("encoding the analysis: {e}")))?;
            let reports = {
                let _render = tracing::info_span!("render_reports").entered();
                render_all(&analysis, &source_name)?
            };
            Ok::<_, JobFailure>((
                CachedResult {
                    analysis: value,
                    reports,
                },
                inference,
            ))
        }
    })
    .await
    .map_err(|e| JobFailure::transient(format!("the analysis task ended abnormally: {e}")))??;
    ctx.metrics.inference(inference);
    if cancelled.load(Ordering::SeqCst) {
        return Ok(Outcome::Cancelled);
    }

    let reports = result.rendered();
    let completed = commit(
        pool,
        job,
        &result.analysis,
        &reports,
        false,
        generation,
        &model_version,
    )
    .instrument(tracing::info_span!("commit", job_id = %job.id))
    .await?;
    if let (Some(cache), Some(key), Completed::Succeeded) = (&ctx.cache, &key, completed) {
        cache.put(key, &result).await;
    }
    Ok(Outcome::Done(completed))
}

async fn risk_score(
    ctx: &JobContext,
    pool: &Pool,
    job: &Job,
    cancelled: &AtomicBool,
) -> Result<Outcome, JobFailure> {
    let device = device_context(job.device_context.as_ref())?;
    let model = ctx.model.current();
    let model_version = version_of(model.as_deref());
    let generation = ctx.kb.generation();
    let bytes = {
        let mut conn = pool.get().await?;
        crate::payload::fetch(&mut conn, ctx.s3.as_ref(), job.id).await?
    };
    let request = RiskRequest::from_json(&bytes)?;
    let kb = ctx.kb.clone();
    let span = tracing::info_span!("analysis", job_id = %job.id, cves = request.cve_ids.len());
    let (result, inference) = tokio::task::spawn_blocking({
        let span = span.clone();
        move || {
            let _entered = span.enter();
            let inner = exploitability(model);
            let timed = TimedExploitability::new(inner.as_ref());
            let scores = score_risks(&kb, &timed, &request, &device);
            let value = serde_json::to_value(&scores)
                .map_err(|e| JobFailure::permanent(format!("encoding the risk scores: {e}")))?;
            Ok::<_, JobFailure>((value, timed.total()))
        }
    })
    .await
    .map_err(|e| JobFailure::transient(format!("the scoring task ended abnormally: {e}")))??;
    ctx.metrics.inference(inference);
    if cancelled.load(Ordering::SeqCst) {
        return Ok(Outcome::Cancelled);
    }
    let completed = commit(pool, job, &result, &[], false, generation, &model_version).await?;
    Ok(Outcome::Done(completed))
}

#[allow(clippy::too_many_arguments)]
async fn commit(
    pool: &Pool,
    job: &Job,
    analysis: &serde_json::Value,
    reports: &[medsec_store::jobs::RenderedReport],
    cache_hit: bool,
    generation: u64,
    model_version: &str,
) -> Result<Completed, JobFailure> {
    let completion =
        crate::runner::completion(analysis, reports, cache_hit, generation, model_version);
    // A brief database outage should not throw away a finished analysis.
    let mut delay = Duration::from_millis(200);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = async {
            let mut conn = pool.get().await?;
            jobs::complete_job_with_result(&mut conn, job.id, &completion).await
        };
        match attempt.await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() >= deadline => return Err(e.into()),
            Err(e) => {
                tracing::warn!(job_id = %job.id, error = %e, "committing the result failed; trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
        }
    }
}
