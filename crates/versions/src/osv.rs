//! OSV `affected` entries evaluated for one version, per the OSV schema's
//! evaluation algorithm: a version is affected when the `versions` list
//! names it or a `SEMVER`/`ECOSYSTEM` range covers it. Within a range,
//! events are sorted by version (`introduced: "0"` first) and replayed:
//! `introduced` at or below the version turns "affected" on, `fixed` at or
//! below it and `last_affected` below it turn it off; `limit` events bound
//! the range from above.
//!
//! `GIT` ranges are over commits, not versions: an entry that has nothing
//! else to decide with is [`Verdict::NotResolvable`], never guessed.

use crate::{Ecosystem, Version, VersionError};
use serde::Deserialize;
use std::cmp::Ordering;

/// One `affected[]` entry, with the fields evaluation needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Affected {
    /// The package, whose `ecosystem` picks the version order.
    #[serde(default)]
    pub package: Option<Package>,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Affected versions, listed explicitly.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Package {
    /// OSV ecosystem name, possibly with a release suffix (`Debian:12`).
    #[serde(default)]
    pub ecosystem: String,
    /// Package name.
    #[serde(default)]
    pub name: String,
    /// Package URL, when given.
    #[serde(default)]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type", default)]
    pub range_type: String,
    /// The repository of a `GIT` range.
    #[serde(default)]
    pub repo: Option<String>,
    /// The events, each with exactly one of its fields set.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// `affected[].ranges[].events[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Event {
    /// First affected version (`"0"`: from the beginning).
    #[serde(default)]
    pub introduced: Option<String>,
    /// First fixed version.
    #[serde(default)]
    pub fixed: Option<String>,
    /// Last affected version.
    #[serde(default)]
    pub last_affected: Option<String>,
    /// Upper limit of the range (`"*"`: none).
    #[serde(default)]
    pub limit: Option<String>,
}

/// Whether a version is affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The version is affected.
    Affected,
    /// The version is not affected.
    NotAffected,
    /// The entry cannot be decided for a version string.
    NotResolvable {
        /// Why, e.g. only `GIT` ranges, or event versions the ecosystem
        /// does not accept.
        reason: String,
    },
}

/// The verdict with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Affected, not affected, or not resolvable.
    pub verdict: Verdict,
    /// The order used for `ECOSYSTEM` ranges.
    pub ecosystem: Ecosystem,
    /// False when an `ECOSYSTEM` range was decided with the generic
    /// fallback order, i.e. not by the ecosystem's own rules.
    pub exact: bool,
}

/// Why evaluation could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OsvError {
    /// The queried version is not valid in the ecosystem.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// The entry has no `package.ecosystem` to take the order from.
    #[error("affected entry has no package ecosystem; pass one explicitly")]
    NoEcosystem,
}

enum Kind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// A range's outcome: decided, or why not.
enum RangeOutcome {
    Decided(bool),
    Unresolvable(String),
}

impl Affected {
    /// Evaluates `version` with the order of the entry's own ecosystem
    /// (unknown ecosystems use the generic order and say so).
    pub fn evaluate(&self, version: &str) -> Result<Evaluation, OsvError> {
        let eco = self
            .package
            .as_ref()
            .filter(|p| !p.ecosystem.is_empty())
            .map(|p| Ecosystem::from_osv_or_generic(&p.ecosystem))
            .ok_or(OsvError::NoEcosystem)?;
        Ok(evaluate(self, eco, version)?)
    }
}

/// Evaluates `version` against `affected` using `ecosystem`'s order for
/// `ECOSYSTEM` ranges and SemVer 2.0.0 for `SEMVER` ranges.
pub fn evaluate(
    affected: &Affected,
    ecosystem: Ecosystem,
    version: &str,
) -> Result<Evaluation, VersionError> {
    let v = Version::parse(ecosystem, version)?;
    let result = |verdict| Evaluation {
        verdict,
        ecosystem,
        exact: ecosystem.is_exact(),
    };
    // The explicit list: the same string, or a version equal to it.
    let listed = affected
        .versions
        .iter()
        .any(|l| l == version || Version::parse(ecosystem, l).is_ok_and(|lv| lv == v));
    if listed {
        return Ok(result(Verdict::Affected));
    }
    if affected.ranges.is_empty() {
        return Ok(result(Verdict::NotResolvable {
            reason: if affected.versions.is_empty() {
                "the entry has neither ranges nor versions".to_string()
            } else {
                "the entry lists versions only, and this one is not among them; \
                 with no range the list is all there is"
                    .to_string()
            },
        }));
    }
    let mut problems = Vec::new();
    let mut git_ranges = 0usize;
    let mut decided = false;
    for (i, range) in affected.ranges.iter().enumerate() {
        let outcome = match range.range_type.as_str() {
            "ECOSYSTEM" => eval_range(&range.events, &v),
            "SEMVER" => match semver_of(ecosystem, version) {
                Ok(sv) => eval_range(&range.events, &sv),
                Err(e) => RangeOutcome::Unresolvable(format!("range {i} is SEMVER: {e}")),
            },
            "GIT" => {
                git_ranges += 1;
                continue;
            }
            other => RangeOutcome::Unresolvable(format!("range {i} has unknown type {other:?}")),
        };
        match outcome {
            RangeOutcome::Decided(true) => return Ok(result(Verdict::Affected)),
            RangeOutcome::Decided(false) => decided = true,
            RangeOutcome::Unresolvable(why) => problems.push(why),
        }
    }
    if !problems.is_empty() {
        return Ok(result(Verdict::NotResolvable {
            reason: problems.join("; "),
        }));
    }
    if !decided && git_ranges > 0 {
        return Ok(result(Verdict::NotResolvable {
            reason: format!(
                "only GIT ranges ({git_ranges}), which are over commits: \
                 a version string cannot be placed in them"
            ),
        }));
    }
    Ok(result(Verdict::NotAffected))
}

