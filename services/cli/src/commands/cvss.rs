use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::{batch, CommandResult, Failure};

#[derive(Args)]
pub struct CvssArgs {
    /// A CVSS v2, v3.0, v3.1 or v4.0 vector.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    vector: Option<String>,
    /// Print the scores as one JSON object.
    #[arg(long)]
    json: bool,
    /// Batch mode: one vector a line on standard input, one JSON object a
    /// line on standard output (the scores, or `{"input","error"}`).
    #[arg(long)]
    stdin: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Outcome<'a> {
    Scored {
        input: &'a str,
        #[serde(flatten)]
        scores: medsec_cvss::Scores,
    },
    Rejected {
        input: &'a str,
        error: String,
    },
}

fn outcome(input: &str) -> Outcome<'_> {
    match medsec_cvss::parse(input) {
        Ok(cvss) => Outcome::Scored {
            input,
            scores: cvss.scores(),
        },
        Err(e) => Outcome::Rejected {
            input,
            error: e.to_string(),
        },
    }
}

pub fn run(args: CvssArgs) -> CommandResult {
    if args.stdin {
        return batch::run_lines(|input, out| {
            let answer = outcome(input);
            batch::json_line(out, &answer)?;
            Ok(matches!(answer, Outcome::Scored { .. }))
        });
    }
    let input = args.vector.as_deref().unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let answer = outcome(input);
        batch::json_line(&mut out, &answer)
            .context("writing to stdout")
            .map_err(Failure::io)?;
        return Ok(match answer {
            Outcome::Scored { .. } => ExitCode::SUCCESS,
            Outcome::Rejected { .. } => ExitCode::from(1),
        });
    }
    let s = medsec_cvss::parse(input)
        .map_err(Failure::rejected)?
        .scores();
    let written = (|| -> std::io::Result<()> {
        writeln!(out, "CVSS {}  {}", s.version, s.vector)?;
        writeln!(out, "base:          {:.1}", s.base)?;
        if let Some(t) = s.temporal {
            writeln!(out, "temporal:      {t:.1}")?;
        }
        if let Some(t) = s.threat {
            writeln!(out, "threat:        {t:.1}")?;
        }
        if let Some(e) = s.environmental {
            writeln!(out, "environmental: {e:.1}")?;
        }
        writeln!(out, "severity:      {} ({:.1})", s.severity, s.overall)
    })();
    written.context("writing to stdout").map_err(Failure::io)?;
    Ok(ExitCode::SUCCESS)
}
