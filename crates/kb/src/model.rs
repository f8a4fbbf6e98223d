//! The normalised vulnerability record and its parts.
//!
//! One [`Vulnerability`] type carries what NVD, CVE JSON 5, OSV and CSAF say
//! about one id; which parts are filled depends on [`Source`]. Version
//! ranges, CPE criteria and CVSS vectors stay as the feed wrote them: they
//! are interpreted by the matching index, not here.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::hash::ContentHash;
use crate::time::Timestamp;

/// The feed a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// NVD CVE API 2.0 (and its yearly feeds).
    Nvd,
    /// Legacy NVD JSON 1.1 feed.
    NvdLegacy,
    /// CVE JSON 5.x record (CVE List, CISA vulnrichment).
    Cve5,
    /// OSV record (GitHub advisories, PyPA, Go, RustSec, ...).
    Osv,
    /// CSAF 2.0 advisory.
    Csaf,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Nvd => "nvd",
            Source::NvdLegacy => "nvd_legacy",
            Source::Cve5 => "cve5",
            Source::Osv => "osv",
            Source::Csaf => "csaf",
        }
    }
}

/// One vulnerability as one feed describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    pub source: Source,
    /// The feed's own status word: NVD `vulnStatus`, CVE 5 `state`.
    pub status: Option<String>,
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    /// OSV 1.7 `upstream`: ids this record derives from (a distro
    /// advisory's CVEs).
    pub upstream: Vec<String>,
    pub published: Option<Timestamp>,
    /// As written. The Go vulndb export writes the zero time
    /// `0001-01-01T00:00:00Z` here (valid per the OSV schema).
    pub modified: Option<Timestamp>,
    /// Set when the record is withdrawn or rejected. NVD and CVE 5 do not
    /// carry the time of rejection separately; their last-modified time
    /// (CVE 5 `dateRejected` when present) stands for it.
    pub withdrawn: Option<Timestamp>,
    /// Short title (OSV `summary`, CVE 5 `title`).
    pub summary: Option<String>,
    /// Description (OSV `details`, NVD / CVE 5 English description).
    pub details: Option<String>,
    pub severities: Vec<Severity>,
    pub ssvc: Vec<Ssvc>,
    pub kev: Option<KevMark>,
    pub weaknesses: Vec<Weakness>,
    pub references: Vec<Reference>,
    /// Packages with OSV ranges (OSV).
    pub affected: Vec<AffectedPackage>,
    /// NVD CPE match configurations.
    pub configurations: Vec<Configuration>,
    /// CVE JSON 5 `affected` entries of the CNA and of each ADP.
    pub products: Vec<ProductAffected>,
    /// Small `database_specific` JSON of the record, if any.
    pub database_specific: Option<serde_json::Value>,
}

impl ContentHash for Vulnerability {
    const KIND: &'static str = "vulnerability";
}

impl Vulnerability {
    pub(crate) fn new(id: String, source: Source) -> Self {
        Vulnerability {
            id,
            source,
            status: None,
            aliases: Vec::new(),
            related: Vec::new(),
            upstream: Vec::new(),
            published: None,
            modified: None,
            withdrawn: None,
            summary: None,
            details: None,
            severities: Vec::new(),
            ssvc: Vec::new(),
            kev: None,
            weaknesses: Vec::new(),
            references: Vec::new(),
            affected: Vec::new(),
            configurations: Vec::new(),
            products: Vec::new(),
            database_specific: None,
        }
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The CWE ids named by the record, deduplicated and sorted.
    pub fn cwe_ids(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.weaknesses.iter().map(|w| w.id.as_str()).collect();
        set.into_iter().map(str::to_owned).collect()
    }

    /// Versions that fix the vulnerability, as the record states them: OSV
    /// `fixed` events (not of GIT ranges), NVD `versionEndExcluding` of
    /// vulnerable criteria, CVE 5 `lessThan` of affected ranges. Each is
    /// paired with the package or product it belongs to.
    pub fn fixed_versions(&self) -> Vec<FixedVersion> {
        let mut out = BTreeSet::new();
        for a in &self.affected {
            for r in &a.ranges {
                if r.kind == RangeKind::Git {
                    continue;
                }
                for e in &r.events {
                    if let Event::Fixed(v) = e {
                        out.insert(FixedVersion {
                            package: format!("{}:{}", a.ecosystem, a.name),
                            version: v.clone(),
                        });
                    }
                }
            }
        }
        for c in &self.configurations {
            for n in &c.nodes {
                for m in n.matches.iter().filter(|m| m.vulnerable) {
                    if let Some(v) = &m.version_end_excluding {
                        out.insert(FixedVersion {
                            package: m.criteria.clone(),
                            version: v.clone(),
                        });
                    }
                }
            }
        }
        for p in &self.products {
            for v in p.versions.iter().filter(|v| v.status == "affected") {
                if let Some(lt) = v.less_than.as_ref().filter(|lt| lt.as_str() != "*") {
                    out.insert(FixedVersion {
                        package: format!(
                            "{}:{}",
                            p.vendor.as_deref().unwrap_or(""),
                            p.product
                                .as_deref()
                                .or(p.package_name.as_deref())
                                .unwrap_or("")
                        ),
                        version: lt.clone(),
                    });
                }
            }
        }
        out.into_iter().collect()
    }
}

/// A version that fixes a vulnerability in one package or product.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FixedVersion {
    /// `ecosystem:name` (OSV), the CPE criteria (NVD) or `vendor:product`.
    pub package: String,
    pub version: String,
}

