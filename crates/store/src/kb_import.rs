//! Importing the public feeds into the `kb` schema.
//!
//! [`import`] reads each [`FeedInput`] with the medsec-kb readers and writes
//! the records in batches, one transaction per batch. Decisions are taken per
//! record key: a record whose content hash is stored already is unchanged; a
//! different one replaces the stored record (and all its child rows) when it
//! is newer, ordered by `modified` and then by content hash so that two
//! different records with the same `modified` settle on the same winner
//! whatever the import order, and a re-import changes nothing. Older records
//! are ignored; withdrawn ones replace the stored record with `withdrawn` set.
//!
//! A batch that fails to write is retried record by record, so one bad
//! record is rejected (with its file and id) and the rest commits; nothing is
//! half-written because every record's rows go in one transaction. A new
//! knowledge-base generation is begun by the first batch that changes
//! something and finished at the end; an import that changes nothing leaves
//! the generation where it was.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::cve_summary::CveSummary;
use medsec_kb::cwe::CweEntry;
use medsec_kb::epss::{EpssReader, EpssScore};
use medsec_kb::ics_advisories::IcsAdvisory;
use medsec_kb::kev::{KevEntry, RansomwareUse};
use medsec_kb::kev_epss::KevEpss;
use medsec_kb::{ContentHash, FeedRead, Vulnerability};

use crate::error::StoreError;
use crate::kb::{
    begin_generation, delete_vulnerability_children, finish_generation, GenerationCounts,
};
use crate::kb_derived::{write_cve_summaries, write_ics_advisories, write_kev_epss};
use crate::kb_rows::{
    csaf_key, insert_chunked, ssvc_rows, ts, vuln_row, vulnerabilities_rank, CsafRows, CveRows,
    RecordRow, VulnChildren,
};
use crate::schema::kb::{
    csaf_advisories, cve_records, cwes, epss_scores, kev_entries, vulnerabilities,
    vulnerability_records,
};

/// The kind of a feed input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedKind {
    /// NVD API 2.0 records, pages or yearly feeds, or legacy 1.1 feeds
    /// (`.json`, `.json.gz`).
    Nvd,
    /// CVE JSON 5 records (`.json`).
    Cve5,
    /// OSV records (`.json`, `.yaml`, `.yml`).
    Osv,
    /// The CISA KEV catalog (JSON or CSV).
    Kev,
    /// An EPSS score file (CSV, gzip allowed).
    Epss,
    /// CSAF 2.0 advisories (`.json`).
    Csaf,
    /// MITRE CWE view CSVs (`.csv`, `.csv.gz`).
    Cwe,
    /// The per-CVE summary derived from CISA vulnrichment (CSV).
    CveSummary,
    /// The ICS Advisory Project's master list of CISA ICS advisories (CSV).
    IcsAdvisories,
    /// The KEV catalog joined with NVD CVSS 3 and EPSS (CSV).
    KevEpss,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Nvd => "nvd",
            FeedKind::Cve5 => "cve5",
            FeedKind::Osv => "osv",
            FeedKind::Kev => "kev",
            FeedKind::Epss => "epss",
            FeedKind::Csaf => "csaf",
            FeedKind::Cwe => "cwe",
            FeedKind::CveSummary => "cve_summary",
            FeedKind::IcsAdvisories => "ics_advisory",
            FeedKind::KevEpss => "kev_epss",
        }
    }

    /// Whether a file of this name is one of this feed's (`.gz` allowed).
    pub fn accepts(self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match self {
            FeedKind::Nvd | FeedKind::Cve5 | FeedKind::Csaf => name.ends_with(".json"),
            FeedKind::Osv => {
                name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml")
            }
            FeedKind::Kev => name.ends_with(".json") || name.ends_with(".csv"),
            FeedKind::Epss
            | FeedKind::Cwe
            | FeedKind::CveSummary
            | FeedKind::IcsAdvisories
            | FeedKind::KevEpss => name.ends_with(".csv"),
        }
    }
}

/// One file or directory to import. Directories are walked recursively
/// and the files whose extension fits the kind are read, in path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInput {
    pub kind: FeedKind,
    pub path: PathBuf,
    /// EPSS only: the score date when the file does not state one in its
    /// `#model_version:…,score_date:…` line. Without either, a
    /// `YYYY-MM-DD` in the file name is taken.
    pub score_date: Option<NaiveDate>,
}

impl FeedInput {
    pub fn new(kind: FeedKind, path: impl Into<PathBuf>) -> Self {
        FeedInput {
            kind,
            path: path.into(),
            score_date: None,
        }
    }

    pub fn epss(path: impl Into<PathBuf>, score_date: Option<NaiveDate>) -> Self {
        FeedInput {
            kind: FeedKind::Epss,
            path: path.into(),
            score_date,
        }
    }
}

/// Tuning of [`import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Records per transaction (vulnerabilities, CSAF advisories).
    pub batch_size: usize,
    /// Rows per transaction for the small flat records (EPSS, KEV, CWE,
    /// and the derived CSV tables).
    pub row_batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            batch_size: 2_000,
            row_batch_size: 10_000,
        }
    }
}

/// How far an import has come, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The input's kind (`nvd`, `osv`, ...).
    pub kind: &'static str,
    pub files_done: u64,
    /// Files of this input, known once its directory has been listed.
    pub files_total: Option<u64>,
    /// Records read from this input so far.
    pub records_read: u64,
    /// Records of this input written or found unchanged so far.
    pub records_done: u64,
}

/// A record (or a whole file) that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub file: String,
    /// The record id, when known.
    pub record: Option<String>,
    pub reason: String,
}

/// What happened to one source's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSummary {
    /// Records read from the files (rejected ones not included).
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Equal to the stored record.
    pub unchanged: u64,
    /// Older than the stored record (or than another copy in the same
    /// import), so ignored.
    pub stale: u64,
    /// Of the inserted and updated, those that became withdrawn.
    pub withdrawn: u64,
    pub rejected: Vec<Rejected>,
    /// Records read despite a schema deviation (from the readers).
    pub warnings: Vec<String>,
}

impl SourceSummary {
    fn add(&mut self, c: &Counts) {
        self.inserted += c.inserted;
        self.updated += c.updated;
        self.unchanged += c.unchanged;
        self.stale += c.stale;
        self.withdrawn += c.withdrawn;
    }
}

