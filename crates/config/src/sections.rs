use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::ConfigError;

/// Every setting of the API and the workers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub queue: QueueSettings,
    pub s3: S3Settings,
    pub api: ApiSettings,
    pub worker: WorkerSettings,
    pub cache: CacheSettings,
    pub telemetry: TelemetrySettings,
}

/// PostgreSQL and its pool (the deployment guide's defaults).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: usize,
    pub overflow: usize,
    /// How long a request waits for a free connection.
    pub timeout_secs: u64,
    /// Connections older than this are replaced.
    pub recycle_secs: u64,
    /// How long opening one connection may take.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "postgres://postgres@127.0.0.1:5432/medsec".to_owned(),
            pool_size: 20,
            overflow: 10,
            timeout_secs: 30,
            recycle_secs: 1800,
            connect_timeout_secs: 10,
        }
    }
}

impl DatabaseSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
    pub fn recycle(&self) -> Duration {
        Duration::from_secs(self.recycle_secs)
    }
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }
}

/// Redis, directly by URL or through Sentinel (which wins when set).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    pub url: String,
    pub sentinel: Option<SentinelSettings>,
    pub pool_size: usize,
    pub command_timeout_secs: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: "redis://127.0.0.1:6379".to_owned(),
            sentinel: None,
            pool_size: 16,
            command_timeout_secs: 10,
        }
    }
}

impl RedisSettings {
    pub fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.command_timeout_secs)
    }
}

/// The Sentinels to ask for the current master.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentinelSettings {
    pub master: String,
    /// `redis://host:port` of each Sentinel.
    pub nodes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueBackend {
    Redis,
    Rabbitmq,
}

/// The job queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    pub backend: QueueBackend,
    pub amqp_url: String,
    /// Names of streams/queues start with this.
    pub stream_prefix: String,
    /// Submissions are refused (503) at this many waiting jobs of a kind.
    pub max_depth: u64,
    pub visibility_timeout_secs: u64,
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_secs: u64,
    /// How long after being queued a job missing from the queue is enqueued
    /// again by the reconciler.
    pub reconcile_after_secs: u64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            backend: QueueBackend::Redis,
            amqp_url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            stream_prefix: "medsec:jobs".to_owned(),
            max_depth: 10_000,
            visibility_timeout_secs: 300,
            max_attempts: 5,
            backoff_base_ms: 2_000,
            backoff_max_secs: 300,
            reconcile_after_secs: 60,
        }
    }
}

impl QueueSettings {
    pub fn visibility_timeout(&self) -> Duration {
        Duration::from_secs(self.visibility_timeout_secs)
    }
    pub fn backoff_base(&self) -> Duration {
        Duration::from_millis(self.backoff_base_ms)
    }
    pub fn backoff_max(&self) -> Duration {
        Duration::from_secs(self.backoff_max_secs)
    }
    pub fn reconcile_after(&self) -> Duration {
        Duration::from_secs(self.reconcile_after_secs)
    }
}

/// S3-compatible object storage for large SBOMs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// Endpoint override (`http://127.0.0.1:9000`); AWS's when unset.
    pub endpoint: Option<String>,
    pub bucket: String,
    /// Key prefix of stored SBOMs.
    pub prefix: String,
    /// Path-style addressing (`endpoint/bucket/key`), as most local servers
    /// need.
    pub path_style: bool,
    pub region: String,
    /// Static credentials; the standard AWS environment (variables,
    /// profile) is used when unset.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: None,
            bucket: "medsec".to_owned(),
            prefix: "sboms/".to_owned(),
            path_style: true,
            region: "us-east-1".to_owned(),
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

