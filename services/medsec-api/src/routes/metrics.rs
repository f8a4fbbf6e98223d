use actix_web::{get, web, HttpResponse};
use medsec_telemetry::Metrics;

use crate::state::AppState;

/// Prometheus metrics. Queue depth and lag are read from the queue at each
/// scrape.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    match state.queue.stats().await {
        Ok(streams) => {
            for stream in streams {
                state
                    .metrics
                    .observe_queue(&stream.kind, stream.depth, stream.waiting, stream.lag);
            }
        }
        Err(e) => tracing::warn!(error = %e, "queue stats unavailable for /metrics"),
    }
    HttpResponse::Ok()
        .content_type(Metrics::CONTENT_TYPE)
        .body(state.metrics.render())
}
