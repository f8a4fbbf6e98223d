//! End to end over HTTP: every medical-device and large SBOM of the shared
//! data submitted to medsec-api, analysed by two medsec-worker processes,
//! and every result format fetched; once with Redis Streams and once with
//! RabbitMQ carrying the jobs.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{QueueBackend, Stack, StackOptions, SERIAL};

/// The first `coverage.components` array in a result document, wherever
/// the format nests it.
fn coverage_components(v: &Value) -> Option<&Vec<Value>> {
    if let Some(c) = v
        .get("coverage")
        .and_then(|c| c.get("components"))
        .and_then(Value::as_array)
    {
        return Some(c);
    }
    match v {
        Value::Object(m) => m.values().find_map(coverage_components),
        _ => None,
    }
}

/// What each format's body must look like.
fn check_format(name: &str, format: &str, ctype: &str, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    match format {
        "json" => {
            assert!(ctype.contains("json"), "{name} json: content type {ctype}");
        }
        "sarif" => {
            assert!(ctype.contains("json"), "{name} sarif: content type {ctype}");
            let v: Value =
                serde_json::from_slice(body).unwrap_or_else(|e| panic!("{name} sarif: {e}"));
            assert_eq!(v["version"], "2.1.0", "{name} sarif version");
            assert!(v["runs"].is_array(), "{name} sarif runs");
        }
        "vex" => {
            assert!(ctype.contains("json"), "{name} vex: content type {ctype}");
            let v: Value =
                serde_json::from_slice(body).unwrap_or_else(|e| panic!("{name} vex: {e}"));
            assert_eq!(v["bomFormat"], "CycloneDX", "{name} vex bomFormat");
            assert_eq!(v["specVersion"], "1.6", "{name} vex specVersion");
        }
        "csv" => {
            assert!(
                ctype.starts_with("text/csv"),
                "{name} csv: content type {ctype}"
            );
            assert!(
                text.lines().next().is_some_and(|h| h.contains(',')),
                "{name} csv: no header line"
            );
        }
        "html" => {
            assert!(
                ctype.starts_with("text/html"),
                "{name} html: content type {ctype}"
            );
            assert!(
                text.to_ascii_lowercase().contains("<html"),
                "{name} html: no <html"
            );
        }
        other => panic!("unknown format {other}"),
    }
}

const FORMATS: [&str; 5] = ["json", "sarif", "vex", "csv", "html"];

async fn every_sbom_end_to_end(test: &str, backend: QueueBackend) {
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let stack = Stack::start(
        &data,
        StackOptions {
            backend,
            workers: 2,
            // The larger gzip files go through S3, the others stay inline.
            env: vec![("MEDSEC_API__INLINE_SBOM_MAX_BYTES".into(), "200000".into())],
            ..StackOptions::default()
        },
    )
    .await;

    let files = support::submission_files(&data);
    assert!(
        files.len() >= 6,
        "expected the medical and large SBOMs, found {files:?}"
    );
    let mut jobs = Vec::new();
    for f in &files {
        let id = stack
            .submit_file(
                f,
                "device-class=life-sustaining&network-exposure=internet&patient-contact=true",
            )
            .await;
        jobs.push((f.clone(), id));
    }
    let mut s3_inputs = 0;
    let mut unserved = Vec::new();
    for (file, id) in &jobs {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let job = stack.wait_finished(id, Duration::from_secs(900)).await;
        assert_eq!(
            job["status"],
            "succeeded",
            "{name}: {job:#}\n{}",
            stack.logs()
        );
        assert_eq!(
            job["cache_hit"], false,
            "{name}: first submission answered from cache"
        );
        assert!(
            job["model_version"].as_str().is_some_and(|v| v != "rule"),
            "{name}: no model version: {job}"
        );
        if job["input"]["stored"] == "s3" {
            s3_inputs += 1;
        }
        // The engine's own count, from an independent parse of the file.
        let sbom = medsec_sbom::parse(&medsec_testdata::read(file)).unwrap();
        for format in FORMATS {
            let (status, ctype, body) = stack.result(id, format).await;
            if status != 200 {
                // Checked after everything else, so one missing format
                // does not hide the rest of the run.
                unserved.push(format!(
                    "{name} {format}: {status} {}",
                    String::from_utf8_lossy(&body)
                ));
                continue;
            }
            check_format(&name, format, &ctype, &body);
            if format == "json" {
                let v: Value = serde_json::from_slice(&body).unwrap();
                let components = coverage_components(&v)
                    .unwrap_or_else(|| panic!("{name}: no coverage.components in the json result"));
                assert_eq!(
                    components.len(),
                    sbom.components.len(),
                    "{name}: components in != components covered"
                );
            }
        }
        assert_eq!(stack.result_rows(id).await, 1, "{name}: result rows");
    }
    assert!(s3_inputs > 0, "no submission went through S3");

    // Both workers took part.
    for w in &stack.workers {
        assert!(
            w.log_text().contains("job claimed"),
            "{} claimed no job:\n{}",
            w.name,
            stack.logs()
        );
    }

    // The same SBOM and device again: answered from the sbom cache.
    let (file, first) = &jobs[0];
    let again = stack
        .submit_file(
            file,
            "device-class=life-sustaining&network-exposure=internet&patient-contact=true",
        )
        .await;
    let job = stack.wait_finished(&again, Duration::from_secs(120)).await;
    assert_eq!(job["status"], "succeeded", "{job:#}");
    assert_eq!(
        job["cache_hit"], true,
        "repeat submission not answered from cache: {job:#}"
    );
    let (_, _, a) = stack.result(first, "json").await;
    let (_, _, b) = stack.result(&again, "json").await;
    let (a, b): (Value, Value) = (
        serde_json::from_slice(&a).unwrap(),
        serde_json::from_slice(&b).unwrap(),
    );
    assert_eq!(
        coverage_components(&a),
        coverage_components(&b),
        "cached analysis differs"
    );

    assert!(
        unserved.is_empty(),
        "result formats not served:\n{}",
        unserved.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sbom_over_http_with_two_workers_on_redis_streams() {
    every_sbom_end_to_end(
        "every_sbom_over_http_with_two_workers_on_redis_streams",
        QueueBackend::Redis,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sbom_over_http_with_two_workers_on_rabbitmq() {
    every_sbom_end_to_end(
        "every_sbom_over_http_with_two_workers_on_rabbitmq",
        QueueBackend::RabbitMq,
    )
    .await;
}