/// The HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    pub host: String,
    /// `MEDSEC_API_PORT` also sets it; 0 picks a free port.
    pub port: u16,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// SBOMs up to this size are kept in PostgreSQL; larger ones go to S3.
    pub inline_sbom_max_bytes: usize,
    /// actix worker threads; the number of CPUs when unset.
    pub workers: Option<usize>,
    /// The Retry-After of 202 and 503 answers.
    pub retry_after_secs: u64,
    /// Requests must carry an API key (`Authorization: Bearer`).
    pub require_api_key: bool,
    /// Most submissions whose job rows are committed in one transaction
    /// (group commit); 1 commits each on its own.
    pub submit_batch_max: usize,
    /// Batches being committed at once; submissions arriving meanwhile
    /// gather into the next batch.
    pub submit_batch_writers: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            body_limit: 64 * 1024 * 1024,
            inline_sbom_max_bytes: 1024 * 1024,
            workers: None,
            retry_after_secs: 2,
            require_api_key: false,
            submit_batch_max: 64,
            submit_batch_writers: 4,
        }
    }
}

/// The workers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs run at once per worker process.
    pub concurrency: usize,
    /// On SIGTERM, in-flight jobs get this long before they are handed back.
    pub shutdown_deadline_secs: u64,
    /// The knowledge-base index snapshot file.
    pub kb_snapshot: Option<PathBuf>,
    /// Where the exploitation model comes from: a directory or `s3://...`.
    pub model_source: Option<String>,
    /// Consumer name in the queue; host name and process id when unset.
    pub consumer: Option<String>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            concurrency: 2,
            shutdown_deadline_secs: 30,
            kb_snapshot: None,
            model_source: None,
            consumer: None,
        }
    }
}

impl WorkerSettings {
    pub fn shutdown_deadline(&self) -> Duration {
        Duration::from_secs(self.shutdown_deadline_secs)
    }
}

/// Time to live of the Redis caches (the deployment guide's values).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Put in front of every key (`cvss:` becomes `<namespace>cvss:`), for
    /// deployments or tests sharing one Redis.
    pub namespace: String,
    pub cvss_ttl_secs: u64,
    pub enrich_ttl_secs: u64,
    pub sbom_ttl_secs: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            namespace: String::new(),
            cvss_ttl_secs: 3_600,
            enrich_ttl_secs: 86_400,
            sbom_ttl_secs: 7_200,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Logs and traces.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// OTLP/gRPC collector (`http://127.0.0.1:4317`); no export when unset.
    pub otlp_endpoint: Option<String>,
    pub log_format: LogFormat,
    /// `tracing` filter directives (`info,medsec_api=debug`).
    pub log_filter: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            otlp_endpoint: None,
            log_format: LogFormat::Json,
            log_filter: "info".to_owned(),
        }
    }
}

fn url_with_scheme(key: &'static str, value: &str, schemes: &[&str]) -> Result<(), ConfigError> {
    let scheme = value.split_once("://").map(|(s, _)| s);
    match scheme {
        Some(s) if schemes.contains(&s) && value.len() > s.len() + 3 => Ok(()),
        _ => Err(ConfigError::invalid(
            key,
            format!(
                "{value:?} is not a URL with scheme {}",
                schemes.join(" or ")
            ),
        )),
    }
}

fn at_least(key: &'static str, value: u64, min: u64) -> Result<(), ConfigError> {
    if value < min {
        return Err(ConfigError::invalid(
            key,
            format!("{value} is below the minimum {min}"),
        ));
    }
    Ok(())
}

impl Settings {
    /// Checks what types alone cannot; the error names the first bad key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let db = &self.database;
        url_with_scheme("database.url", &db.url, &["postgres", "postgresql"])?;
        at_least("database.pool_size", db.pool_size as u64, 1)?;
        at_least("database.timeout_secs", db.timeout_secs, 1)?;
        at_least("database.recycle_secs", db.recycle_secs, 1)?;
        at_least("database.connect_timeout_secs", db.connect_timeout_secs, 1)?;

