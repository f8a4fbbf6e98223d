//! Every report format of an analysis, rendered once by the worker and
//! stored with the result, so the API serves them as they are.

use medsec_engine::Analysis;
use medsec_report::{Format, ReportContext};
use medsec_store::jobs::RenderedReport;
use serde::{Deserialize, Serialize};

use crate::failure::JobFailure;

/// The formats stored with a result (the terminal table is for the CLI).
pub const STORED: [Format; 5] = [
    Format::Json,
    Format::Sarif,
    Format::Vex,
    Format::Csv,
    Format::Html,
];

/// A report as the `sbom:` cache keeps it (every format is text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedReport {
    pub format: String,
    pub media_type: String,
    pub body: String,
}

/// What the `sbom:` cache holds for one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedResult {
    pub analysis: serde_json::Value,
    pub reports: Vec<CachedReport>,
}

impl CachedResult {
    pub fn rendered(&self) -> Vec<RenderedReport> {
        self.reports
            .iter()
            .map(|r| RenderedReport {
                format: r.format.clone(),
                media_type: r.media_type.clone(),
                body: r.body.clone().into_bytes(),
            })
            .collect()
    }
}

/// Renders `analysis` in every stored format.
pub fn render_all(analysis: &Analysis, source_name: &str) -> Result<Vec<CachedReport>, JobFailure> {
    let ctx = ReportContext {
        source_name,
        generated_at: chrono::Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    STORED
        .iter()
        .map(|&format| {
            let bytes = medsec_report::to_bytes(analysis, &ctx, format).map_err(|e| {
                JobFailure::permanent(format!("rendering the {} report: {e}", format.name()))
            })?;
            let body = String::from_utf8(bytes).map_err(|e| {
                JobFailure::permanent(format!("the {} report is not UTF-8: {e}", format.name()))
            })?;
            Ok(CachedReport {
                format: format.name().to_owned(),
                media_type: format.media_type().to_owned(),
                body,
            })
        })
        .collect()
}
