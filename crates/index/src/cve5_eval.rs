//! CVE JSON 5 `affected` entries evaluated for one version.
//!
//! Per the CVE JSON 5 schema: an entry without `lessThan` /
//! `lessThanOrEqual` names one version; with one it is the range from
//! `version` up to the bound, its status possibly changed at `changes[].at`.
//! Versions not covered take `defaultStatus` (`unknown` when absent). The
//! order comes from `versionType` (`semver`, `maven`, `npm`, `pypi`, ...);
//! without one the generic order is used and the result says so. `git`
//! versions are commits and cannot be compared.

use std::cmp::Ordering;

use medsec_kb::{ProductAffected, ProductVersion};
use medsec_versions::{Ecosystem, Version};
use serde::{Deserialize, Serialize};

/// How one product entry judges a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cve5Verdict {
    Affected,
    NotAffected,
    NotResolvable { reason: String },
}

/// The verdict and the order it was reached with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cve5Evaluation {
    pub verdict: Cve5Verdict,
    /// False when some comparison used the generic order.
    pub exact_order: bool,
    /// What decided it (`version 2.0.8 listed affected`, `range ...`,
    /// `defaultStatus`).
    pub why: String,
}

fn order_of(version_type: Option<&str>) -> Result<Ecosystem, String> {
    match version_type.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("custom") | Some("other") => Ok(Ecosystem::Generic),
        Some("git") => Err("versionType git: commits have no order".to_owned()),
        Some("python") => Ok(Ecosystem::PyPI),
        Some(t) => Ok(Ecosystem::from_vers_type(t).unwrap_or(Ecosystem::Generic)),
    }
}

fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || v.eq_ignore_ascii_case("n/a")
        || v.eq_ignore_ascii_case("unspecified")
        || v.eq_ignore_ascii_case("unknown")
}

fn status_verdict(status: &str) -> Cve5Verdict {
    match status {
        "affected" => Cve5Verdict::Affected,
        "unaffected" => Cve5Verdict::NotAffected,
        other => Cve5Verdict::NotResolvable {
            reason: format!("status `{other}`"),
        },
    }
}

/// Evaluates `version` against one product entry.
pub fn evaluate_product(p: &ProductAffected, version: &str) -> Cve5Evaluation {
    let mut exact_order = true;
    let mut problems = Vec::new();
    let mut in_range: Option<(Cve5Verdict, String)> = None;
    for entry in &p.versions {
        match check_entry(entry, version) {
            Ok(Some((status, exact, why))) => {
                exact_order &= exact;
                let verdict = status_verdict(&status);
                // An exact listing decides; a range only when no exact
                // listing does, and "affected" wins over a narrower
                // "unaffected" range only when nothing more exact speaks.
                if entry.less_than.is_none() && entry.less_than_or_equal.is_none() {
                    return Cve5Evaluation {
                        verdict,
                        exact_order,
                        why,
                    };
                }
                if in_range.is_none() || verdict == Cve5Verdict::Affected {
                    in_range = Some((verdict, why));
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    if let Some((verdict, why)) = in_range {
        return Cve5Evaluation {
            verdict,
            exact_order,
            why,
        };
    }
    if !problems.is_empty() {
        return Cve5Evaluation {
            verdict: Cve5Verdict::NotResolvable {
                reason: problems.join("; "),
            },
            exact_order,
            why: "entries could not be compared".to_owned(),
        };
    }
    let default = p.default_status.as_deref().unwrap_or("unknown");
    let verdict = match default {
        "affected" => Cve5Verdict::Affected,
        "unaffected" => Cve5Verdict::NotAffected,
        _ => Cve5Verdict::NotResolvable {
            reason: format!("no entry covers version {version} and defaultStatus is {default}"),
        },
    };
    Cve5Evaluation {
        verdict,
        exact_order,
        why: format!("defaultStatus {default}"),
    }
}

type Hit = (String, bool, String);

/// `Ok(Some((status, exact order, why)))` when the entry covers the version.
fn check_entry(e: &ProductVersion, version: &str) -> Result<Option<Hit>, String> {
    let bound = e
        .less_than
        .as_deref()
        .map(|b| (b, false))
        .or(e.less_than_or_equal.as_deref().map(|b| (b, true)));
    if bound.is_none() {
        if e.version == version {
            return Ok(Some((
                e.status.clone(),
                true,
                format!("version {version} listed {}", e.status),
            )));
        }
        if is_placeholder(&e.version) {
            return Err(format!(
                "an entry with status {} names no version (`{}`)",
                e.status, e.version
            ));
        }
        let eco = order_of(e.version_type.as_deref())?;
        // The generic order equates strings that merely share digits
        // (`< 8.0.0`, `>= 8.0.0`): only a named order may equate spellings.
        if !eco.is_exact() {
            return Ok(None);
        }
        let equal = match (
            Version::parse(eco, &e.version),
            Version::parse(eco, version),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        return Ok(equal.then(|| {
            (
                e.status.clone(),
                eco.is_exact(),
                format!("version {} listed {}", e.version, e.status),
            )
        }));
    }
    let Some((bound, inclusive)) = bound else {
        return Ok(None);
    };
    let eco = order_of(e.version_type.as_deref())?;
    let parse =
        |s: &str| Version::parse(eco, s).map_err(|err| format!("{} order: {err}", eco.name()));
    let v = parse(version)?;
    let start_open = matches!(e.version.trim(), "0" | "*") || is_placeholder(&e.version);
    if !start_open && v < parse(&e.version)? {
        return Ok(None);
    }
    if bound != "*" {
        let b = parse(bound)?;
        let above = match v.cmp(&b) {
            Ordering::Less => false,
            Ordering::Equal => !inclusive,
            Ordering::Greater => true,
        };
        if above {
            return Ok(None);
        }
    }
    // The last change at or below the version sets the status.
    let mut status = e.status.clone();
    let mut at_best: Option<Version> = None;
    for c in &e.changes {
        let at = parse(&c.at)?;
        if at <= v && at_best.as_ref().is_none_or(|b| &at >= b) {
            status = c.status.clone();
            at_best = Some(at);
        }
    }
    let op = if inclusive { "<=" } else { "<" };
    Ok(Some((
        status.clone(),
        eco.is_exact(),
        format!(
            "range {} to {op} {bound} ({} order) says {status}",
            e.version,
            eco.name()
        ),
    )))
}