/// The queried version read as SemVer 2.0.0 (Go's `v` prefix dropped).
fn semver_of(ecosystem: Ecosystem, version: &str) -> Result<Version, VersionError> {
    let s = match ecosystem {
        Ecosystem::Go => version.strip_prefix('v').unwrap_or(version),
        _ => version,
    };
    Version::parse(Ecosystem::Semver, s)
}

/// osv.dev's `semver_index.coerce`: a partial SemVer event version such
/// as `1.0` (as some advisories write for npm or Go) is `1.0.0`.
fn coerce_partial(s: &str) -> Option<String> {
    let body = s.strip_prefix('v').unwrap_or(s);
    let split = body.find(['-', '+']).unwrap_or(body.len());
    let (core, tail) = body.split_at(split);
    let nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty() || nums.len() > 2 || nums.iter().any(|n| !crate::num::all_digits(n)) {
        return None;
    }
    let padded = match nums.as_slice() {
        [a] => format!("{a}.0.0"),
        [a, b] => format!("{a}.{b}.0"),
        _ => return None,
    };
    Some(format!("{padded}{tail}"))
}

fn parse_event(eco: Ecosystem, s: &str) -> Result<Version, VersionError> {
    Version::parse(eco, s).or_else(|err| {
        let semver_like = matches!(
            eco,
            Ecosystem::Semver | Ecosystem::Npm | Ecosystem::Go | Ecosystem::Cargo
        );
        match coerce_partial(s).filter(|_| semver_like) {
            Some(c) => Version::parse(eco, &c).map_err(|_| err),
            None => Err(err),
        }
    })
}

fn eval_range(events: &[Event], v: &Version) -> RangeOutcome {
    let eco = v.ecosystem();
    // (kind, version; None is introduced "0" or limit "*").
    let mut list: Vec<(Kind, Option<Version>)> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let (kind, s) = match e {
            Event {
                introduced: Some(s),
                ..
            } => (Kind::Introduced, s),
            Event { fixed: Some(s), .. } => (Kind::Fixed, s),
            Event {
                last_affected: Some(s),
                ..
            } => (Kind::LastAffected, s),
            Event { limit: Some(s), .. } => (Kind::Limit, s),
            _ => return RangeOutcome::Unresolvable(format!("event {i} is empty")),
        };
        let special = matches!(
            (&kind, s.as_str()),
            (Kind::Introduced, "0") | (Kind::Limit, "*")
        );
        let parsed = if special {
            None
        } else {
            match parse_event(eco, s) {
                Ok(p) => Some(p),
                Err(err) => return RangeOutcome::Unresolvable(format!("event {i}: {err}")),
            }
        };
        list.push((kind, parsed));
    }
    // Stable insertion sort, "0" first (no total order is assumed).
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 {
            let o = match (list.get(j - 1), list.get(j)) {
                (Some((_, a)), Some((_, b))) => match (a, b) {
                    (Some(a), Some(b)) => a.cmp(b),
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                },
                _ => Ordering::Equal,
            };
            if o != Ordering::Greater {
                break;
            }
            list.swap(j - 1, j);
            j -= 1;
        }
    }
    let limits: Vec<&Option<Version>> = list
        .iter()
        .filter(|(k, _)| matches!(k, Kind::Limit))
        .map(|(_, l)| l)
        .collect();
    let before_limits =
        limits.is_empty() || limits.iter().any(|l| l.as_ref().is_none_or(|l| v < l));
    if !before_limits {
        return RangeOutcome::Decided(false);
    }
    let mut affected = false;
    for (kind, ev) in &list {
        match (kind, ev) {
            (Kind::Introduced, None) => affected = true,
            (Kind::Introduced, Some(x)) if v >= x => affected = true,
            (Kind::Fixed, Some(x)) if v >= x => affected = false,
            (Kind::LastAffected, Some(x)) if v > x => affected = false,
            _ => {}
        }
    }
    RangeOutcome::Decided(affected)
}