/// The outcome of [`import`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    /// Per record source: `nvd`, `nvd_legacy`, `cve5`, `osv`, `kev`,
    /// `epss`, `csaf`, `cwe`, `cve_summary`, `ics_advisory`, `kev_epss`.
    pub sources: BTreeMap<String, SourceSummary>,
    /// The generation written, `None` when nothing changed.
    pub generation: Option<i64>,
    pub elapsed: Duration,
    /// Per input, in order: its kind, path, records read and time taken.
    pub inputs: Vec<InputTiming>,
}

/// How long one input took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputTiming {
    pub kind: FeedKind,
    pub path: PathBuf,
    pub records: u64,
    pub elapsed: Duration,
}

impl InputTiming {
    pub fn records_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.records as f64 / secs
        } else {
            0.0
        }
    }
}

impl ImportSummary {
    /// Records inserted or updated over all sources.
    pub fn changed(&self) -> u64 {
        self.sources.values().map(|s| s.inserted + s.updated).sum()
    }

    pub fn read(&self) -> u64 {
        self.sources.values().map(|s| s.read).sum()
    }

    pub fn rejected(&self) -> impl Iterator<Item = &Rejected> {
        self.sources.values().flat_map(|s| s.rejected.iter())
    }

    /// Records read per second of wall time.
    pub fn records_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.read() as f64 / secs
        } else {
            0.0
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) inserted: u64,
    pub(crate) updated: u64,
    pub(crate) unchanged: u64,
    pub(crate) stale: u64,
    pub(crate) withdrawn: u64,
}

impl Counts {
    fn changed(&self) -> u64 {
        self.inserted + self.updated
    }
}

/// A record with the file it came from.
#[derive(Debug, Clone)]
pub(crate) struct Item<T> {
    pub(crate) file: String,
    pub(crate) record: T,
}

/// One batch of records of one source.
#[derive(Debug, Clone)]
enum Batch {
    Vulns(Vec<Item<Vulnerability>>),
    Kev(Vec<Item<KevEntry>>, Option<String>),
    Epss(Vec<Item<EpssScore>>, NaiveDate, String),
    Cwe(Vec<Item<CweEntry>>),
    Csaf(Vec<Item<CsafAdvisory>>),
    CveSummary(Vec<Item<CveSummary>>),
    Ics(Vec<Item<IcsAdvisory>>),
    /// With the date of the file.
    KevEpss(Vec<Item<KevEpss>>, Option<NaiveDate>),
}

impl Batch {
    fn len(&self) -> usize {
        match self {
            Batch::Vulns(v) => v.len(),
            Batch::Kev(v, _) => v.len(),
            Batch::Epss(v, _, _) => v.len(),
            Batch::Cwe(v) => v.len(),
            Batch::Csaf(v) => v.len(),
            Batch::CveSummary(v) => v.len(),
            Batch::Ics(v) => v.len(),
            Batch::KevEpss(v, _) => v.len(),
        }
    }

