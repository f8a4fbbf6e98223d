use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{redact_url, StoreError};

/// The workspace's `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// diesel's migration harness is synchronous; the wrapper drives the async
/// connection from a blocking thread, so no libpq connection is needed.
type SyncPgConnection = AsyncConnectionWrapper<AsyncPgConnection>;

/// Session advisory lock held while migrating ("medsecmg"): API and worker
/// replicas that start together and all migrate then take turns instead of
/// racing on the same DDL. It is released when the connection closes.
const MIGRATION_LOCK: i64 = 0x6d65_6473_6563_6d67;

fn connect(url: &str) -> Result<SyncPgConnection, StoreError> {
    SyncPgConnection::establish(url).map_err(|source| StoreError::Connect {
        url: redact_url(url),
        source,
    })
}

/// A connection holding the migration lock.
fn connect_locked(url: &str) -> Result<SyncPgConnection, StoreError> {
    let mut conn = connect(url)?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(|err| StoreError::Migration {
            url: redact_url(url),
            message: format!("cannot take the migration lock: {err}"),
        })?;
    Ok(conn)
}

fn migration_error(
    url: &str,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StoreError + '_ {
    move |err| StoreError::Migration {
        url: redact_url(url),
        message: err.to_string(),
    }
}

/// Applies every pending migration, each in its own transaction, and returns
/// the versions applied (empty when the database was up to date). Concurrent
/// callers on the same server wait for each other.
///
/// Blocks the calling thread: call it outside an async runtime (for async
/// callers there is [`run_migrations`]).
pub fn run_migrations_blocking(url: &str) -> Result<Vec<String>, StoreError> {
    let mut conn = connect_locked(url)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(migration_error(url))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

fn revert_all_blocking(url: &str) -> Result<Vec<String>, StoreError> {
    let mut conn = connect_locked(url)?;
    let reverted = conn
        .revert_all_migrations(MIGRATIONS)
        .map_err(migration_error(url))?;
    Ok(reverted.iter().map(ToString::to_string).collect())
}

fn applied_blocking(url: &str) -> Result<Vec<String>, StoreError> {
    let mut conn = connect(url)?;
    let mut applied = conn
        .applied_migrations()
        .map_err(migration_error(url))?
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    applied.sort();
    Ok(applied)
}

async fn blocking<T, F>(url: &str, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&str) -> Result<T, StoreError> + Send + 'static,
{
    let owned = url.to_owned();
    tokio::task::spawn_blocking(move || f(&owned))
        .await
        .map_err(|source| StoreError::Task {
            url: redact_url(url),
            source,
        })?
}

/// Applies every pending migration (see [`run_migrations_blocking`]) on a
/// blocking thread of the current tokio runtime.
pub async fn run_migrations(url: &str) -> Result<Vec<String>, StoreError> {
    blocking(url, run_migrations_blocking).await
}

/// Reverts every applied migration, newest first, through their `down.sql`;
/// returns the versions reverted.
pub async fn revert_all_migrations(url: &str) -> Result<Vec<String>, StoreError> {
    blocking(url, revert_all_blocking).await
}

/// The versions of the migrations applied to the database, oldest first.
pub async fn applied_migrations(url: &str) -> Result<Vec<String>, StoreError> {
    blocking(url, applied_blocking).await
}
