//! Logs and traces: the shared telemetry set-up, and the span each job
//! runs in, continued from the trace of the request that submitted it.

use medsec_queue::JobEnvelope;
use medsec_telemetry::{set_parent, TraceContext};

pub use medsec_telemetry::{TelemetryError, TelemetryGuard};

pub fn init(settings: &medsec_config::Settings) -> Result<TelemetryGuard, TelemetryError> {
    medsec_telemetry::init("medsec-worker", &settings.telemetry)
}

/// The `job` span of one delivery, a child of the envelope's trace
/// context when it carries one.
pub fn job_span(env: &JobEnvelope) -> tracing::Span {
    let span =
        tracing::info_span!("job", job_id = %env.job_id, kind = %env.kind, attempt = env.attempt);
    set_parent(
        &span,
        &TraceContext {
            traceparent: env.traceparent.clone(),
            tracestate: env.tracestate.clone(),
        },
    );
    span
}
