//! `medsec analyze`: one SBOM against the knowledge base, on one machine.
//!
//! Reads the SBOM, loads the matching index (a snapshot file, or the
//! knowledge base in PostgreSQL), takes the device context from a TOML file
//! and flags, runs the engine and writes one report.
//!
//! Exit codes: 0 done; 1 the SBOM, snapshot or device file was rejected;
//! 2 usage; 3 I/O (a file missing or unwritable, the database unreachable);
//! 4 the report was written and holds findings at or above `--fail-on`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Context};
use chrono::{NaiveDate, Utc};
use clap::Args;
use indicatif::ProgressBar;
use medsec_engine::{
    Analyser, Analysis, DeviceClass, DeviceContext, Exploitability, KnowledgeScope,
    NetworkExposure, Options, Priority,
};
use medsec_index::Index;
use medsec_report::{Format, ReportContext};
use medsec_sbom::Sbom;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{CommandResult, Failure};

/// The snapshot used when `--db` is not given, relative to the working
/// directory (a fresh clone's root).
pub const DEFAULT_SNAPSHOT: &str = "examples/kb.snapshot";
/// The exploitation model used unless `--model` or `--no-model` says
/// otherwise, relative to the working directory.
pub const DEFAULT_MODEL: &str = "models/exploitation";

/// Exit code when findings reach the `--fail-on` priority.
pub const EXIT_FINDINGS: u8 = 4;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// The SBOM (CycloneDX or SPDX, gzip accepted).
    pub sbom: PathBuf,
    /// The knowledge base: a snapshot file or a postgres:// URL
    /// [default: examples/kb.snapshot when present].
    #[arg(long, value_name = "SNAPSHOT|URL")]
    pub db: Option<String>,
    /// Device context file (TOML: device-class, network-exposure,
    /// patient-contact, handles-phi); flags override it.
    #[arg(long, value_name = "FILE")]
    pub device: Option<PathBuf>,
    /// life-sustaining, therapeutic, diagnostic, monitoring, administrative.
    #[arg(long, value_name = "CLASS", value_parser = kebab::<DeviceClass>)]
    pub device_class: Option<DeviceClass>,
    /// Network exposure: none, clinical-network, internet.
    #[arg(long, value_name = "EXPOSURE", value_parser = kebab::<NetworkExposure>)]
    pub network: Option<NetworkExposure>,
    /// The device touches the patient (=false to say it does not).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub patient_contact: Option<bool>,
    /// The device handles protected health information (=false: it does not).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub phi: Option<bool>,
    /// Report format: table, json, sarif, vex, csv, html.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 4 when a finding has this priority or a higher one:
    /// critical, high, medium, low.
    #[arg(long, value_name = "PRIORITY", value_parser = kebab::<Priority>)]
    pub fail_on: Option<Priority>,
    /// Judge end of support against this date [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Exploitation model directory [default: models/exploitation when present].
    #[arg(long, value_name = "DIR", conflicts_with = "no_model")]
    pub model: Option<PathBuf>,
    /// Use the documented exploitability rule (KEV, EPSS, CVSS) instead of
    /// the model.
    #[arg(long)]
    pub no_model: bool,
}

/// A command-line value read the way the engine's serde names it.
fn kebab<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

pub fn run(args: AnalyzeArgs) -> CommandResult {
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(100));

    spinner.set_message(format!("reading {}", args.sbom.display()));
    let sbom = read_sbom(&args.sbom)?;
    let device = device_context(&args)?;

    let db = knowledge_base(args.db.as_deref())?;
    spinner.set_message(format!("loading the knowledge base {}", db.display()));
    let index = load_index(&db)?;
    spinner.set_message("analysing");
    let scope = KnowledgeScope::from_index(&index);
    let exploitability = exploitability(&args)?;
    let mut analyser = Analyser::new(&index, &scope);
    if let Some(e) = exploitability.as_deref() {
        analyser = analyser.with_exploitability(e);
    }
    let options = Options {
        as_of: Some(args.as_of.unwrap_or_else(|| Utc::now().date_naive())),
    };
    let analysis = analyser.analyse(&sbom, &device, &options);

    spinner.set_message("writing the report");
    let source_name = args.sbom.display().to_string();
    let ctx = ReportContext {
        source_name: &source_name,
        generated_at: Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let bytes = medsec_report::to_bytes(&analysis, &ctx, args.format)
        .map_err(|e| Failure::io(anyhow!(e)))?;
    let written = match &args.output {
        Some(path) => write_atomically(path, &bytes),
        None => write_stdout(&bytes),
    };
    spinner.finish_and_clear();
    written?;
    Ok(verdict(&analysis, args.fail_on))
}

/// 0, or [`EXIT_FINDINGS`] with a line on stderr saying how many findings
/// reached the threshold.
fn verdict(analysis: &Analysis, fail_on: Option<Priority>) -> ExitCode {
    let Some(threshold) = fail_on else {
        return ExitCode::SUCCESS;
    };
    // Priorities order from critical (least) to low (greatest).
    let at_or_above = analysis
        .findings
        .iter()
        .filter(|f| f.priority <= threshold)
        .count();
    if at_or_above == 0 {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "fail-on {}: {at_or_above} finding(s) at or above it",
        priority_name(threshold)
    );
    ExitCode::from(EXIT_FINDINGS)
}

fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Critical => "critical",
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
    }
}

/// Reads and parses an SBOM: unreadable is an I/O failure, malformed or
/// invalid a rejection naming the file.
pub fn read_sbom(path: &Path) -> Result<Sbom, Failure> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))
        .map_err(Failure::io)?;
    medsec_sbom::parse(&bytes)
        .with_context(|| path.display().to_string())
        .map_err(Failure::rejected)
}

