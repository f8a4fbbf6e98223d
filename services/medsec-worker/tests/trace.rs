//! One trace from the HTTP request into the worker: medsec-api and the
//! workers export their spans over OTLP/HTTP to a receiver in this test,
//! and the worker's analysis span must sit in the request's trace, under
//! the API's spans.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use prost::Message;
use support::{Stack, StackOptions, SERIAL};

/// One received span, reduced to what the test checks.
#[derive(Debug, Clone)]
struct ReceivedSpan {
    service: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    attributes: Vec<(String, String)>,
}

fn string_of(kv: &KeyValue) -> Option<String> {
    match kv.value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(i) => Some(i.to_string()),
        _ => None,
    }
}

type Spans = Arc<Mutex<Vec<ReceivedSpan>>>;

async fn receive(body: web::Bytes, spans: web::Data<Spans>) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_ref()) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut out = spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .and_then(string_of)
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                out.push(ReceivedSpan {
                    service: service.clone(),
                    name: span.name.clone(),
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    attributes: span
                        .attributes
                        .iter()
                        .filter_map(|kv| string_of(kv).map(|v| (kv.key.clone(), v)))
                        .collect(),
                });
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(ExportTraceServiceResponse::default().encode_to_vec())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_runs_from_the_http_request_to_the_worker_analysis() {
    let test = "one_trace_runs_from_the_http_request_to_the_worker_analysis";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let spans: Spans = Arc::default();
    let shared = web::Data::new(spans.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .route("/v1/traces", web::post().to(receive))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let stack = Stack::start(
        &data,
        StackOptions {
            workers: 2,
            env: vec![(
                "MEDSEC_TELEMETRY__OTLP_ENDPOINT".into(),
                format!("http://127.0.0.1:{port}"),
            )],
            ..StackOptions::default()
        },
    )
    .await;
    let file = medsec_testdata::files_under(&data.join("sboms/medical"))
        .into_iter()
        .next()
        .unwrap();
    let id = stack.submit_file(&file, "").await;
    let job = stack.wait_finished(&id, Duration::from_secs(300)).await;
    assert_eq!(job["status"], "succeeded", "{job:#}");

    // Exporters send in batches every few seconds.
    let deadline = Instant::now() + Duration::from_secs(60);
    let analysis = loop {
        let found = spans
            .lock()
            .unwrap()
            .iter()
            .find(|s| {
                s.service == "medsec-worker"
                    && s.name == "analysis"
                    && s.attributes.iter().any(|(k, v)| k == "job_id" && *v == id)
            })
            .cloned();
        if let Some(span) = found {
            break span;
        }
        assert!(
            Instant::now() < deadline,
            "no analysis span of job {id} received; got {:#?}",
            spans.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // Give the API's batch time to arrive too.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let api_spans = spans
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.service == "medsec-api" && s.trace_id == analysis.trace_id)
            .count();
        if api_spans > 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let all = spans.lock().unwrap().clone();
    handle.stop(true).await;

    let trace: Vec<&ReceivedSpan> = all
        .iter()
        .filter(|s| s.trace_id == analysis.trace_id)
        .collect();
    let api: Vec<&&ReceivedSpan> = trace.iter().filter(|s| s.service == "medsec-api").collect();
    assert!(
        !api.is_empty(),
        "no medsec-api span in trace {}: {trace:#?}",
        analysis.trace_id
    );
    // The trace starts at the API's request span.
    let root = trace
        .iter()
        .find(|s| s.parent_span_id.is_empty())
        .unwrap_or_else(|| panic!("trace {} has no root span: {trace:#?}", analysis.trace_id));
    assert_eq!(
        root.service, "medsec-api",
        "the root span is the HTTP request's: {root:#?}"
    );
    // Walk up from the analysis span: every parent is in the trace, and the
    // chain crosses from the worker into the API.
    let mut at = &analysis;
    let mut services = vec![at.service.clone()];
    while !at.parent_span_id.is_empty() {
        at = trace
            .iter()
            .find(|s| s.span_id == at.parent_span_id)
            .unwrap_or_else(|| {
                panic!(
                    "parent {} of {} not received: {trace:#?}",
                    at.parent_span_id, at.name
                )
            });
        services.push(at.service.clone());
    }
    assert_eq!(
        at.span_id, root.span_id,
        "the analysis span descends from the request span"
    );
    assert!(
        services.first().is_some_and(|s| s == "medsec-worker")
            && services.last().is_some_and(|s| s == "medsec-api"),
        "{services:?}"
    );
}
