//! `medsec db sync`: download the feeds with medsec-sync and import each
//! unit into PostgreSQL at its checkpoint, then save the sync state.
//!
//! Documents are spooled to a temporary directory and imported when their
//! unit checkpoints, so the saved state never runs ahead of the database.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args;
use medsec_store::kb_import::{FeedInput, FeedKind, ImportOptions, ImportSummary, Progress};
use medsec_store::AsyncPgConnection;
use medsec_sync::{Checkpoint, Document, Sink, SinkError, SourceKind, SyncConfig, SyncState};

use super::{connect, import_bar, show, Summary, UrlArgs};
use crate::commands::{CommandResult, Failure};

#[derive(Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub url: UrlArgs,
    /// Sync state file (default ~/.cache/medsec/sync-state.json).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// NVD API key (raises the rate limit).
    #[arg(long, env = "NVD_API_KEY", hide_env_values = true)]
    pub nvd_api_key: Option<String>,
    /// Sources to sync, comma-separated: nvd, osv, kev, epss (default all).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    #[arg(long, value_name = "URL")]
    pub nvd_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub osv_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub kev_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub epss_url: Option<String>,
    /// Print the import summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn default_state_file() -> Result<PathBuf, Failure> {
    let home = std::env::var_os("HOME")
        .ok_or_else(|| Failure::usage(anyhow!("HOME is not set: give --state FILE")))?;
    Ok(PathBuf::from(home).join(".cache/medsec/sync-state.json"))
}

fn config(args: &SyncArgs) -> Result<SyncConfig, Failure> {
    let mut config = SyncConfig::default();
    for name in &args.only {
        if !matches!(name.as_str(), "nvd" | "osv" | "kev" | "epss") {
            return Err(Failure::usage(anyhow!(
                "--only: unknown source `{name}` (known: nvd, osv, kev, epss)"
            )));
        }
    }
    let wanted = |s: &str| args.only.is_empty() || args.only.iter().any(|o| o == s);
    if !wanted("nvd") {
        config.nvd = None;
    }
    if !wanted("osv") {
        config.osv = None;
    }
    if !wanted("kev") {
        config.kev = None;
    }
    if !wanted("epss") {
        config.epss = None;
    }
    if let Some(nvd) = &mut config.nvd {
        if let Some(u) = &args.nvd_url {
            nvd.url = u.clone();
        }
        nvd.api_key = args.nvd_api_key.clone();
    }
    if let (Some(osv), Some(u)) = (&mut config.osv, &args.osv_url) {
        osv.url = u.clone();
    }
    if let (Some(kev), Some(u)) = (&mut config.kev, &args.kev_url) {
        kev.url = u.clone();
    }
    if let (Some(epss), Some(u)) = (&mut config.epss, &args.epss_url) {
        epss.url = u.clone();
    }
    Ok(config)
}

fn read_state(file: &Path) -> Result<SyncState, Failure> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Failure::rejected(anyhow!("{}: not a sync state: {e}", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SyncState::default()),
        Err(e) => Err(Failure::io(anyhow!("cannot read {}: {e}", file.display()))),
    }
}

/// Writes the state through a temporary file and a rename.
fn save_state(file: &Path, state: &SyncState) -> anyhow::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = serde_json::to_vec_pretty(state)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    std::io::Write::write_all(&mut tmp, &json)?;
    tmp.persist(file)
        .map_err(|e| anyhow!("cannot write {}: {}", file.display(), e.error))?;
    Ok(())
}

struct DbSink {
    conn: AsyncPgConnection,
    bar: indicatif::ProgressBar,
    state_file: PathBuf,
    spool: tempfile::TempDir,
    pending: Vec<FeedInput>,
    seq: u64,
    summary: ImportSummary,
}

impl DbSink {
    fn spool(&mut self, doc: &Document) -> std::io::Result<FeedInput> {
        self.seq += 1;
        let (kind, ext) = match doc.source {
            SourceKind::Nvd => (FeedKind::Nvd, "json"),
            SourceKind::Osv => (FeedKind::Osv, "json"),
            // medsec-sync checks the KEV catalog as JSON before handing it on.
            SourceKind::Kev => (FeedKind::Kev, "json"),
            // The EPSS reader recognises gzip by its magic bytes.
            SourceKind::Epss => (FeedKind::Epss, "csv"),
        };
        let path = self
            .spool
            .path()
            .join(format!("{:08}-{}.{ext}", self.seq, doc.source.as_str()));
        std::fs::write(&path, &doc.body)?;
        Ok(FeedInput::new(kind, path))
    }

    async fn flush(&mut self) -> Result<(), SinkError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let inputs = std::mem::take(&mut self.pending);
        let bar = &self.bar;
        let mut progress = |p: &Progress| show(bar, p);
        let s = medsec_store::kb_import::import(
            &mut self.conn,
            &inputs,
            ImportOptions::default(),
            &mut progress,
        )
        .await?;
        for input in &inputs {
            // Spooled files are ours; a leftover goes with the directory.
            let _ = std::fs::remove_file(&input.path);
        }
        merge(&mut self.summary, s);
        Ok(())
    }
}

fn merge(into: &mut ImportSummary, s: ImportSummary) {
    for (name, src) in s.sources {
        let t = into.sources.entry(name).or_default();
        t.read += src.read;
        t.inserted += src.inserted;
        t.updated += src.updated;
        t.unchanged += src.unchanged;
        t.stale += src.stale;
        t.withdrawn += src.withdrawn;
        t.rejected.extend(src.rejected);
        t.warnings.extend(src.warnings);
    }
    if s.generation.is_some() {
        into.generation = s.generation;
    }
    into.elapsed += s.elapsed;
}

impl Sink for DbSink {
    async fn document(&mut self, doc: Document) -> Result<(), SinkError> {
        let input = self.spool(&doc)?;
        self.pending.push(input);
        Ok(())
    }

    async fn checkpoint(&mut self, checkpoint: Checkpoint) -> Result<(), SinkError> {
        self.flush().await?;
        save_state(&self.state_file, &checkpoint.state).map_err(|e| -> SinkError { e.into() })?;
        Ok(())
    }
}

pub async fn run(args: SyncArgs) -> CommandResult {
    let config = config(&args)?;
    let state_file = match &args.state {
        Some(f) => f.clone(),
        None => default_state_file()?,
    };
    let mut state = read_state(&state_file)?;
    let url = &args.url.database_url;
    medsec_store::run_migrations(url)
        .await
        .map_err(Failure::io)?;
    let conn = connect(url).await?;
    let bar = import_bar();
    let spool = tempfile::tempdir()
        .context("cannot create a temporary directory")
        .map_err(Failure::io)?;
    let mut sink = DbSink {
        conn,
        bar: bar.clone(),
        state_file: state_file.clone(),
        spool,
        pending: Vec::new(),
        seq: 0,
        summary: ImportSummary::default(),
    };
    let report = medsec_sync::sync(&config, &mut state, &mut sink).await;
    // Whatever arrived after the last checkpoint is imported too; the
    // state is saved only at checkpoints.
    let flushed = sink.flush().await;
    let DbSink { summary, .. } = sink;
    bar.finish_and_clear();
    let report = report.map_err(|e| Failure::io(anyhow!("sync failed: {e}")))?;
    flushed.map_err(|e| Failure::io(anyhow!("import failed: {e}")))?;
    for s in &report.sources {
        eprintln!(
            "{}: {:?}, {} documents, {} requests",
            s.unit, s.outcome, s.documents, s.requests
        );
    }
    Summary::from_store(&summary).print(args.json)
}
