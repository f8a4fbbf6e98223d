//! The API over HTTP: a real server on a random port, real PostgreSQL
//! (a database per test), real Redis (a stream prefix per test).

mod helpers;

use std::time::Duration;

use helpers::{problem, read, shared, spawn_app, spawn_with};
use medsec_store::jobs::{self, JobStatus, StoredPayload};
use medsec_testdata::moto::Moto;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const EXTENDED: &str = "sboms/medical/sbom-completeness/extended.sbom.json";
const NARROW: &str = "sboms/medical/sbom-completeness/narrow.sbom.json";
const SPDX_TAG: &str = "sboms/spdx-examples/spdx-spec-v2.3/SPDXTagExample-v2.3.spdx";
const CDX_XML: &str = "sboms/cyclonedx-examples/SBOM/laravel-7.12.0/bom.1.3.xml";

async fn reserve_one(app: &helpers::TestApp, kind: &str) -> medsec_queue::JobEnvelope {
    let deliveries = app
        .state
        .queue
        .reserve(kind, "test-consumer", 10, Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1, "exactly one queue entry");
    deliveries.into_iter().next().unwrap().envelope
}

#[tokio::test]
async fn submission_answers_202_and_writes_the_row_and_the_queue_entry() {
    let Some(path) = shared("submission_answers_202", EXTENDED) else {
        return;
    };
    let app = spawn_app().await;
    let bytes = read(&path);
    // The caller's trace continues through the API into the envelope.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = app
        .client
        .post(
            app.url("/api/v1/sbom-analyses?device-class=life-sustaining&network-exposure=internet"),
        )
        .header("Content-Type", "application/vnd.cyclonedx+json")
        .header(
            "traceparent",
            format!("00-{caller_trace}-00f067aa0ba902b7-01"),
        )
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(location, format!("/api/v1/jobs/{id}"));
    assert_eq!(body["status"], "queued");
    assert_eq!(body["kind"], "sbom-analysis");
    assert_eq!(body["input"]["format"], "cyclonedx-json");
    assert_eq!(body["input"]["stored"], "inline");
    assert_eq!(body["device_context"]["device-class"], "life-sustaining");
    assert_eq!(body["device_context"]["network-exposure"], "internet");

    // The row: queued, the bytes as sent, their hash.
    let mut conn = app.db.connect().await;
    let job = jobs::get_job(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    assert_eq!(job.sbom_sha256.as_deref(), Some(sha.as_slice()));
    assert_eq!(body["input"]["sha256"], hex::encode(sha));
    assert_eq!(
        jobs::job_payload(&mut conn, id).await.unwrap(),
        Some(StoredPayload::Inline(bytes.clone()))
    );
    assert_eq!(
        jobs::audit_for_job(&mut conn, id).await.unwrap()[0].0,
        "job.submitted"
    );

    // The queue entry points at it.
    let envelope = reserve_one(&app, "sbom-analysis").await;
    assert_eq!(envelope.job_id, id.to_string());
    assert_eq!(envelope.kind, "sbom-analysis");
    assert_eq!(envelope.tenant, "default");
    assert_eq!(envelope.attempt, 1);
    assert_eq!(envelope.payload_ref, format!("pg:jobs/{id}"));
    assert!(envelope.deadline_unix_ms > envelope.enqueued_at_unix_ms);
    assert_eq!(envelope.traceparent.split('-').nth(1), Some(caller_trace));

    // GET shows it; its result is not there yet.
    let got: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(got["id"], body["id"]);
    let early = app.get(&format!("{location}/result")).await;
    assert_eq!(early.status(), 409);
    let early = problem(early).await;
    assert_eq!(early["status"], 409);
    assert_eq!(early["job_id"], id.to_string());
    assert_eq!(early["job_status"], "queued");
}

#[tokio::test]
async fn every_supported_format_is_accepted_and_named() {
    let cases = [
        (EXTENDED, "application/json", "cyclonedx-json"),
        (NARROW, "application/vnd.cyclonedx+json", "cyclonedx-json"),
        (SPDX_TAG, "text/spdx", "spdx-tag-value"),
        (CDX_XML, "application/xml", "cyclonedx-xml"),
        (
            "sboms/spdx-examples/spdx-spec-v2.3/SPDXJSONExample-v2.3.spdx.json",
            "application/spdx+json",
            "spdx-json",
        ),
        (
            "sboms/large/apache-tika.cyclonedx-maven-plugin.cdx.json.gz",
            "application/gzip",
            "cyclonedx-json",
        ),
    ];
    let Some(root) = medsec_testdata::require("every_supported_format_is_accepted") else {
        return;
    };
    let app = spawn_app().await;
    for (file, content_type, format) in cases {
        let response = app.post_sbom(read(&root.join(file)), content_type).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 202, "{file}: {body}");
        assert_eq!(body["input"]["format"], format, "{file}");
    }
}

