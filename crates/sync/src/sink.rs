//! The receiving end of a sync: downloaded documents and checkpoints.

use std::fmt;
use std::future::Future;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::state::SyncState;

/// Which feed a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Nvd,
    Osv,
    Kev,
    Epss,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Nvd => "nvd",
            SourceKind::Osv => "osv",
            SourceKind::Kev => "kev",
            SourceKind::Epss => "epss",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One downloaded document, complete and checked:
///
/// * NVD: one API 2.0 result page (`vulnerabilities[]`); read it with
///   `medsec_kb::nvd::read`.
/// * OSV: one archive entry, one OSV JSON record (`medsec_kb::osv::read_json`).
/// * KEV: the catalog JSON (`medsec_kb::kev::read_json`).
/// * EPSS: the score CSV, gzip as published, or plain when the server sent
///   it with `Content-Encoding: gzip` (`medsec_kb::epss::EpssReader` tells
///   them apart by the magic bytes).
#[derive(Debug, Clone)]
pub struct Document {
    pub source: SourceKind,
    /// Stable and unique within a sync, for messages and bookkeeping:
    /// `nvd/<window>/startIndex=<n>`, `osv/<ecosystem>/<entry>`, `kev/<file>`,
    /// `epss/<file>`.
    pub name: String,
    /// Where it was fetched from (for OSV, the archive).
    pub url: String,
    pub body: Bytes,
    /// Records in the document when known (NVD pages).
    pub records: Option<u64>,
    pub cursor: DocumentCursor,
}

/// Where a document sits in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentCursor {
    /// A page of an NVD `lastModified` window (no window: the whole
    /// database).
    NvdPage {
        window: Option<NvdWindow>,
        start_index: u64,
        total_results: u64,
    },
    /// Entry `index` of `entries` in an OSV ecosystem archive.
    ArchiveEntry {
        ecosystem: String,
        index: u64,
        entries: u64,
    },
    /// A feed published as one file.
    Whole,
}

/// An inclusive `lastModified` range, as sent to NVD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvdWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A unit of work was handed over in full and `state` records it. An
/// importer that stores `state` in the same transaction as the documents
/// never skips or loses a document across crashes.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub source: SourceKind,
    /// `nvd`, `osv/<ecosystem>`, `kev`, `epss`.
    pub unit: String,
    pub state: SyncState,
}

/// What a sink may fail with; [`crate::SyncError::Sink`] carries it.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Receives the documents of a sync in order, then a checkpoint after each
/// unit of work. Within one sync each record is delivered once; a unit that
/// failed part-way is delivered again, whole, by the next sync.
pub trait Sink: Send {
    fn document(&mut self, doc: Document) -> impl Future<Output = Result<(), SinkError>> + Send;

    fn checkpoint(
        &mut self,
        checkpoint: Checkpoint,
    ) -> impl Future<Output = Result<(), SinkError>> + Send {
        let _ = checkpoint;
        async { Ok(()) }
    }
}

/// Collects the documents in memory (small feeds, tests).
impl Sink for Vec<Document> {
    async fn document(&mut self, doc: Document) -> Result<(), SinkError> {
        self.push(doc);
        Ok(())
    }
}
