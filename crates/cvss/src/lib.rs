//! CVSS v2.0, v3.0, v3.1 and v4.0: strict vector parsing and scoring exactly
//! as each FIRST specification computes.
//!
//! ```
//! let cvss = medsec_cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P").unwrap();
//! assert_eq!(cvss.base_score(), 9.8);
//! assert_eq!(cvss.temporal_score(), Some(9.3));
//! assert_eq!(cvss.severity(), medsec_cvss::Severity::Critical);
//! assert_eq!(cvss.to_string(), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P");
//! ```
//!
//! What each version's scores mean here:
//!
//! | version | base | temporal | threat | environmental |
//! | --- | --- | --- | --- | --- |
//! | 2.0 | base | when a temporal metric is defined | - | when an environmental metric is defined |
//! | 3.0, 3.1 | base | always (equals base when none is defined) | - | always |
//! | 4.0 | CVSS-B | - | CVSS-BT, when E is defined | CVSS-BE / CVSS-BTE, when an environmental metric is defined |
//!
//! The overall score is the most specific one the vector defines (for v4.0,
//! the score of the whole vector, labelled by its nomenclature), and
//! [`Cvss::severity`] rates it. CVSS v2.0 has no official severity scale;
//! the Low / Medium / High bands NVD uses are applied and labelled as NVD's
//! ([`SeverityScale::NvdV2`]).

mod dec;
mod error;
mod metrics;
mod v2;
mod v3;
mod v4;
mod v4_lookup;

use serde::{Deserialize, Serialize};

pub use error::CvssError;
pub use v2::V2Vector;
pub use v3::V3Vector;
pub use v4::{Nomenclature, V4Vector};

/// A CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Version {
    /// CVSS v2.0.
    #[serde(rename = "2.0")]
    V2_0,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4_0,
}

impl core::fmt::Display for Version {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::V2_0 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        })
    }
}

/// A qualitative severity rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Score 0.0 (v3.x, v4.0 only).
    None,
    /// v3.x/v4.0: 0.1-3.9; NVD's v2 bands: 0.0-3.9.
    Low,
    /// 4.0-6.9.
    Medium,
    /// v3.x/v4.0: 7.0-8.9; NVD's v2 bands: 7.0-10.0.
    High,
    /// 9.0-10.0 (v3.x, v4.0 only).
    Critical,
}

impl core::fmt::Display for Severity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        })
    }
}

/// Which scale a [`Severity`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityScale {
    /// The Qualitative Severity Rating Scale of the CVSS v3.x / v4.0
    /// specifications.
    Cvss,
    /// NVD's conventional bands for CVSS v2.0 scores (Low 0.0-3.9, Medium
    /// 4.0-6.9, High 7.0-10.0); the v2.0 specification defines none.
    NvdV2,
}

impl SeverityScale {
    /// Rates `score` on this scale.
    pub fn rate(self, score: f64) -> Severity {
        match self {
            Self::NvdV2 if score < 4.0 => Severity::Low,
            Self::NvdV2 if score < 7.0 => Severity::Medium,
            Self::NvdV2 => Severity::High,
            Self::Cvss if score <= 0.0 => Severity::None,
            Self::Cvss if score < 4.0 => Severity::Low,
            Self::Cvss if score < 7.0 => Severity::Medium,
            Self::Cvss if score < 9.0 => Severity::High,
            Self::Cvss => Severity::Critical,
        }
    }
}

/// A parsed CVSS vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cvss {
    /// CVSS v2.0.
    V2(V2Vector),
    /// CVSS v3.0 or v3.1.
    V3(V3Vector),
    /// CVSS v4.0.
    V4(V4Vector),
}

/// Parses a CVSS vector string: `CVSS:3.0/...`, `CVSS:3.1/...`,
/// `CVSS:4.0/...`, or a v2 vector (no prefix; NVD's parenthesised form
/// `(AV:N/...)` is accepted too). Nothing else is trimmed or tolerated.
pub fn parse(s: &str) -> Result<Cvss, CvssError> {
    if s.is_empty() {
        return Err(CvssError::Empty);
    }
    if let Some(rest) = s.strip_prefix("CVSS:") {
        let (version, body) = rest.split_once('/').unwrap_or((rest, ""));
        return match version {
            "3.0" => V3Vector::parse_body(body, Version::V3_0).map(Cvss::V3),
            "3.1" => V3Vector::parse_body(body, Version::V3_1).map(Cvss::V3),
            "4.0" => V4Vector::parse_body(body).map(Cvss::V4),
            _ => Err(CvssError::UnsupportedVersion {
                prefix: error::echo(&format!("CVSS:{version}")),
            }),
        };
    }
    let inner = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(s);
    // A first component that is no v2 metric is a bad prefix rather than an
    // unknown v2 metric: say so.
    let first = inner.split('/').next().unwrap_or_default();
    let first_key = first.split_once(':').map_or(first, |(k, _)| k);
    if !v2::is_metric(first_key) {
        return Err(CvssError::BadPrefix {
            prefix: error::echo(first),
        });
    }
    V2Vector::parse_body(inner).map(Cvss::V2)
}

impl core::str::FromStr for Cvss {
    type Err = CvssError;
    fn from_str(s: &str) -> Result<Self, CvssError> {
        parse(s)
    }
}