#[tokio::test]
async fn multipart_with_sbom_and_device_parts() {
    let Some(path) = shared("multipart_with_sbom_and_device_parts", NARROW) else {
        return;
    };
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new()
        .part(
            "sbom",
            reqwest::multipart::Part::bytes(read(&path)).file_name("narrow.sbom.json"),
        )
        .text(
            "device",
            r#"{"device-class":"diagnostic","network-exposure":"none","handles-phi":true}"#,
        );
    let response = app
        .client
        .post(app.url("/api/v1/sbom-analyses"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["device_context"]["device-class"], "diagnostic");
    assert_eq!(body["device_context"]["handles-phi"], true);
    assert_eq!(body["device_context"]["patient-contact"], false);

    let no_sbom = reqwest::multipart::Form::new().text(
        "device",
        r#"{"device-class":"diagnostic","network-exposure":"none"}"#,
    );
    let response = app
        .client
        .post(app.url("/api/v1/sbom-analyses"))
        .multipart(no_sbom)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(problem(response).await["part"], "sbom");

    let bad_device = reqwest::multipart::Form::new()
        .part("sbom", reqwest::multipart::Part::bytes(read(&path)))
        .text(
            "device",
            r#"{"device-class":"toaster","network-exposure":"none"}"#,
        );
    let response = app
        .client
        .post(app.url("/api/v1/sbom-analyses"))
        .multipart(bad_device)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    assert!(
        body["detail"].as_str().unwrap().contains("toaster"),
        "{body}"
    );
}

#[tokio::test]
async fn idempotency_key_same_body_same_job_different_body_422() {
    let Some(root) = medsec_testdata::require("idempotency_key") else {
        return;
    };
    let app = spawn_app().await;
    let send = |body: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/sbom-analyses"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "order-42")
            .body(body)
            .send()
    };
    let first = send(read(&root.join(EXTENDED))).await.unwrap();
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = send(read(&root.join(EXTENDED))).await.unwrap();
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.state.queue.depth("sbom-analysis").await.unwrap(), 1);

    let other = send(read(&root.join(NARROW))).await.unwrap();
    assert_eq!(other.status(), 422);
    let other = problem(other).await;
    assert_eq!(other["job_id"], first["id"]);
    assert!(other["type"]
        .as_str()
        .unwrap()
        .ends_with("idempotency-key-reused"));
    assert_eq!(app.state.queue.depth("sbom-analysis").await.unwrap(), 1);
}

