use std::time::Duration;

use deadpool::managed::{Hook, HookError, Timeouts};
use deadpool::Runtime;
use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;

use crate::error::{redact_url, StoreError};

/// A connection checked out of a [`Pool`]; it returns to the pool on drop.
pub type PooledConnection = Object<AsyncPgConnection>;

/// Connection pool settings, with the deployment guide's defaults.
///
/// The guide speaks of a pool of 20 with an overflow of 10 (SQLAlchemy's
/// terms). deadpool has no overflow: it keeps up to `max_size` connections and
/// closes none early. The pool is therefore built with a maximum of
/// `max_size + overflow` = 30 connections; "overflow" is the part above 20,
/// which the guide sizes PostgreSQL's `max_connections` for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections the guide expects to be in steady use (default 20).
    pub max_size: usize,
    /// Extra connections allowed under load (default 10).
    pub overflow: usize,
    /// How long a caller waits for a free connection before failing (30 s).
    pub wait_timeout: Duration,
    /// Connections older than this are closed instead of being reused
    /// (1800 s), so server-side memory and failovers are picked up.
    pub max_lifetime: Duration,
    /// How long opening one new connection may take (10 s).
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 20,
            overflow: 10,
            wait_timeout: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(1800),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl PoolSettings {
    /// The hard cap on open connections: `max_size + overflow`.
    pub fn total_max_size(&self) -> usize {
        self.max_size.saturating_add(self.overflow)
    }

    fn validate(&self) -> Result<(), StoreError> {
        if self.total_max_size() == 0 {
            return Err(StoreError::PoolSettings(
                "max_size + overflow must be at least 1".to_owned(),
            ));
        }
        if self.max_lifetime.is_zero() {
            return Err(StoreError::PoolSettings(
                "max_lifetime must be longer than zero".to_owned(),
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(StoreError::PoolSettings(
                "connect_timeout must be longer than zero".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A pool of asynchronous PostgreSQL connections (deadpool + diesel-async).
///
/// Cloning is cheap and shares the pool. Building does not connect; the first
/// [`Pool::get`] does.
#[derive(Clone)]
pub struct Pool {
    inner: DeadPool<AsyncPgConnection>,
    settings: PoolSettings,
    redacted_url: String,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("url", &self.redacted_url)
            .field("settings", &self.settings)
            .field("status", &self.inner.status())
            .finish()
    }
}

impl Pool {
    /// A pool for `url` (`postgres://user[:password]@host[:port]/database`).
    pub fn new(url: &str, settings: PoolSettings) -> Result<Pool, StoreError> {
        settings.validate()?;
        let redacted_url = redact_url(url);
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let max_lifetime = settings.max_lifetime;
        let inner = DeadPool::builder(manager)
            .max_size(settings.total_max_size())
            .timeouts(Timeouts {
                wait: Some(settings.wait_timeout),
                create: Some(settings.connect_timeout),
                recycle: Some(settings.connect_timeout),
            })
            .runtime(Runtime::Tokio1)
            // deadpool has no maximum lifetime of its own: a failing
            // pre-recycle hook makes it drop the connection and take another.
            .pre_recycle(Hook::sync_fn(move |_conn, metrics| {
                if metrics.age() >= max_lifetime {
                    Err(HookError::message(
                        "connection reached its maximum lifetime",
                    ))
                } else {
                    Ok(())
                }
            }))
            .build()
            .map_err(|source| StoreError::PoolBuild {
                url: redacted_url.clone(),
                source,
            })?;
        Ok(Pool {
            inner,
            settings,
            redacted_url,
        })
    }

    /// PostgreSQL answers a query on a connection of the pool.
    pub async fn ping(&self) -> Result<(), StoreError> {
        use diesel_async::RunQueryDsl;
        let mut conn = self.get().await?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(StoreError::query("checking that the database answers"))
    }

    /// A connection, waiting at most `wait_timeout` for one to become free.
    pub async fn get(&self) -> Result<PooledConnection, StoreError> {
        self.inner.get().await.map_err(|source| StoreError::Pool {
            url: self.redacted_url.clone(),
            source,
        })
    }

    pub fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    /// Open and idle connection counts, for metrics and readiness checks.
    pub fn status(&self) -> deadpool::Status {
        self.inner.status()
    }

    /// Closes idle connections and makes further `get` calls fail.
    pub fn close(&self) {
        self.inner.close();
    }
}
