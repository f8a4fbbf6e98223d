//! `medsec-worker`: pulls analysis jobs from the queue, runs the engine and
//! the exploitation model, and writes results to PostgreSQL.

mod analysis;
mod cache;
mod exploit;
mod failure;
mod jobs;
mod kb;
mod metrics;
mod model;
mod payload;
mod reconciler;
mod reports;
mod risk;
mod runner;
mod settings;
mod tracing_setup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::jobs::JobContext;
use crate::kb::KnowledgeBase;
use crate::metrics::JobMetrics;
use crate::model::ModelSource;
use crate::runner::{LoopSettings, Runner, Stop};

/// Pulls jobs, runs the analysis engine and the model, writes results.
///
/// Settings come from the optional file and MEDSEC_* variables
/// (see medsec-config); the flags below are this process's own.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Settings file (TOML); `$MEDSEC_CONFIG` when not given.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address of the /metrics listener (port 0: any free port).
    #[arg(
        long,
        env = "MEDSEC_WORKER_METRICS_ADDR",
        default_value = "127.0.0.1:9464"
    )]
    metrics_addr: SocketAddr,
    /// Where model versions fetched from S3 are cached.
    #[arg(long, env = "MEDSEC_WORKER_MODEL_CACHE", value_name = "DIR")]
    model_cache: Option<PathBuf>,
    /// Prefix of this worker's cache keys in Redis (deployments sharing a
    /// Redis, tests).
    #[arg(long, env = "MEDSEC_WORKER_CACHE_NAMESPACE", default_value = "")]
    cache_namespace: String,
}

/// How often the model store's pointer is checked for a new version.
const MODEL_POLL: Duration = Duration::from_secs(30);
/// How often the reconciler looks for lost jobs.
const RECONCILE_EVERY: Duration = Duration::from_secs(2);
/// A queued job younger than this may still be on its way to the queue.
const RECONCILE_GRACE: Duration = Duration::from_secs(5);
/// How often the queue gauges are refreshed.
const QUEUE_STATS_EVERY: Duration = Duration::from_secs(5);
/// How long one reserve call waits for a job.
const RESERVE_BLOCK: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = match medsec_config::Settings::load(args.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let code = runtime.block_on(async {
        let _telemetry = match tracing_setup::init(&settings) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        match run(args, settings).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                error!(error = %e, "worker stopped");
                eprintln!("error: {e}");
                ExitCode::from(3)
            }
        }
    });
    // Blocking tasks still analysing a handed-back job are abandoned.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run(
    args: Args,
    settings: medsec_config::Settings,
) -> Result<(), Box<dyn std::error::Error>> {
    let snapshot = settings::kb_snapshot(&settings)?;
    let model_cache = args.model_cache.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("medsec-worker-models-{}", std::process::id()))
    });
    let model_location = settings::model_location(&settings, &model_cache)?;

    let kb = {
        let started = std::time::Instant::now();
        let path = snapshot.clone();
        let kb = tokio::task::spawn_blocking(move || KnowledgeBase::load(&path)).await??;
        info!(path = %snapshot.display(), generation = kb.generation(), records = kb.index.len(),
              load_ms = started.elapsed().as_millis() as u64, "knowledge base loaded");
        Arc::new(kb)
    };
    let model = ModelSource::open(&model_location).await?;
    info!(model_version = %model::version_of(model.current().as_deref()), source = ?model_location, "model loaded");
    let _model_watch = model.watch(MODEL_POLL);

    let queue = medsec_queue::connect(
        &settings::queue_backend(&settings),
        settings::queue(&settings),
    )
    .await?;
    let pool = medsec_store::Pool::new(&settings.database.url, settings::pool(&settings))?;
    let metrics = medsec_telemetry::Metrics::new()?;
    let cache = match medsec_cache::Cache::new(&settings.redis, settings.cache.clone()) {
        Ok(c) => Some(cache::ResultCache::new(
            c.with_namespace(args.cache_namespace.clone())
                .with_metrics(metrics.clone()),
        )),
        Err(e) => {
            warn!(error = %e, "no sbom cache; every job is analysed");
            None
        }
    };
    let s3 = payload_client(&settings).await;
    let metrics_server = metrics::serve(metrics.clone(), args.metrics_addr)?;
    info!(addr = %metrics_server.addr, "metrics listener");
    let queue_gauges = tokio::spawn(metrics::watch_queue(
        queue.clone(),
        metrics.clone(),
        QUEUE_STATS_EVERY,
    ));

    let consumer = settings::consumer(&settings);
    let loop_settings = LoopSettings {
        consumer: consumer.clone(),
        concurrency: settings.worker.concurrency,
        reserve_block: RESERVE_BLOCK,
        keepalive_every: settings::keepalive_every(&settings),
        shutdown_deadline: settings.worker.shutdown_deadline(),
    };
    let runner = Arc::new(Runner {
        queue: queue.clone(),
        pool: pool.clone(),
        context: Arc::new(JobContext {
            kb,
            model,
            cache,
            s3,
            metrics: JobMetrics::new(metrics),
        }),
        settings: loop_settings.clone(),
    });

    let (stopping_tx, stopping) = watch::channel(false);
    let (deadline_tx, deadline) = watch::channel(false);
    let reconciler = tokio::spawn(reconciler::run(
        queue.clone(),
        pool.clone(),
        reconciler::ReconcileSettings {
            every: RECONCILE_EVERY,
            grace: RECONCILE_GRACE,
            stale_after: settings.queue.reconcile_after(),
        },
        stopping.clone(),
    ));
    info!(consumer = %consumer, concurrency = loop_settings.concurrency, backend = queue.backend(), "worker ready");

    let loops = tokio::spawn(runner.run(Stop { stopping, deadline }));
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => info!("SIGTERM: finishing in-flight jobs"),
        _ = int.recv() => info!("SIGINT: finishing in-flight jobs"),
    }
    let _ = stopping_tx.send(true);
    let deadline_after = loop_settings.shutdown_deadline;
    tokio::spawn(async move {
        tokio::time::sleep(deadline_after).await;
        let _ = deadline_tx.send(true);
    });
    if let Err(e) = loops.await {
        warn!(error = %e, "job loops ended abnormally");
    }
    reconciler.abort();
    queue_gauges.abort();
    metrics_server.handle.stop(true).await;
    info!("worker stopped");
    Ok(())
}

/// The S3 client that reads large SBOMs, when an endpoint or bucket is
/// configured.
async fn payload_client(settings: &medsec_config::Settings) -> Option<aws_sdk_s3::Client> {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(settings.s3.region.clone()))
        .load()
        .await;
    let mut conf =
        aws_sdk_s3::config::Builder::from(&shared).force_path_style(settings.s3.path_style);
    if let Some(endpoint) = &settings.s3.endpoint {
        conf = conf.endpoint_url(endpoint);
    }
    Some(aws_sdk_s3::Client::from_conf(conf.build()))
}
