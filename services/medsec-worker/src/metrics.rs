//! The worker's Prometheus metrics (the shared names of medsec-telemetry)
//! and the small /metrics listener a scraper reads them from.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use medsec_queue::{JobKind, JobQueue};
use medsec_telemetry::Metrics;

/// Labels of `medsec_jobs_total{outcome}` besides the primed ones.
pub const CACHE_HIT: &str = "cache-hit";
pub const SKIPPED: &str = "skipped";
pub const HANDED_BACK: &str = "handed-back";
pub const DATABASE_UNAVAILABLE: &str = "database-unavailable";

/// What the job loops record.
#[derive(Clone)]
pub struct JobMetrics {
    pub metrics: Metrics,
}

impl JobMetrics {
    pub fn new(metrics: Metrics) -> JobMetrics {
        let kinds: Vec<&str> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
        metrics.prime(&kinds);
        JobMetrics { metrics }
    }

    pub fn job_finished(&self, kind: &str, outcome: &str, took: Duration) {
        self.metrics
            .jobs_total
            .with_label_values(&[kind, outcome])
            .inc();
        self.metrics
            .job_duration_seconds
            .with_label_values(&[kind])
            .observe(took.as_secs_f64());
    }

    /// Time spent estimating exploitability in one job.
    pub fn inference(&self, took: Duration) {
        self.metrics
            .inference_duration_seconds
            .with_label_values(&["exploitation"])
            .observe(took.as_secs_f64());
    }
}

/// Keeps `medsec_queue_depth` and `medsec_queue_lag_seconds` current.
pub async fn watch_queue(queue: Arc<dyn JobQueue>, metrics: Metrics, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let Ok(stats) = queue.stats().await else {
            continue;
        };
        for s in stats {
            metrics
                .queue_depth
                .with_label_values(&[&s.kind])
                .set(i64::try_from(s.depth).unwrap_or(i64::MAX));
            metrics
                .queue_lag_seconds
                .with_label_values(&[&s.kind])
                .set(s.lag.map_or(0.0, |d| d.as_secs_f64()));
        }
    }
}

/// The listener's bound address and its server handle.
pub struct MetricsServer {
    pub addr: SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
}

async fn render(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(Metrics::CONTENT_TYPE)
        .body(metrics.render())
}

/// Serves `GET /metrics` on `addr` (port 0: any free port, logged).
pub fn serve(metrics: Metrics, addr: SocketAddr) -> std::io::Result<MetricsServer> {
    let data = web::Data::new(metrics);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?;
    let addr = server.addrs().first().copied().unwrap_or(addr);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(MetricsServer { addr, handle })
}
