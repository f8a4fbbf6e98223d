//! The whole job service as real processes for the tests: a migrated
//! database of its own, a unique queue prefix on the shared Redis (or
//! RabbitMQ), a moto S3 server with the shipped model published to it,
//! medsec-api and N medsec-worker processes built by cargo.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use medsec_model::ModelStore;
use serde_json::Value;

// The index crate's loader for the shared knowledge-base files.
#[path = "../../../../crates/index/tests/common/mod.rs"]
mod kb_files;

pub const BUCKET: &str = "medsec-test";
pub const MODEL_PREFIX: &str = "models/exploitation";
pub const REDIS_SERVER: &str = "redis://127.0.0.1:6379";

/// Redis database numbers 1 to 15, handed out in turn: a stack's data
/// (queue and caches) can be wiped with FLUSHDB without touching others'.
fn next_redis_db() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let pid_offset = std::process::id() % 15;
    (NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + pid_offset) % 15 + 1
}

/// Stacks run one at a time within a test binary: each loads the whole
/// knowledge base into every worker.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A free TCP port on loopback (racy, but each test asks for few).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every SBOM the end-to-end tests submit: the medical-device SBOMs and
/// the large ones.
pub fn submission_files(data: &Path) -> Vec<PathBuf> {
    let mut files = medsec_testdata::files_under(&data.join("sboms/medical"));
    files.extend(medsec_testdata::files_under(&data.join("sboms/large")));
    files
}

/// The knowledge-base snapshot of the whole shared `vulns/` data, built once
/// per test binary.
pub fn kb_snapshot(data: &Path) -> PathBuf {
    static SNAPSHOT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kb.snapshot");
            let index = kb_files::builder(kb_files::load(data)).build(1);
            medsec_index::write_snapshot_file(&index, &path).unwrap();
            (dir, path)
        })
        .1
        .clone()
}

/// The `medsec-api` binary, built by cargo into the same target directory
/// as this test's worker binary.
pub fn api_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let worker = PathBuf::from(env!("CARGO_BIN_EXE_medsec-worker"));
            let profile_dir = worker.parent().unwrap().to_path_buf();
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args([
                "build",
                "--quiet",
                "-p",
                "medsec-api",
                "--bin",
                "medsec-api",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                cmd.arg("--release");
            }
            // Same target directory as the test binary.
            cmd.env("CARGO_TARGET_DIR", profile_dir.parent().unwrap());
            let status = cmd.status().expect("run cargo build -p medsec-api");
            assert!(status.success(), "cargo build -p medsec-api failed");
            profile_dir.join("medsec-api")
        })
        .clone()
}

pub use medsec_testdata::moto::Moto;

/// A client of a moto server.
pub fn s3_client(moto: &Moto) -> aws_sdk_s3::Client {
    let credentials =
        aws_sdk_s3::config::Credentials::new("medsec-test", "medsec-test", None, None, "test");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .credentials_provider(credentials)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(&moto.endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Credentials moto accepts, through the standard chain.
pub fn aws_env() -> [(&'static str, &'static str); 3] {
    [
        ("AWS_ACCESS_KEY_ID", "medsec-test"),
        ("AWS_SECRET_ACCESS_KEY", "medsec-test"),
        ("AWS_REGION", "us-east-1"),
    ]
}

/// A spawned service process, killed on drop; its output goes to a log file.
pub struct Service {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Service {
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal);
    }

    /// The process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = self.log_text();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which queue backend the stack runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueBackend {
    Redis,
    RabbitMq,
}

/// Knobs of a test stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub workers: usize,
    pub backend: QueueBackend,
    pub max_attempts: u32,
    pub visibility_timeout_secs: u64,
    pub shutdown_deadline_secs: u64,
    pub concurrency: usize,
    /// Extra environment for every process.
    pub env: Vec<(String, String)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            workers: 2,
            backend: QueueBackend::Redis,
            max_attempts: 3,
            visibility_timeout_secs: 3,
            shutdown_deadline_secs: 30,
            concurrency: 2,
            env: Vec::new(),
        }
    }
}

/// The running service.
pub struct Stack {
    pub db: medsec_test_db::TestDatabase,
    pub moto: Moto,
    pub prefix: String,
    pub api: Service,
    pub workers: Vec<Service>,
    pub base_url: String,
    pub http: reqwest::Client,
    pub options: StackOptions,
    env: BTreeMap<String, String>,
    dir: tempfile::TempDir,
    spawned: usize,
}

