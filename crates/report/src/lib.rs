//! Reports of an analysis: canonical JSON, SARIF 2.1.0, CycloneDX 1.6 VEX,
//! CSV, a self-contained HTML page and a terminal table.
//!
//! [`render`] is pure: the clock comes in through [`ReportContext`], and
//! equal inputs give byte-identical output. The whole report is built in
//! memory first, so a failure never leaves half a report in `out`.

mod csv_report;
mod format;
mod html;
mod json;
mod links;
mod sarif;
mod table;
mod vex;
mod view;

use chrono::{DateTime, SecondsFormat, Utc};
use medsec_engine::Analysis;

pub use csv_report::COLUMNS as CSV_COLUMNS;
pub use format::{Format, UnknownFormat};
pub use json::SCHEMA_VERSION;

/// The name reports give as their producer.
pub const TOOL_NAME: &str = "medsec";

/// What a report says about its own making.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportContext<'a> {
    /// The SBOM file's name, as the user gave it.
    pub source_name: &'a str,
    /// When the report was made.
    pub generated_at: DateTime<Utc>,
    /// The version of the tool making the report.
    pub tool_version: &'a str,
}

impl ReportContext<'_> {
    /// `generated_at` as RFC 3339 in UTC with second precision.
    pub(crate) fn timestamp(&self) -> String {
        self.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the {format} report: {source}")]
    Io {
        format: Format,
        #[source]
        source: std::io::Error,
    },
    #[error("encoding the {format} report: {source}")]
    Json {
        format: Format,
        #[source]
        source: serde_json::Error,
    },
    #[error("encoding the csv report: {0}")]
    Csv(#[from] csv::Error),
}

/// Writes the report of `analysis` in `format` to `out`.
pub fn render(
    analysis: &Analysis,
    ctx: &ReportContext<'_>,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let bytes = to_bytes(analysis, ctx, format)?;
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(|source| ReportError::Io { format, source })
}

/// The report of `analysis` in `format`, in memory.
pub fn to_bytes(
    analysis: &Analysis,
    ctx: &ReportContext<'_>,
    format: Format,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Table => Ok(table::render(analysis, ctx)),
        Format::Json => json::render(analysis, ctx),
        Format::Sarif => sarif::render(analysis, ctx),
        Format::Vex => vex::render(analysis, ctx),
        Format::Csv => csv_report::render(analysis),
        Format::Html => Ok(html::render(analysis, ctx)),
    }
}

pub(crate) fn json_bytes<T: serde::Serialize>(
    format: Format,
    value: &T,
) -> Result<Vec<u8>, ReportError> {
    let mut v =
        serde_json::to_vec_pretty(value).map_err(|source| ReportError::Json { format, source })?;
    v.push(b'\n');
    Ok(v)
}
