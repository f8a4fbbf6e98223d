use medsec_telemetry::Metrics;

#[test]
fn every_metric_of_the_issue_is_exported_once_primed() {
    let metrics = Metrics::new().unwrap();
    metrics.prime(&["sbom-analysis", "risk-score"]);
    metrics
        .http_requests_total
        .with_label_values(&["GET", "/healthz", "200"])
        .inc();
    metrics
        .http_request_duration_seconds
        .with_label_values(&["GET", "/healthz"])
        .observe(0.003);
    let text = metrics.render();
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
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} missing:\n{text}"
        );
    }
    assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#));
    assert!(text.contains(
        r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"} 1"#
    ));
    assert!(text.contains(r#"medsec_jobs_total{kind="risk-score",outcome="dead"} 0"#));
}

#[test]
fn two_registries_do_not_share_values() {
    let a = Metrics::new().unwrap();
    let b = Metrics::new().unwrap();
    a.cache_hits_total.with_label_values(&["sbom"]).inc();
    assert!(a
        .render()
        .contains(r#"medsec_cache_hits_total{cache="sbom"} 1"#));
    assert!(!b.render().contains("medsec_cache_hits_total"));
}

#[test]
fn queue_lag_is_dropped_while_jobs_wait_with_no_known_age() {
    let metrics = Metrics::new().unwrap();
    metrics.prime(&["risk-score"]);
    let lag = std::time::Duration::from_millis(1500);
    metrics.observe_queue("risk-score", 3, 2, Some(lag));
    let text = metrics.render();
    assert!(text.contains(&format!(
        r#"medsec_queue_lag_seconds{{kind="risk-score"}} {}"#,
        lag.as_secs_f64()
    )));
    assert!(text.contains(r#"medsec_queue_depth{kind="risk-score"} 3"#));

    // Waiting jobs whose age the backend cannot tell: no series, not 0.
    metrics.observe_queue("risk-score", 3, 3, None);
    assert!(!metrics
        .render()
        .contains(r#"medsec_queue_lag_seconds{kind="risk-score"}"#));

    // Nothing waiting: no lag.
    metrics.observe_queue("risk-score", 1, 0, None);
    assert!(metrics
        .render()
        .contains(r#"medsec_queue_lag_seconds{kind="risk-score"} 0"#));
}
