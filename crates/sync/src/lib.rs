//! Incremental download of the public vulnerability feeds MedSec imports:
//!
//! * NVD CVE API 2.0, by `lastModified` windows of at most 120 days, paged,
//!   under NVD's rolling-window rate limit (the `apiKey` header raises it);
//! * OSV per-ecosystem `all.zip` archives, one record per entry;
//! * the CISA KEV catalog and the FIRST EPSS daily scores.
//!
//! [`sync`] hands every downloaded document to a [`Sink`] and advances a
//! [`SyncState`] (NVD cursor; ETag/Last-Modified of each file) that the
//! caller persists, so the next run fetches only what changed. Transient
//! failures (NVD's 403 rate-limit answer, 429, 5xx, dropped connections,
//! bodies cut short or unparsable) are retried with exponential backoff
//! and `Retry-After`.
//!
//! ```no_run
//! use medsec_sync::{sync, Document, Sink, SinkError, SyncConfig, SyncState};
//!
//! struct Importer;
//!
//! impl Sink for Importer {
//!     async fn document(&mut self, doc: Document) -> Result<(), SinkError> {
//!         println!("{} {}: {} bytes", doc.source, doc.name, doc.body.len());
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut state = SyncState::default(); // or the one saved by the last run
//! let report = sync(&SyncConfig::default(), &mut state, &mut Importer).await?;
//! let saved = serde_json::to_string(&state)?; // persist for the next run
//! # let _ = (report, saved);
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod feeds;
mod http;
mod nvd;
mod osv;
mod report;
mod sink;
mod state;

pub use config::{
    FeedConfig, HttpConfig, NvdConfig, OsvConfig, RateLimit, RetryPolicy, SyncConfig, EPSS_URL,
    KEV_URL, NVD_MAX_RESULTS_PER_PAGE, NVD_MAX_WINDOW_DAYS, NVD_URL, OSV_URL,
};
pub use error::SyncError;
pub use report::{Outcome, SourceReport, SyncReport};
pub use sink::{Checkpoint, Document, DocumentCursor, NvdWindow, Sink, SinkError, SourceKind};
pub use state::{NvdCursor, SyncState, Validators};

/// Downloads what changed since `state` from every source `config`
/// enables (KEV, EPSS, OSV, then NVD), hands each document to `sink`, and
/// advances `state` after each complete unit of work (also reported to the
/// sink as a [`Checkpoint`]). On error, `state` keeps the progress made
/// before it; the next run resumes from there.
pub async fn sync<S: Sink>(
    config: &SyncConfig,
    state: &mut SyncState,
    sink: &mut S,
) -> Result<SyncReport, SyncError> {
    let fetcher = http::Fetcher::new(&config.http)?;
    let mut report = SyncReport::default();
    if let Some(kev) = &config.kev {
        let r = feeds::sync(SourceKind::Kev, kev, &fetcher, state, sink).await?;
        report.sources.push(r);
    }
    if let Some(epss) = &config.epss {
        let r = feeds::sync(SourceKind::Epss, epss, &fetcher, state, sink).await?;
        report.sources.push(r);
    }
    if let Some(osv) = &config.osv {
        osv::sync(osv, &fetcher, state, sink, &mut report.sources).await?;
    }
    if let Some(nvd) = &config.nvd {
        let r = nvd::sync(nvd, &fetcher, state, sink).await?;
        report.sources.push(r);
    }
    Ok(report)
}
