use std::cmp::Ordering;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Args, Subcommand};
use medsec_versions::Ecosystem;

use super::{batch, CommandResult, Failure};

#[derive(Subcommand)]
pub enum VersionCommand {
    /// Compare two versions in an ecosystem's own order; prints <, = or >.
    Compare(CompareArgs),
}

#[derive(Args)]
pub struct CompareArgs {
    /// OSV ecosystem name (npm, PyPI, Maven, Go, crates.io, RubyGems, NuGet,
    /// Debian, Alpine, Red Hat...), purl type (pypi, golang, cargo, gem, deb,
    /// rpm, apk...) or vers scheme (alpm, conan, gentoo, openssl, nginx,
    /// semver, generic...).
    ecosystem: String,
    /// First version.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    a: Option<String>,
    /// Second version.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    b: Option<String>,
    /// Batch mode: "A B" a line in; "<", "=", ">" or "error: ..." a line out.
    #[arg(long)]
    stdin: bool,
}

pub fn run(cmd: VersionCommand) -> CommandResult {
    let VersionCommand::Compare(args) = cmd;
    let ecosystem = parse_ecosystem(&args.ecosystem).map_err(Failure::usage)?;
    if !ecosystem.is_exact() {
        eprintln!(
            "note: {} comparison is a generic heuristic, not an ecosystem's own order",
            args.ecosystem
        );
    }
    if args.stdin {
        return batch::run_lines(|line, out| {
            let mut parts = line.split_whitespace();
            let answer = match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), None) => compare(ecosystem, a, b),
                _ => Err(anyhow!(
                    "expected two versions separated by white space, got {line:?}"
                )),
            };
            match answer {
                Ok(symbol) => writeln!(out, "{symbol}").map(|()| true),
                Err(e) => writeln!(out, "error: {e:#}").map(|()| false),
            }
        });
    }
    let (a, b) = (args.a.unwrap_or_default(), args.b.unwrap_or_default());
    let symbol = compare(ecosystem, &a, &b).map_err(Failure::rejected)?;
    writeln!(std::io::stdout(), "{symbol}")
        .context("writing to stdout")
        .map_err(Failure::io)?;
    Ok(ExitCode::SUCCESS)
}

fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> anyhow::Result<&'static str> {
    Ok(match medsec_versions::compare(ecosystem, a, b)? {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    })
}

fn parse_ecosystem(name: &str) -> anyhow::Result<Ecosystem> {
    Ecosystem::from_osv(name)
        .or_else(|| Ecosystem::from_purl_type(name))
        .or_else(|| Ecosystem::from_vers_type(name))
        .or_else(|| {
            Ecosystem::osv_names()
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, e)| *e)
        })
        .ok_or_else(|| {
            anyhow!("unknown ecosystem {name:?}: give an OSV ecosystem name, a purl type or a vers scheme")
        })
}
