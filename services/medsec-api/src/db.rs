//! Database access for handlers: a connection from the pool, and store
//! errors turned into problems. While PostgreSQL is down or restarting the
//! answer is 503 with Retry-After, never 500; the pool replaces broken
//! connections on its own, so service resumes when the server is back.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use medsec_store::{PooledConnection, StoreError};

use crate::problem::Problem;
use crate::state::AppState;

/// Messages PostgreSQL and the driver give while the server is going away
/// or coming back (SQLSTATE 57P01-57P03, closed sockets).
const UNAVAILABLE_HINTS: [&str; 7] = [
    "connection",
    "terminating",
    "shutting down",
    "starting up",
    "recovery mode",
    "broken pipe",
    "timed out",
];

fn unavailable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(_, info) => {
            let message = info.message().to_ascii_lowercase();
            UNAVAILABLE_HINTS.iter().any(|hint| message.contains(hint))
        }
        DieselError::BrokenTransactionManager => true,
        _ => false,
    }
}

/// The problem for a store error: 503 when the database is unreachable,
/// 500 (logged) for anything else.
pub fn store_problem(error: StoreError, retry_after: u64) -> Problem {
    let is_unavailable = match &error {
        StoreError::Pool { .. } | StoreError::Connect { .. } => true,
        StoreError::Query { source, .. } => unavailable(source),
        _ => false,
    };
    if is_unavailable {
        tracing::warn!(error = %error, "database unavailable");
        Problem::unavailable(
            "database",
            format!("the database is unavailable: {error}"),
            retry_after,
        )
    } else {
        tracing::error!(error = %error, "database error");
        Problem::internal(format!("database error: {error}"))
    }
}

/// The problem for a query error outside the store's functions.
pub fn query_problem(context: &str, error: &DieselError, retry_after: u64) -> Problem {
    if unavailable(error) {
        tracing::warn!(error = %error, context, "database unavailable");
        Problem::unavailable(
            "database",
            format!("the database is unavailable: {context}: {error}"),
            retry_after,
        )
    } else {
        tracing::error!(error = %error, context, "database error");
        Problem::internal(format!("database error: {context}: {error}"))
    }
}

impl AppState {
    pub async fn conn(&self) -> Result<PooledConnection, Problem> {
        self.pool
            .get()
            .await
            .map_err(|e| store_problem(e, self.settings.api.retry_after_secs))
    }

    pub fn db_error(&self) -> impl Fn(StoreError) -> Problem + '_ {
        move |e| store_problem(e, self.settings.api.retry_after_secs)
    }
}
