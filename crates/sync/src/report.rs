//! What a sync did, per unit of work.

use serde::Serialize;

use crate::http::Stats;
use crate::sink::SourceKind;

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub sources: Vec<SourceReport>,
}

impl SyncReport {
    /// Documents handed to the sink, all sources.
    pub fn documents(&self) -> u64 {
        self.sources.iter().map(|s| s.documents).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// New content was delivered.
    Updated,
    /// The server answered 304: the saved copy is current.
    NotModified,
    /// Nothing changed since the saved cursor.
    UpToDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: SourceKind,
    /// `nvd`, `osv/<ecosystem>`, `kev`, `epss`.
    pub unit: String,
    pub outcome: Outcome,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    pub retries: u32,
    /// Body bytes received.
    pub bytes: u64,
    pub documents: u64,
    /// Records in the delivered documents (NVD page entries, OSV archive
    /// entries, KEV entries, EPSS rows).
    pub records: u64,
    /// Records the `medsec-kb` reader rejected while checking (KEV, EPSS).
    pub rejected: u64,
    /// NVD `lastModified` windows completed.
    pub windows: u32,
}

impl SourceReport {
    pub(crate) fn new(source: SourceKind, unit: impl Into<String>) -> Self {
        SourceReport {
            source,
            unit: unit.into(),
            outcome: Outcome::UpToDate,
            requests: 0,
            retries: 0,
            bytes: 0,
            documents: 0,
            records: 0,
            rejected: 0,
            windows: 0,
        }
    }

    pub(crate) fn add(&mut self, stats: Stats) {
        self.requests += stats.requests;
        self.retries += stats.retries;
        self.bytes += stats.bytes;
    }
}