/// The device context file: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DeviceFile {
    device_class: Option<DeviceClass>,
    network_exposure: Option<NetworkExposure>,
    patient_contact: Option<bool>,
    handles_phi: Option<bool>,
}

fn read_device_file(path: &Path) -> Result<DeviceFile, Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))
        .map_err(Failure::io)?;
    let de = toml::Deserializer::parse(&text)
        .map_err(|e| Failure::rejected(anyhow!("{}: {e}", path.display())))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.message().to_owned();
        let at = inner
            .span()
            .map(|s| line_col(&text, s.start))
            .map_or(String::new(), |(l, c)| format!(" (line {l}, column {c})"));
        if key == "." {
            Failure::rejected(anyhow!("{}{at}: {msg}", path.display()))
        } else {
            Failure::rejected(anyhow!("{}: key `{key}`{at}: {msg}", path.display()))
        }
    })
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// File values, then flags over them, then the cautious default for
/// whatever neither gives.
fn device_context(args: &AnalyzeArgs) -> Result<DeviceContext, Failure> {
    let file = match &args.device {
        Some(p) => read_device_file(p)?,
        None => DeviceFile::default(),
    };
    let d = DeviceContext::default();
    Ok(DeviceContext {
        device_class: args
            .device_class
            .or(file.device_class)
            .unwrap_or(d.device_class),
        network_exposure: args
            .network
            .or(file.network_exposure)
            .unwrap_or(d.network_exposure),
        patient_contact: args
            .patient_contact
            .or(file.patient_contact)
            .unwrap_or(d.patient_contact),
        handles_phi: args.phi.or(file.handles_phi).unwrap_or(d.handles_phi),
    })
}

/// Where the index comes from.
enum KnowledgeBase {
    Snapshot(PathBuf),
    Postgres(String),
}

impl KnowledgeBase {
    fn display(&self) -> String {
        match self {
            KnowledgeBase::Snapshot(p) => p.display().to_string(),
            KnowledgeBase::Postgres(url) => medsec_store::redact_url(url),
        }
    }
}

fn knowledge_base(db: Option<&str>) -> Result<KnowledgeBase, Failure> {
    match db {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(KnowledgeBase::Postgres(url.to_owned()))
        }
        Some(path) => Ok(KnowledgeBase::Snapshot(PathBuf::from(path))),
        None if Path::new(DEFAULT_SNAPSHOT).is_file() => {
            Ok(KnowledgeBase::Snapshot(PathBuf::from(DEFAULT_SNAPSHOT)))
        }
        None => Err(Failure::usage(anyhow!(
            "no knowledge base: give --db SNAPSHOT or --db postgres://... \
             ({DEFAULT_SNAPSHOT} is not in the working directory)"
        ))),
    }
}

fn load_index(db: &KnowledgeBase) -> Result<Index, Failure> {
    match db {
        KnowledgeBase::Snapshot(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading {}", path.display()))
                .map_err(Failure::io)?;
            medsec_index::from_snapshot_vec(bytes)
                .map_err(|e| Failure::rejected(anyhow!("{}: {e}", path.display())))
        }
        KnowledgeBase::Postgres(url) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::io(anyhow!("cannot start the async runtime: {e}")))?;
            runtime.block_on(index_from_postgres(url))
        }
    }
}

/// The same index `db export` writes: every record of the newest
/// generation, through the same builder.
async fn index_from_postgres(url: &str) -> Result<Index, Failure> {
    use diesel_async::AsyncConnection;
    let mut conn = medsec_store::AsyncPgConnection::establish(url)
        .await
        .map_err(|e| {
            Failure::io(anyhow!(
                "cannot connect to {}: {e}",
                medsec_store::redact_url(url)
            ))
        })?;
    let records = medsec_store::kb_read::load_records(&mut conn)
        .await
        .map_err(Failure::io)?;
    let generation = u64::try_from(records.generation).map_err(|_| {
        Failure::io(anyhow!(
            "the database's generation {} is negative",
            records.generation
        ))
    })?;
    Ok(super::db::builder_from_store(records).build(generation))
}

/// The exploitability estimate: the exploitation model (`--model DIR`, or
/// the shipped one when present), or `None` for the engine's documented
/// rule (`--no-model`, or no model here).
fn exploitability(args: &AnalyzeArgs) -> Result<Option<Box<dyn Exploitability>>, Failure> {
    if args.no_model {
        return Ok(None);
    }
    let dir = match &args.model {
        Some(dir) if !dir.is_dir() => {
            return Err(Failure::io(anyhow!(
                "{}: no such model directory",
                dir.display()
            )))
        }
        Some(dir) => dir.clone(),
        None if Path::new(DEFAULT_MODEL)
            .join(medsec_model::MANIFEST_FILE)
            .is_file() =>
        {
            PathBuf::from(DEFAULT_MODEL)
        }
        None => return Ok(None),
    };
    let model = medsec_model::Model::load(&dir).map_err(|e| {
        Failure::rejected(anyhow!(
            "{}: {e} (--no-model uses the documented rule instead)",
            dir.display()
        ))
    })?;
    Ok(Some(Box::new(medsec_model::ModelExploitability::new(
        std::sync::Arc::new(model),
    ))))
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("writing to standard output")
        .map_err(Failure::io)
}

/// Writes through a temporary file in the target's directory and renames
/// it over the target, so the file is either the whole report or absent
/// (or its previous content).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".medsec-report-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
        .map_err(Failure::io)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(Failure::io)?;
    tmp.persist(path)
        .map_err(|e| Failure::io(anyhow!("cannot write {}: {}", path.display(), e.error)))?;
    Ok(())
}
