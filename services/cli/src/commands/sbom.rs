use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use medsec_sbom::{EdgeKind, Sbom};

use super::{CommandResult, Failure};

#[derive(Subcommand)]
pub enum SbomCommand {
    /// Print format, version, counts and the components without identifiers.
    Inspect(InspectArgs),
}

#[derive(Args)]
pub struct InspectArgs {
    /// The SBOM file (gzip-compressed input is accepted).
    file: PathBuf,
    /// Print the whole normalized model as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: SbomCommand) -> CommandResult {
    match cmd {
        SbomCommand::Inspect(args) => inspect(args),
    }
}

fn inspect(args: InspectArgs) -> CommandResult {
    let spinner = indicatif::ProgressBar::new_spinner()
        .with_message(format!("reading {}", args.file.display()));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))
        .map_err(Failure::io)?;
    spinner.set_message(format!("parsing {}", args.file.display()));
    let parsed = medsec_sbom::parse(&bytes);
    spinner.finish_and_clear();
    let sbom = parsed
        .with_context(|| format!("{}", args.file.display()))
        .map_err(Failure::rejected)?;
    drop(bytes);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &sbom)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write_summary(&mut out, &sbom)
    };
    written
        .and_then(|()| out.flush())
        .context("writing to stdout")
        .map_err(Failure::io)?;
    Ok(ExitCode::SUCCESS)
}

fn write_summary(out: &mut impl Write, sbom: &Sbom) -> std::io::Result<()> {
    let format = match sbom.format {
        medsec_sbom::Format::CycloneDx => "CycloneDX",
        medsec_sbom::Format::Spdx => "SPDX",
    };
    let encoding = match sbom.encoding {
        medsec_sbom::Encoding::Json => "JSON",
        medsec_sbom::Encoding::Xml => "XML",
        medsec_sbom::Encoding::TagValue => "tag-value",
    };
    let dependency_edges = sbom
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::DependsOn)
        .count();
    writeln!(
        out,
        "format:            {format} {} ({encoding})",
        sbom.spec_version
    )?;
    if let Some(serial) = &sbom.serial_number {
        writeln!(out, "serial number:     {serial}")?;
    }
    writeln!(out, "components:        {}", sbom.components.len())?;
    writeln!(out, "dependency edges:  {dependency_edges}")?;
    writeln!(out, "all relationships: {}", sbom.edges.len())?;
    let no_identifier: Vec<_> = sbom
        .components
        .iter()
        .filter(|c| c.has_no_identifier())
        .collect();
    writeln!(out, "without purl or CPE: {}", no_identifier.len())?;
    for c in &no_identifier {
        let version = c
            .version
            .as_deref()
            .filter(|v| !v.is_empty())
            .unwrap_or("(no version)");
        writeln!(out, "  - {} {} [{}]", c.name, version, c.reference)?;
    }
    if !sbom.warnings.is_empty() {
        writeln!(out, "warnings:          {}", sbom.warnings.len())?;
        for w in &sbom.warnings {
            match &w.location {
                Some(at) => writeln!(out, "  - {at}: {}", w.message)?,
                None => writeln!(out, "  - {}", w.message)?,
            }
        }
    }
    Ok(())
}
