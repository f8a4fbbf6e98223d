//! Trace context through a text carrier, checked with the OpenTelemetry
//! SDK's in-memory exporter: the child span continues the parent's trace.

use medsec_telemetry::{current_context, set_parent, TraceContext};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[test]
fn a_span_continued_from_an_envelope_joins_the_trace() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));

    let context = tracing::subscriber::with_default(subscriber, || {
        let request = tracing::info_span!("http_request");
        let context = request.in_scope(current_context);
        drop(request);

        let job = tracing::info_span!("run_job");
        assert!(set_parent(&job, &context));
        job.in_scope(|| tracing::info!("working"));
        drop(job);

        let orphan = tracing::info_span!("orphan");
        assert!(!set_parent(
            &orphan,
            &TraceContext {
                traceparent: "00-zz-not-a-context".into(),
                tracestate: String::new(),
            }
        ));
        drop(orphan);
        context
    });

    // W3C Trace Context, version 00: 00-<32 hex>-<16 hex>-<2 hex>.
    let parts: Vec<&str> = context.traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{}", context.traceparent);
    assert_eq!(parts[0], "00");
    assert!(is_hex(parts[1], 32) && is_hex(parts[2], 16) && is_hex(parts[3], 2));
    assert_eq!(context.trace_id(), Some(parts[1]));

    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("span {name} not exported: {spans:?}"))
    };
    let request = by_name("http_request");
    let job = by_name("run_job");
    let orphan = by_name("orphan");
    assert_eq!(request.span_context.trace_id().to_string(), parts[1]);
    assert_eq!(job.span_context.trace_id(), request.span_context.trace_id());
    assert_eq!(job.parent_span_id, request.span_context.span_id());
    assert_ne!(
        orphan.span_context.trace_id(),
        request.span_context.trace_id()
    );
}

#[test]
fn outside_any_span_the_context_is_empty() {
    let context = current_context();
    assert_eq!(context, TraceContext::default());
    assert_eq!(context.trace_id(), None);
}
