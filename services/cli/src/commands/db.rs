//! `medsec db`: the knowledge base in PostgreSQL (migrate, import, export,
//! sync, info) and the one-machine shape without it (`import --snapshot`,
//! `info --snapshot`).
//!
//! Exit codes: 0 everything imported; 1 some records or files were
//! rejected (the rest is imported and the summary names each one with its
//! file); 2 usage; 3 I/O or database failure.

mod feeds;
mod sync;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use medsec_index::{Index, IndexBuilder};
use medsec_store::kb_import::{FeedInput, FeedKind, ImportOptions, ImportSummary, Progress};
use medsec_store::kb_read::KbRecords;
use medsec_store::AsyncPgConnection;
use serde::Serialize;

use super::{CommandResult, Failure};

#[derive(Subcommand)]
pub enum DbCommand {
    /// Apply the embedded schema migrations.
    Migrate(UrlArgs),
    /// Import feed files into PostgreSQL, or build a snapshot from them.
    Import(ImportArgs),
    /// Write the matching-index snapshot of the knowledge base in PostgreSQL.
    Export(ExportArgs),
    /// Download the feeds (NVD, OSV, KEV, EPSS) and import them.
    Sync(sync::SyncArgs),
    /// Generation, records per source and newest change.
    Info(InfoArgs),
}

#[derive(Args)]
pub struct UrlArgs {
    /// PostgreSQL URL (postgres://user:password@host/db).
    #[arg(long, env = "MEDSEC_DATABASE_URL")]
    pub database_url: String,
}

#[derive(Args, Clone, Default)]
pub struct FeedArgs {
    /// NVD API 2.0 records/pages/yearly feeds or 1.1 feeds (file or directory).
    #[arg(long, value_name = "PATH")]
    pub nvd: Vec<PathBuf>,
    /// CVE JSON 5 records (file or directory).
    #[arg(long, value_name = "PATH")]
    pub cve5: Vec<PathBuf>,
    /// OSV records, JSON or YAML (file or directory).
    #[arg(long, value_name = "PATH")]
    pub osv: Vec<PathBuf>,
    /// The CISA KEV catalog (JSON or CSV); may be given more than once.
    #[arg(long, value_name = "FILE")]
    pub kev: Vec<PathBuf>,
    /// An EPSS score file (CSV, gzip allowed), one per day; may be given
    /// more than once.
    #[arg(long, value_name = "FILE")]
    pub epss: Vec<PathBuf>,
    /// CSAF 2.0 advisories (file or directory).
    #[arg(long, value_name = "PATH")]
    pub csaf: Vec<PathBuf>,
    /// MITRE CWE view CSVs.
    #[arg(long, value_name = "FILE")]
    pub cwe: Vec<PathBuf>,
    /// The per-CVE summary derived from CISA vulnrichment (CSV; PostgreSQL
    /// only).
    #[arg(long, value_name = "FILE")]
    pub cve_summary: Vec<PathBuf>,
    /// The ICS Advisory Project's master list of CISA ICS advisories (CSV;
    /// PostgreSQL only).
    #[arg(long, value_name = "FILE")]
    pub ics_advisories: Vec<PathBuf>,
    /// The KEV catalog joined with NVD CVSS 3 and EPSS (CSV; PostgreSQL
    /// only).
    #[arg(long, value_name = "FILE")]
    pub kev_epss: Vec<PathBuf>,
}

/// The flags whose tables the matching-index snapshot has no place for.
const DATABASE_ONLY: &str = "--cve-summary, --ics-advisories and --kev-epss";

impl FeedArgs {
    /// The inputs in a fixed order: vulnerability feeds first, then the
    /// enrichment files.
    pub fn inputs(&self) -> Vec<FeedInput> {
        let mut out = Vec::new();
        let many = [
            (FeedKind::Nvd, &self.nvd),
            (FeedKind::Cve5, &self.cve5),
            (FeedKind::Osv, &self.osv),
            (FeedKind::Csaf, &self.csaf),
            (FeedKind::Cwe, &self.cwe),
            (FeedKind::Kev, &self.kev),
        ];
        for (kind, paths) in many {
            out.extend(paths.iter().map(|p| FeedInput::new(kind, p)));
        }
        out.extend(self.epss.iter().map(|p| FeedInput::epss(p, None)));
        let derived = [
            (FeedKind::CveSummary, &self.cve_summary),
            (FeedKind::IcsAdvisories, &self.ics_advisories),
            (FeedKind::KevEpss, &self.kev_epss),
        ];
        for (kind, paths) in derived {
            out.extend(paths.iter().map(|p| FeedInput::new(kind, p)));
        }
        out
    }

