//! Device context, exploitability and the priority rule.
//!
//! The rule is a weighted sum written out factor by factor, so every
//! finding carries the numbers that made its priority (see README).

use serde::{Deserialize, Serialize};

/// What the device is and where it runs; filled from a TOML or JSON file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DeviceContext {
    pub device_class: DeviceClass,
    pub network_exposure: NetworkExposure,
    #[serde(default)]
    pub patient_contact: bool,
    #[serde(default)]
    pub handles_phi: bool,
}

impl Default for DeviceContext {
    /// The cautious default when nothing is known: a therapeutic device on
    /// the clinical network, touching the patient and handling PHI.
    fn default() -> Self {
        DeviceContext {
            device_class: DeviceClass::Therapeutic,
            network_exposure: NetworkExposure::ClinicalNetwork,
            patient_contact: true,
            handles_phi: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    LifeSustaining,
    Therapeutic,
    Diagnostic,
    Monitoring,
    Administrative,
}

impl DeviceClass {
    /// Harm potential of a compromise, 0..1 (see README).
    pub fn harm(self) -> f64 {
        match self {
            DeviceClass::LifeSustaining => 1.0,
            DeviceClass::Therapeutic => 0.8,
            DeviceClass::Diagnostic => 0.6,
            DeviceClass::Monitoring => 0.5,
            DeviceClass::Administrative => 0.2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkExposure {
    None,
    ClinicalNetwork,
    Internet,
}

impl NetworkExposure {
    /// How much of an exploit's likelihood the exposure lets through.
    pub fn reach(self) -> f64 {
        match self {
            NetworkExposure::None => 0.5,
            NetworkExposure::ClinicalNetwork => 0.8,
            NetworkExposure::Internet => 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
}

impl Priority {
    /// The band of a 0..100 priority score.
    pub fn from_score(score: f64) -> Priority {
        if score >= 70.0 {
            Priority::Critical
        } else if score >= 50.0 {
            Priority::High
        } else if score >= 30.0 {
            Priority::Medium
        } else {
            Priority::Low
        }
    }
}

/// Factor weights; they sum to 100 so the score is 0..100.
pub const WEIGHT_SEVERITY: f64 = 35.0;
pub const WEIGHT_EXPLOITABILITY: f64 = 30.0;
pub const WEIGHT_PATIENT_HARM: f64 = 25.0;
pub const WEIGHT_DATA: f64 = 10.0;

/// Assumed CVSS base score when no vector could be scored.
pub const UNKNOWN_SEVERITY: f64 = 5.0;

/// One term of the priority sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub name: &'static str,
    /// 0..1.
    pub value: f64,
    pub weight: f64,
    /// `value * weight`.
    pub contribution: f64,
    pub explanation: String,
}

impl Factor {
    fn new(name: &'static str, value: f64, weight: f64, explanation: String) -> Factor {
        let value = value.clamp(0.0, 1.0);
        Factor {
            name,
            value,
            weight,
            contribution: value * weight,
            explanation,
        }
    }
}

/// What an exploitability estimator sees.
#[derive(Debug, Clone, Default)]
pub struct ExploitSignals<'a> {
    pub kev: bool,
    pub epss_score: Option<f64>,
    pub epss_percentile: Option<f64>,
    /// The ranking CVSS vector, when there is one.
    pub cvss_vector: Option<&'a str>,
    /// The finding's group id (its CVE when it has one).
    pub id: &'a str,
    /// Every severity vector of every record of the group, with the
    /// record's id and feed.
    pub vectors: &'a [(String, medsec_kb::Source, medsec_index::ScoredVector)],
    /// CWE ids of the group's records (with names when known).
    pub cwes: &'a [(String, Option<String>)],
    /// CISA SSVC decisions (automatable, technical impact).
    pub ssvc: &'a [medsec_index::SsvcInfo],
    /// The CNA's short name, when a CVE 5 record names it.
    pub cna: Option<&'a str>,
}

/// A probability of exploitation and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExploitAssessment {
    /// 0..1.
    pub probability: f64,
    /// `rule`, or the name of the model that produced it.
    pub source: String,
    pub explanation: String,
}

/// Estimates exploitability. [`RuleExploitability`] is the documented
/// rule; a learned model can implement this and fall back to the rule.
pub trait Exploitability {
    fn assess(&self, signals: &ExploitSignals<'_>) -> ExploitAssessment;
}

/// KEV, then EPSS percentile bands, then CVSS exploitability metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleExploitability;

impl Exploitability for RuleExploitability {
    fn assess(&self, s: &ExploitSignals<'_>) -> ExploitAssessment {
        let rule = |p: f64, e: String| ExploitAssessment {
            probability: p,
            source: "rule".to_owned(),
            explanation: e,
        };
        if s.kev {
            return rule(1.0, "listed in CISA KEV: exploited in the wild".to_owned());
        }
        if let Some(pct) = s.epss_percentile {
            let p = if pct >= 0.95 {
                0.9
            } else if pct >= 0.80 {
                0.7
            } else if pct >= 0.50 {
                0.4
            } else {
                0.2
            };
            let score = s
                .epss_score
                .map_or(String::new(), |x| format!(" score {x:.4},"));
            return rule(p, format!("EPSS{score} percentile {pct:.3} -> band {p}"));
        }
        if let Some(v) = s.cvss_vector {
            if let Ok(c) = medsec_cvss::parse(v) {
                let (p, parts) = cvss_exploitability(&c);
                return rule(
                    p,
                    format!("no KEV or EPSS; CVSS metrics {} -> {p:.3}", parts.join(" ")),
                );
            }
        }
        rule(0.3, "no KEV, EPSS or scorable CVSS: assumed 0.3".to_owned())
    }
}

/// Product of per-metric multipliers, capped at 0.6 because a vector says
/// what an attack needs, not that one exists.
fn cvss_exploitability(c: &medsec_cvss::Cvss) -> (f64, Vec<String>) {
    let mut p = 0.6;
    let mut parts = Vec::new();
    for key in ["AV", "AC", "AT", "PR", "UI", "Au"] {
        let Some(val) = c.metric(key) else { continue };
        let m = match (key, val) {
            ("AV", "N") => 1.0,
            ("AV", "A") => 0.7,
            ("AV", "L") => 0.4,
            ("AV", "P") => 0.2,
            ("AC", "L") | ("AT", "N") | ("PR", "N") | ("UI", "N") | ("Au", "N") => 1.0,
            ("AC", "M") => 0.8,
            ("AC", "H") | ("AT", "P") => 0.6,
            ("PR", "L") | ("Au", "S") => 0.7,
            ("PR", "H") | ("Au", "M") => 0.4,
            ("UI", _) => 0.7,
            _ => 1.0,
        };
        p *= m;
        parts.push(format!("{key}:{val}"));
    }
    (p, parts)
}

/// The factors of a finding's priority, in a fixed order.
pub fn factors(
    device: &DeviceContext,
    cvss_base: Option<(f64, String)>,
    exploit: &ExploitAssessment,
) -> Vec<Factor> {
    let (sev, sev_why) = match cvss_base {
        Some((score, why)) => (score, why),
        None => (
            UNKNOWN_SEVERITY,
            format!("no scorable CVSS vector: assumed {UNKNOWN_SEVERITY}"),
        ),
    };
    let reach = device.network_exposure.reach();
    let harm_class = device.device_class.harm();
    let contact = if device.patient_contact { 1.0 } else { 0.8 };
    vec![
        Factor::new(
            "severity",
            sev / 10.0,
            WEIGHT_SEVERITY,
            format!("CVSS base {sev:.1} / 10 ({sev_why})"),
        ),
        Factor::new(
            "exploitability",
            exploit.probability * reach,
            WEIGHT_EXPLOITABILITY,
            format!(
                "{:.3} ({}: {}) x network reach {reach} ({:?})",
                exploit.probability, exploit.source, exploit.explanation, device.network_exposure
            ),
        ),
        Factor::new(
            "patient_harm",
            harm_class * contact,
            WEIGHT_PATIENT_HARM,
            format!(
                "device class {:?} {harm_class} x patient contact {contact}",
                device.device_class
            ),
        ),
        Factor::new(
            "data_sensitivity",
            if device.handles_phi { 1.0 } else { 0.0 },
            WEIGHT_DATA,
            if device.handles_phi {
                "handles PHI".to_owned()
            } else {
                "no PHI".to_owned()
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: ExploitSignals<'_>) -> f64 {
        RuleExploitability.assess(&s).probability
    }

    #[test]
    fn rule_takes_kev_then_epss_then_cvss() {
        let v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let both = ExploitSignals {
            kev: true,
            epss_score: Some(0.01),
            epss_percentile: Some(0.1),
            cvss_vector: Some(v31),
            ..ExploitSignals::default()
        };
        assert_eq!(p(both.clone()), 1.0);
        let epss = ExploitSignals { kev: false, ..both };
        assert_eq!(p(epss.clone()), 0.2);
        let top = ExploitSignals {
            epss_percentile: Some(0.97),
            ..epss.clone()
        };
        assert_eq!(p(top), 0.9);
        let cvss = ExploitSignals {
            epss_score: None,
            epss_percentile: None,
            ..epss
        };
        assert_eq!(p(cvss.clone()), 0.6);
        let local = ExploitSignals {
            cvss_vector: Some("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            ..cvss.clone()
        };
        let want = 0.6 * 0.4 * 0.6 * 0.6 * 0.4 * 0.7;
        assert!((p(local) - want).abs() < 1e-12);
        let v2 = ExploitSignals {
            cvss_vector: Some("AV:N/AC:M/Au:S/C:P/I:P/A:P"),
            ..cvss.clone()
        };
        assert!((p(v2) - 0.6 * 0.8 * 0.7).abs() < 1e-12);
        let none = ExploitSignals {
            cvss_vector: Some("not a vector"),
            ..cvss
        };
        assert_eq!(p(none), 0.3);
    }

    #[test]
    fn bands() {
        assert_eq!(Priority::from_score(70.0), Priority::Critical);
        assert_eq!(Priority::from_score(69.9), Priority::High);
        assert_eq!(Priority::from_score(30.0), Priority::Medium);
        assert_eq!(Priority::from_score(29.9), Priority::Low);
    }
}
