//! NVD configurations evaluated for one component CPE.
//!
//! A criterion matches when every attribute but the version relates to
//! the component's as EQUAL or SUPERSET (NISTIR 7696), and the version
//! fits the criterion's version or its start/end bounds. Three-valued:
//! when the component's CPE leaves open what a criterion pins (a version,
//! an update), the answer is unknown, never guessed.
//!
//! A component is one CPE; an AND configuration that also needs a
//! platform (a non-vulnerable criterion: "running on") cannot be satisfied
//! by the component alone. Such a configuration is reported as requiring
//! the platform, with the criteria it names.
//!
//! NVD version bounds carry no version scheme: they are compared with the
//! generic order of `medsec_versions`, and results say so.

use std::cmp::Ordering;

use medsec_ident::cpe::{compare_values, Attribute, Relation, Value, Wfn};
use medsec_kb::{Configuration, CpeMatch, Node, Operator};
use medsec_versions::{Ecosystem, Version};
use serde::{Deserialize, Serialize};

/// The outcome of one configuration, or of a vulnerability's
/// configurations taken together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpeVerdict {
    /// The component alone satisfies the configuration. `criteria` are the
    /// vulnerable criteria it matched.
    Affected {
        criteria: Vec<String>,
    },
    /// The component matches a vulnerable criterion, but the configuration
    /// also needs one of the platforms listed (non-vulnerable criteria the
    /// component is not).
    RequiresPlatform {
        criteria: Vec<String>,
        platforms: Vec<String>,
    },
    NotAffected,
    /// Cannot be decided from the component's CPE.
    NotResolvable {
        reason: String,
    },
}

impl CpeVerdict {
    fn rank(&self) -> u8 {
        match self {
            CpeVerdict::Affected { .. } => 3,
            CpeVerdict::RequiresPlatform { .. } => 2,
            CpeVerdict::NotResolvable { .. } => 1,
            CpeVerdict::NotAffected => 0,
        }
    }
}

/// Three-valued truth with what it rests on.
#[derive(Debug, Clone, Default)]
struct Truth {
    value: Option<bool>,
    /// Vulnerable criteria the component matched.
    hits: Vec<String>,
    /// Platform criteria assumed true (the component is not them).
    platforms: Vec<String>,
    /// Why the value is unknown.
    unknown: Vec<String>,
}

/// Evaluates every configuration and keeps the strongest outcome:
/// affected, then requires-platform, then not resolvable, then not
/// affected.
pub fn evaluate_configurations(configs: &[Configuration], component: &Wfn) -> CpeVerdict {
    let mut best = CpeVerdict::NotAffected;
    for c in configs {
        let v = evaluate_configuration(c, component);
        if v.rank() > best.rank() {
            best = v;
        }
    }
    best
}

/// One configuration for one component.
pub fn evaluate_configuration(config: &Configuration, component: &Wfn) -> CpeVerdict {
    let op = config.operator.unwrap_or(Operator::Or);
    let parts: Vec<Truth> = config.nodes.iter().map(|n| node(n, component)).collect();
    let mut t = combine(op, parts);
    if config.negate {
        t = negate(t);
    }
    verdict(t)
}

fn verdict(t: Truth) -> CpeVerdict {
    match t.value {
        Some(true) if !t.hits.is_empty() => {
            if t.platforms.is_empty() {
                CpeVerdict::Affected { criteria: t.hits }
            } else {
                CpeVerdict::RequiresPlatform {
                    criteria: t.hits,
                    platforms: t.platforms,
                }
            }
        }
        // True only through platform criteria: nothing vulnerable matched.
        Some(_) => CpeVerdict::NotAffected,
        None => CpeVerdict::NotResolvable {
            reason: t.unknown.join("; "),
        },
    }
}

fn negate(t: Truth) -> Truth {
    // A negated node flips the truth; assumptions about platforms do not
    // survive a negation, so they are dropped with the hits.
    Truth {
        value: t.value.map(|v| !v),
        unknown: t.unknown,
        ..Truth::default()
    }
}

