use std::io::Write;
use std::time::Duration;

use medsec_config::{ConfigError, LogFormat, QueueBackend, Settings};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn error(file_text: Option<&str>, vars: &[(&str, &str)]) -> String {
    let f = file_text.map(file);
    let path = f.as_ref().map(|f| f.path().to_str().unwrap().to_owned());
    Settings::load_from(path.as_deref(), env(vars))
        .unwrap_err()
        .to_string()
}

#[test]
fn defaults_are_the_deployment_guides() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.database.pool_size, 20);
    assert_eq!(s.database.overflow, 10);
    assert_eq!(s.database.timeout(), Duration::from_secs(30));
    assert_eq!(s.database.recycle(), Duration::from_secs(1800));
    assert_eq!(s.api.port, 8080);
    assert_eq!(s.cache.cvss_ttl_secs, 3600);
    assert_eq!(s.cache.enrich_ttl_secs, 24 * 3600);
    assert_eq!(s.cache.sbom_ttl_secs, 2 * 3600);
    assert_eq!(s.queue.backend, QueueBackend::Redis);
    assert_eq!(s.telemetry.log_format, LogFormat::Json);
    assert_eq!(s, Settings::default());
}

#[test]
fn environment_overrides_the_file() {
    let f = file(
        "[database]\nurl = \"postgres://a@db/x\"\npool_size = 5\n\
         [api]\nport = 9000\ninline_sbom_max_bytes = 100\n\
         [queue]\nbackend = \"rabbitmq\"\n",
    );
    let s = Settings::load_from(
        Some(f.path().to_str().unwrap()),
        env(&[
            ("MEDSEC_DATABASE__POOL_SIZE", "7"),
            ("MEDSEC_S3__ENDPOINT", "http://127.0.0.1:9000"),
            ("MEDSEC_TELEMETRY__LOG_FORMAT", "pretty"),
            ("MEDSEC_SHARED_DATA", "/elsewhere"),
            ("OTHER_API__PORT", "1"),
        ]),
    )
    .unwrap();
    assert_eq!(s.database.url, "postgres://a@db/x");
    assert_eq!(s.database.pool_size, 7);
    assert_eq!(s.api.port, 9000);
    assert_eq!(s.api.inline_sbom_max_bytes, 100);
    assert_eq!(s.queue.backend, QueueBackend::Rabbitmq);
    assert_eq!(s.s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(s.telemetry.log_format, LogFormat::Pretty);
}

#[test]
fn short_variables_are_aliases_and_the_nested_form_wins() {
    let s = Settings::load_from(
        None,
        env(&[
            ("MEDSEC_API_PORT", "8181"),
            ("MEDSEC_DATABASE_URL", "postgres://u@h/d"),
        ]),
    )
    .unwrap();
    assert_eq!(s.api.port, 8181);
    assert_eq!(s.database.url, "postgres://u@h/d");
    let s = Settings::load_from(
        None,
        env(&[("MEDSEC_API_PORT", "8181"), ("MEDSEC_API__PORT", "8282")]),
    )
    .unwrap();
    assert_eq!(s.api.port, 8282);
}

#[test]
fn sentinel_nodes_come_as_a_comma_list() {
    let s = Settings::load_from(
        None,
        env(&[
            ("MEDSEC_REDIS__SENTINEL__MASTER", "mymaster"),
            (
                "MEDSEC_REDIS__SENTINEL__NODES",
                "redis://127.0.0.1:26379,redis://127.0.0.1:26380",
            ),
        ]),
    )
    .unwrap();
    let sentinel = s.redis.sentinel.unwrap();
    assert_eq!(sentinel.master, "mymaster");
    assert_eq!(sentinel.nodes.len(), 2);
}

#[test]
fn errors_name_the_key() {
    let e = error(None, &[("MEDSEC_API__PORT", "eighty")]);
    assert!(e.contains("api.port"), "{e}");
    let e = error(None, &[("MEDSEC_API_PORT", "70000")]);
    assert!(e.contains("api.port"), "{e}");
    let e = error(None, &[("MEDSEC_DATABASE__POOL_SIZE", "0")]);
    assert!(e.contains("database.pool_size"), "{e}");
    let e = error(None, &[("MEDSEC_DATABASE__URL", "mysql://x/y")]);
    assert!(e.contains("database.url"), "{e}");
    let e = error(None, &[("MEDSEC_QUEUE__BACKEND", "kafka")]);
    assert!(e.contains("kafka") && e.contains("backend"), "{e}");
    let e = error(Some("[api]\nprot = 1\n"), &[]);
    assert!(e.contains("prot"), "{e}");
    let e = error(Some("[api\n"), &[]);
    assert!(e.contains("configuration file"), "{e}");
    let e = error(
        None,
        &[
            ("MEDSEC_API__INLINE_SBOM_MAX_BYTES", "999999999"),
            ("MEDSEC_API__BODY_LIMIT", "2048"),
        ],
    );
    assert!(e.contains("api.inline_sbom_max_bytes"), "{e}");
    let e = error(None, &[("MEDSEC_API__SUBMIT_BATCH_MAX", "0")]);
    assert!(e.contains("api.submit_batch_max"), "{e}");
    let e = error(None, &[("MEDSEC_S3__BUCKET", "Bad_Bucket")]);
    assert!(e.contains("s3.bucket"), "{e}");
    let e = error(
        None,
        &[
            ("MEDSEC_REDIS__SENTINEL__MASTER", "m"),
            ("MEDSEC_REDIS__SENTINEL__NODES", ""),
        ],
    );
    assert!(e.contains("redis.sentinel"), "{e}");
}

#[test]
fn a_missing_file_is_named() {
    let err = Settings::load_from(Some("/nonexistent/medsec.toml"), env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::File { .. }));
    assert!(
        err.to_string().contains("/nonexistent/medsec.toml"),
        "{err}"
    );
}
