//! Why a sync stopped.

use crate::sink::{SinkError, SourceKind};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A configuration value is unusable.
    #[error("sync configuration: `{field}`: {message}")]
    Config {
        field: &'static str,
        message: String,
    },
    /// A download failed for good: a status that is not retried, or every
    /// attempt failed. `last_status` is the last HTTP status received
    /// (`None` when no response came).
    #[error(
        "GET {url}: failed after {attempts} attempt(s); last status {}: {reason}",
        last_status.map_or_else(|| "none (no response)".to_owned(), |s| s.to_string())
    )]
    Fetch {
        url: String,
        attempts: u32,
        last_status: Option<u16>,
        reason: String,
    },
    /// A response was complete but its content is inconsistent with what
    /// was asked (NVD paging) or unreadable (an archive entry).
    #[error("{url}: {message}")]
    Content { url: String, message: String },
    /// The temporary file for an archive could not be used.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The sink refused a document or a checkpoint.
    #[error("{source_kind} sink failed on `{name}`: {error}")]
    Sink {
        source_kind: SourceKind,
        name: String,
        #[source]
        error: SinkError,
    },
}