/// The scoring system of a severity vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityKind {
    CvssV2,
    CvssV30,
    CvssV31,
    CvssV40,
    /// OSV `Ubuntu` severity (a word, not a vector).
    Ubuntu,
    /// A type this crate does not know, kept by name.
    Other(String),
}

impl SeverityKind {
    /// From a CVSS vector's own prefix (`CVSS:3.1/...`), else `fallback`.
    pub fn from_vector(vector: &str, fallback: SeverityKind) -> SeverityKind {
        match vector.split('/').next() {
            Some("CVSS:3.0") => SeverityKind::CvssV30,
            Some("CVSS:3.1") => SeverityKind::CvssV31,
            Some("CVSS:4.0") => SeverityKind::CvssV40,
            _ => fallback,
        }
    }
}

/// One severity statement: a vector (or OSV score string) with its origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    pub kind: SeverityKind,
    /// The vector as written (`CVSS:3.1/AV:N/...`, `AV:N/AC:L/...`).
    pub vector: String,
    /// The base score the feed states, not recomputed here.
    pub base_score: Option<f64>,
    /// Who scored it: NVD `source`, CVE 5 provider short name, CSAF or OSV.
    pub source: Option<String>,
    /// NVD `Primary` / `Secondary`, CVE 5 `cna` / `adp`.
    pub role: Option<String>,
}

/// A CISA SSVC decision (NVD `ssvcV203`, vulnrichment ADP `ssvc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ssvc {
    pub source: Option<String>,
    pub role: Option<String>,
    pub version: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// Lower-cased as the feeds spell them differently (`PoC`, `poc`).
    pub exploitation: Option<String>,
    pub automatable: Option<String>,
    pub technical_impact: Option<String>,
}

/// KEV facts carried inside a vulnerability record (NVD `cisa*` fields,
/// vulnrichment ADP `kev`). The catalog itself is [`crate::kev::KevEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevMark {
    pub date_added: chrono::NaiveDate,
    pub due_date: Option<chrono::NaiveDate>,
    pub required_action: Option<String>,
    pub vulnerability_name: Option<String>,
}

/// A weakness: `CWE-79`, or NVD's `NVD-CWE-Other` / `NVD-CWE-noinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weakness {
    pub id: String,
    pub name: Option<String>,
    pub source: Option<String>,
}

impl Weakness {
    /// The numeric CWE id, when this is a `CWE-n` weakness.
    pub fn cwe_number(&self) -> Option<u32> {
        self.id.strip_prefix("CWE-")?.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    /// OSV reference `type` (ADVISORY, FIX, ...) or NVD 1.1 `refsource`.
    pub kind: Option<String>,
    pub tags: Vec<String>,
    pub source: Option<String>,
}

/// An OSV `affected` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedPackage {
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    pub versions: Vec<String>,
    pub severities: Vec<Severity>,
    pub ecosystem_specific: Option<serde_json::Value>,
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
    Other(String),
}

/// An OSV range: events in the order the record gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    And,
    Or,
}

impl Operator {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        match s {
            "AND" | "and" => Ok(Operator::And),
            "OR" | "or" => Ok(Operator::Or),
            other => Err(format!("operator `{other}` is neither AND nor OR")),
        }
    }
}

/// An NVD configuration: its nodes combined by `operator` (OR when absent,
/// as NVD omits it for single-node configurations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    pub operator: Option<Operator>,
    pub negate: bool,
    pub nodes: Vec<Node>,
}

/// An NVD configuration node: CPE match criteria combined by `operator`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub operator: Operator,
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
}

/// One NVD CPE match criterion; the CPE string is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeMatch {
    pub vulnerable: bool,
    pub criteria: String,
    pub match_criteria_id: Option<String>,
    pub version_start_including: Option<String>,
    pub version_start_excluding: Option<String>,
    pub version_end_including: Option<String>,
    pub version_end_excluding: Option<String>,
}

/// A CVE JSON 5 `affected` entry, from the CNA or an ADP container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductAffected {
    /// Short name of the container's provider (`CISA-ADP`, a CNA name).
    pub provider: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub package_name: Option<String>,
    pub collection_url: Option<String>,
    pub repo: Option<String>,
    pub default_status: Option<String>,
    pub versions: Vec<ProductVersion>,
    pub cpes: Vec<String>,
    /// CVE 5.2 `packageURL`; CSAF product helper purls.
    pub purls: Vec<String>,
    pub platforms: Vec<String>,
}

/// A CVE JSON 5 version entry (single version or range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductVersion {
    pub version: String,
    /// `affected`, `unaffected` or `unknown`.
    pub status: String,
    pub version_type: Option<String>,
    pub less_than: Option<String>,
    pub less_than_or_equal: Option<String>,
    pub changes: Vec<VersionChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    pub at: String,
    pub status: String,
}
