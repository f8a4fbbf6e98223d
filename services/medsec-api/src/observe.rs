//! One span per request (continuing the caller's `traceparent` when sent)
//! and the HTTP metrics, labelled by route pattern rather than path so ids
//! do not multiply the series.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use medsec_telemetry::TraceContext;
use tracing::Instrument;

use crate::state::AppState;

fn header(req: &ServiceRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "http_request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        url.path = %req.path(),
        http.response.status_code = tracing::field::Empty,
    );
    let traceparent = header(&req, "traceparent");
    if !traceparent.is_empty() {
        medsec_telemetry::set_parent(
            &span,
            &TraceContext {
                traceparent,
                tracestate: header(&req, "tracestate"),
            },
        );
    }
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("http.response.status_code", status.as_u16());
    if let Some(state) = state {
        state
            .metrics
            .http_requests_total
            .with_label_values(&[&method, &route, status.as_str()])
            .inc();
        state
            .metrics
            .http_request_duration_seconds
            .with_label_values(&[&method, &route])
            .observe(started.elapsed().as_secs_f64());
    }
    result
}
