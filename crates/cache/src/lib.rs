//! Redis caches with the deployment guide's prefixes and lifetimes: CVSS
//! lookups (`cvss:`, 1 h), enrichment (`enrich:`, 24 h) and whole SBOM
//! analyses (`sbom:`, 2 h, keyed by [`SbomKey`]). Values are JSON.
//!
//! A cache is an optimisation: callers treat an error like a miss (and log
//! it); nothing is lost when Redis is.

mod key;

use std::time::Duration;

use deadpool_redis::Runtime;
use medsec_config::{CacheSettings, RedisSettings};
use medsec_telemetry::Metrics;
use redis::AsyncCommands;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use key::SbomKey;

/// Which cache: sets the key prefix and the lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheKind {
    Cvss,
    Enrich,
    Sbom,
}

impl CacheKind {
    pub fn prefix(self) -> &'static str {
        match self {
            CacheKind::Cvss => "cvss:",
            CacheKind::Enrich => "enrich:",
            CacheKind::Sbom => "sbom:",
        }
    }

    /// The `cache` label of the hit/miss metrics.
    pub fn name(self) -> &'static str {
        self.prefix().trim_end_matches(':')
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("redis settings: {0}")]
    Settings(String),
    #[error("no Redis connection for the cache: {0}")]
    Connection(String),
    #[error("Redis {command} on {key}: {source}")]
    Command {
        command: &'static str,
        key: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("cached value at {key} is not the JSON expected: {source}")]
    Decode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("value for {key} cannot be written as JSON: {source}")]
    Encode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

enum Pool {
    Direct(deadpool_redis::Pool),
    Sentinel(deadpool_redis::sentinel::Pool),
}

