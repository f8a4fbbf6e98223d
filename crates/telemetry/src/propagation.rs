//! W3C trace context (`traceparent`, `tracestate`) in and out of the job
//! envelope, so one trace runs from the HTTP request into the worker.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The two W3C headers, as the envelope carries them; empty when there is
/// no sampled-or-not span to continue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    pub traceparent: String,
    pub tracestate: String,
}

impl TraceContext {
    /// The 32 hex digits of the trace id, when there is a valid context.
    pub fn trace_id(&self) -> Option<&str> {
        let mut parts = self.traceparent.split('-');
        let _version = parts.next()?;
        let trace_id = parts.next()?;
        (trace_id.len() == 32 && trace_id != "0".repeat(32)).then_some(trace_id)
    }
}

/// The context of the current `tracing` span.
pub fn current_context() -> TraceContext {
    let context = tracing::Span::current().context();
    let mut carrier: HashMap<String, String> = HashMap::new();
    if context.span().span_context().is_valid() {
        TraceContextPropagator::new().inject_context(&context, &mut carrier);
    }
    TraceContext {
        traceparent: carrier.remove("traceparent").unwrap_or_default(),
        tracestate: carrier.remove("tracestate").unwrap_or_default(),
    }
}

/// Makes `span` a child of the remote context (an envelope's), so the
/// worker's spans join the request's trace. An empty or malformed context
/// leaves the span a root. Returns whether a parent was set.
pub fn set_parent(span: &tracing::Span, context: &TraceContext) -> bool {
    let mut carrier: HashMap<String, String> = HashMap::new();
    carrier.insert("traceparent".to_owned(), context.traceparent.clone());
    if !context.tracestate.is_empty() {
        carrier.insert("tracestate".to_owned(), context.tracestate.clone());
    }
    let parent = TraceContextPropagator::new().extract(&carrier);
    if !parent.span().span_context().is_valid() {
        return false;
    }
    // Fails only for a span that is already closed or has no OpenTelemetry
    // layer under it.
    span.set_parent(parent).is_ok()
}