    /// Whether any input is a table only PostgreSQL holds.
    fn has_database_only(&self) -> bool {
        !(self.cve_summary.is_empty() && self.ics_advisories.is_empty() && self.kev_epss.is_empty())
    }
}

#[derive(Args)]
pub struct ImportArgs {
    /// PostgreSQL URL; without it, --snapshot is required.
    #[arg(long, env = "MEDSEC_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Build the matching-index snapshot straight from the files instead
    /// (takes precedence over the database URL).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The snapshot's knowledge-base generation (with --snapshot).
    #[arg(long, default_value_t = 1, requires = "snapshot")]
    pub generation: u64,
    #[command(flatten)]
    pub feeds: FeedArgs,
    /// With --snapshot: keep identifiers, ranges, vectors, scores, dates
    /// and URLs only (no summaries, descriptions or other prose).
    #[arg(long, requires = "snapshot")]
    pub facts_only: bool,
    /// With --snapshot: keep only the records these SBOMs' components are
    /// candidates for, their aliases and their KEV, EPSS, CWE and advisory
    /// facts.
    #[arg(long, value_name = "FILE", requires = "snapshot")]
    pub only_for_sbom: Vec<PathBuf>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub url: UrlArgs,
    /// Where to write the snapshot.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
}

#[derive(Args)]
pub struct InfoArgs {
    /// PostgreSQL URL.
    #[arg(long, env = "MEDSEC_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A snapshot file instead of the database (takes precedence).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Print as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: DbCommand) -> CommandResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::io(anyhow!("cannot start the async runtime: {e}")))?;
    match cmd {
        DbCommand::Migrate(args) => runtime.block_on(migrate(&args.database_url)),
        DbCommand::Import(args) => match (&args.database_url, &args.snapshot) {
            (_, Some(file)) => import_snapshot(file, &args),
            (Some(url), None) => runtime.block_on(import_db(url, &args)),
            _ => Err(Failure::usage(anyhow!(
                "give --database-url (or MEDSEC_DATABASE_URL) or --snapshot FILE"
            ))),
        },
        DbCommand::Export(args) => runtime.block_on(export(&args)),
        DbCommand::Sync(args) => runtime.block_on(sync::run(args)),
        DbCommand::Info(args) => match (&args.database_url, &args.snapshot) {
            (_, Some(file)) => info_snapshot(file, args.json),
            (Some(url), None) => runtime.block_on(info_db(url, args.json)),
            _ => Err(Failure::usage(anyhow!(
                "give --database-url (or MEDSEC_DATABASE_URL) or --snapshot FILE"
            ))),
        },
    }
}

async fn connect(url: &str) -> Result<AsyncPgConnection, Failure> {
    use diesel_async::AsyncConnection;
    AsyncPgConnection::establish(url).await.map_err(|e| {
        Failure::io(anyhow!(
            "cannot connect to {}: {e}",
            medsec_store::redact_url(url)
        ))
    })
}

