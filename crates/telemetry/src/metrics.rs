//! The Prometheus metrics of the issue, in a registry of their own (not the
//! process-global one), so several apps in one test process do not collide.

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Every metric the API and the workers export. Cloning shares them.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// `method`, `route` (the route pattern, not the path), `status`.
    pub http_requests_total: IntCounterVec,
    /// `method`, `route`.
    pub http_request_duration_seconds: HistogramVec,
    /// Waiting jobs per `kind`.
    pub queue_depth: IntGaugeVec,
    /// Age of the oldest waiting job per `kind`.
    pub queue_lag_seconds: GaugeVec,
    /// Finished jobs per `kind` and `outcome` (succeeded, failed, retried,
    /// dead, cancelled, cache-hit).
    pub jobs_total: IntCounterVec,
    /// Job run time per `kind`.
    pub job_duration_seconds: HistogramVec,
    /// Model inference time per batch.
    pub inference_duration_seconds: HistogramVec,
    /// Per `cache` (cvss, enrich, sbom).
    pub cache_hits_total: IntCounterVec,
    pub cache_misses_total: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const JOB_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let http_requests_total = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let queue_depth = IntGaugeVec::new(
            Opts::new("medsec_queue_depth", "Jobs waiting in the queue"),
            &["kind"],
        )?;
        let queue_lag_seconds = GaugeVec::new(
            Opts::new(
                "medsec_queue_lag_seconds",
                "Age of the oldest job waiting in the queue",
            ),
            &["kind"],
        )?;
        let jobs_total = IntCounterVec::new(
            Opts::new("medsec_jobs_total", "Jobs finished, by outcome"),
            &["kind", "outcome"],
        )?;
        let job_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "medsec_job_duration_seconds",
                "Time a worker spent on a job",
            )
            .buckets(JOB_BUCKETS.to_vec()),
            &["kind"],
        )?;
        let inference_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "medsec_inference_duration_seconds",
                "Time of one exploitation-model inference",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["model"],
        )?;
        let cache_hits_total = IntCounterVec::new(
            Opts::new("medsec_cache_hits_total", "Cache lookups answered"),
            &["cache"],
        )?;
        let cache_misses_total = IntCounterVec::new(
            Opts::new("medsec_cache_misses_total", "Cache lookups not answered"),
            &["cache"],
        )?;
        registry.register(Box::new(http_requests_total.clone()))?;
        registry.register(Box::new(http_request_duration_seconds.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(queue_lag_seconds.clone()))?;
        registry.register(Box::new(jobs_total.clone()))?;
        registry.register(Box::new(job_duration_seconds.clone()))?;
        registry.register(Box::new(inference_duration_seconds.clone()))?;
        registry.register(Box::new(cache_hits_total.clone()))?;
        registry.register(Box::new(cache_misses_total.clone()))?;
        Ok(Metrics {
            registry,
            http_requests_total,
            http_request_duration_seconds,
            queue_depth,
            queue_lag_seconds,
            jobs_total,
            job_duration_seconds,
            inference_duration_seconds,
            cache_hits_total,
            cache_misses_total,
        })
    }

    /// Creates the zero-valued series of `kinds` (and of the three caches),
    /// so every metric name is exported before the first event.
    pub fn prime(&self, kinds: &[&str]) {
        for kind in kinds {
            self.queue_depth.with_label_values(&[kind]);
            self.queue_lag_seconds.with_label_values(&[kind]);
            self.job_duration_seconds.with_label_values(&[kind]);
            for outcome in ["succeeded", "failed", "retried", "dead", "cancelled"] {
                self.jobs_total.with_label_values(&[kind, outcome]);
            }
        }
        self.inference_duration_seconds
            .with_label_values(&["exploitation"]);
        for cache in ["cvss", "enrich", "sbom"] {
            self.cache_hits_total.with_label_values(&[cache]);
            self.cache_misses_total.with_label_values(&[cache]);
        }
    }

    /// Sets a queue's `medsec_queue_depth` and `medsec_queue_lag_seconds`.
    /// With nothing waiting the lag is 0; with jobs waiting and no lag known
    /// (a backend that cannot read its oldest waiting job's age) the lag
    /// series is removed rather than exported as a misleading 0.
    pub fn observe_queue(
        &self,
        kind: &str,
        depth: u64,
        waiting: u64,
        lag: Option<std::time::Duration>,
    ) {
        self.queue_depth
            .with_label_values(&[kind])
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
        match (lag, waiting) {
            (Some(lag), _) => self
                .queue_lag_seconds
                .with_label_values(&[kind])
                .set(lag.as_secs_f64()),
            (None, 0) => self.queue_lag_seconds.with_label_values(&[kind]).set(0.0),
            (None, _) => {
                // Absent already is fine.
                let _ = self.queue_lag_seconds.remove_label_values(&[kind]);
            }
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec fails only on metric families that could not
        // have been registered.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The content type of [`Metrics::render`].
    pub const CONTENT_TYPE: &'static str = "text/plain; version=0.0.4; charset=utf-8";
}
