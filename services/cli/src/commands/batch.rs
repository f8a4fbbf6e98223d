//! Batch mode shared by the `--stdin` commands: one input a line in, one
//! answer a line out, in order, so conformance harnesses can drive a
//! command without a process per case.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;

use super::{CommandResult, Failure};

/// Runs `answer` on every line of standard input (a trailing CR removed).
/// `answer` writes one line and says whether the input was accepted; the
/// exit code is 1 when any line was rejected.
pub fn run_lines(
    mut answer: impl FnMut(&str, &mut dyn Write) -> std::io::Result<bool>,
) -> CommandResult {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut rejected = 0usize;
    for line in stdin.lock().lines() {
        let line = line
            .context("reading standard input")
            .map_err(Failure::io)?;
        let input = line.strip_suffix('\r').unwrap_or(&line);
        let accepted = answer(input, &mut out)
            .context("writing to stdout")
            .map_err(Failure::io)?;
        rejected += usize::from(!accepted);
    }
    out.flush()
        .context("writing to stdout")
        .map_err(Failure::io)?;
    Ok(if rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes one value as a JSON line.
pub fn json_line(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}