#[tokio::test]
async fn malformed_and_invalid_sboms_get_problems_naming_what_and_where() {
    let app = spawn_app().await;

    let truncated =
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [ {"name": "#;
    let response = app.post_sbom(truncated.to_vec(), "application/json").await;
    assert_eq!(response.status(), 400);
    let body = problem(response).await;
    assert!(
        body["type"].as_str().unwrap().ends_with("/malformed-sbom"),
        "{body}"
    );
    assert_eq!(body["location"]["line"], 1, "{body}");
    assert!(body["location"]["column"].as_u64().unwrap() > 60, "{body}");

    let invalid = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{"type": "library", "name": "ok"}, {"type": "no-such-type", "name": "bad"}]
    });
    let response = app
        .post_sbom(invalid.to_string().into_bytes(), "application/json")
        .await;
    let status = response.status().as_u16();
    let body = problem(response).await;
    assert!(status == 400 || status == 422, "{body}");
    assert!(
        body["location"]["path"]
            .as_str()
            .unwrap_or_default()
            .contains("components[1]"),
        "{body}"
    );

    let not_sbom = br#"{"hello": "world"}"#;
    let response = app.post_sbom(not_sbom.to_vec(), "application/json").await;
    assert_eq!(response.status(), 415);
    problem(response).await;

    let response = app.post_sbom(b"\x89PNG\r\n".to_vec(), "image/png").await;
    assert_eq!(response.status(), 415);
    let body = problem(response).await;
    assert_eq!(body["content_type"], "image/png");

    let response = app.post_sbom(Vec::new(), "application/json").await;
    assert_eq!(response.status(), 400);
    problem(response).await;

    // Nothing of these reached the database or the queue.
    let mut conn = app.db.connect().await;
    let page = jobs::list_jobs(&mut conn, "default", &Default::default(), None, 10)
        .await
        .unwrap();
    assert!(page.jobs.is_empty());
    assert_eq!(app.state.queue.depth("sbom-analysis").await.unwrap(), 0);
}

#[tokio::test]
async fn content_type_that_contradicts_the_body_is_415() {
    let Some(path) = shared("content_type_contradiction", CDX_XML) else {
        return;
    };
    let app = spawn_app().await;
    let response = app.post_sbom(read(&path), "application/json").await;
    assert_eq!(response.status(), 415);
    let body = problem(response).await;
    assert_eq!(body["detected_format"], "cyclonedx-xml");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_problems() {
    let app = spawn_with(|s| {
        s.api.body_limit = 4096;
        s.api.inline_sbom_max_bytes = 4096;
    })
    .await;
    let big = vec![b' '; 10_000];
    let response = app.post_sbom(big.clone(), "application/json").await;
    assert_eq!(response.status(), 413);
    let body = problem(response).await;
    assert_eq!(body["limit"], 4096);

    // A body that does not announce its length is cut off as well.
    let stream = futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1000]))),
    );
    let response = app
        .client
        .post(app.url("/api/v1/sbom-analyses"))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    problem(response).await;

    // actix's own JSON extractor limit answers a problem too.
    let ids: Vec<String> = (0..1000).map(|i| format!("CVE-2024-{i:05}")).collect();
    let response = app
        .client
        .post(app.url("/api/v1/risk-scores"))
        .json(&json!({"cve_ids": ids, "device": {"device-class": "diagnostic", "network-exposure": "none"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    problem(response).await;
}

#[tokio::test]
async fn a_full_queue_answers_503_and_leaves_no_row() {
    let Some(path) = shared("a_full_queue_answers_503", NARROW) else {
        return;
    };
    let app = spawn_with(|s| s.queue.max_depth = 2).await;
    let bytes = read(&path);
    for _ in 0..2 {
        assert_eq!(
            app.post_sbom(bytes.clone(), "application/json")
                .await
                .status(),
            202
        );
    }
    let refused = app.post_sbom(bytes.clone(), "application/json").await;
    assert_eq!(refused.status(), 503);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body = problem(refused).await;
    assert!(
        body["type"].as_str().unwrap().ends_with("/queue-full"),
        "{body}"
    );
    assert_eq!(body["limit"], 2);

    let mut conn = app.db.connect().await;
    let page = jobs::list_jobs(&mut conn, "default", &Default::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(page.jobs.len(), 2);
    assert_eq!(app.state.queue.depth("sbom-analysis").await.unwrap(), 2);
}

/// Concurrent submissions are committed together (one writer, so they
/// gather into batches) and each still gets the answer of its own: a job
/// row, its audit entry and its queue entry for each new request, one job
/// for all the requests sharing an Idempotency-Key.
#[tokio::test]
async fn concurrent_submissions_committed_together_each_get_their_own_job() {
    let Some(path) = shared("concurrent_submissions_committed_together", NARROW) else {
        return;
    };
    let app = spawn_with(|s| {
        s.api.submit_batch_writers = 1;
        s.api.submit_batch_max = 16;
    })
    .await;
    let bytes = read(&path);
    const DISTINCT: usize = 40;
    const SAME_KEY: usize = 8;
    let post = |key: Option<String>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/sbom-analyses"))
            .header("Content-Type", "application/json")
            .body(bytes.clone());
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 202);
            let body: Value = response.json().await.unwrap();
            body["id"].as_str().unwrap().parse::<Uuid>().unwrap()
        }
    };
    let requests = (0..DISTINCT)
        .map(|i| post((i % 2 == 0).then(|| format!("distinct-{i}"))))
        .chain((0..SAME_KEY).map(|_| post(Some("shared-key".to_owned()))));
    let ids = futures_util::future::join_all(requests).await;

    let (distinct, same) = ids.split_at(DISTINCT);
    let mut unique: Vec<Uuid> = distinct.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), DISTINCT, "every new request has its own job");
    assert!(same.iter().all(|id| *id == same[0]), "{same:?}");
    assert!(!unique.contains(&same[0]));

    let mut conn = app.db.connect().await;
    let page = jobs::list_jobs(&mut conn, "default", &Default::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(page.jobs.len(), DISTINCT + 1);
    for id in unique.iter().chain([&same[0]]) {
        let audit = jobs::audit_for_job(&mut conn, *id).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(actions, ["job.submitted"], "job {id}");
        assert_eq!(
            jobs::job_payload(&mut conn, *id).await.unwrap(),
            Some(StoredPayload::Inline(bytes.clone()))
        );
    }
    assert_eq!(
        app.state.queue.depth("sbom-analysis").await.unwrap(),
        (DISTINCT + 1) as u64
    );
}