impl Stack {
    pub async fn start(data: &Path, options: StackOptions) -> Stack {
        let snapshot = kb_snapshot(data);
        let db = medsec_test_db::TestDatabase::new().await;
        let moto = Moto::start();
        let s3 = s3_client(&moto);
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        publish_shipped_model(&moto, &dir.path().join("model-cache")).await;

        let prefix = format!("medsec-test-{}", uuid::Uuid::new_v4().simple());
        let port = free_port();
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_owned(), v);
        };
        set("MEDSEC_DATABASE__URL", db.url().to_owned());
        let redis_db = next_redis_db();
        set("MEDSEC_REDIS__URL", format!("{REDIS_SERVER}/{redis_db}"));
        set(
            "MEDSEC_QUEUE__BACKEND",
            match options.backend {
                QueueBackend::Redis => "redis",
                QueueBackend::RabbitMq => "rabbitmq",
            }
            .into(),
        );
        set(
            "MEDSEC_QUEUE__AMQP_URL",
            "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
        );
        set("MEDSEC_QUEUE__STREAM_PREFIX", prefix.clone());
        set(
            "MEDSEC_QUEUE__MAX_ATTEMPTS",
            options.max_attempts.to_string(),
        );
        set(
            "MEDSEC_QUEUE__VISIBILITY_TIMEOUT_SECS",
            options.visibility_timeout_secs.to_string(),
        );
        set("MEDSEC_QUEUE__BACKOFF_BASE_MS", "200".into());
        set("MEDSEC_QUEUE__BACKOFF_MAX_SECS", "1".into());
        set("MEDSEC_QUEUE__RECONCILE_AFTER_SECS", "30".into());
        set(
            "MEDSEC_WORKER__MODEL_SOURCE",
            format!("s3://{BUCKET}/{MODEL_PREFIX}"),
        );
        set(
            "MEDSEC_WORKER__SHUTDOWN_DEADLINE_SECS",
            options.shutdown_deadline_secs.to_string(),
        );
        set("MEDSEC_WORKER_CACHE_NAMESPACE", format!("{prefix}:"));
        set("MEDSEC_S3__ENDPOINT", moto.endpoint.clone());
        set("MEDSEC_S3__BUCKET", BUCKET.into());
        set("MEDSEC_S3__PATH_STYLE", "true".into());
        set("MEDSEC_S3__REGION", "us-east-1".into());
        set("MEDSEC_API_PORT", port.to_string());
        set(
            "MEDSEC_WORKER__CONCURRENCY",
            options.concurrency.to_string(),
        );
        set("MEDSEC_WORKER__KB_SNAPSHOT", snapshot.display().to_string());
        for (k, v) in aws_env() {
            set(k, v.into());
        }
        for (k, v) in &options.env {
            set(k, v.clone());
        }

        let api = spawn(&api_binary(), "api", &env, dir.path());
        let mut stack = Stack {
            db,
            moto,
            prefix,
            api,
            workers: Vec::new(),
            base_url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            options: options.clone(),
            env,
            dir,
            spawned: 0,
        };
        for _ in 0..options.workers {
            stack.spawn_worker();
        }
        stack.wait_ready(Duration::from_secs(120)).await;
        stack
    }

    /// Starts one more worker; returns its index in `workers`.
    pub fn spawn_worker(&mut self) -> usize {
        self.spawned += 1;
        let mut env = self.env.clone();
        env.insert(
            "MEDSEC_WORKER_METRICS_ADDR".into(),
            format!("127.0.0.1:{}", free_port()),
        );
        env.insert(
            "MEDSEC_WORKER_MODEL_CACHE".into(),
            self.dir
                .path()
                .join(format!("model-cache-{}", self.spawned))
                .display()
                .to_string(),
        );
        env.insert(
            "MEDSEC_WORKER__CONSUMER".into(),
            format!("test-worker-{}", self.spawned),
        );
        let name = format!("worker-{}", self.spawned);
        let worker = spawn(
            Path::new(env!("CARGO_BIN_EXE_medsec-worker")),
            &name,
            &env,
            self.dir.path(),
        );
        self.workers.push(worker);
        self.workers.len() - 1
    }

    /// The logs of every process, for a failing assertion.
    pub fn logs(&self) -> String {
        let mut out = format!("--- {} ---\n{}\n", self.api.name, self.api.log_tail(40));
        for w in &self.workers {
            out.push_str(&format!("--- {} ---\n{}\n", w.name, w.log_tail(40)));
        }
        out
    }

    async fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let ok = self
                .http
                .get(format!("{}/readyz", self.base_url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return;
            }
            assert!(
                self.api.alive(),
                "medsec-api exited at start:\n{}",
                self.logs()
            );
            assert!(
                Instant::now() < deadline,
                "/readyz did not answer 200 within {limit:?}:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base_url)
    }

    /// The Redis URL of this stack's database.
    pub fn redis_url(&self) -> String {
        self.env["MEDSEC_REDIS__URL"].clone()
    }

    /// Submits the SBOM file `path` (gzip as it is stored) with a device
    /// context given as query parameters (`device-class=...&...`, may be
    /// empty); returns the job id.
    pub async fn submit_file(&self, path: &Path, device_query: &str) -> String {
        let body = std::fs::read(path).unwrap();
        let gz = path.extension().is_some_and(|e| e == "gz");
        self.submit_sbom(body, gz, device_query).await
    }

    pub async fn submit_sbom(&self, body: Vec<u8>, gzip: bool, device_query: &str) -> String {
        let mut url = self.url("sbom-analyses");
        if !device_query.is_empty() {
            url = format!("{url}?{device_query}");
        }
        let content_type = if gzip {
            "application/gzip"
        } else {
            "application/json"
        };
        let resp = self
            .http
            .post(url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert_eq!(status.as_u16(), 202, "submission answered {status}: {text}");
        job_id_of(&serde_json::from_str(&text).unwrap())
    }

    pub async fn job(&self, id: &str) -> Value {
        let resp = self
            .http
            .get(self.url(&format!("jobs/{id}")))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "GET jobs/{id}: {}",
            resp.status()
        );
        resp.json().await.unwrap()
    }

    /// Polls until the job reaches a terminal status; returns the job.
    pub async fn wait_finished(&self, id: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let job = self.job(id).await;
            let status = job["status"].as_str().unwrap_or_default().to_owned();
            if ["succeeded", "failed", "cancelled", "dead"].contains(&status.as_str()) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {id} still {status} after {limit:?}:\n{job:#}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The job's result in `format`: status, content type and body.
    pub async fn result(&self, id: &str, format: &str) -> (u16, String, Vec<u8>) {
        let resp = self
            .http
            .get(self.url(&format!("jobs/{id}/result?format={format}")))
            .send()
            .await
            .unwrap();
        let (status, ctype, body) = response_parts(resp).await;
        (status, ctype, body.unwrap())
    }

    /// Rows in `jobs.results` for a job.
    pub async fn result_rows(&self, id: &str) -> i64 {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.connect().await;
        let c: Count =
            diesel::sql_query("SELECT count(*) AS n FROM jobs.results WHERE job_id = $1::uuid")
                .bind::<diesel::sql_types::Text, _>(id)
                .get_result(&mut conn)
                .await
                .unwrap();
        c.n
    }
}

/// The id in a job document (`id` or `job_id`).
pub fn job_id_of(v: &Value) -> String {
    v.get("id")
        .or_else(|| v.get("job_id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no job id in {v}"))
        .to_owned()
}

fn spawn(bin: &Path, name: &str, env: &BTreeMap<String, String>, dir: &Path) -> Service {
    let log = dir.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).unwrap();
    let err = out.try_clone().unwrap();
    let child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .env("RUST_LOG", "info")
        .envs(env)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    Service {
        name: name.to_owned(),
        child,
        log,
    }
}

/// Publishes the model shipped in `models/exploitation` to the test bucket.
async fn publish_shipped_model(moto: &Moto, cache: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/exploitation");
    let store = medsec_model::S3Store::with_client(
        s3_client(moto),
        medsec_model::S3Config {
            bucket: BUCKET.into(),
            prefix: MODEL_PREFIX.into(),
            endpoint_url: Some(moto.endpoint.clone()),
            force_path_style: true,
            cache_dir: cache.to_path_buf(),
        },
    );
    store
        .publish(&dir)
        .await
        .expect("publish the shipped model");
}

impl Stack {
    /// A queue client on this stack's backend and stream prefix.
    pub async fn queue(&self) -> std::sync::Arc<dyn medsec_queue::JobQueue> {
        let backend = match self.options.backend {
            QueueBackend::Redis => {
                medsec_queue::Backend::Redis(medsec_queue::RedisSettings::url(self.redis_url()))
            }
            QueueBackend::RabbitMq => medsec_queue::Backend::RabbitMq(
                medsec_queue::RabbitMqSettings::url(self.env["MEDSEC_QUEUE__AMQP_URL"].clone()),
            ),
        };
        let settings = medsec_queue::QueueSettings {
            stream_prefix: self.prefix.clone(),
            max_attempts: self.options.max_attempts,
            visibility_timeout: Duration::from_secs(self.options.visibility_timeout_secs),
            ..medsec_queue::QueueSettings::default()
        };
        medsec_queue::connect(&backend, settings).await.unwrap()
    }

    /// Wipes this stack's Redis database (its streams, consumer groups,
    /// dead letters and cache entries), as a FLUSHALL would for a Redis
    /// serving only this stack.
    pub async fn flush_redis(&self) {
        let client = redis::Client::open(self.redis_url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
    }

    /// Polls until the job has `status`; returns the job.
    pub async fn wait_status(&self, id: &str, status: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let job = self.job(id).await;
            if job["status"] == status {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {id} not {status} after {limit:?}:\n{job:#}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A response's status, content type (empty when absent) and body.
pub async fn response_parts(
    response: reqwest::Response,
) -> (u16, String, reqwest::Result<Vec<u8>>) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.map(|b| b.to_vec()),
    )
}
