//! Real PostgreSQL databases for tests, one per test, so tests run in
//! parallel without seeing each other's rows.
//!
//! The first test of a run creates a template database and applies the
//! migrations to it; every test then gets `CREATE DATABASE <unique> TEMPLATE
//! <template>` (a file copy, far faster than migrating), dropped again when
//! the [`TestDatabase`] is dropped. A PostgreSQL advisory lock keeps parallel
//! test binaries from building the template twice or cloning it while it is
//! being built. The template's name carries a fingerprint of `migrations/`,
//! so editing a migration builds a fresh template.
//!
//! The server comes from `MEDSEC_TEST_DATABASE_URL` (a `postgres://` URL of a
//! role allowed to create databases), by default
//! `postgres://postgres@127.0.0.1:5432/postgres`. PostgreSQL is a required
//! service: when it does not answer, the test fails and says so.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::sql_types::{Bool, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use medsec_store::{redact_url, Pool, PoolSettings};

/// The environment variable naming the PostgreSQL server for tests.
pub const DATABASE_URL_ENV: &str = "MEDSEC_TEST_DATABASE_URL";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Advisory lock key shared by every test process ("medsecdb").
const LOCK_KEY: i64 = 0x6d65_6473_6563_6462;
const TEMPLATE_PREFIX: &str = "medsec_tpl_";
const DATABASE_PREFIX: &str = "medsec_test_";
const FINGERPRINT: &str = env!("MEDSEC_MIGRATIONS_FINGERPRINT");

/// The server URL tests use (see the crate documentation).
pub fn base_url() -> String {
    std::env::var(DATABASE_URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> Result<String, String> {
    let authority_start = url.find("://").map(|i| i + 3).ok_or_else(|| {
        format!(
            "{DATABASE_URL_ENV} must be a postgres:// URL, got {}",
            redact_url(url)
        )
    })?;
    let rest = &url[authority_start..];
    let path_start = rest
        .find(['/', '?'])
        .map_or(url.len(), |i| authority_start + i);
    let query_start = url[path_start..]
        .find('?')
        .map_or(url.len(), |i| path_start + i);
    Ok(format!(
        "{}/{}{}",
        &url[..path_start],
        database,
        &url[query_start..]
    ))
}

/// The name of the template database for the current migrations.
pub fn template_name() -> String {
    format!("{TEMPLATE_PREFIX}{FINGERPRINT}")
}

/// A database of its own for one test, dropped (with any connections still
/// open to it) when this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
}

#[derive(QueryableByName)]
struct TemplateState {
    #[diesel(sql_type = Bool)]
    datistemplate: bool,
}

#[derive(QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = Text)]
    datname: String,
}

async fn admin_connection(admin_url: &str) -> Result<AsyncPgConnection, String> {
    AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|err| {
            format!(
                "PostgreSQL does not answer at {} ({err}). It is required for these tests: \
             start it (scripts/test does, through ensure_postgres in scripts/lib/services.sh) \
             or point {DATABASE_URL_ENV} at a server",
                redact_url(admin_url)
            )
        })
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) -> Result<(), String> {
    conn.batch_execute(sql)
        .await
        .map_err(|err| format!("`{sql}` failed: {err}"))
}

