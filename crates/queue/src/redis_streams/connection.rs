//! A pool of Redis connections, to one server or to the master a set of
//! Sentinels names.

use std::time::Duration;

use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::AsyncConnectionConfig;
use deadpool_redis::Runtime;

use crate::QueueError;

/// Where Redis is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// `redis://host:port[/db]`.
    Url(String),
    /// Ask these Sentinels (`redis://host:port`) for the master named
    /// `master`.
    Sentinel { master: String, nodes: Vec<String> },
}

/// Connection settings of the Redis backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    pub target: RedisTarget,
    pub pool_size: usize,
    /// How long one command may take (blocking reads get their block time
    /// on top).
    pub command_timeout: Duration,
}

impl RedisSettings {
    pub fn url(url: impl Into<String>) -> Self {
        RedisSettings {
            target: RedisTarget::Url(url.into()),
            pool_size: 16,
            command_timeout: Duration::from_secs(10),
        }
    }

    pub fn sentinel(master: impl Into<String>, nodes: Vec<String>) -> Self {
        RedisSettings {
            target: RedisTarget::Sentinel {
                master: master.into(),
                nodes,
            },
            ..RedisSettings::url("")
        }
    }
}

pub(super) enum Pool {
    Direct(deadpool_redis::Pool),
    Sentinel(deadpool_redis::sentinel::Pool),
}

/// A pooled connection; back to the pool when dropped.
pub(super) enum Pooled {
    Direct(deadpool_redis::Connection),
    Sentinel(deadpool_redis::sentinel::Connection),
}

impl Pool {
    pub(super) fn new(settings: &RedisSettings) -> Result<Pool, QueueError> {
        let invalid = |key, reason: String| QueueError::InvalidSetting { key, reason };
        if settings.pool_size == 0 {
            return Err(invalid("redis.pool_size", "must be at least 1".into()));
        }
        match &settings.target {
            RedisTarget::Url(url) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(settings.command_timeout))
                    .set_response_timeout(Some(settings.command_timeout));
                let manager = deadpool_redis::Manager::new_with_config(url.as_str(), config)
                    .map_err(|e| invalid("redis.url", e.to_string()))?;
                deadpool_redis::Pool::builder(manager)
                    .max_size(settings.pool_size)
                    .runtime(Runtime::Tokio1)
                    .build()
                    .map(Pool::Direct)
                    .map_err(|e| QueueError::RedisPool(e.to_string()))
            }
            RedisTarget::Sentinel { master, nodes } => {
                if master.is_empty() {
                    return Err(invalid("redis.sentinel.master", "must not be empty".into()));
                }
                if nodes.is_empty() {
                    return Err(invalid(
                        "redis.sentinel.nodes",
                        "must name at least one Sentinel".into(),
                    ));
                }
                let config = deadpool_redis::sentinel::Config::from_urls(
                    nodes.clone(),
                    master.clone(),
                    deadpool_redis::sentinel::SentinelServerType::Master,
                );
                // After a failover, connections to the old master (now a
                // replica) are dropped as they come out of the pool, and new
                // ones ask the Sentinels again.
                config
                    .builder()
                    .map_err(|e| invalid("redis.sentinel", e.to_string()))?
                    .max_size(settings.pool_size)
                    .runtime(Runtime::Tokio1)
                    .post_create(still_master())
                    .post_recycle(still_master())
                    .build()
                    .map(Pool::Sentinel)
                    .map_err(|e| QueueError::RedisPool(e.to_string()))
            }
        }
    }

    pub(super) async fn get(&self) -> Result<Pooled, QueueError> {
        let pool_error = |e: &dyn std::fmt::Display| QueueError::RedisPool(e.to_string());
        match self {
            Pool::Direct(pool) => pool
                .get()
                .await
                .map(Pooled::Direct)
                .map_err(|e| pool_error(&e)),
            Pool::Sentinel(pool) => pool
                .get()
                .await
                .map(Pooled::Sentinel)
                .map_err(|e| pool_error(&e)),
        }
    }
}

/// A hook refusing a connection whose server no longer answers ROLE with
/// "master".
fn still_master() -> deadpool_redis::sentinel::Hook {
    deadpool_redis::sentinel::Hook::async_fn(|conn: &mut MultiplexedConnection, _| {
        Box::pin(async move {
            let role: redis::Value = redis::cmd("ROLE")
                .query_async(conn)
                .await
                .map_err(deadpool_redis::sentinel::HookError::Backend)?;
            let is_master = match role {
                redis::Value::Array(parts) => {
                    matches!(parts.first(), Some(redis::Value::BulkString(b)) if b == b"master")
                }
                _ => false,
            };
            if is_master {
                Ok(())
            } else {
                Err(deadpool_redis::sentinel::HookError::message(
                    "the server is no longer the master",
                ))
            }
        })
    })
}

impl Pooled {
    /// A handle on this connection that waits up to `timeout` for each
    /// reply. Use it only while `self` is held, so no one else shares the
    /// connection (a blocking read would stall them).
    pub(super) fn with_timeout(&self, timeout: Duration) -> MultiplexedConnection {
        let mut conn = match self {
            Pooled::Direct(c) => (**c).clone(),
            Pooled::Sentinel(c) => (**c).clone(),
        };
        conn.set_response_timeout(timeout);
        conn
    }
}
