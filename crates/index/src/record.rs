//! The records the index holds: vulnerabilities reduced to what matching,
//! enrichment and reports read, and the side tables (KEV, EPSS, CWE,
//! advisories). Plain strings and numbers only, so the snapshot encoding
//! is deterministic and needs no self-describing format.

use medsec_kb::{Configuration, FixedVersion, ProductAffected, Range, Source};
use serde::{Deserialize, Serialize};

/// One vulnerability as one feed describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnRecord {
    pub id: String,
    pub source: Source,
    pub status: Option<String>,
    /// Other ids of the same vulnerability (not CSAF advisory ids, which
    /// are kept in [`VulnRecord::advisories`]).
    pub aliases: Vec<String>,
    /// Advisories that name this vulnerability (CSAF tracking ids).
    pub advisories: Vec<String>,
    /// RFC 3339, UTC.
    pub published: Option<String>,
    pub modified: Option<String>,
    pub withdrawn: Option<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub severities: Vec<ScoredVector>,
    /// `CWE-n` and NVD's `NVD-CWE-*`, sorted, deduplicated.
    pub cwe_ids: Vec<String>,
    /// KEV facts the record itself carries (NVD `cisa*`, vulnrichment).
    pub kev: Option<KevInfo>,
    /// CISA SSVC decisions the record carries (NVD `ssvcV203`, vulnrichment
    /// ADP), without `Exploitation`.
    pub ssvc: Vec<SsvcInfo>,
    /// The CNA's short name (CVE 5 records).
    pub cna: Option<String>,
    /// OSV `affected` entries.
    pub affected: Vec<OsvEntry>,
    /// NVD configurations.
    pub configurations: Vec<Configuration>,
    /// CVE JSON 5 (and CSAF) affected products.
    pub products: Vec<ProductAffected>,
    /// What the record states as fixing versions.
    pub fixed: Vec<FixedVersion>,
}

impl VulnRecord {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

/// An OSV `affected` entry: package, ranges and listed versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvEntry {
    /// As written, with any release suffix (`Debian:12`).
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
}

/// A severity vector with the scores computed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredVector {
    /// `2.0`, `3.0`, `3.1`, `4.0`, or the feed's type name for non-CVSS
    /// severities (OSV `Ubuntu`).
    pub kind: String,
    pub vector: String,
    /// Who scored it (NVD source, CNA, ADP, OSV, CSAF).
    pub source: Option<String>,
    pub role: Option<String>,
    /// The base score the feed states.
    pub stated_base_score: Option<f64>,
    /// Computed by `medsec_cvss`, or why the vector could not be scored.
    pub computed: Result<CvssScores, String>,
}

/// The scores of a CVSS vector as `medsec_cvss` computes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScores {
    pub version: String,
    pub base: f64,
    pub temporal: Option<f64>,
    pub threat: Option<f64>,
    pub environmental: Option<f64>,
    pub overall: f64,
    /// `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`, `NONE`.
    pub severity: String,
}

/// A CISA SSVC decision: the parts known when a CVE is published.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SsvcInfo {
    /// Who decided (`CISA-ADP`, an NVD source).
    pub source: Option<String>,
    /// `yes` / `no`, lower case.
    pub automatable: Option<String>,
    /// `total` / `partial`, lower case.
    pub technical_impact: Option<String>,
}

/// KEV membership of a CVE.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KevInfo {
    /// `YYYY-MM-DD`.
    pub date_added: String,
    pub due_date: Option<String>,
    /// `Some(true)` for `Known`, `Some(false)` for `Unknown`; `None` when
    /// the source does not say (KEV marks inside NVD records).
    pub known_ransomware_use: Option<bool>,
    pub vulnerability_name: Option<String>,
    pub required_action: Option<String>,
    /// `catalog` for the CISA catalog, else the record source that carried
    /// the mark.
    pub from: String,
}

/// A CVE's EPSS score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpssInfo {
    pub score: f64,
    pub percentile: f64,
    /// Score date of the file (`YYYY-MM-DD`), when the file states it.
    pub date: Option<String>,
    pub model_version: Option<String>,
}

/// A CSAF advisory, reduced to what a report cites.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AdvisoryInfo {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub initial_release: String,
    pub current_release: String,
    /// The CVEs the advisory names, sorted.
    pub cves: Vec<String>,
}

/// What a build was made of.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BuildMeta {
    /// Records given per kind (`nvd`, `osv`, `cve5`, `csaf`, `nvd_legacy`,
    /// `kev`, `epss`, `cwe`, `csaf_advisory`), sorted by kind.
    pub records_in: Vec<(String, u64)>,
    /// Vulnerability records kept after duplicates (same id and source)
    /// were resolved to the newest.
    pub vulnerabilities: u64,
    /// Records dropped as older or identical duplicates of a kept one.
    pub duplicates_dropped: u64,
    /// Records that could not be encoded (none are expected).
    pub unencodable: u64,
    /// The newest `modified` time of any vulnerability record.
    pub newest_modified: Option<String>,
}