#[tokio::test]
async fn risk_scores_become_risk_score_jobs() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/risk-scores"))
        .json(&json!({
            "cve_ids": ["cve-2021-44228", "CVE-2014-0160", "CVE-2021-44228"],
            "device": {"device-class": "monitoring", "network-exposure": "clinical-network"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["kind"], "risk-score");
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.db.connect().await;
    let Some(StoredPayload::Inline(stored)) = jobs::job_payload(&mut conn, id).await.unwrap()
    else {
        panic!("risk-score input not inline");
    };
    let stored: Value = serde_json::from_slice(&stored).unwrap();
    assert_eq!(
        stored,
        json!({"cve_ids": ["CVE-2014-0160", "CVE-2021-44228"]})
    );
    assert_eq!(reserve_one(&app, "risk-score").await.job_id, id.to_string());

    let response = app
        .client
        .post(app.url("/api/v1/risk-scores"))
        .json(&json!({"cve_ids": ["CVE-2021-44228", "log4shell"], "device": {"device-class": "monitoring", "network-exposure": "none"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(problem(response).await["pointer"], "/cve_ids/1");

    let response = app
        .client
        .post(app.url("/api/v1/risk-scores"))
        .header("Content-Type", "application/json")
        .body("{\"cve_ids\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    problem(response).await;
}

#[tokio::test]
async fn cancel_list_and_paginate_jobs() {
    let Some(path) = shared("cancel_list_and_paginate_jobs", NARROW) else {
        return;
    };
    let app = spawn_app().await;
    let bytes = read(&path);
    let mut ids = Vec::new();
    for _ in 0..5 {
        let body: Value = app
            .post_sbom(bytes.clone(), "application/json")
            .await
            .json()
            .await
            .unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let cancelled = app
        .client
        .delete(app.url(&format!("/api/v1/jobs/{}", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    assert_eq!(
        cancelled.json::<Value>().await.unwrap()["status"],
        "cancelled"
    );
    let again = app
        .client
        .delete(app.url(&format!("/api/v1/jobs/{}", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    problem(again).await;

    // A running job is asked to stop.
    let mut conn = app.db.connect().await;
    jobs::claim_job(&mut conn, ids[1].parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let requested = app
        .client
        .delete(app.url(&format!("/api/v1/jobs/{}", ids[1])))
        .send()
        .await
        .unwrap();
    assert_eq!(requested.status(), 202);
    assert_eq!(
        requested.json::<Value>().await.unwrap()["cancel_requested"],
        true
    );

    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/jobs?limit=2");
    loop {
        let page: Value = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for job in page["jobs"].as_array().unwrap() {
            seen.push(job["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => url = app.url(&format!("/api/v1/jobs?limit=2&cursor={cursor}")),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, each once");

    let cancelled: Value = app
        .get("/api/v1/jobs?status=cancelled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["jobs"].as_array().unwrap().len(), 1);
    let bad = app.get("/api/v1/jobs?status=sleeping").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(problem(bad).await["parameter"], "status");
    let bad = app.get("/api/v1/jobs?cursor=zzz").await;
    assert_eq!(bad.status(), 400);
    problem(bad).await;
    let missing = app.get(&format!("/api/v1/jobs/{}", Uuid::new_v4())).await;
    assert_eq!(missing.status(), 404);
    problem(missing).await;
}

#[tokio::test]
async fn a_succeeded_jobs_result_is_served_in_the_rendered_formats() {
    let Some(path) = shared("a_succeeded_jobs_result", NARROW) else {
        return;
    };
    let app = spawn_app().await;
    let body: Value = app
        .post_sbom(read(&path), "application/json")
        .await
        .json()
        .await
        .unwrap();
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.db.connect().await;
    jobs::claim_job(&mut conn, id).await.unwrap().unwrap();
    let analysis = json!({"findings": [], "engine_version": "test"});
    jobs::complete_job_with_result(
        &mut conn,
        id,
        &jobs::Completion {
            analysis: &analysis,
            cache_hit: false,
            kb_generation: Some(1),
            model_version: Some("m"),
            reports: &[jobs::RenderedReport {
                format: "sarif".to_owned(),
                media_type: "application/sarif+json".to_owned(),
                body: br#"{"version":"2.1.0","runs":[]}"#.to_vec(),
            }],
        },
    )
    .await
    .unwrap();
    let job: Value = app
        .get(&format!("/api/v1/jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "succeeded");
    let result_link = job["links"]["result"].as_str().unwrap().to_owned();
    let result = app
        .client
        .get(app.url(&result_link))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(result.status(), 200);
    assert_eq!(result.json::<Value>().await.unwrap(), analysis);
    // A rendered report is served as stored, by ?format= or by Accept.
    for request in [
        app.client
            .get(app.url(&format!("{result_link}?format=sarif"))),
        app.client
            .get(app.url(&result_link))
            .header("Accept", "application/sarif+json"),
    ] {
        let sarif = request.send().await.unwrap();
        assert_eq!(sarif.status(), 200);
        assert_eq!(
            sarif.headers()["content-type"].to_str().unwrap(),
            "application/sarif+json"
        );
        assert_eq!(
            sarif.bytes().await.unwrap().as_ref(),
            br#"{"version":"2.1.0","runs":[]}"#
        );
    }
    // A format the worker did not render is refused, not made up.
    let html = app.get(&format!("{result_link}?format=html")).await;
    assert_eq!(html.status(), 406);
    problem(html).await;
    let unknown = app.get(&format!("{result_link}?format=pdf")).await;
    assert_eq!(unknown.status(), 400);
    problem(unknown).await;
    let not_acceptable = app
        .client
        .get(app.url(&result_link))
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(not_acceptable.status(), 406);
    problem(not_acceptable).await;
}

#[tokio::test]
async fn large_sboms_go_to_s3() {
    let Some(path) = shared("large_sboms_go_to_s3", EXTENDED) else {
        return;
    };
    let moto = Moto::start();
    let bucket = format!("medsec-test-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let app = spawn_with(|s| {
        s.api.inline_sbom_max_bytes = 1024;
        s.s3.endpoint = Some(moto.endpoint.clone());
        s.s3.bucket = bucket.clone();
        s.s3.access_key_id = Some("test".into());
        s.s3.secret_access_key = Some("test".into());
    })
    .await;
    let bytes = read(&path);
    let response = app.post_sbom(bytes.clone(), "application/json").await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["input"]["stored"], "s3");
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.db.connect().await;
    let Some(StoredPayload::S3Uri(uri)) = jobs::job_payload(&mut conn, id).await.unwrap() else {
        panic!("not in S3");
    };
    let key = uri
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap()
        .to_owned();
    assert_eq!(app.state.payloads.get(&key).await.unwrap(), bytes);
    assert_eq!(reserve_one(&app, "sbom-analysis").await.payload_ref, uri);
}

#[tokio::test]
async fn an_unreachable_database_is_503_not_500() {
    let app = spawn_with(|s| {
        s.database.url = "postgres://postgres@127.0.0.1:1/medsec".into();
    })
    .await;
    let response = app.get(&format!("/api/v1/jobs/{}", Uuid::new_v4())).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(problem(response).await["dependency"], "database");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body = problem(ready).await;
    assert_eq!(body["failed"], json!(["database"]));
}

#[tokio::test]
async fn readiness_names_the_dependency_that_failed() {
    let app = spawn_app().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"database": "ok", "redis": "ok", "queue": "ok"})
    );
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let no_redis = spawn_with(|s| s.redis.url = "redis://127.0.0.1:1".into()).await;
    let ready = no_redis
        .client
        .get(no_redis.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let body = problem(ready).await;
    assert_eq!(body["failed"], json!(["redis", "queue"]));
    assert_eq!(body["checks"]["database"], "ok");
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for (path, method) in [
        ("/api/v1/sbom-analyses", "post"),
        ("/api/v1/risk-scores", "post"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/jobs/{id}", "get"),
        ("/api/v1/jobs/{id}", "delete"),
        ("/api/v1/jobs/{id}/result", "get"),
        ("/api/v1/vulnerabilities/{id}", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["JobView"].is_object());
}

#[tokio::test]
async fn metrics_and_unknown_routes() {
    let app = spawn_app().await;
    app.client.get(app.url("/healthz")).send().await.unwrap();
    let missing = app.get("/api/v1/nothing").await;
    assert_eq!(missing.status(), 404);
    problem(missing).await;
    let missing = app.get("/api/v1/vulnerabilities/CVE-1999-0001").await;
    assert_eq!(missing.status(), 404);
    problem(missing).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for name in [
        "http_requests_total",
        "http_request_duration_seconds",
        "medsec_queue_depth",
        "medsec_queue_lag_seconds",
        "medsec_jobs_total",
        "medsec_job_duration_seconds",
        "medsec_inference_duration_seconds",
        "medsec_cache_hits_total",
        "medsec_cache_misses_total",
    ] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing");
    }
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains(r#"medsec_queue_depth{kind="sbom-analysis"} 0"#),
        "{text}"
    );
}

#[tokio::test]
async fn a_vulnerability_is_read_from_the_knowledge_base_then_from_the_cache() {
    use medsec_store::kb_import::{import, FeedInput, FeedKind, ImportOptions};
    let Some(root) = medsec_testdata::require("a_vulnerability_is_read_from_the_kb") else {
        return;
    };
    let nvd_file = root.join("vulns/nvd/fixtures/osv.dev-nvdcve-2.0/CVE-2023-4863.json");
    let kev_file = root.join("vulns/kev/known_exploited_vulnerabilities.json.gz");
    let app = spawn_app().await;
    let mut conn = app.db.connect().await;
    let summary = import(
        &mut conn,
        &[
            FeedInput::new(FeedKind::Nvd, &nvd_file),
            FeedInput::new(FeedKind::Kev, &kev_file),
        ],
        ImportOptions::default(),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(summary.changed() > 0);

    // What the raw files say, read here independently of the importer.
    let nvd: Value = serde_json::from_slice(&read(&nvd_file)).unwrap();
    let cve = &nvd["vulnerabilities"][0]["cve"];
    let description = cve["descriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["lang"] == "en")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut nvd_vectors: Vec<String> = cve["metrics"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|list| list.as_array().unwrap().iter())
        .map(|m| m["cvssData"]["vectorString"].as_str().unwrap().to_owned())
        .collect();
    nvd_vectors.sort();
    nvd_vectors.dedup();
    let mut kev_text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&kev_file).unwrap()),
        &mut kev_text,
    )
    .unwrap();
    let kev: Value = serde_json::from_str(&kev_text).unwrap();
    let kev_entry = kev["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["cveID"] == "CVE-2023-4863")
        .unwrap();

    let url = app.url("/api/v1/vulnerabilities/CVE-2023-4863");
    let first: Value = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["id"], "CVE-2023-4863");
    assert!(
        first["summary"] == description.as_str() || first["details"] == description.as_str(),
        "{first}"
    );
    let mut vectors: Vec<String> = first["severities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["vector"].as_str().unwrap().to_owned())
        .collect();
    vectors.sort();
    vectors.dedup();
    assert_eq!(vectors, nvd_vectors);
    assert_eq!(first["kev"]["date_added"], kev_entry["dateAdded"]);

    let second: Value = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second, first);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"medsec_cache_hits_total{cache="enrich"} 1"#),
        "{metrics}"
    );
    app.state
        .cache
        .invalidate(medsec_cache::CacheKind::Enrich, "CVE-2023-4863")
        .await
        .unwrap();
}

#[tokio::test]
async fn connections_killed_by_the_server_are_replaced_without_a_500() {
    use diesel_async::RunQueryDsl;
    let app = spawn_app().await;
    let list = app.url("/api/v1/jobs");
    assert_eq!(app.client.get(&list).send().await.unwrap().status(), 200);
    // What a PostgreSQL restart does to open connections (SQLSTATE 57P01).
    let mut admin = app.db.connect().await;
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let status = app
            .client
            .get(&list)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(status);
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
}

#[tokio::test]
async fn api_keys_select_the_tenant_and_unknown_keys_are_refused() {
    let Some(path) = shared("api_keys_select_the_tenant", NARROW) else {
        return;
    };
    let app = spawn_with(|s| s.api.require_api_key = true).await;
    let mut conn = app.db.connect().await;
    jobs::create_tenant(&mut conn, "acme", "Acme Medical")
        .await
        .unwrap();
    let key = "acme-secret-key";
    let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    jobs::create_api_key(&mut conn, "acme", "ci", &hash)
        .await
        .unwrap();

    let anonymous = app.post_sbom(read(&path), "application/json").await;
    assert_eq!(anonymous.status(), 401);
    problem(anonymous).await;
    let wrong = app
        .client
        .get(app.url("/api/v1/jobs"))
        .bearer_auth("not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    problem(wrong).await;

    let accepted = app
        .client
        .post(app.url("/api/v1/sbom-analyses"))
        .bearer_auth(key)
        .header("Content-Type", "application/json")
        .body(read(&path))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let body: Value = accepted.json().await.unwrap();
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let job = jobs::get_job(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(job.tenant, "acme");
    assert_eq!(reserve_one(&app, "sbom-analysis").await.tenant, "acme");
    // Another tenant's job is not found, not forbidden: ids do not leak.
    jobs::create_tenant(&mut conn, "other", "Other")
        .await
        .unwrap();
    let other_key = "other-secret-key";
    let other_hash: [u8; 32] = Sha256::digest(other_key.as_bytes()).into();
    jobs::create_api_key(&mut conn, "other", "ci", &other_hash)
        .await
        .unwrap();
    let hidden = app
        .client
        .get(app.url(&format!("/api/v1/jobs/{id}")))
        .bearer_auth(other_key)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
    problem(hidden).await;
    let audit = jobs::audit_for_job(&mut conn, id).await.unwrap();
    assert!(audit[0].1.starts_with("key:"), "{audit:?}");
}
