//! PostgreSQL storage for MedSec: the diesel schema, the embedded migrations
//! from the workspace's `migrations/`, a connection pool and repositories.
//!
//! Everything talks to PostgreSQL through `diesel-async` (tokio-postgres
//! underneath), so neither the services nor `medsec db migrate` need libpq or
//! the diesel CLI.
//!
//! The knowledge base lives in the PostgreSQL schema `kb` ([`schema::kb`],
//! [`kb`]); application data (jobs, results, tenants, keys, triage, audit)
//! gets its own schema and modules beside it.

mod error;
pub mod jobs;
pub mod jobs_schema;
pub mod kb;
pub mod kb_derived;
pub mod kb_import;
pub mod kb_read;
mod kb_rows;
mod migrate;
mod pool;
pub mod schema;

pub use diesel_async::AsyncPgConnection;
pub use error::{redact_url, StoreError};
pub use migrate::{
    applied_migrations, revert_all_migrations, run_migrations, run_migrations_blocking, MIGRATIONS,
};
pub use pool::{Pool, PoolSettings, PooledConnection};
pub use uuid::Uuid;
