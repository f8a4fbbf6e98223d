use medsec_config::TelemetrySettings;

#[test]
fn the_global_subscriber_is_installed_once_and_a_bad_filter_is_named() {
    let bad = TelemetrySettings {
        log_filter: "info,[=".into(),
        ..TelemetrySettings::default()
    };
    if std::env::var("RUST_LOG").is_err() {
        let err = medsec_telemetry::init("test", &bad).err().unwrap();
        assert!(err.to_string().contains("telemetry.log_filter"), "{err}");
    }
    let quiet = TelemetrySettings {
        log_filter: "error".into(),
        ..TelemetrySettings::default()
    };
    let guard = medsec_telemetry::init("test", &quiet).unwrap();
    let second = medsec_telemetry::init("test", &TelemetrySettings::default());
    assert!(second.is_err());
    // The log filter silences logs, not traces: an info span still has a
    // trace context to hand to a job envelope.
    let span = tracing::info_span!("request");
    let context = span.in_scope(medsec_telemetry::current_context);
    assert!(context.trace_id().is_some(), "{context:?}");
    drop(guard);
}