        let redis = &self.redis;
        match &redis.sentinel {
            Some(sentinel) => {
                if sentinel.master.trim().is_empty() {
                    return Err(ConfigError::invalid(
                        "redis.sentinel.master",
                        "must name the master",
                    ));
                }
                if sentinel.nodes.is_empty() {
                    return Err(ConfigError::invalid(
                        "redis.sentinel.nodes",
                        "must list at least one Sentinel",
                    ));
                }
                for node in &sentinel.nodes {
                    url_with_scheme("redis.sentinel.nodes", node, &["redis", "rediss"])?;
                }
            }
            None => url_with_scheme("redis.url", &redis.url, &["redis", "rediss", "unix"])?,
        }
        at_least("redis.pool_size", redis.pool_size as u64, 1)?;
        at_least("redis.command_timeout_secs", redis.command_timeout_secs, 1)?;

        let queue = &self.queue;
        if queue.backend == QueueBackend::Rabbitmq {
            url_with_scheme("queue.amqp_url", &queue.amqp_url, &["amqp", "amqps"])?;
        }
        if queue.stream_prefix.is_empty() || queue.stream_prefix.contains(char::is_whitespace) {
            return Err(ConfigError::invalid(
                "queue.stream_prefix",
                "must be non-empty and without white space",
            ));
        }
        at_least("queue.max_depth", queue.max_depth, 1)?;
        at_least(
            "queue.visibility_timeout_secs",
            queue.visibility_timeout_secs,
            1,
        )?;
        at_least("queue.max_attempts", u64::from(queue.max_attempts), 1)?;
        at_least("queue.backoff_base_ms", queue.backoff_base_ms, 1)?;
        if queue.backoff_max() < queue.backoff_base() {
            return Err(ConfigError::invalid(
                "queue.backoff_max_secs",
                "must be at least queue.backoff_base_ms",
            ));
        }

        let s3 = &self.s3;
        if let Some(endpoint) = &s3.endpoint {
            url_with_scheme("s3.endpoint", endpoint, &["http", "https"])?;
        }
        // S3's bucket naming rules (3-63 lower-case letters, digits, dots,
        // hyphens; a letter or digit at both ends).
        let bucket_ok = (3..=63).contains(&s3.bucket.len())
            && s3
                .bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            && s3.bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s3.bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !bucket_ok {
            return Err(ConfigError::invalid(
                "s3.bucket",
                format!("{:?} is not a valid S3 bucket name", s3.bucket),
            ));
        }
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            return Err(ConfigError::invalid(
                "s3.secret_access_key",
                "s3.access_key_id and s3.secret_access_key go together",
            ));
        }
        if s3.region.is_empty() {
            return Err(ConfigError::invalid("s3.region", "must not be empty"));
        }

        let api = &self.api;
        at_least("api.body_limit", api.body_limit as u64, 1024)?;
        if api.inline_sbom_max_bytes > api.body_limit {
            return Err(ConfigError::invalid(
                "api.inline_sbom_max_bytes",
                "must not exceed api.body_limit",
            ));
        }
        if api.workers == Some(0) {
            return Err(ConfigError::invalid("api.workers", "must be at least 1"));
        }
        at_least("api.submit_batch_max", api.submit_batch_max as u64, 1)?;
        at_least(
            "api.submit_batch_writers",
            api.submit_batch_writers as u64,
            1,
        )?;

        at_least("worker.concurrency", self.worker.concurrency as u64, 1)?;
        at_least("cache.cvss_ttl_secs", self.cache.cvss_ttl_secs, 1)?;
        at_least("cache.enrich_ttl_secs", self.cache.enrich_ttl_secs, 1)?;
        at_least("cache.sbom_ttl_secs", self.cache.sbom_ttl_secs, 1)?;
        if let Some(endpoint) = &self.telemetry.otlp_endpoint {
            url_with_scheme("telemetry.otlp_endpoint", endpoint, &["http", "https"])?;
        }
        Ok(())
    }
}