async fn template_ready(conn: &mut AsyncPgConnection, template: &str) -> Result<bool, String> {
    let rows: Vec<TemplateState> =
        diesel::sql_query("SELECT datistemplate FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(template)
            .load(conn)
            .await
            .map_err(|err| format!("cannot read pg_database: {err}"))?;
    Ok(rows.iter().any(|row| row.datistemplate))
}

/// Builds the template unless a finished one exists; drops templates of
/// other migration fingerprints. Runs under the exclusive advisory lock.
async fn build_template(conn: &mut AsyncPgConnection, base_url: &str) -> Result<(), String> {
    let template = template_name();
    if !template_ready(conn, &template).await? {
        // A template that is not marked ready was left half-built by an
        // interrupted run.
        execute(
            conn,
            &format!("DROP DATABASE IF EXISTS \"{template}\" WITH (FORCE)"),
        )
        .await?;
        execute(
            conn,
            &format!("CREATE DATABASE \"{template}\" TEMPLATE template0"),
        )
        .await?;
        let url = with_database(base_url, &template)?;
        medsec_store::run_migrations(&url)
            .await
            .map_err(|err| format!("migrating the template database failed: {err}"))?;
        execute(
            conn,
            &format!("ALTER DATABASE \"{template}\" IS_TEMPLATE true"),
        )
        .await?;
    }
    let stale: Vec<DatabaseName> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2",
    )
    .bind::<Text, _>(TEMPLATE_PREFIX)
    .bind::<Text, _>(&template)
    .load(conn)
    .await
    .map_err(|err| format!("cannot read pg_database: {err}"))?;
    for db in stale {
        let name = db.datname.replace('"', "\"\"");
        execute(
            conn,
            &format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"),
        )
        .await?;
        execute(
            conn,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await?;
    }
    Ok(())
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{DATABASE_PREFIX}{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDatabase {
    /// A fresh database with every migration applied.
    ///
    /// # Panics
    ///
    /// When PostgreSQL does not answer or the database cannot be created;
    /// the message says why. [`TestDatabase::try_new`] returns the error.
    pub async fn new() -> TestDatabase {
        match Self::try_new().await {
            Ok(db) => db,
            Err(err) => panic!("no test database: {err}"),
        }
    }

    /// An empty database (no migrations), for testing the migrations.
    ///
    /// # Panics
    ///
    /// As [`TestDatabase::new`].
    pub async fn empty() -> TestDatabase {
        match Self::try_empty().await {
            Ok(db) => db,
            Err(err) => panic!("no test database: {err}"),
        }
    }

    /// [`TestDatabase::new`] without the panic.
    pub async fn try_new() -> Result<TestDatabase, String> {
        Self::try_new_on(&base_url()).await
    }

    /// A migrated database on the server at `base` (a URL of any existing
    /// database there, used for administration).
    pub async fn try_new_on(base: &str) -> Result<TestDatabase, String> {
        let mut conn = admin_connection(base).await?;
        let template = template_name();
        let name = unique_name();
        for _ in 0..3 {
            execute(&mut conn, &format!("SELECT pg_advisory_lock({LOCK_KEY})")).await?;
            let built = build_template(&mut conn, base).await;
            execute(&mut conn, &format!("SELECT pg_advisory_unlock({LOCK_KEY})")).await?;
            built?;
            // Clones share the lock: they may run together but never while
            // a template is being built or dropped.
            execute(
                &mut conn,
                &format!("SELECT pg_advisory_lock_shared({LOCK_KEY})"),
            )
            .await?;
            let cloned = if template_ready(&mut conn, &template).await? {
                execute(
                    &mut conn,
                    &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
                )
                .await
                .map(|()| true)
            } else {
                // Another checkout with other migrations dropped it between
                // the two locks; build it again.
                Ok(false)
            };
            execute(
                &mut conn,
                &format!("SELECT pg_advisory_unlock_shared({LOCK_KEY})"),
            )
            .await?;
            if cloned? {
                return Self::created(base, name);
            }
        }
        Err(format!(
            "the template database {template} kept disappearing"
        ))
    }

    /// [`TestDatabase::empty`] without the panic.
    pub async fn try_empty() -> Result<TestDatabase, String> {
        let base = base_url();
        let mut conn = admin_connection(&base).await?;
        let name = unique_name();
        execute(
            &mut conn,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE template0"),
        )
        .await?;
        Self::created(&base, name)
    }

    fn created(base: &str, name: String) -> Result<TestDatabase, String> {
        Ok(TestDatabase {
            url: with_database(base, &name)?,
            admin_url: base.to_owned(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new connection to this test's database.
    ///
    /// # Panics
    ///
    /// When the connection fails.
    pub async fn connect(&self) -> AsyncPgConnection {
        match AsyncPgConnection::establish(&self.url).await {
            Ok(conn) => conn,
            Err(err) => panic!("cannot connect to test database {}: {err}", self.name),
        }
    }

    /// A pool on this test's database.
    ///
    /// # Panics
    ///
    /// When the settings are invalid.
    pub fn pool(&self, settings: PoolSettings) -> Pool {
        match Pool::new(&self.url, settings) {
            Ok(pool) => pool,
            Err(err) => panic!("cannot build a pool for test database {}: {err}", self.name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and may run inside a runtime that is being
        // shut down: a thread with its own runtime does the work.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| format!("no runtime: {err}"))?;
            runtime.block_on(async {
                let mut conn = admin_connection(&admin_url).await?;
                execute(&mut conn, &sql).await
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("warning: test database {} not dropped: {err}", self.name),
            Err(_) => eprintln!("warning: test database {} not dropped", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{with_database, TestDatabase, DATABASE_URL_ENV};

    #[tokio::test]
    async fn an_absent_server_is_a_clear_failure() {
        let err = TestDatabase::try_new_on("postgres://postgres@127.0.0.1:1/postgres")
            .await
            .expect_err("nothing listens on port 1");
        assert!(
            err.contains("PostgreSQL does not answer at postgres://postgres@127.0.0.1:1/postgres"),
            "{err}"
        );
        assert!(err.contains(DATABASE_URL_ENV), "{err}");
        assert!(err.contains("ensure_postgres"), "{err}");
    }

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x").as_deref(),
            Ok("postgres://postgres@127.0.0.1:5432/x")
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x").as_deref(),
            Ok("postgres://u:p@h/x?sslmode=disable")
        );
        assert_eq!(
            with_database("postgres://h", "x").as_deref(),
            Ok("postgres://h/x")
        );
        assert_eq!(
            with_database("postgres://h?application_name=t", "x").as_deref(),
            Ok("postgres://h/x?application_name=t")
        );
        assert!(with_database("host=h dbname=d", "x").is_err());
    }
}
