//! The worker's view of the shared settings: queue backend, pool, model
//! location, loop timings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use medsec_config::Settings;
use medsec_queue::{Backend, QueueSettings, RabbitMqSettings, RedisSettings};
use medsec_store::PoolSettings;

use crate::model::ModelLocation;

/// A setting the worker cannot run without, or cannot read.
#[derive(Debug, thiserror::Error)]
#[error("configuration key {key}: {reason}")]
pub struct SettingError {
    pub key: &'static str,
    pub reason: String,
}

fn bad(key: &'static str, reason: impl Into<String>) -> SettingError {
    SettingError {
        key,
        reason: reason.into(),
    }
}

/// The Redis connection settings (queue and caches share the server).
pub fn redis(s: &Settings) -> RedisSettings {
    let mut r = match &s.redis.sentinel {
        Some(sentinel) => RedisSettings::sentinel(sentinel.master.clone(), sentinel.nodes.clone()),
        None => RedisSettings::url(s.redis.url.clone()),
    };
    r.pool_size = s.redis.pool_size;
    r.command_timeout = s.redis.command_timeout();
    r
}

pub fn queue_backend(s: &Settings) -> Backend {
    match s.queue.backend {
        medsec_config::QueueBackend::Redis => Backend::Redis(redis(s)),
        medsec_config::QueueBackend::Rabbitmq => {
            Backend::RabbitMq(RabbitMqSettings::url(s.queue.amqp_url.clone()))
        }
    }
}

pub fn queue(s: &Settings) -> QueueSettings {
    QueueSettings {
        stream_prefix: s.queue.stream_prefix.clone(),
        max_depth: s.queue.max_depth,
        visibility_timeout: s.queue.visibility_timeout(),
        max_attempts: s.queue.max_attempts,
        backoff_base: s.queue.backoff_base(),
        backoff_max: s.queue.backoff_max(),
    }
}

pub fn pool(s: &Settings) -> PoolSettings {
    PoolSettings {
        max_size: s.database.pool_size,
        overflow: s.database.overflow,
        wait_timeout: s.database.timeout(),
        max_lifetime: s.database.recycle(),
        connect_timeout: s.database.connect_timeout(),
    }
}

pub fn kb_snapshot(s: &Settings) -> Result<PathBuf, SettingError> {
    let path = s.worker.kb_snapshot.clone().ok_or_else(|| {
        bad(
            "worker.kb_snapshot",
            "not set: the worker needs a knowledge-base snapshot (medsec db export --snapshot FILE)",
        )
    })?;
    if !path.is_file() {
        return Err(bad(
            "worker.kb_snapshot",
            format!("{} is not a file", path.display()),
        ));
    }
    Ok(path)
}

/// `s3://bucket/prefix` (endpoint, addressing and region from `s3.*`), a
/// store directory (holding `current.json`), a model directory (holding
/// `manifest.json`), or unset (the engine's rule alone).
pub fn model_location(s: &Settings, cache_dir: &Path) -> Result<ModelLocation, SettingError> {
    let Some(source) = s.worker.model_source.as_deref().filter(|v| !v.is_empty()) else {
        return Ok(ModelLocation::None);
    };
    if let Some(rest) = source.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad(
                "worker.model_source",
                format!("{source:?} names no bucket"),
            ));
        }
        return Ok(ModelLocation::S3(medsec_model::S3Config {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint_url: s.s3.endpoint.clone(),
            force_path_style: s.s3.path_style,
            cache_dir: cache_dir.to_owned(),
        }));
    }
    let dir = PathBuf::from(source);
    if dir.join(medsec_model::POINTER_FILE).is_file() {
        Ok(ModelLocation::Store(dir))
    } else if dir.join(medsec_model::MANIFEST_FILE).is_file() {
        Ok(ModelLocation::Directory(dir))
    } else {
        Err(bad(
            "worker.model_source",
            format!(
                "{} holds neither {} (a model store) nor {} (a model directory)",
                dir.display(),
                medsec_model::POINTER_FILE,
                medsec_model::MANIFEST_FILE
            ),
        ))
    }
}

/// How often running jobs are kept alive: three times per visibility
/// timeout, so one missed tick does not lose the reservation.
pub fn keepalive_every(s: &Settings) -> Duration {
    (s.queue.visibility_timeout() / 3).max(Duration::from_millis(200))
}

/// This process's consumer name.
pub fn consumer(s: &Settings) -> String {
    s.worker.consumer.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "worker".to_owned());
        format!("{host}-{}", std::process::id())
    })
}