    /// The batch split into one batch per record, with each record's file
    /// and id for a rejection.
    fn singles(&self) -> Vec<(Batch, String, String)> {
        match self {
            Batch::Vulns(v) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Vulns(vec![i.clone()]),
                        i.file.clone(),
                        i.record.id.clone(),
                    )
                })
                .collect(),
            Batch::Kev(v, c) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Kev(vec![i.clone()], c.clone()),
                        i.file.clone(),
                        i.record.cve_id.clone(),
                    )
                })
                .collect(),
            Batch::Epss(v, d, m) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Epss(vec![i.clone()], *d, m.clone()),
                        i.file.clone(),
                        i.record.cve.clone(),
                    )
                })
                .collect(),
            Batch::Cwe(v) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Cwe(vec![i.clone()]),
                        i.file.clone(),
                        i.record.cwe_id(),
                    )
                })
                .collect(),
            Batch::Csaf(v) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Csaf(vec![i.clone()]),
                        i.file.clone(),
                        i.record.id.clone(),
                    )
                })
                .collect(),
            Batch::CveSummary(v) => v
                .iter()
                .map(|i| {
                    (
                        Batch::CveSummary(vec![i.clone()]),
                        i.file.clone(),
                        i.record.cve_id.clone(),
                    )
                })
                .collect(),
            Batch::Ics(v) => v
                .iter()
                .map(|i| {
                    (
                        Batch::Ics(vec![i.clone()]),
                        i.file.clone(),
                        format!("{} (row {})", i.record.advisory_id, i.record.row_id),
                    )
                })
                .collect(),
            Batch::KevEpss(v, d) => v
                .iter()
                .map(|i| {
                    (
                        Batch::KevEpss(vec![i.clone()], *d),
                        i.file.clone(),
                        i.record.cve_id.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// A transaction's way out: a real error, or "nothing changed" to roll back
/// a generation begun for nothing.
enum TxError {
    Store(StoreError),
    NothingChanged(Counts),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Store(StoreError::from(e))
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

/// Serialises imports for their whole run (batches commit separately, so
/// the generation table lock alone does not).
const IMPORT_LOCK: i64 = 0x6d65_6473_6563_6b62; // "medseckb"

struct Importer<'c, 'p> {
    conn: &'c mut AsyncPgConnection,
    options: ImportOptions,
    generation: Option<i64>,
    summary: ImportSummary,
    progress: &'p mut (dyn FnMut(&Progress) + Send),
    current: Progress,
}

/// Imports `inputs` in order; see the module documentation. Errors are
/// returned only when the database fails as a whole (connection, lock,
/// generation); bad files and records are in the summary.
///
/// Files are read with blocking I/O between database round trips, which
/// suits a CLI or a worker task of its own. The import holds a session
/// advisory lock until it returns: if its future is dropped midway, close
/// the connection rather than return it to a pool.
pub async fn import(
    conn: &mut AsyncPgConnection,
    inputs: &[FeedInput],
    options: ImportOptions,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<ImportSummary, StoreError> {
    let started = Instant::now();
    diesel::sql_query(format!("SELECT pg_advisory_lock({IMPORT_LOCK})"))
        .execute(conn)
        .await
        .map_err(StoreError::query(
            "waiting for other knowledge-base imports",
        ))?;
    let mut importer = Importer {
        conn,
        options: ImportOptions {
            batch_size: options.batch_size.max(1),
            row_batch_size: options.row_batch_size.max(1),
        },
        generation: None,
        summary: ImportSummary::default(),
        progress,
        current: Progress {
            kind: "",
            files_done: 0,
            files_total: None,
            records_read: 0,
            records_done: 0,
        },
    };
    let mut outcome = Ok(());
    for input in inputs {
        let started = Instant::now();
        outcome = importer.input(input).await;
        let timing = InputTiming {
            kind: input.kind,
            path: input.path.clone(),
            records: importer.current.records_read,
            elapsed: started.elapsed(),
        };
        importer.summary.inputs.push(timing);
        if outcome.is_err() {
            break;
        }
    }
    // What committed is real even after a failure: finish its generation.
    let finished = importer.finish().await;
    let Importer {
        conn, mut summary, ..
    } = importer;
    let unlocked = diesel::sql_query(format!("SELECT pg_advisory_unlock({IMPORT_LOCK})"))
        .execute(conn)
        .await
        .map_err(StoreError::query("releasing the import lock"));
    outcome?;
    finished?;
    unlocked?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

impl Importer<'_, '_> {
    fn source(&mut self, name: &str) -> &mut SourceSummary {
        self.summary.sources.entry(name.to_owned()).or_default()
    }

    fn reject(&mut self, source: &str, file: &str, record: Option<String>, reason: String) {
        self.source(source).rejected.push(Rejected {
            file: file.to_owned(),
            record,
            reason,
        });
    }

    fn take_read<T>(&mut self, source: &str, read: &mut FeedRead<T>) {
        for e in read.rejected.drain(..) {
            let reason = e.to_string();
            self.reject(source, &e.file, e.record.clone(), reason);
        }
        for w in read.warnings.drain(..) {
            self.source(source).warnings.push(w.to_string());
        }
    }

    fn report(&mut self) {
        (self.progress)(&self.current);
    }

    async fn input(&mut self, input: &FeedInput) -> Result<(), StoreError> {
        let kind = input.kind;
        self.current = Progress {
            kind: kind.as_str(),
            files_done: 0,
            files_total: None,
            records_read: 0,
            records_done: 0,
        };
        let files = match list_files(&input.path, kind) {
            Ok(files) => files,
            Err(reason) => {
                self.reject(
                    kind.as_str(),
                    &input.path.display().to_string(),
                    None,
                    reason,
                );
                return Ok(());
            }
        };
        self.current.files_total = Some(files.len() as u64);
        self.report();
        match kind {
            FeedKind::Nvd | FeedKind::Cve5 | FeedKind::Osv => self.vulns(kind, &files).await,
            FeedKind::Csaf => self.csaf(&files).await,
            FeedKind::Kev => self.kev(&files).await,
            FeedKind::Cwe => self.cwe(&files).await,
            FeedKind::Epss => self.epss(&files, input.score_date).await,
            FeedKind::CveSummary | FeedKind::IcsAdvisories | FeedKind::KevEpss => {
                self.derived(kind, &files).await
            }
        }
    }

    async fn vulns(&mut self, kind: FeedKind, files: &[PathBuf]) -> Result<(), StoreError> {
        // Per record source (an NVD input may hold API 2.0 and 1.1 files).
        let mut pending: BTreeMap<&'static str, Vec<Item<Vulnerability>>> = BTreeMap::new();
        let mut reads = read_ahead(files, move |path, name| {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
            let lower = name.to_ascii_lowercase();
            let result = match kind {
                FeedKind::Nvd => medsec_kb::nvd::read(&bytes, name),
                FeedKind::Cve5 => medsec_kb::cve5::read(&bytes, name),
                _ if lower.ends_with(".json") || lower.ends_with(".json.gz") => {
                    medsec_kb::osv::read_json(&bytes, name)
                }
                _ => medsec_kb::osv::read_yaml(&bytes, name),
            };
            result.map_err(|e| e.to_string())
        });
        while let Some((name, read)) = reads.recv().await {
            self.current.files_done += 1;
            let mut read = match read {
                Ok(read) => read,
                Err(reason) => {
                    self.reject(kind.as_str(), &name, None, reason);
                    continue;
                }
            };
            self.take_read(kind.as_str(), &mut read);
            for v in read.records {
                let source = v.source.as_str();
                self.source(source).read += 1;
                self.current.records_read += 1;
                pending.entry(source).or_default().push(Item {
                    file: name.clone(),
                    record: v,
                });
            }
            let full: Vec<&'static str> = pending
                .iter()
                .filter(|(_, v)| v.len() >= self.options.batch_size)
                .map(|(k, _)| *k)
                .collect();
            for source in full {
                if let Some(items) = pending.remove(source) {
                    self.run(source, Batch::Vulns(items)).await?;
                }
            }
            self.report();
        }
        for (source, items) in pending {
            self.run(source, Batch::Vulns(items)).await?;
        }
        self.report();
        Ok(())
    }

    async fn csaf(&mut self, files: &[PathBuf]) -> Result<(), StoreError> {
        let mut pending = Vec::new();
        let mut reads = read_ahead(files, |path, name| {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
            medsec_kb::csaf::read(&bytes, name).map_err(|e| e.to_string())
        });
        while let Some((name, read)) = reads.recv().await {
            self.current.files_done += 1;
            let mut read = match read {
                Ok(r) => r,
                Err(reason) => {
                    self.reject("csaf", &name, None, reason);
                    continue;
                }
            };
            self.take_read("csaf", &mut read);
            for a in read.records {
                self.source("csaf").read += 1;
                self.current.records_read += 1;
                pending.push(Item {
                    file: name.clone(),
                    record: a,
                });
            }
            if pending.len() >= self.options.batch_size {
                self.run("csaf", Batch::Csaf(std::mem::take(&mut pending)))
                    .await?;
            }
            self.report();
        }
        if !pending.is_empty() {
            self.run("csaf", Batch::Csaf(pending)).await?;
        }
        self.report();
        Ok(())
    }

    async fn kev(&mut self, files: &[PathBuf]) -> Result<(), StoreError> {
        for path in files {
            let name = path.display().to_string();
            self.current.files_done += 1;
            let read = std::fs::read(path)
                .map_err(|e| format!("cannot read {name}: {e}"))
                .and_then(|b| {
                    if name.to_ascii_lowercase().contains(".csv") {
                        medsec_kb::kev::read_csv(&b[..], &name)
                            .map(|r| (None, r))
                            .map_err(|e| e.to_string())
                    } else {
                        medsec_kb::kev::read_json(&b, &name)
                            .map(|(c, r)| (c.catalog_version, r))
                            .map_err(|e| e.to_string())
                    }
                });
            let (version, mut read) = match read {
                Ok(r) => r,
                Err(reason) => {
                    self.reject("kev", &name, None, reason);
                    continue;
                }
            };
            self.take_read("kev", &mut read);
            let items = dedupe_last(read.records, |e| e.cve_id.clone());
            let items: Vec<Item<KevEntry>> = items
                .into_iter()
                .map(|record| Item {
                    file: name.clone(),
                    record,
                })
                .collect();
            self.source("kev").read += items.len() as u64;
            self.current.records_read += items.len() as u64;
            for chunk in items.chunks(self.options.row_batch_size) {
                self.run("kev", Batch::Kev(chunk.to_vec(), version.clone()))
                    .await?;
            }
            self.report();
        }
        Ok(())
    }

    async fn cwe(&mut self, files: &[PathBuf]) -> Result<(), StoreError> {
        for path in files {
            let name = path.display().to_string();
            self.current.files_done += 1;
            let read = std::fs::File::open(path)
                .map_err(|e| format!("cannot read {name}: {e}"))
                .and_then(|f| medsec_kb::cwe::read_csv(f, &name).map_err(|e| e.to_string()));
            let mut read = match read {
                Ok(r) => r,
                Err(reason) => {
                    self.reject("cwe", &name, None, reason);
                    continue;
                }
            };
            self.take_read("cwe", &mut read);
            let items: Vec<Item<CweEntry>> = dedupe_last(read.records, |e| e.id)
                .into_iter()
                .map(|record| Item {
                    file: name.clone(),
                    record,
                })
                .collect();
            self.source("cwe").read += items.len() as u64;
            self.current.records_read += items.len() as u64;
            for chunk in items.chunks(self.options.row_batch_size) {
                self.run("cwe", Batch::Cwe(chunk.to_vec())).await?;
            }
            self.report();
        }
        Ok(())
    }

    /// The derived CSV tables: read whole (they are a few MiB), written in
    /// row batches.
    async fn derived(&mut self, kind: FeedKind, files: &[PathBuf]) -> Result<(), StoreError> {
        let source = kind.as_str();
        for path in files {
            let name = path.display().to_string();
            self.current.files_done += 1;
            let file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => {
                    self.reject(source, &name, None, format!("cannot read {name}: {e}"));
                    continue;
                }
            };
            let batches = match kind {
                FeedKind::CveSummary => {
                    medsec_kb::cve_summary::read_csv(file, &name).map(|mut r| {
                        self.take_read(source, &mut r);
                        self.batches(&name, r.records, Batch::CveSummary)
                    })
                }
                FeedKind::IcsAdvisories => {
                    medsec_kb::ics_advisories::read_csv(file, &name).map(|mut r| {
                        self.take_read(source, &mut r);
                        self.batches(&name, r.records, Batch::Ics)
                    })
                }
                _ => medsec_kb::kev_epss::read_csv(file, &name).map(|mut r| {
                    self.take_read(source, &mut r);
                    let as_of = date_in_name(path);
                    self.batches(&name, r.records, |items| Batch::KevEpss(items, as_of))
                }),
            };
            let batches = match batches {
                Ok(b) => b,
                Err(e) => {
                    self.reject(source, &name, None, e.to_string());
                    continue;
                }
            };
            for batch in batches {
                self.run(source, batch).await?;
                self.report();
            }
            self.report();
        }
        Ok(())
    }

    /// `records` of one file in batches of `row_batch_size`, counted as read.
    fn batches<T: Clone>(
        &mut self,
        file: &str,
        records: Vec<T>,
        batch: impl Fn(Vec<Item<T>>) -> Batch,
    ) -> Vec<Batch> {
        let n = records.len() as u64;
        self.source(self.current.kind).read += n;
        self.current.records_read += n;
        let items: Vec<Item<T>> = records
            .into_iter()
            .map(|record| Item {
                file: file.to_owned(),
                record,
            })
            .collect();
        items
            .chunks(self.options.row_batch_size)
            .map(|c| batch(c.to_vec()))
            .collect()
    }

    async fn epss(&mut self, files: &[PathBuf], date: Option<NaiveDate>) -> Result<(), StoreError> {
        for path in files {
            let name = path.display().to_string();
            self.current.files_done += 1;
            let reader = std::fs::File::open(path)
                .map_err(|e| format!("cannot read {name}: {e}"))
                .and_then(|f| EpssReader::new(f, &name).map_err(|e| e.to_string()));
            let reader = match reader {
                Ok(r) => r,
                Err(reason) => {
                    self.reject("epss", &name, None, reason);
                    continue;
                }
            };
            let meta = reader.meta().clone();
            let Some(day) = meta
                .score_date
                .map(|t| t.0.date_naive())
                .or(date)
                .or_else(|| date_in_name(path))
            else {
                self.reject(
                    "epss",
                    &name,
                    None,
                    "no score date: the file states none, none was given and the file name holds no YYYY-MM-DD".to_owned(),
                );
                continue;
            };
            let model = meta.model_version.clone().unwrap_or_default();
            let mut pending: Vec<Item<EpssScore>> = Vec::new();
            // A CVE listed twice in one file: the later row stands, as a
            // second import of the file would leave it.
            let mut index: HashMap<String, usize> = HashMap::new();
            for row in reader {
                match row {
                    Ok(score) => {
                        self.source("epss").read += 1;
                        self.current.records_read += 1;
                        let item = Item {
                            file: name.clone(),
                            record: score,
                        };
                        match index.get(&item.record.cve) {
                            Some(&i) => {
                                if let Some(slot) = pending.get_mut(i) {
                                    *slot = item;
                                }
                                self.source("epss").stale += 1;
                            }
                            None => {
                                index.insert(item.record.cve.clone(), pending.len());
                                pending.push(item);
                            }
                        }
                    }
                    Err(e) => {
                        let reason = e.to_string();
                        self.reject("epss", &e.file, e.record.clone(), reason);
                    }
                }
                if pending.len() >= self.options.row_batch_size {
                    index.clear();
                    let batch = Batch::Epss(std::mem::take(&mut pending), day, model.clone());
                    self.run("epss", batch).await?;
                    self.report();
                }
            }
            if !pending.is_empty() {
                self.run("epss", Batch::Epss(pending, day, model.clone()))
                    .await?;
            }
            self.report();
        }
        Ok(())
    }

    /// Writes a batch in one transaction; on failure, record by record.
    async fn run(&mut self, source: &str, batch: Batch) -> Result<(), StoreError> {
        let n = batch.len() as u64;
        match self.attempt(&batch).await {
            Ok(counts) => self.source(source).add(&counts),
            Err(first) if !record_error(&first) => return Err(first),
            Err(first) => {
                if batch.len() == 1 {
                    if let Some((_, file, id)) = batch.singles().into_iter().next() {
                        self.reject(source, &file, Some(id), first.to_string());
                    }
                } else {
                    for (single, file, id) in batch.singles() {
                        match self.attempt(&single).await {
                            Ok(counts) => self.source(source).add(&counts),
                            Err(e) if record_error(&e) => {
                                self.reject(source, &file, Some(id), e.to_string())
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
        }
        self.current.records_done += n;
        Ok(())
    }

    async fn attempt(&mut self, batch: &Batch) -> Result<Counts, StoreError> {
        let known = self.generation;
        let result = self
            .conn
            .transaction::<_, TxError, _>(async |conn| {
                // Batches need not wait for their WAL flush: the import's
                // last transaction (finishing the generation) commits
                // synchronously, which makes every earlier one durable too.
                diesel::sql_query("SET LOCAL synchronous_commit = off")
                    .execute(conn)
                    .await
                    .map_err(StoreError::query("setting up an import transaction"))?;
                let generation = match known {
                    Some(g) => g,
                    None => begin_generation(conn, "import").await?,
                };
                let counts = write(conn, generation, batch).await?;
                if counts.changed() == 0 && known.is_none() {
                    // Roll back the generation begun for nothing.
                    return Err(TxError::NothingChanged(counts));
                }
                Ok((generation, counts))
            })
            .await;
        match result {
            Ok((generation, counts)) => {
                self.generation = Some(generation);
                Ok(counts)
            }
            Err(TxError::NothingChanged(counts)) => Ok(counts),
            Err(TxError::Store(e)) => Err(e),
        }
    }

    async fn finish(&mut self) -> Result<(), StoreError> {
        let Some(generation) = self.generation else {
            return Ok(());
        };
        let mut total = Counts::default();
        for s in self.summary.sources.values() {
            total.inserted += s.inserted;
            total.updated += s.updated;
            total.withdrawn += s.withdrawn;
        }
        let clamp = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
        let counts = GenerationCounts {
            inserted: clamp(total.inserted),
            updated: clamp(total.updated),
            withdrawn: clamp(total.withdrawn),
        };
        self.conn
            .transaction::<_, StoreError, _>(async |conn| {
                finish_generation(conn, generation, counts).await
            })
            .await?;
        self.summary.generation = Some(generation);
        Ok(())
    }
}

/// Files read ahead of the database writes.
const READ_AHEAD_FILES: usize = 64;

/// Reads and parses `files` in order on a thread of its own, so that
/// parsing the next files overlaps the database writing the current batch.
/// Each file comes back with its name; the thread stops when the receiver
/// is dropped.
fn read_ahead<T, F>(
    files: &[PathBuf],
    parse: F,
) -> tokio::sync::mpsc::Receiver<(String, Result<T, String>)>
where
    T: Send + 'static,
    F: Fn(&Path, &str) -> Result<T, String> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD_FILES);
    let files = files.to_vec();
    std::thread::spawn(move || {
        for path in files {
            let name = path.display().to_string();
            let read = parse(&path, &name);
            if tx.blocking_send((name, read)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Whether an error is the record's fault (the server refused a statement,
/// or the record cannot be mapped) rather than the connection's, which
/// would fail every other record too and ends the import instead.
fn record_error(e: &StoreError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        StoreError::Invalid(_) => true,
        StoreError::Query { source, .. } => matches!(
            source,
            Error::DatabaseError(kind, _) if !matches!(kind, DatabaseErrorKind::ClosedConnection)
        ),
        _ => false,
    }
}

/// The files of an input: the file itself, or the fitting files under a
/// directory in path order. Hidden entries are skipped.
pub fn list_files(path: &Path, kind: FeedKind) -> Result<Vec<PathBuf>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if kind.accepts(&name) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The first `YYYY-MM-DD` in a file name (the score date of an EPSS file
/// that lacks its `#model_version` line).
pub fn date_in_name(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|i| {
        let s = bytes.get(i..i + 10)?;
        let shape = s.iter().enumerate().all(|(j, b)| {
            if j == 4 || j == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        if !shape {
            return None;
        }
        NaiveDate::parse_from_str(name.get(i..i + 10)?, "%Y-%m-%d").ok()
    })
}

/// Keeps the last record of each key, in first-seen order.
fn dedupe_last<T, K: std::hash::Hash + Eq>(records: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut out: Vec<T> = Vec::with_capacity(records.len());
    for r in records {
        match index.get(&key(&r)) {
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = r;
                }
            }
            None => {
                index.insert(key(&r), out.len());
                out.push(r);
            }
        }
    }
    out
}

/// Whether `candidate` replaces `incumbent`, two versions of one record
/// (same source and id): the rule of [`import`], for readers that decide
/// between copies without PostgreSQL (`medsec db import --snapshot`).
pub fn supersedes(candidate: &Vulnerability, incumbent: &Vulnerability) -> bool {
    newer(
        (ts(candidate.modified), &candidate.content_hash().0),
        (ts(incumbent.modified), &incumbent.content_hash().0),
    )
}

/// [`supersedes`] for two versions of one CSAF advisory (same
/// [`csaf_record_key`]), ordered by their current release date.
pub fn csaf_supersedes(candidate: &CsafAdvisory, incumbent: &CsafAdvisory) -> bool {
    newer(
        (
            Some(candidate.current_release.0),
            &candidate.content_hash().0,
        ),
        (
            Some(incumbent.current_release.0),
            &incumbent.content_hash().0,
        ),
    )
}

/// The key CSAF advisories are stored under: publisher and tracking id.
pub fn csaf_record_key(a: &CsafAdvisory) -> (String, String) {
    csaf_key(a)
}

/// Which feed owns the `kb.vulnerabilities` row of an id that several
/// feeds publish: the lowest rank (NVD 0, OSV 1, legacy NVD 2); `None` for
/// feeds without rows there (CVE 5, CSAF).
pub fn owner_rank(source: &str) -> Option<u8> {
    vulnerabilities_rank(source)
}

/// The order in which versions of one record win: newer `modified`, then
/// the greater content hash (an arbitrary but fixed tie-break).
pub(crate) fn newer(a: (Option<DateTime<Utc>>, &[u8]), b: (Option<DateTime<Utc>>, &[u8])) -> bool {
    a > b
}

async fn write(
    conn: &mut AsyncPgConnection,
    generation: i64,
    batch: &Batch,
) -> Result<Counts, StoreError> {
    match batch {
        Batch::Vulns(items) => write_vulns(conn, generation, items).await,
        Batch::Csaf(items) => write_csaf(conn, generation, items).await,
        Batch::Kev(items, version) => write_kev(conn, generation, items, version.as_deref()).await,
        Batch::Epss(items, day, model) => write_epss(conn, generation, items, *day, model).await,
        Batch::Cwe(items) => write_cwe(conn, generation, items).await,
        Batch::CveSummary(items) => write_cve_summaries(conn, generation, items).await,
        Batch::Ics(items) => write_ics_advisories(conn, generation, items).await,
        Batch::KevEpss(items, as_of) => write_kev_epss(conn, generation, items, *as_of).await,
    }
}

/// One version of a keyed record with its hash, for the newer-wins choice.
pub(crate) struct Candidate<'a, T> {
    pub(crate) record: &'a T,
    pub(crate) hash: Vec<u8>,
    pub(crate) modified: Option<DateTime<Utc>>,
}

/// The winner per key within a batch; losers count as unchanged (same
/// content) or stale.
pub(crate) fn pick<'a, T, K: std::hash::Hash + Eq + Clone>(
    items: impl Iterator<Item = (K, Candidate<'a, T>)>,
    counts: &mut Counts,
) -> Vec<(K, Candidate<'a, T>)> {
    let mut order: Vec<K> = Vec::new();
    let mut best: HashMap<K, Candidate<'a, T>> = HashMap::new();
    for (k, c) in items {
        match best.get(&k) {
            Some(b) if b.hash == c.hash => counts.unchanged += 1,
            Some(b) if !newer((c.modified, &c.hash), (b.modified, &b.hash)) => counts.stale += 1,
            Some(_) => {
                counts.stale += 1;
                best.insert(k, c);
            }
            None => {
                order.push(k.clone());
                best.insert(k, c);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|k| best.remove(&k).map(|c| (k, c)))
        .collect()
}

/// A stored record's id, hash, `modified` and `withdrawn`.
type StoredRecord = (
    String,
    Vec<u8>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

async fn write_vulns(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<Vulnerability>],
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    let Some(first) = items.first() else {
        return Ok(counts);
    };
    let source = first.record.source.as_str();
    if items.iter().any(|i| i.record.source.as_str() != source) {
        return Err(StoreError::Invalid(
            "one vulnerability batch mixes sources".to_owned(),
        ));
    }
    let candidates = pick(
        items.iter().map(|i| {
            (
                i.record.id.clone(),
                Candidate {
                    record: &i.record,
                    hash: i.record.content_hash().0.to_vec(),
                    modified: ts(i.record.modified),
                },
            )
        }),
        &mut counts,
    );
    let ids: Vec<&str> = candidates.iter().map(|(k, _)| k.as_str()).collect();
    let stored: Vec<StoredRecord> = vulnerability_records::table
        .filter(vulnerability_records::source.eq(source))
        .filter(vulnerability_records::id.eq_any(&ids))
        .select((
            vulnerability_records::id,
            vulnerability_records::record_hash,
            vulnerability_records::modified,
            vulnerability_records::withdrawn,
        ))
        .load(conn)
        .await
        .map_err(StoreError::query("reading stored vulnerability records"))?;
    let stored: HashMap<String, StoredRecord> =
        stored.into_iter().map(|r| (r.0.clone(), r)).collect();
    let mut write: Vec<(&Vulnerability, Vec<u8>)> = Vec::new();
    let mut replaced: Vec<String> = Vec::new();
    for (id, c) in candidates {
        match stored.get(&id) {
            None => {
                counts.inserted += 1;
                if c.record.is_withdrawn() {
                    counts.withdrawn += 1;
                }
                write.push((c.record, c.hash));
            }
            Some((_, h, _, _)) if *h == c.hash => counts.unchanged += 1,
            Some((_, h, m, w)) => {
                if newer((c.modified, &c.hash), (*m, h)) {
                    counts.updated += 1;
                    if c.record.is_withdrawn() && w.is_none() {
                        counts.withdrawn += 1;
                    }
                    replaced.push(id);
                    write.push((c.record, c.hash));
                } else {
                    counts.stale += 1;
                }
            }
        }
    }
    if write.is_empty() {
        return Ok(counts);
    }
    // Replaced records go with their SSVC rows (ON DELETE CASCADE).
    diesel::delete(
        vulnerability_records::table
            .filter(vulnerability_records::source.eq(source))
            .filter(vulnerability_records::id.eq_any(&replaced)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query("deleting replaced vulnerability records"))?;
    let mut rows = Vec::with_capacity(write.len());
    for (v, hash) in &write {
        let document = serde_json::to_value(v)
            .map_err(|e| StoreError::Invalid(format!("{}: cannot serialise: {e}", v.id)))?;
        rows.push(RecordRow {
            source: source.to_owned(),
            id: v.id.clone(),
            modified: ts(v.modified),
            withdrawn: ts(v.withdrawn),
            document,
            record_hash: hash.clone(),
            generation,
        });
    }
    insert_chunked!(
        conn,
        vulnerability_records::table,
        rows,
        7,
        "inserting vulnerability records"
    );
    let records: Vec<&Vulnerability> = write.iter().map(|(v, _)| *v).collect();
    crate::kb_rows::insert_ssvc(conn, &ssvc_rows(&records)?).await?;

    if source == "cve5" {
        let ids: Vec<&str> = records.iter().map(|v| v.id.as_str()).collect();
        diesel::delete(cve_records::table.filter(cve_records::cve_id.eq_any(&ids)))
            .execute(conn)
            .await
            .map_err(StoreError::query("deleting replaced CVE 5 records"))?;
        let mut rows = CveRows::default();
        for (v, hash) in &write {
            rows.add(v, hash, generation)?;
        }
        rows.insert(conn).await?;
    } else if let Some(rank) = vulnerabilities_rank(source) {
        write_normalised(conn, generation, source, rank, &write).await?;
    }
    Ok(counts)
}

/// The `kb.vulnerabilities` rows and their children, for the records whose
/// id is not owned by a higher-ranked feed.
async fn write_normalised(
    conn: &mut AsyncPgConnection,
    generation: i64,
    source: &str,
    rank: u8,
    write: &[(&Vulnerability, Vec<u8>)],
) -> Result<(), StoreError> {
    let ids: Vec<String> = write.iter().map(|(v, _)| v.id.clone()).collect();
    let owners: HashMap<String, String> = vulnerabilities::table
        .filter(vulnerabilities::id.eq_any(&ids))
        .select((vulnerabilities::id, vulnerabilities::source))
        .load::<(String, String)>(conn)
        .await
        .map_err(StoreError::query("reading the owners of vulnerability ids"))?
        .into_iter()
        .collect();
    let mine: Vec<&(&Vulnerability, Vec<u8>)> = write
        .iter()
        .filter(|(v, _)| match owners.get(&v.id) {
            Some(owner) if owner != source => vulnerabilities_rank(owner).is_none_or(|r| rank <= r),
            _ => true,
        })
        .collect();
    if mine.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = mine.iter().map(|(v, _)| v.id.clone()).collect();
    delete_vulnerability_children(conn, &ids).await?;
    let rows: Vec<_> = mine
        .iter()
        .map(|(v, h)| vuln_row(v, h, generation))
        .collect();
    for chunk in rows.chunks(crate::kb_rows::chunk_rows(11)) {
        diesel::insert_into(vulnerabilities::table)
            .values(chunk)
            .on_conflict(vulnerabilities::id)
            .do_update()
            .set((
                vulnerabilities::source.eq(excluded(vulnerabilities::source)),
                vulnerabilities::aliases.eq(excluded(vulnerabilities::aliases)),
                vulnerabilities::related.eq(excluded(vulnerabilities::related)),
                vulnerabilities::published.eq(excluded(vulnerabilities::published)),
                vulnerabilities::modified.eq(excluded(vulnerabilities::modified)),
                vulnerabilities::withdrawn.eq(excluded(vulnerabilities::withdrawn)),
                vulnerabilities::summary.eq(excluded(vulnerabilities::summary)),
                vulnerabilities::details.eq(excluded(vulnerabilities::details)),
                vulnerabilities::record_hash.eq(excluded(vulnerabilities::record_hash)),
                vulnerabilities::generation.eq(excluded(vulnerabilities::generation)),
                vulnerabilities::imported_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map_err(StoreError::query("writing vulnerabilities"))?;
    }
    let mut children = VulnChildren::default();
    for (v, _) in &mine {
        children.add(v)?;
    }
    children.insert(conn).await
}

async fn write_csaf(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<CsafAdvisory>],
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    let candidates = pick(
        items.iter().map(|i| {
            (
                csaf_key(&i.record),
                Candidate {
                    record: &i.record,
                    hash: i.record.content_hash().0.to_vec(),
                    modified: Some(i.record.current_release.0),
                },
            )
        }),
        &mut counts,
    );
    let mut stored: HashMap<(String, String), (Vec<u8>, DateTime<Utc>)> = HashMap::new();
    let tids: Vec<&str> = candidates.iter().map(|((_, t), _)| t.as_str()).collect();
    let rows: Vec<(String, String, Vec<u8>, DateTime<Utc>)> = csaf_advisories::table
        .filter(csaf_advisories::tracking_id.eq_any(&tids))
        .select((
            csaf_advisories::publisher_namespace,
            csaf_advisories::tracking_id,
            csaf_advisories::record_hash,
            csaf_advisories::current_release_date,
        ))
        .load(conn)
        .await
        .map_err(StoreError::query("reading stored CSAF advisories"))?;
    for (ns, t, h, m) in rows {
        stored.insert((ns, t), (h, m));
    }
    let mut rows = CsafRows::default();
    let mut replaced = Vec::new();
    for (key, c) in candidates {
        let write = match stored.get(&key) {
            None => {
                counts.inserted += 1;
                true
            }
            Some((h, _)) if *h == c.hash => {
                counts.unchanged += 1;
                false
            }
            Some((h, m)) if newer((c.modified, &c.hash), (Some(*m), h)) => {
                counts.updated += 1;
                replaced.push(key.clone());
                true
            }
            Some(_) => {
                counts.stale += 1;
                false
            }
        };
        if write {
            let document = serde_json::to_value(c.record).map_err(|e| {
                StoreError::Invalid(format!("{}: cannot serialise: {e}", c.record.id))
            })?;
            rows.add(c.record, document, &c.hash, generation)?;
        }
    }
    for (ns, tid) in &replaced {
        diesel::delete(
            csaf_advisories::table
                .filter(csaf_advisories::publisher_namespace.eq(ns))
                .filter(csaf_advisories::tracking_id.eq(tid)),
        )
        .execute(conn)
        .await
        .map_err(StoreError::query("deleting a replaced CSAF advisory"))?;
    }
    rows.insert(conn).await?;
    Ok(counts)
}

/// Counts from an upsert that returned `xmax = 0` (inserted) per changed
/// row; rows not returned were equal.
fn upsert_counts(n: usize, returned: &[bool]) -> Counts {
    let inserted = returned.iter().filter(|i| **i).count() as u64;
    let updated = returned.len() as u64 - inserted;
    Counts {
        inserted,
        updated,
        unchanged: n as u64 - inserted - updated,
        ..Counts::default()
    }
}

#[derive(Insertable)]
#[diesel(table_name = kev_entries, check_for_backend(diesel::pg::Pg))]
struct KevRow<'a> {
    cve_id: &'a str,
    vendor_project: &'a str,
    product: &'a str,
    vulnerability_name: &'a str,
    date_added: NaiveDate,
    short_description: &'a str,
    required_action: &'a str,
    due_date: Option<NaiveDate>,
    known_ransomware_use: &'static str,
    notes: &'a str,
    cwes: &'a [String],
    catalog_version: Option<&'a str>,
    generation: i64,
}

pub(crate) fn ransomware_text(r: RansomwareUse) -> &'static str {
    match r {
        RansomwareUse::Known => "Known",
        RansomwareUse::Unknown => "Unknown",
    }
}

async fn write_kev(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<KevEntry>],
    version: Option<&str>,
) -> Result<Counts, StoreError> {
    let rows: Vec<KevRow> = items
        .iter()
        .map(|i| {
            let e = &i.record;
            KevRow {
                cve_id: &e.cve_id,
                vendor_project: &e.vendor_project,
                product: &e.product,
                vulnerability_name: &e.vulnerability_name,
                date_added: e.date_added,
                short_description: &e.short_description,
                required_action: &e.required_action,
                due_date: e.due_date,
                known_ransomware_use: ransomware_text(e.known_ransomware_use),
                notes: &e.notes,
                cwes: &e.cwes,
                catalog_version: version,
                generation,
            }
        })
        .collect();
    let mut returned = Vec::new();
    for chunk in rows.chunks(crate::kb_rows::chunk_rows(13)) {
        use diesel::query_dsl::methods::FilterDsl as _;
        use kev_entries::dsl as k;
        let r: Vec<bool> = diesel::insert_into(kev_entries::table)
            .values(chunk)
            .on_conflict(k::cve_id)
            .do_update()
            .set((
                k::vendor_project.eq(excluded(k::vendor_project)),
                k::product.eq(excluded(k::product)),
                k::vulnerability_name.eq(excluded(k::vulnerability_name)),
                k::date_added.eq(excluded(k::date_added)),
                k::short_description.eq(excluded(k::short_description)),
                k::required_action.eq(excluded(k::required_action)),
                k::due_date.eq(excluded(k::due_date)),
                k::known_ransomware_use.eq(excluded(k::known_ransomware_use)),
                k::notes.eq(excluded(k::notes)),
                k::cwes.eq(excluded(k::cwes)),
                k::catalog_version.eq(excluded(k::catalog_version)),
                k::generation.eq(excluded(k::generation)),
            ))
            // The catalog version alone changing is no change of the entry.
            .filter(sql::<Bool>(
                "(kev_entries.vendor_project, kev_entries.product, kev_entries.vulnerability_name, \
                 kev_entries.date_added, kev_entries.short_description, kev_entries.required_action, \
                 kev_entries.due_date, kev_entries.known_ransomware_use, kev_entries.notes, kev_entries.cwes) \
                 IS DISTINCT FROM (excluded.vendor_project, excluded.product, excluded.vulnerability_name, \
                 excluded.date_added, excluded.short_description, excluded.required_action, \
                 excluded.due_date, excluded.known_ransomware_use, excluded.notes, excluded.cwes)",
            ))
            .returning(sql::<Bool>("xmax = 0"))
            .get_results(conn)
            .await
            .map_err(StoreError::query("writing KEV entries"))?;
        returned.extend(r);
    }
    Ok(upsert_counts(items.len(), &returned))
}

#[derive(Insertable)]
#[diesel(table_name = epss_scores, check_for_backend(diesel::pg::Pg))]
struct EpssRow<'a> {
    cve_id: &'a str,
    score_date: NaiveDate,
    score: f64,
    percentile: f64,
    model_version: &'a str,
    generation: i64,
}

async fn write_epss(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<EpssScore>],
    day: NaiveDate,
    model: &str,
) -> Result<Counts, StoreError> {
    let rows: Vec<EpssRow> = items
        .iter()
        .map(|i| EpssRow {
            cve_id: &i.record.cve,
            score_date: day,
            score: i.record.epss,
            percentile: i.record.percentile,
            model_version: model,
            generation,
        })
        .collect();
    let mut returned = Vec::new();
    for chunk in rows.chunks(crate::kb_rows::chunk_rows(6)) {
        use diesel::query_dsl::methods::FilterDsl as _;
        use epss_scores::dsl as e;
        let r: Vec<bool> = diesel::insert_into(epss_scores::table)
            .values(chunk)
            .on_conflict((e::cve_id, e::score_date))
            .do_update()
            .set((
                e::score.eq(excluded(e::score)),
                e::percentile.eq(excluded(e::percentile)),
                e::model_version.eq(excluded(e::model_version)),
                e::generation.eq(excluded(e::generation)),
            ))
            .filter(sql::<Bool>(
                "(epss_scores.score, epss_scores.percentile, epss_scores.model_version) \
                 IS DISTINCT FROM (excluded.score, excluded.percentile, excluded.model_version)",
            ))
            .returning(sql::<Bool>("xmax = 0"))
            .get_results(conn)
            .await
            .map_err(StoreError::query("writing EPSS scores"))?;
        returned.extend(r);
    }
    Ok(upsert_counts(items.len(), &returned))
}

#[derive(Insertable)]
#[diesel(table_name = cwes, check_for_backend(diesel::pg::Pg))]
struct CweRow<'a> {
    id: String,
    name: &'a str,
    abstraction: Option<&'a str>,
    status: Option<&'a str>,
}

async fn write_cwe(
    conn: &mut AsyncPgConnection,
    _generation: i64,
    items: &[Item<CweEntry>],
) -> Result<Counts, StoreError> {
    let rows: Vec<CweRow> = items
        .iter()
        .map(|i| CweRow {
            id: i.record.cwe_id(),
            name: &i.record.name,
            abstraction: i.record.abstraction.as_deref(),
            status: i.record.status.as_deref(),
        })
        .collect();
    let mut returned = Vec::new();
    for chunk in rows.chunks(crate::kb_rows::chunk_rows(4)) {
        use cwes::dsl as c;
        use diesel::query_dsl::methods::FilterDsl as _;
        let r: Vec<bool> = diesel::insert_into(cwes::table)
            .values(chunk)
            .on_conflict(c::id)
            .do_update()
            .set((
                c::name.eq(excluded(c::name)),
                c::abstraction.eq(excluded(c::abstraction)),
                c::status.eq(excluded(c::status)),
            ))
            .filter(sql::<Bool>(
                "(cwes.name, cwes.abstraction, cwes.status) \
                 IS DISTINCT FROM (excluded.name, excluded.abstraction, excluded.status)",
            ))
            .returning(sql::<Bool>("xmax = 0"))
            .get_results(conn)
            .await
            .map_err(StoreError::query("writing CWE entries"))?;
        returned.extend(r);
    }
    Ok(upsert_counts(items.len(), &returned))
}
