//! A real API on a random port, over a database of its own (crates/test-db)
//! and a Redis stream prefix of its own.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use medsec_api::{AppState, Application};
use medsec_config::Settings;
use medsec_test_db::TestDatabase;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub state: AppState,
}

/// Spans of every test of the binary go to one in-memory exporter, so
/// trace context is real (ids are made by the OpenTelemetry SDK).
pub fn spans() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let settings = medsec_config::TelemetrySettings {
            log_filter: "warn".into(),
            ..Default::default()
        };
        let guard = medsec_telemetry::init_with_provider("medsec-api-test", &settings, provider)
            .expect("telemetry");
        std::mem::forget(guard);
        exporter
    })
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spans();
    let db = TestDatabase::new().await;
    let mut settings = Settings::default();
    settings.database.url = db.url().to_owned();
    settings.database.pool_size = 4;
    settings.database.overflow = 0;
    settings.database.connect_timeout_secs = 3;
    settings.database.timeout_secs = 3;
    settings.api.port = 0;
    settings.api.workers = Some(1);
    let prefix = format!("test-api-{}", uuid::Uuid::new_v4());
    settings.cache.namespace = format!("{prefix}:");
    settings.queue.stream_prefix = prefix;
    if let Ok(url) = std::env::var("MEDSEC_TEST_REDIS_URL") {
        settings.redis.url = url;
    }
    configure(&mut settings);
    let app = Application::build(settings).await.expect("application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        state,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_sbom(&self, body: Vec<u8>, content_type: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/sbom-analyses"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// A problem+json body, with its content type checked.
pub async fn problem(response: reqwest::Response) -> serde_json::Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("https://"),
        "{body}"
    );
    assert!(!body["title"].as_str().unwrap().is_empty(), "{body}");
    assert!(!body["detail"].as_str().unwrap().is_empty(), "{body}");
    body
}

/// A file of the shared data set, or `None` (and a skip line).
pub fn shared(test: &str, relative: &str) -> Option<PathBuf> {
    let root = medsec_testdata::require(test)?;
    let path = root.join(relative);
    assert!(
        path.is_file(),
        "{} is missing from the shared data",
        path.display()
    );
    Some(path)
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}
