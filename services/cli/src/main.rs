//! `medsec`: the one-machine command line.
//!
//! Exit codes (stable, for CI pipelines):
//! * 0: success
//! * 1: the input was read but rejected (malformed or invalid SBOM, bad purl)
//! * 2: usage error (unknown flag, missing argument)
//! * 3: I/O error (file not found, unreadable, output not writable)
//! * 4: `analyze --fail-on P`: the report was written and holds findings of
//!   priority P or higher

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "medsec",
    version,
    about = "Find and rank vulnerabilities in medical-device SBOMs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read SBOMs (CycloneDX 1.2-1.6 JSON/XML, SPDX 2.2/2.3 JSON/tag-value).
    #[command(subcommand)]
    Sbom(commands::sbom::SbomCommand),
    /// Package URLs.
    #[command(subcommand)]
    Purl(commands::purl::PurlCommand),
    /// Version order per ecosystem.
    #[command(subcommand)]
    Version(commands::version::VersionCommand),
    /// Parse and score a CVSS v2/v3.0/v3.1/v4.0 vector.
    Cvss(commands::cvss::CvssArgs),
    /// The vulnerability knowledge base: migrate, import, export, sync, info.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Find, rank and report the known vulnerabilities of a device's SBOM.
    Analyze(commands::analyze::AnalyzeArgs),
    /// Job queues: depth, lag and consumers; dead letters requeued or purged.
    Queue(commands::queue::QueueArgs),
    /// Exploitation-model versions: publish, list, verify.
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sbom(cmd) => commands::sbom::run(cmd),
        Command::Purl(cmd) => commands::purl::run(cmd),
        Command::Version(cmd) => commands::version::run(cmd),
        Command::Cvss(args) => commands::cvss::run(args),
        Command::Db(cmd) => commands::db::run(cmd),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Queue(args) => commands::queue::run(args),
        Command::Model(cmd) => commands::model::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            failure.code
        }
    }
}
