use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use medsec_ident::purl::{PackageUrl, PurlError};
use serde::Serialize;

use super::{batch, CommandResult, Failure};

#[derive(Subcommand)]
pub enum PurlCommand {
    /// Parse, validate and canonicalize Package URLs.
    Parse(ParseArgs),
}

#[derive(Args)]
pub struct ParseArgs {
    /// The purl to parse.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    purl: Option<String>,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
    /// Batch mode: one purl a line on standard input, one JSON object a line
    /// on standard output (`{"input","purl","type",...}` or
    /// `{"input","error":{...}}`), in input order.
    #[arg(long)]
    stdin: bool,
}

pub fn run(cmd: PurlCommand) -> CommandResult {
    match cmd {
        PurlCommand::Parse(args) if args.stdin => parse_stdin(),
        PurlCommand::Parse(args) => parse_one(args.purl.as_deref().unwrap_or_default(), args.json),
    }
}

/// One line of batch output.
#[derive(Serialize)]
#[serde(untagged)]
enum Outcome<'a> {
    Parsed {
        input: &'a str,
        purl: String,
        #[serde(flatten)]
        components: medsec_ident::purl::ComponentsRef<'a>,
    },
    Rejected {
        input: &'a str,
        error: ErrorBody<'a>,
    },
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    component: &'static str,
    message: &'a str,
}

fn outcome<'a>(input: &'a str, parsed: &'a Result<PackageUrl, PurlError>) -> Outcome<'a> {
    match parsed {
        Ok(purl) => Outcome::Parsed {
            input,
            purl: purl.to_string(),
            components: purl.components(),
        },
        Err(e) => Outcome::Rejected {
            input,
            error: ErrorBody {
                component: e.component().as_str(),
                message: e.message(),
            },
        },
    }
}

fn parse_one(input: &str, json: bool) -> CommandResult {
    let parsed = PackageUrl::parse(input);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        batch::json_line(&mut out, &outcome(input, &parsed))
            .context("writing to stdout")
            .map_err(Failure::io)?;
        return Ok(if parsed.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let purl = parsed.map_err(Failure::rejected)?;
    let c = purl.components();
    let written = (|| -> std::io::Result<()> {
        writeln!(out, "canonical:  {purl}")?;
        writeln!(out, "type:       {}", c.ty)?;
        writeln!(out, "namespace:  {}", c.namespace.unwrap_or("-"))?;
        writeln!(out, "name:       {}", c.name)?;
        writeln!(out, "version:    {}", c.version.unwrap_or("-"))?;
        let qualifiers = c
            .qualifiers
            .map(|q| {
                q.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| "-".to_string());
        writeln!(out, "qualifiers: {qualifiers}")?;
        writeln!(out, "subpath:    {}", c.subpath.unwrap_or("-"))
    })();
    written.context("writing to stdout").map_err(Failure::io)?;
    Ok(ExitCode::SUCCESS)
}

fn parse_stdin() -> CommandResult {
    batch::run_lines(|input, out| {
        let parsed = PackageUrl::parse(input);
        batch::json_line(out, &outcome(input, &parsed))?;
        Ok(parsed.is_ok())
    })
}
