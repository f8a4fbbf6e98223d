//! The canonical JSON report: the analysis as the engine gives it, in an
//! envelope that names the schema version, the source and the producer.

use medsec_engine::Analysis;
use serde::Serialize;

use crate::{json_bytes, Format, ReportContext, ReportError, TOOL_NAME};

/// The version of `schema/medsec-report.schema.json` this crate writes.
/// Minor versions only add optional members; a major version changes or
/// removes one (see README).
pub const SCHEMA_VERSION: &str = "1.1";

#[derive(Serialize)]
struct Envelope<'a> {
    schema_version: &'static str,
    generator: Generator<'a>,
    generated_at: String,
    source: Source<'a>,
    analysis: &'a Analysis,
}

#[derive(Serialize)]
struct Generator<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Source<'a> {
    name: &'a str,
}

pub(crate) fn render(analysis: &Analysis, ctx: &ReportContext<'_>) -> Result<Vec<u8>, ReportError> {
    let envelope = Envelope {
        schema_version: SCHEMA_VERSION,
        generator: Generator {
            name: TOOL_NAME,
            version: ctx.tool_version,
        },
        generated_at: ctx.timestamp(),
        source: Source {
            name: ctx.source_name,
        },
        analysis,
    };
    json_bytes(Format::Json, &envelope)
}