/// The three caches over one Redis connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    pool: std::sync::Arc<Pool>,
    ttls: CacheSettings,
    namespace: String,
    metrics: Option<Metrics>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("ttls", &self.ttls)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl Cache {
    /// A pool for the configured Redis (direct or through Sentinel); no
    /// connection is opened until the first command.
    pub fn new(redis: &RedisSettings, ttls: CacheSettings) -> Result<Cache, CacheError> {
        let pool = match &redis.sentinel {
            None => {
                let mut config = deadpool_redis::Config::from_url(redis.url.clone());
                config.pool = Some(deadpool_redis::PoolConfig::new(redis.pool_size));
                Pool::Direct(
                    config
                        .create_pool(Some(Runtime::Tokio1))
                        .map_err(|e| CacheError::Settings(format!("redis.url: {e}")))?,
                )
            }
            Some(sentinel) => {
                let mut config = deadpool_redis::sentinel::Config::from_urls(
                    sentinel.nodes.clone(),
                    sentinel.master.clone(),
                    deadpool_redis::sentinel::SentinelServerType::Master,
                );
                config.pool = Some(deadpool_redis::PoolConfig::new(redis.pool_size));
                Pool::Sentinel(
                    config
                        .create_pool(Some(Runtime::Tokio1))
                        .map_err(|e| CacheError::Settings(format!("redis.sentinel: {e}")))?,
                )
            }
        };
        Ok(Cache {
            pool: std::sync::Arc::new(pool),
            namespace: ttls.namespace.clone(),
            ttls,
            metrics: None,
        })
    }

    /// Keys get `namespace` in front of the prefix (tests sharing one Redis);
    /// replaces `cache.namespace`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Cache {
        self.namespace = namespace.into();
        self
    }

    /// Counts hits and misses in `medsec_cache_{hits,misses}_total`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Cache {
        self.metrics = Some(metrics);
        self
    }

    pub fn ttl(&self, kind: CacheKind) -> Duration {
        Duration::from_secs(match kind {
            CacheKind::Cvss => self.ttls.cvss_ttl_secs,
            CacheKind::Enrich => self.ttls.enrich_ttl_secs,
            CacheKind::Sbom => self.ttls.sbom_ttl_secs,
        })
    }

    /// The Redis key of `key` in cache `kind`.
    pub fn redis_key(&self, kind: CacheKind, key: &str) -> String {
        format!("{}{}{}", self.namespace, kind.prefix(), key)
    }

    async fn with_conn<T>(
        &self,
        f: impl AsyncFnOnce(&mut deadpool_redis::redis::aio::MultiplexedConnection) -> T,
    ) -> Result<T, CacheError> {
        let connection = |e: &dyn std::fmt::Display| CacheError::Connection(e.to_string());
        match &*self.pool {
            Pool::Direct(pool) => {
                let mut conn = pool.get().await.map_err(|e| connection(&e))?;
                Ok(f(&mut conn).await)
            }
            Pool::Sentinel(pool) => {
                let mut conn = pool.get().await.map_err(|e| connection(&e))?;
                Ok(f(&mut conn).await)
            }
        }
    }

    /// The cached value, or `None` on a miss.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        kind: CacheKind,
        key: &str,
    ) -> Result<Option<T>, CacheError> {
        let redis_key = self.redis_key(kind, key);
        let raw: Option<Vec<u8>> = self
            .with_conn(async |conn| conn.get(&redis_key).await)
            .await?
            .map_err(|source| CacheError::Command {
                command: "GET",
                key: redis_key.clone(),
                source,
            })?;
        if let Some(metrics) = &self.metrics {
            let counter = if raw.is_some() {
                &metrics.cache_hits_total
            } else {
                &metrics.cache_misses_total
            };
            counter.with_label_values(&[kind.name()]).inc();
        }
        raw.map(|bytes| {
            serde_json::from_slice(&bytes).map_err(|source| CacheError::Decode {
                key: redis_key.clone(),
                source,
            })
        })
        .transpose()
    }

    /// Stores `value` for the kind's lifetime.
    pub async fn put_json<T: Serialize + ?Sized>(
        &self,
        kind: CacheKind,
        key: &str,
        value: &T,
    ) -> Result<(), CacheError> {
        let redis_key = self.redis_key(kind, key);
        let bytes = serde_json::to_vec(value).map_err(|source| CacheError::Encode {
            key: redis_key.clone(),
            source,
        })?;
        let ttl = self.ttl(kind).as_secs();
        self.with_conn(async |conn| conn.set_ex::<_, _, ()>(&redis_key, bytes, ttl).await)
            .await?
            .map_err(|source| CacheError::Command {
                command: "SET",
                key: redis_key.clone(),
                source,
            })
    }

    /// Removes one entry; returns whether it existed.
    pub async fn invalidate(&self, kind: CacheKind, key: &str) -> Result<bool, CacheError> {
        let redis_key = self.redis_key(kind, key);
        let removed: i64 = self
            .with_conn(async |conn| conn.del(&redis_key).await)
            .await?
            .map_err(|source| CacheError::Command {
                command: "DEL",
                key: redis_key.clone(),
                source,
            })?;
        Ok(removed > 0)
    }

    /// Seconds an entry has left, `None` when it is absent.
    pub async fn remaining_ttl(
        &self,
        kind: CacheKind,
        key: &str,
    ) -> Result<Option<Duration>, CacheError> {
        let redis_key = self.redis_key(kind, key);
        let ttl: i64 = self
            .with_conn(async |conn| conn.ttl(&redis_key).await)
            .await?
            .map_err(|source| CacheError::Command {
                command: "TTL",
                key: redis_key.clone(),
                source,
            })?;
        Ok(u64::try_from(ttl).ok().map(Duration::from_secs))
    }

    /// Checks Redis answers (for readiness).
    pub async fn ping(&self) -> Result<(), CacheError> {
        self.with_conn(async |conn| redis::cmd("PING").query_async::<String>(conn).await)
            .await?
            .map(|_| ())
            .map_err(|source| CacheError::Command {
                command: "PING",
                key: String::new(),
                source,
            })
    }
}
