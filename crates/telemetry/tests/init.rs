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
    let guard = medsec_telemetry::init("test", &TelemetrySettings::default()).unwrap();
    let second = medsec_telemetry::init("test", &TelemetrySettings::default());
    assert!(second.is_err());
    drop(guard);
}