fn combine(op: Operator, parts: Vec<Truth>) -> Truth {
    let mut out = Truth::default();
    match op {
        Operator::Or => {
            let mut any_unknown = false;
            let mut platform_only = Vec::new();
            let mut found = false;
            for p in parts {
                match p.value {
                    Some(true) if p.platforms.is_empty() && !p.hits.is_empty() => {
                        found = true;
                        out.hits.extend(p.hits);
                    }
                    Some(true) => {
                        platform_only.push(p);
                    }
                    Some(false) => {}
                    None => {
                        any_unknown = true;
                        out.unknown.extend(p.unknown);
                    }
                }
            }
            if found {
                out.value = Some(true);
                out.unknown.clear();
            } else if !platform_only.is_empty() {
                // Any one of these alternatives would do.
                out.value = Some(true);
                out.unknown.clear();
                for p in platform_only {
                    out.hits.extend(p.hits);
                    out.platforms.extend(p.platforms);
                }
            } else if any_unknown {
                out.value = None;
            } else {
                out.value = Some(false);
            }
        }
        Operator::And => {
            let mut value = Some(true);
            for p in parts {
                match p.value {
                    Some(false) => {
                        return Truth {
                            value: Some(false),
                            ..Truth::default()
                        }
                    }
                    None => value = None,
                    Some(true) => {}
                }
                out.hits.extend(p.hits);
                out.platforms.extend(p.platforms);
                out.unknown.extend(p.unknown);
            }
            out.value = value;
        }
    }
    out.hits.sort();
    out.hits.dedup();
    out.platforms.sort();
    out.platforms.dedup();
    out
}

fn node(n: &Node, component: &Wfn) -> Truth {
    let parts = n
        .matches
        .iter()
        .map(|m| {
            let r = criterion(m, component);
            if m.vulnerable {
                match r {
                    Ok(true) => Truth {
                        value: Some(true),
                        hits: vec![m.criteria.clone()],
                        ..Truth::default()
                    },
                    Ok(false) => Truth {
                        value: Some(false),
                        ..Truth::default()
                    },
                    Err(why) => Truth {
                        value: None,
                        unknown: vec![why],
                        ..Truth::default()
                    },
                }
            } else {
                match r {
                    // The component is the platform itself: no assumption.
                    Ok(true) => Truth {
                        value: Some(true),
                        ..Truth::default()
                    },
                    // Otherwise the platform is something else the device
                    // may or may not run on: assumed, and reported.
                    _ => Truth {
                        value: Some(true),
                        platforms: vec![m.criteria.clone()],
                        ..Truth::default()
                    },
                }
            }
        })
        .collect();
    let t = combine(n.operator, parts);
    if n.negate {
        negate(t)
    } else {
        t
    }
}