/// Every score of a vector, for reports and `--json` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// The CVSS version.
    pub version: Version,
    /// The canonical vector string.
    pub vector: String,
    /// Base score (v4.0: CVSS-B).
    pub base: f64,
    /// Temporal score (v2.0, v3.x).
    pub temporal: Option<f64>,
    /// Threat score, CVSS-BT (v4.0).
    pub threat: Option<f64>,
    /// Environmental score (v4.0: CVSS-BE or CVSS-BTE).
    pub environmental: Option<f64>,
    /// The most specific score the vector defines.
    pub overall: f64,
    /// v4.0: which metric groups `overall` includes.
    pub nomenclature: Option<Nomenclature>,
    /// Severity of `overall`.
    pub severity: Severity,
    /// The scale `severity` comes from.
    pub severity_scale: SeverityScale,
}

impl Cvss {
    /// The vector's CVSS version.
    pub fn version(&self) -> Version {
        match self {
            Self::V2(_) => Version::V2_0,
            Self::V3(v) => v.version(),
            Self::V4(_) => Version::V4_0,
        }
    }

    /// The value of metric `key` as written, or `None` when absent.
    pub fn metric(&self, key: &str) -> Option<&'static str> {
        match self {
            Self::V2(v) => v.metric(key),
            Self::V3(v) => v.metric(key),
            Self::V4(v) => v.metric(key),
        }
    }

    /// The metrics present, in specification order, as `(metric, value)`.
    pub fn metrics(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::V2(v) => v.metrics().collect(),
            Self::V3(v) => v.metrics().collect(),
            Self::V4(v) => v.metrics().collect(),
        }
    }

    /// The base score (v4.0: CVSS-B, the base metrics alone).
    pub fn base_score(&self) -> f64 {
        match self {
            Self::V2(v) => v.base_score(),
            Self::V3(v) => v.base_score(),
            Self::V4(v) => v.base_score(),
        }
    }

    /// The temporal score of v2.0 (when defined) and v3.x; `None` for v4.0,
    /// whose counterpart is [`Self::threat_score`].
    pub fn temporal_score(&self) -> Option<f64> {
        match self {
            Self::V2(v) => v.temporal_score(),
            Self::V3(v) => Some(v.temporal_score()),
            Self::V4(_) => None,
        }
    }

    /// The v4.0 threat score (CVSS-BT) when E is defined; `None` otherwise
    /// and for older versions.
    pub fn threat_score(&self) -> Option<f64> {
        match self {
            Self::V4(v) => v.threat_score(),
            Self::V2(_) | Self::V3(_) => None,
        }
    }

    /// The environmental score: v2.0 and v4.0 when an environmental metric
    /// is defined, v3.x always.
    pub fn environmental_score(&self) -> Option<f64> {
        match self {
            Self::V2(v) => v.environmental_score(),
            Self::V3(v) => Some(v.environmental_score()),
            Self::V4(v) => v.environmental_score(),
        }
    }

    /// The most specific score the vector defines: environmental, else
    /// temporal/threat, else base. For v4.0 this is the score of the whole
    /// vector.
    pub fn overall_score(&self) -> f64 {
        match self {
            Self::V2(v) => v
                .environmental_score()
                .or_else(|| v.temporal_score())
                .unwrap_or_else(|| v.base_score()),
            Self::V3(v) if v.has_environmental() => v.environmental_score(),
            Self::V3(v) if v.has_temporal() => v.temporal_score(),
            Self::V3(v) => v.base_score(),
            Self::V4(v) => v.score(),
        }
    }

    /// v4.0: which metric groups [`Self::overall_score`] includes.
    pub fn nomenclature(&self) -> Option<Nomenclature> {
        match self {
            Self::V4(v) => Some(v.nomenclature()),
            Self::V2(_) | Self::V3(_) => None,
        }
    }

    /// The scale [`Self::severity`] uses.
    pub fn severity_scale(&self) -> SeverityScale {
        match self {
            Self::V2(_) => SeverityScale::NvdV2,
            Self::V3(_) | Self::V4(_) => SeverityScale::Cvss,
        }
    }

    /// Severity of [`Self::overall_score`].
    pub fn severity(&self) -> Severity {
        self.severity_scale().rate(self.overall_score())
    }

    /// Severity of [`Self::base_score`] (what NVD publishes as "base
    /// severity").
    pub fn base_severity(&self) -> Severity {
        self.severity_scale().rate(self.base_score())
    }

    /// Every score at once.
    pub fn scores(&self) -> Scores {
        let overall = self.overall_score();
        let scale = self.severity_scale();
        Scores {
            version: self.version(),
            vector: self.to_string(),
            base: self.base_score(),
            temporal: self.temporal_score(),
            threat: self.threat_score(),
            environmental: self.environmental_score(),
            overall,
            nomenclature: self.nomenclature(),
            severity: scale.rate(overall),
            severity_scale: scale,
        }
    }
}

/// The canonical vector string: the version's prefix, then the metrics
/// present in specification order, values as written (explicit Not Defined
/// kept). Parsing it gives back an equal [`Cvss`].
impl core::fmt::Display for Cvss {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::V2(v) => v.fmt(f),
            Self::V3(v) => v.fmt(f),
            Self::V4(v) => v.fmt(f),
        }
    }
}

/// Serialised as the canonical vector string.
impl Serialize for Cvss {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialised from a vector string, strictly as [`parse`] does.
impl<'de> Deserialize<'de> for Cvss {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}
