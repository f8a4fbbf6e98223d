//! How a job attempt failed, and whether another attempt could succeed.

use std::fmt;

/// A failed attempt. `retryable` failures go back to the queue (with
/// backoff, then the dead-letter stream); the others end the job as
/// `failed` at once, since running it again would fail the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    pub message: String,
    pub retryable: bool,
    /// Raised by a PostgreSQL call: when the database does not answer, the
    /// attempt is handed back rather than spent (see `runner`).
    pub from_database: bool,
}

impl JobFailure {
    /// A failure of something outside the job (database, object store,
    /// cache) that may pass.
    pub fn transient(message: impl Into<String>) -> JobFailure {
        JobFailure {
            message: message.into(),
            retryable: true,
            from_database: false,
        }
    }

    /// A failure of the job's own input.
    pub fn permanent(message: impl Into<String>) -> JobFailure {
        JobFailure {
            message: message.into(),
            retryable: false,
            from_database: false,
        }
    }
}

impl fmt::Display for JobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<medsec_store::StoreError> for JobFailure {
    fn from(e: medsec_store::StoreError) -> JobFailure {
        JobFailure {
            from_database: true,
            ..JobFailure::transient(format!("database: {e}"))
        }
    }
}
