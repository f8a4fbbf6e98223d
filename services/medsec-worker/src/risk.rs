//! `risk-score` jobs: a batch of vulnerability ids ranked for one device,
//! with the same enrichment, exploitability estimate and priority rule as
//! the findings of an SBOM analysis.

use medsec_engine::{
    factors, DeviceContext, ExploitAssessment, ExploitSignals, Exploitability, Factor, Priority,
};
use medsec_index::{EpssInfo, KevInfo};
use serde::{Deserialize, Serialize};

use crate::failure::JobFailure;
use crate::kb::KnowledgeBase;

/// The stored input of a `risk-score` job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RiskRequest {
    pub cve_ids: Vec<String>,
}

impl RiskRequest {
    pub fn from_json(bytes: &[u8]) -> Result<RiskRequest, JobFailure> {
        serde_json::from_slice(bytes)
            .map_err(|e| JobFailure::permanent(format!("risk-score input: {e}")))
    }
}

/// The result of a `risk-score` job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScores {
    pub kb_generation: u64,
    pub device: DeviceContext,
    /// Ranked: highest score first, ties by id.
    pub scores: Vec<RiskScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// 1 for the highest score.
    pub rank: usize,
    /// The id as requested.
    pub id: String,
    /// Its alias group's canonical id.
    pub canonical_id: String,
    /// Whether the knowledge base holds any record of the group; an
    /// unknown id is still scored, from the assumed values the factors name.
    pub known: bool,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    pub severity: String,
    pub kev: Option<KevInfo>,
    pub epss: Option<EpssInfo>,
    pub exploitability: ExploitAssessment,
    pub factors: Vec<Factor>,
    pub score: f64,
    pub priority: Priority,
}

/// Rank `rank` of a CVSS version for choosing the ranking vector: the
/// highest version wins, as in the engine's findings.
fn version_rank(v: &str) -> f64 {
    v.parse().unwrap_or(0.0)
}

/// Scores every requested id.
pub fn score_risks(
    kb: &KnowledgeBase,
    exploitability: &dyn Exploitability,
    request: &RiskRequest,
    device: &DeviceContext,
) -> RiskScores {
    let index = &kb.index;
    let mut scores: Vec<RiskScore> = request
        .cve_ids
        .iter()
        .map(|id| {
            let canonical = index.canonical_id(id).to_owned();
            // A CVE named only as an alias of another record (an OSV
            // advisory) is known through that record.
            let known = match index.alias_group(id) {
                Some(group) => group.ids.iter().any(|g| !index.records(g).is_empty()),
                None => !index.records(id).is_empty(),
            };
            // The requested id's own KEV and EPSS entries (another CVE of
            // its alias group has its own); the vectors are the group's.
            let e = index.enrichment(id);
            let ranked = e
                .cvss
                .iter()
                .filter_map(|(record, _, v)| v.computed.as_ref().ok().map(|s| (record, v, s)))
                .max_by(|(_, _, a), (_, _, b)| {
                    version_rank(&a.version)
                        .total_cmp(&version_rank(&b.version))
                        .then(a.base.total_cmp(&b.base))
                });
            let signals = ExploitSignals {
                kev: e.kev.is_some(),
                epss_score: e.epss.as_ref().map(|x| x.score),
                epss_percentile: e.epss.as_ref().map(|x| x.percentile),
                cvss_vector: ranked.map(|(_, v, _)| v.vector.as_str()),
                id,
                vectors: &e.cvss,
                cwes: &e.cwes,
                ssvc: &e.ssvc,
                cna: e.cna.as_deref(),
            };
            let assessment = exploitability.assess(&signals);
            let severity_input =
                ranked.map(|(record, _, s)| (s.base, format!("CVSS {} from {record}", s.version)));
            let factors = factors(device, severity_input, &assessment);
            let score: f64 = factors.iter().map(|f| f.contribution).sum();
            RiskScore {
                rank: 0,
                id: id.clone(),
                canonical_id: canonical.clone(),
                known,
                cvss_score: ranked.map(|(_, _, s)| s.base),
                cvss_vector: ranked.map(|(_, v, _)| v.vector.clone()),
                severity: ranked.map_or_else(
                    || "unknown".to_owned(),
                    |(_, _, s)| s.severity.to_ascii_lowercase(),
                ),
                kev: e.kev.clone(),
                epss: e.epss.clone(),
                exploitability: assessment,
                factors,
                score,
                priority: Priority::from_score(score),
            }
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    for (i, s) in scores.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    RiskScores {
        kb_generation: kb.generation(),
        device: device.clone(),
        scores,
    }
}
