//! The CPU part of an `sbom-analysis` job: parse, match, rank. Pure; the
//! job loop runs it on the blocking pool.

use chrono::NaiveDate;
use medsec_engine::{Analyser, Analysis, DeviceContext, Exploitability, Options};

use crate::failure::JobFailure;
use crate::kb::KnowledgeBase;

/// The device context a job was submitted with; none means the engine's
/// cautious default.
pub fn device_context(value: Option<&serde_json::Value>) -> Result<DeviceContext, JobFailure> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(DeviceContext::default()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| JobFailure::permanent(format!("device context: {e}"))),
    }
}

/// Parses `sbom` and analyses it against the knowledge base.
pub fn analyse_sbom(
    kb: &KnowledgeBase,
    exploitability: &dyn Exploitability,
    sbom: &[u8],
    device: &DeviceContext,
    as_of: NaiveDate,
) -> Result<Analysis, JobFailure> {
    let sbom = medsec_sbom::parse(sbom).map_err(|e| JobFailure::permanent(format!("SBOM: {e}")))?;
    let options = Options { as_of: Some(as_of) };
    Ok(Analyser::new(&kb.index, &kb.scope)
        .with_exploitability(exploitability)
        .analyse(&sbom, device, &options))
}