/// Whether one criterion matches the component: `Ok(bool)` or why it is
/// unknown.
pub fn criterion(m: &CpeMatch, component: &Wfn) -> Result<bool, String> {
    let crit = Wfn::parse(&m.criteria)
        .map_err(|e| format!("criterion {} is not a CPE name: {e}", m.criteria))?;
    for attr in Attribute::ALL {
        if attr == Attribute::Version {
            continue;
        }
        match compare_values(crit.get(attr), component.get(attr)) {
            Relation::Equal | Relation::Superset => {}
            Relation::Disjoint => return Ok(false),
            Relation::Subset => {
                return Err(format!(
                    "{} names {} {}, which the component's CPE leaves open",
                    m.criteria,
                    attr.name(),
                    crit.get(attr).to_wfn_notation()
                ))
            }
            Relation::Undefined => {
                return Err(format!(
                    "the component's CPE has a wildcard in {}",
                    attr.name()
                ))
            }
        }
    }
    let has_bounds = m.version_start_including.is_some()
        || m.version_start_excluding.is_some()
        || m.version_end_including.is_some()
        || m.version_end_excluding.is_some();
    let cv = component.get(Attribute::Version);
    let crit_v = crit.get(Attribute::Version);
    if !has_bounds {
        return match compare_values(crit_v, cv) {
            Relation::Equal | Relation::Superset => Ok(true),
            Relation::Disjoint => Ok(false),
            Relation::Subset | Relation::Undefined => Err(format!(
                "{} names version {}, and the component's CPE has no exact version",
                m.criteria,
                crit_v.to_wfn_notation()
            )),
        };
    }
    // With bounds, NVD leaves the criterion's version ANY (or `-`, NA).
    if !matches!(crit_v, Value::Any) {
        match compare_values(crit_v, cv) {
            Relation::Equal | Relation::Superset => {}
            Relation::Disjoint => return Ok(false),
            _ => {
                return Err(format!(
                    "{} pins version {} and the component's CPE has no exact version",
                    m.criteria,
                    crit_v.to_wfn_notation()
                ))
            }
        }
    }
    let Some(text) = cv.literal_text() else {
        return Err(format!(
            "{} has a version range and the component's CPE has no exact version",
            m.criteria
        ));
    };
    let v =
        Version::parse(Ecosystem::Generic, text).map_err(|e| format!("component version: {e}"))?;
    let cmp = |bound: &str| -> Result<Ordering, String> {
        let b = Version::parse(Ecosystem::Generic, bound)
            .map_err(|e| format!("{}: bound {e}", m.criteria))?;
        Ok(v.cmp(&b))
    };
    if let Some(b) = &m.version_start_including {
        if cmp(b)? == Ordering::Less {
            return Ok(false);
        }
    }
    if let Some(b) = &m.version_start_excluding {
        if cmp(b)? != Ordering::Greater {
            return Ok(false);
        }
    }
    if let Some(b) = &m.version_end_including {
        if cmp(b)? == Ordering::Greater {
            return Ok(false);
        }
    }
    if let Some(b) = &m.version_end_excluding {
        if cmp(b)? != Ordering::Less {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(vulnerable: bool, criteria: &str, end_excl: Option<&str>) -> CpeMatch {
        CpeMatch {
            vulnerable,
            criteria: criteria.into(),
            match_criteria_id: None,
            version_start_including: None,
            version_start_excluding: None,
            version_end_including: None,
            version_end_excluding: end_excl.map(Into::into),
        }
    }

    fn running_on() -> Configuration {
        Configuration {
            operator: Some(Operator::And),
            negate: false,
            nodes: vec![
                Node {
                    operator: Operator::Or,
                    negate: false,
                    matches: vec![m(
                        true,
                        "cpe:2.3:a:wolfssl:wolfssl:*:*:*:*:*:*:*:*",
                        Some("5.0.0"),
                    )],
                },
                Node {
                    operator: Operator::Or,
                    negate: false,
                    matches: vec![m(
                        false,
                        "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
                        None,
                    )],
                },
            ],
        }
    }

    #[test]
    fn running_on_needs_platform() {
        let c = Wfn::parse("cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*").unwrap();
        match evaluate_configuration(&running_on(), &c) {
            CpeVerdict::RequiresPlatform { platforms, .. } => {
                assert_eq!(
                    platforms,
                    vec!["cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"]
                )
            }
            other => panic!("{other:?}"),
        }
        let fixed = Wfn::parse("cpe:2.3:a:wolfssl:wolfssl:5.0.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!(
            evaluate_configuration(&running_on(), &fixed),
            CpeVerdict::NotAffected
        );
        let open = Wfn::parse("cpe:2.3:a:wolfssl:wolfssl:*:*:*:*:*:*:*:*").unwrap();
        assert!(matches!(
            evaluate_configuration(&running_on(), &open),
            CpeVerdict::NotResolvable { .. }
        ));
        // The platform alone is not a match.
        let kernel = Wfn::parse("cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*").unwrap();
        assert_eq!(
            evaluate_configuration(&running_on(), &kernel),
            CpeVerdict::NotAffected
        );
    }
}
