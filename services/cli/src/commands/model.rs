//! `medsec model`: publish, list and verify exploitation-model versions in
//! an S3 bucket (`s3://BUCKET/PREFIX`) or a local store directory.
//!
//! Exit codes: 0 done; 1 the model or store content was refused (checksum,
//! manifest, feature schema, unknown version); 2 usage; 3 I/O, network or
//! store failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use medsec_model::{
    ExploitInput, LocalStore, Model, ModelError, ModelStore, S3Config, S3Store, MANIFEST_FILE,
};
use serde::Serialize;

use super::{CommandResult, Failure};

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Check a model directory, upload it as a new version and make it current.
    Publish(PublishArgs),
    /// The versions a store holds and which one is current.
    List(ListArgs),
    /// Check a model directory or a store's version: manifest, sha256,
    /// feature schema against this build, tract load and one prediction.
    Verify(VerifyArgs),
}

/// How to reach an S3-compatible store; credentials come from the standard
/// AWS chain (environment, profile, instance metadata).
#[derive(Args, Clone, Default)]
pub struct S3Args {
    /// Endpoint of an S3-compatible server (default: AWS, or AWS_ENDPOINT_URL).
    #[arg(long, env = "MEDSEC_S3_ENDPOINT_URL", value_name = "URL")]
    endpoint_url: Option<String>,
    /// Path-style addressing (http://host/bucket/key), for S3-compatible servers.
    #[arg(long, env = "MEDSEC_S3_PATH_STYLE")]
    path_style: bool,
    /// AWS region (default: AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Shared-config profile for credentials (default: AWS_PROFILE).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args)]
pub struct PublishArgs {
    /// Model directory (manifest.json and the model file it names).
    dir: PathBuf,
    /// The store: s3://BUCKET/PREFIX or a local directory.
    #[arg(long, value_name = "STORE")]
    to: String,
    #[command(flatten)]
    s3: S3Args,
    /// Print the outcome as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ListArgs {
    /// The store: s3://BUCKET/PREFIX or a local directory.
    #[arg(long, value_name = "STORE")]
    from: String,
    #[command(flatten)]
    s3: S3Args,
    /// Print the versions as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A model directory, or a store (s3://BUCKET/PREFIX or a local store directory).
    target: String,
    /// The store version to verify (default: the current one).
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
    #[command(flatten)]
    s3: S3Args,
    /// Print the outcome as one JSON object.
    #[arg(long)]
    json: bool,
}

/// A store location from the command line.
enum Location {
    S3 { bucket: String, prefix: String },
    Dir(PathBuf),
}

impl Location {
    fn parse(s: &str) -> Result<Self, Failure> {
        let Some(rest) = s.strip_prefix("s3://") else {
            return Ok(Location::Dir(PathBuf::from(s)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Failure::usage(anyhow!(
                "{s}: no bucket (expected s3://BUCKET/PREFIX)"
            )));
        }
        Ok(Location::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }
}

/// Either kind of store, behind one type.
enum Store {
    S3(S3Store),
    Local(LocalStore),
}

macro_rules! on_store {
    ($store:expr, $s:ident => $body:expr) => {
        match $store {
            Store::S3($s) => $body,
            Store::Local($s) => $body,
        }
    };
}

async fn open(location: Location, s3: &S3Args, cache_dir: &Path) -> Store {
    match location {
        Location::Dir(dir) => Store::Local(LocalStore::new(dir)),
        Location::S3 { bucket, prefix } => Store::S3(
            S3Store::with_profile(
                S3Config {
                    bucket,
                    prefix,
                    endpoint_url: s3.endpoint_url.clone(),
                    force_path_style: s3.path_style,
                    cache_dir: cache_dir.to_owned(),
                },
                s3.region.clone(),
                s3.profile.clone(),
            )
            .await,
        ),
    }
}

/// Exit code 1 for content the code refuses, 3 for failures to reach it.
fn failure(context: &str, e: ModelError) -> Failure {
    let error = anyhow!("{context}: {e}");
    match e {
        ModelError::Io { .. } | ModelError::Store { .. } => Failure::io(error),
        _ => Failure::rejected(error),
    }
}

fn print_json(value: &impl Serialize) -> CommandResult {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| Failure::io(anyhow!("writing standard output: {e}")))?;
    writeln!(out).map_err(|e| Failure::io(anyhow!("writing standard output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn print_line(line: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    writeln!(std::io::stdout().lock(), "{line}")
        .map_err(|e| Failure::io(anyhow!("writing standard output: {e}")))
}

pub fn run(cmd: ModelCommand) -> CommandResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::io(anyhow!("starting the async runtime: {e}")))?;
    runtime.block_on(async {
        match cmd {
            ModelCommand::Publish(args) => publish(args).await,
            ModelCommand::List(args) => list(args).await,
            ModelCommand::Verify(args) => verify(args).await,
        }
    })
}

/// A throwaway cache, so every fetch here checks the store's own bytes.
fn scratch() -> Result<tempfile::TempDir, Failure> {
    tempfile::tempdir().map_err(|e| Failure::io(anyhow!("creating a temporary directory: {e}")))
}

#[derive(Serialize)]
struct Published {
    store: String,
    version: String,
    current: Option<String>,
    sha256: String,
}

async fn publish(args: PublishArgs) -> CommandResult {
    let location = Location::parse(&args.to)?;
    let dir = &args.dir;
    // The store checks again; this names the directory in the error.
    let model = Model::load(dir).map_err(|e| failure(&dir.display().to_string(), e))?;
    let cache = scratch()?;
    let store = open(location, &args.s3, cache.path()).await;
    let version = on_store!(&store, s => s.publish(dir).await)
        .map_err(|e| failure(&format!("publishing to {}", args.to), e))?;
    let current = on_store!(&store, s => s.current().await)
        .map_err(|e| failure(&format!("reading the pointer of {}", args.to), e))?;
    let out = Published {
        store: args.to.clone(),
        version,
        current,
        sha256: model.manifest().sha256.clone(),
    };
    if args.json {
        return print_json(&out);
    }
    print_line(format_args!(
        "published {} to {} (sha256 {}); current: {}",
        out.version,
        out.store,
        out.sha256,
        out.current.as_deref().unwrap_or("none")
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Listing {
    store: String,
    versions: Vec<String>,
    current: Option<String>,
}

async fn list(args: ListArgs) -> CommandResult {
    let location = Location::parse(&args.from)?;
    if let Location::Dir(d) = &location {
        if !d.is_dir() {
            return Err(Failure::io(anyhow!("{}: no such directory", d.display())));
        }
    }
    let cache = scratch()?;
    let store = open(location, &args.s3, cache.path()).await;
    let versions = on_store!(&store, s => s.list().await)
        .map_err(|e| failure(&format!("listing {}", args.from), e))?;
    let current = on_store!(&store, s => s.current().await)
        .map_err(|e| failure(&format!("reading the pointer of {}", args.from), e))?;
    let out = Listing {
        store: args.from.clone(),
        versions,
        current,
    };
    if args.json {
        return print_json(&out);
    }
    for v in &out.versions {
        let mark = if out.current.as_ref() == Some(v) {
            "  (current)"
        } else {
            ""
        };
        print_line(format_args!("{v}{mark}"))?;
    }
    if out.versions.is_empty() {
        print_line(format_args!("no versions in {}", out.store))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Verified {
    target: String,
    name: String,
    version: String,
    sha256: String,
    features: usize,
    /// The probability of an input with no facts, to show the graph runs.
    empty_input_probability: f32,
}

async fn verify(args: VerifyArgs) -> CommandResult {
    let location = Location::parse(&args.target)?;
    let cache = scratch()?;
    let dir = match location {
        Location::Dir(d) if d.join(MANIFEST_FILE).is_file() => {
            if args.version.is_some() {
                return Err(Failure::usage(anyhow!(
                    "{}: --version is for stores; this is a model directory",
                    d.display()
                )));
            }
            d
        }
        Location::Dir(d) if !d.is_dir() => {
            return Err(Failure::io(anyhow!("{}: no such directory", d.display())));
        }
        location => {
            let store = open(location, &args.s3, cache.path()).await;
            let version = match &args.version {
                Some(v) => v.clone(),
                None => on_store!(&store, s => s.current().await)
                    .map_err(|e| failure(&format!("reading the pointer of {}", args.target), e))?
                    .ok_or_else(|| failure(&args.target, ModelError::NoCurrent))?,
            };
            on_store!(&store, s => s.fetch(&version).await)
                .map_err(|e| failure(&format!("fetching {version} from {}", args.target), e))?
        }
    };
    let model = Model::load(&dir).map_err(|e| failure(&args.target, e))?;
    let p = model
        .predict(&[ExploitInput::default()])
        .map_err(|e| failure(&args.target, e))?;
    let probability = p.first().copied().unwrap_or(f32::NAN);
    if !(0.0..=1.0).contains(&probability) {
        return Err(Failure::rejected(anyhow!(
            "{}: the model answers {probability} for an empty input, not a probability",
            args.target
        )));
    }
    let out = Verified {
        target: args.target.clone(),
        name: model.manifest().name.clone(),
        version: model.version().to_owned(),
        sha256: model.manifest().sha256.clone(),
        features: model.features().width(),
        empty_input_probability: probability,
    };
    if args.json {
        return print_json(&out);
    }
    print_line(format_args!(
        "ok: {} {} from {}: sha256 {} matches, {} features built by this version, tract runs it",
        out.name, out.version, out.target, out.sha256, out.features
    ))?;
    Ok(ExitCode::SUCCESS)
}
