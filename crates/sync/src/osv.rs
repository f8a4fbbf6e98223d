//! OSV per-ecosystem archives (`<base>/<ECOSYSTEM>/all.zip`), one OSV JSON
//! record per entry, fetched only when changed.

use std::fs::File;
use std::io::Read;

use bytes::Bytes;
use reqwest::Url;
use zip::ZipArchive;

use crate::config::OsvConfig;
use crate::error::SyncError;
use crate::http::{Body, Fetched, Fetcher, Request, Stats, Target};
use crate::report::{Outcome, SourceReport};
use crate::sink::{Checkpoint, Document, DocumentCursor, Sink, SourceKind};
use crate::state::SyncState;

/// Opening the archive reads its central directory, at the end of the
/// file: a cut-off download fails here and is fetched again.
fn open(body: Body) -> Result<ZipArchive<File>, String> {
    match body {
        Body::File(file) => ZipArchive::new(file).map_err(|e| format!("zip archive: {e}")),
        Body::Memory(_) => Err("an archive is spooled to a file".into()),
    }
}

/// One file entry, its CRC checked by the zip reader at the end; `None`
/// for a directory.
fn read_entry(
    archive: &mut ZipArchive<File>,
    index: usize,
    max: u64,
) -> Result<Option<(String, Vec<u8>)>, String> {
    let mut entry = archive
        .by_index(index)
        .map_err(|e| format!("archive entry {index}: {e}"))?;
    if entry.is_dir() {
        return Ok(None);
    }
    let name = entry
        .name()
        .map_err(|e| format!("archive entry {index}: name: {e}"))?
        .into_owned();
    if entry.size() > max {
        return Err(format!(
            "entry `{name}` is {} bytes, over the limit of {max}",
            entry.size()
        ));
    }
    let mut buf = Vec::with_capacity(entry.size().min(1 << 20) as usize);
    (&mut entry)
        .take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("entry `{name}`: {e}"))?;
    if buf.len() as u64 > max {
        return Err(format!(
            "entry `{name}` inflates past the limit of {max} bytes"
        ));
    }
    Ok(Some((name, buf)))
}

/// Names become one URL path segment, so `/` could not be expressed.
fn check_ecosystem(name: &str) -> Result<(), SyncError> {
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(SyncError::Config {
            field: "osv.ecosystems",
            message: format!("`{name}` is not an OSV ecosystem name"),
        });
    }
    Ok(())
}

pub(crate) async fn sync<S: Sink>(
    cfg: &OsvConfig,
    fetcher: &Fetcher,
    state: &mut SyncState,
    sink: &mut S,
    reports: &mut Vec<SourceReport>,
) -> Result<(), SyncError> {
    let base = Url::parse(&cfg.url).map_err(|e| SyncError::Config {
        field: "osv.url",
        message: format!("`{}`: {e}", cfg.url),
    })?;
    for eco in &cfg.ecosystems {
        check_ecosystem(eco)?;
    }
    for eco in &cfg.ecosystems {
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| SyncError::Config {
                field: "osv.url",
                message: format!("`{}` cannot take a path", cfg.url),
            })?
            .pop_if_empty()
            .push(eco)
            .push("all.zip");
        let mut req = Request::new(url.clone(), Target::File);
        req.validators = state
            .osv
            .get(eco)
            .filter(|v| v.url == url.as_str())
            .cloned();
        let mut report = SourceReport::new(SourceKind::Osv, format!("osv/{eco}"));
        let mut stats = Stats::default();
        let fetched = fetcher.get(&req, None, &mut stats, open).await;
        report.add(stats);
        match fetched? {
            Fetched::NotModified => report.outcome = Outcome::NotModified,
            Fetched::Fresh { value, validators } => {
                deliver(eco, &url, value, fetcher.max_document(), sink, &mut report).await?;
                report.outcome = Outcome::Updated;
                state.osv.insert(eco.clone(), validators);
                let checkpoint = Checkpoint {
                    source: SourceKind::Osv,
                    unit: report.unit.clone(),
                    state: state.clone(),
                };
                sink.checkpoint(checkpoint)
                    .await
                    .map_err(|error| SyncError::Sink {
                        source_kind: SourceKind::Osv,
                        name: report.unit.clone(),
                        error,
                    })?;
            }
        }
        reports.push(report);
    }
    Ok(())
}

/// Inflates entries on a blocking thread and hands them over in archive
/// order; the bounded channel keeps at most a few entries in memory.
async fn deliver<S: Sink>(
    eco: &str,
    url: &Url,
    archive: ZipArchive<File>,
    max: u64,
    sink: &mut S,
    report: &mut SourceReport,
) -> Result<(), SyncError> {
    let entries = archive.len() as u64;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let reader = tokio::task::spawn_blocking(move || {
        let mut archive = archive;
        for index in 0..archive.len() {
            let item = read_entry(&mut archive, index, max);
            let failed = item.is_err();
            let item = match item {
                Ok(None) => continue,
                Ok(Some(entry)) => Ok((index as u64, entry)),
                Err(e) => Err(e),
            };
            // A closed channel means the receiver gave up (sink error).
            if tx.blocking_send(item).is_err() || failed {
                break;
            }
        }
    });
    while let Some(item) = rx.recv().await {
        let (index, (entry, bytes)) = item.map_err(|message| SyncError::Content {
            url: url.to_string(),
            message,
        })?;
        let name = format!("osv/{eco}/{entry}");
        let doc = Document {
            source: SourceKind::Osv,
            name: name.clone(),
            url: url.to_string(),
            body: Bytes::from(bytes),
            records: Some(1),
            cursor: DocumentCursor::ArchiveEntry {
                ecosystem: eco.to_owned(),
                index,
                entries,
            },
        };
        sink.document(doc).await.map_err(|error| SyncError::Sink {
            source_kind: SourceKind::Osv,
            name,
            error,
        })?;
        report.documents += 1;
        report.records += 1;
    }
    reader.await.map_err(|e| SyncError::Content {
        url: url.to_string(),
        message: format!("reading the archive: {e}"),
    })
}