async fn migrate(url: &str) -> CommandResult {
    let spinner = spinner("applying migrations");
    let applied = medsec_store::run_migrations(url)
        .await
        .map_err(Failure::io)?;
    spinner.finish_and_clear();
    if applied.is_empty() {
        println!("migrations: up to date");
    } else {
        for v in &applied {
            println!("applied {v}");
        }
        println!("migrations: {} applied", applied.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// A progress bar fed by the store's import callback. indicatif draws
/// nothing when stderr is not a terminal.
fn import_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {prefix:>5} [{bar:30}] {pos}/{len} files  {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn show(bar: &ProgressBar, p: &Progress) {
    bar.set_prefix(p.kind);
    if let Some(total) = p.files_total {
        bar.set_length(total);
    }
    bar.set_position(p.files_done);
    bar.set_message(format!("{} records", p.records_read));
}

/// One source's line of the summary.
#[derive(Debug, Default, Serialize)]
pub struct SourceLine {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub stale: u64,
    pub withdrawn: u64,
    pub rejected: u64,
    pub warnings: u64,
}

#[derive(Debug, Serialize)]
pub struct RejectedLine {
    pub source: String,
    pub file: String,
    pub record: Option<String>,
    pub reason: String,
}

/// The closing summary of an import, in the shape `--json` prints.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub sources: BTreeMap<String, SourceLine>,
    pub rejected: Vec<RejectedLine>,
    /// The generation written (`None`: nothing changed in the database).
    pub generation: Option<u64>,
    pub seconds: f64,
    /// With --snapshot: the file written and its size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_bytes: Option<u64>,
}

impl Summary {
    fn from_store(s: &ImportSummary) -> Self {
        let mut out = Summary {
            generation: s.generation.and_then(|g| u64::try_from(g).ok()),
            seconds: s.elapsed.as_secs_f64(),
            ..Summary::default()
        };
        for (name, src) in &s.sources {
            out.sources.insert(
                name.clone(),
                SourceLine {
                    read: src.read,
                    inserted: src.inserted,
                    updated: src.updated,
                    unchanged: src.unchanged,
                    stale: src.stale,
                    withdrawn: src.withdrawn,
                    rejected: src.rejected.len() as u64,
                    warnings: src.warnings.len() as u64,
                },
            );
            out.rejected
                .extend(src.rejected.iter().map(|r| RejectedLine {
                    source: name.clone(),
                    file: r.file.clone(),
                    record: r.record.clone(),
                    reason: r.reason.clone(),
                }));
        }
        out
    }

    /// Prints the summary: one `key=value` line per source (or JSON), then
    /// one line per rejection. Exit 1 when anything was rejected.
    fn print(&self, json: bool) -> CommandResult {
        let mut out = std::io::stdout().lock();
        let written = if json {
            serde_json::to_writer_pretty(&mut out, self)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        } else {
            self.print_text(&mut out)
        };
        written.map_err(|e| Failure::io(anyhow!("cannot write the summary: {e}")))?;
        if self.rejected.is_empty() {
            Ok(ExitCode::SUCCESS)
        } else {
            Ok(ExitCode::from(1))
        }
    }

    fn print_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        for (name, s) in &self.sources {
            writeln!(
                out,
                "{name}: read={} inserted={} updated={} unchanged={} stale={} withdrawn={} rejected={} warnings={}",
                s.read, s.inserted, s.updated, s.unchanged, s.stale, s.withdrawn, s.rejected, s.warnings
            )?;
        }
        for r in &self.rejected {
            writeln!(
                out,
                "rejected: {} {} {}: {}",
                r.source,
                r.file,
                r.record.as_deref().unwrap_or("-"),
                r.reason
            )?;
        }
        match self.generation {
            Some(g) => writeln!(out, "generation: {g}")?,
            None => writeln!(out, "generation: unchanged")?,
        }
        if let (Some(f), Some(n)) = (&self.snapshot, self.snapshot_bytes) {
            writeln!(out, "snapshot: {f} ({n} bytes)")?;
        }
        writeln!(out, "seconds: {:.2}", self.seconds)
    }
}

/// Nothing to import is a usage error.
const NOTHING: &str = "nothing to import: give at least one of --nvd, --cve5, --osv, --kev, \
     --epss, --csaf, --cwe, --cve-summary, --ics-advisories, --kev-epss";

async fn import_db(url: &str, args: &ImportArgs) -> CommandResult {
    let inputs = args.feeds.inputs();
    if inputs.is_empty() {
        return Err(Failure::usage(anyhow!(NOTHING)));
    }
    medsec_store::run_migrations(url)
        .await
        .map_err(Failure::io)?;
    let mut conn = connect(url).await?;
    let bar = import_bar();
    let mut progress = |p: &Progress| show(&bar, p);
    let summary = medsec_store::kb_import::import(
        &mut conn,
        &inputs,
        ImportOptions::default(),
        &mut progress,
    )
    .await
    .map_err(Failure::io)?;
    bar.finish_and_clear();
    Summary::from_store(&summary).print(args.json)
}

fn import_snapshot(file: &Path, args: &ImportArgs) -> CommandResult {
    let inputs = args.feeds.inputs();
    if inputs.is_empty() {
        return Err(Failure::usage(anyhow!(NOTHING)));
    }
    if args.feeds.has_database_only() {
        return Err(Failure::usage(anyhow!(
            "{DATABASE_ONLY} go into PostgreSQL only: the snapshot has no place for their tables"
        )));
    }
    let started = Instant::now();
    let bar = import_bar();
    let mut progress = |p: &Progress| show(&bar, p);
    let read = feeds::read_inputs(&inputs, &mut progress);
    bar.set_prefix("index");
    bar.set_message("building the index");
    let builder = if args.facts_only || !args.only_for_sbom.is_empty() {
        facts_subset(read.records, args)?
    } else {
        read.records.into_builder()
    };
    let index = builder.build(args.generation);
    let bytes = write_snapshot(&index, file)?;
    bar.finish_and_clear();
    let mut summary = read.summary;
    summary.generation = Some(args.generation);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.snapshot = Some(file.display().to_string());
    summary.snapshot_bytes = Some(bytes);
    summary.print(args.json)
}

/// `--facts-only` and `--only-for-sbom`: the subset of the records read
/// (see `kb_facts`).
fn facts_subset(set: feeds::RecordSet, args: &ImportArgs) -> Result<IndexBuilder, Failure> {
    let generation = i64::try_from(args.generation)
        .map_err(|_| Failure::usage(anyhow!("--generation {} is too large", args.generation)))?;
    let mut records = set.into_records(generation);
    if !args.only_for_sbom.is_empty() {
        let sboms = args
            .only_for_sbom
            .iter()
            .map(|p| super::analyze::read_sbom(p))
            .collect::<Result<Vec<_>, _>>()?;
        let whole = builder_from_store(records.clone()).build(args.generation);
        let ids = super::kb_facts::relevant_ids(&whole, &sboms);
        super::kb_facts::restrict(&mut records, &ids);
    }
    if args.facts_only {
        super::kb_facts::strip_text(&mut records);
    }
    Ok(builder_from_store(records))
}

/// Writes the snapshot through a temporary file in the same directory and
/// renames it, so a reader never sees half a snapshot.
fn write_snapshot(index: &Index, file: &Path) -> Result<u64, Failure> {
    let bytes = medsec_index::to_snapshot_bytes(index)
        .map_err(|e| Failure::io(anyhow!("cannot encode the snapshot: {e}")))?;
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
        .map_err(Failure::io)?;
    tmp.write_all(&bytes)
        .and_then(|()| tmp.flush())
        .with_context(|| format!("cannot write {}", file.display()))
        .map_err(Failure::io)?;
    tmp.persist(file)
        .map_err(|e| Failure::io(anyhow!("cannot write {}: {}", file.display(), e.error)))?;
    Ok(bytes.len() as u64)
}

/// The records read back from PostgreSQL, given to the index builder the
/// same way the feed reader gives them.
pub(super) fn builder_from_store(records: KbRecords) -> IndexBuilder {
    let mut set = feeds::RecordSet::default();
    for v in records.vulnerabilities {
        set.add_vulnerability(v);
    }
    for e in records.kev {
        set.add_kev(e);
    }
    for day in records.epss {
        for s in day.scores {
            set.add_epss(day.date, day.model_version.clone(), s);
        }
    }
    for c in records.cwes {
        set.add_cwe(c);
    }
    for a in records.csaf {
        set.add_csaf(a);
    }
    set.into_builder()
}

async fn export(args: &ExportArgs) -> CommandResult {
    let url = &args.url.database_url;
    let mut conn = connect(url).await?;
    let bar = spinner("reading the knowledge base");
    let started = Instant::now();
    let records = medsec_store::kb_read::load_records(&mut conn)
        .await
        .map_err(Failure::io)?;
    let generation = u64::try_from(records.generation).map_err(|_| {
        Failure::io(anyhow!(
            "the database's generation {} is negative",
            records.generation
        ))
    })?;
    bar.set_message("building the index");
    let index = builder_from_store(records).build(generation);
    bar.set_message("writing the snapshot");
    let bytes = write_snapshot(&index, &args.snapshot)?;
    bar.finish_and_clear();
    println!("generation: {generation}");
    println!("vulnerabilities: {}", index.meta().vulnerabilities);
    println!("snapshot: {} ({bytes} bytes)", args.snapshot.display());
    println!("seconds: {:.2}", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// What `db info` prints. Counts are records per source: vulnerability
/// records by feed (`nvd`, `nvd_legacy`, `cve5`, `osv`), `kev` entries,
/// `epss` scores (all days), `cwe` entries and `csaf_advisory` documents;
/// from PostgreSQL also the derived tables' rows (`cve_summary`,
/// `ics_advisory`, `kev_epss`), which snapshots do not hold.
#[derive(Debug, Serialize)]
pub struct Info {
    pub generation: u64,
    pub counts: BTreeMap<String, u64>,
    pub newest_modified: Option<String>,
}

impl Info {
    fn print(&self, json: bool) -> CommandResult {
        if json {
            let text = serde_json::to_string_pretty(self)
                .map_err(|e| Failure::io(anyhow!("cannot encode: {e}")))?;
            println!("{text}");
        } else {
            println!("generation: {}", self.generation);
            for (k, v) in &self.counts {
                println!("{k}: {v}");
            }
            println!(
                "newest modified: {}",
                self.newest_modified.as_deref().unwrap_or("-")
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn info_snapshot(file: &Path, json: bool) -> CommandResult {
    let started = Instant::now();
    let bytes = std::fs::read(file)
        .with_context(|| format!("cannot read {}", file.display()))
        .map_err(Failure::io)?;
    let index = medsec_index::from_snapshot_vec(bytes)
        .map_err(|e| Failure::rejected(anyhow!("{}: {e}", file.display())))?;
    // On stderr, so the report itself stays comparable with the database's.
    eprintln!(
        "loaded {} in {:.3} s, peak RSS {}",
        file.display(),
        started.elapsed().as_secs_f64(),
        peak_rss().map_or_else(|| "unknown".to_owned(), |k| format!("{k} KiB"))
    );
    let mut counts = BTreeMap::new();
    let mut newest: Option<String> = None;
    for rec in index.records_iter() {
        let rec = rec.map_err(|e| Failure::rejected(anyhow!("{}: {e}", file.display())))?;
        // CSAF vulnerability records come from the advisories, which are
        // counted as `csaf_advisory` below.
        if rec.source != medsec_kb::Source::Csaf {
            *counts.entry(rec.source.as_str().to_owned()).or_insert(0) += 1;
        }
        if let Some(m) = rec.modified {
            if newest.as_ref().is_none_or(|n| &m > n) {
                newest = Some(m);
            }
        }
    }
    for (kind, n) in &index.meta().records_in {
        if matches!(kind.as_str(), "kev" | "epss" | "cwe" | "csaf_advisory") {
            counts.insert(kind.clone(), *n);
        }
    }
    Info {
        generation: index.generation(),
        counts,
        newest_modified: newest,
    }
    .print(json)
}

async fn info_db(url: &str, json: bool) -> CommandResult {
    use diesel::dsl::{count_star, max};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use medsec_store::schema::kb::{
        csaf_documents, cve_summaries, cwes, epss_scores, ics_advisories, kev_entries, kev_epss,
        vulnerability_records,
    };
    let mut conn = connect(url).await?;
    let db = |e: diesel::result::Error| Failure::io(anyhow!("reading the knowledge base: {e}"));
    let generation = medsec_store::kb::kb_generation(&mut conn)
        .await
        .map_err(Failure::io)?;
    let per_source: Vec<(String, i64)> = vulnerability_records::table
        .group_by(vulnerability_records::source)
        .select((vulnerability_records::source, count_star()))
        .load(&mut conn)
        .await
        .map_err(db)?;
    let mut counts: BTreeMap<String, u64> = per_source
        .into_iter()
        .map(|(s, n)| (s, n.unsigned_abs()))
        .collect();
    let tables = [
        (
            "kev",
            kev_entries::table
                .count()
                .get_result::<i64>(&mut conn)
                .await,
        ),
        (
            "epss",
            epss_scores::table
                .count()
                .get_result::<i64>(&mut conn)
                .await,
        ),
        (
            "cwe",
            cwes::table.count().get_result::<i64>(&mut conn).await,
        ),
        (
            "csaf_advisory",
            csaf_documents::table
                .count()
                .get_result::<i64>(&mut conn)
                .await,
        ),
        (
            "cve_summary",
            cve_summaries::table
                .count()
                .get_result::<i64>(&mut conn)
                .await,
        ),
        (
            "ics_advisory",
            ics_advisories::table
                .count()
                .get_result::<i64>(&mut conn)
                .await,
        ),
        (
            "kev_epss",
            kev_epss::table.count().get_result::<i64>(&mut conn).await,
        ),
    ];
    for (name, n) in tables {
        let n = n.map_err(db)?;
        if n > 0 {
            counts.insert(name.to_owned(), n.unsigned_abs());
        }
    }
    let newest: Option<chrono::DateTime<chrono::Utc>> = vulnerability_records::table
        .select(max(vulnerability_records::modified))
        .get_result(&mut conn)
        .await
        .map_err(db)?;
    Info {
        generation: generation.unsigned_abs(),
        counts,
        newest_modified: newest.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    }
    .print(json)
}

/// The process's peak resident set (`VmHWM`, Linux), in KiB.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
