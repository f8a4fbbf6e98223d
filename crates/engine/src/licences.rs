//! Licence issues per component: copyleft, unknown and conflicting
//! statements, from the SPDX expressions the SBOM declares and concludes.
//!
//! Whether a licence is copyleft, GNU, which version and whether "or
//! later" applies are the `spdx` crate's facts. The crate does not say how
//! far a copyleft reaches; that split (network, strong, weak) is the one
//! rule written here (see [`CopyleftStrength`]).

use std::collections::{BTreeMap, BTreeSet};

use medsec_sbom::{Component, LicenseAcknowledgement};
use serde::Serialize;
use spdx::expression::{ExprNode, Operator};
use spdx::{LicenseItem, LicenseReq};

use crate::matching::ComponentRef;

/// Most alternatives one statement is expanded into; beyond it the
/// statement is reported as too complex rather than half-evaluated.
const MAX_ALTERNATIVES: usize = 256;

/// How far a copyleft licence's obligations reach; ordered weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyleftStrength {
    /// The licensed files or library only: GNU LGPL, and the file- or
    /// library-scoped licences MPL, CDDL, CPL, EPL, MS-RL, NPL, CeCILL-C.
    Weak,
    /// The whole work it is combined into (every other copyleft licence).
    Strong,
    /// Also triggered by offering the software over a network (AGPL).
    Network,
}

/// Non-GNU copyleft licences whose obligations stop at the licensed files
/// or library. The `spdx` crate marks them copyleft but carries no scope.
const WEAK_PREFIXES: [&str; 7] = ["MPL-", "CDDL-", "CPL-", "EPL-", "MS-RL", "NPL-", "CECILL-C"];

/// The strength of one SPDX licence, `None` when the crate does not list
/// it as copyleft.
pub fn copyleft_strength(id: spdx::LicenseId) -> Option<CopyleftStrength> {
    if !id.is_copyleft() {
        return None;
    }
    let base = id.base();
    Some(if base == "AGPL" {
        CopyleftStrength::Network
    } else if (id.is_gnu() && base == "LGPL")
        || WEAK_PREFIXES.iter().any(|p| id.name.starts_with(p))
    {
        CopyleftStrength::Weak
    } else {
        CopyleftStrength::Strong
    })
}

/// Which licence statement an issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Statement {
    /// Declared by the author (CycloneDX entries without an
    /// acknowledgement count as declared).
    Declared,
    /// Concluded by analysis (SPDX `licenseConcluded`).
    Concluded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownReason {
    /// No licence at all (SPDX NOASSERTION and NONE are read as none).
    NoLicence,
    /// The text says NOASSERTION or NONE.
    NoAssertion,
    /// An expression the `spdx` crate does not parse.
    Unparseable,
    /// A free-text licence name, not an SPDX id.
    FreeTextName,
    /// Every alternative needs a `LicenseRef-` (a licence off the SPDX list).
    LicenseRef,
    /// More than 256 alternatives once expanded.
    TooComplex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictRule {
    /// Declared and concluded statements name different licence terms
    /// (compared as minimal sets of alternatives, so order, grouping and
    /// deprecated GNU spellings do not count).
    DeclaredConcludedDiffer,
    /// Every alternative of the statement requires, joined by AND, two GNU
    /// GPL/AGPL licences that share no version: each demands the combined
    /// work under its own terms (only GPL-3.0 and AGPL-3.0 may be joined,
    /// by their section 13).
    IncompatibleGnuVersions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum LicenceIssue {
    /// Every alternative carries a copyleft licence; `strength` is that of
    /// the least demanding alternative.
    Copyleft {
        statement: Statement,
        strength: CopyleftStrength,
        /// The copyleft licences of that alternative.
        licences: Vec<String>,
    },
    Unknown {
        /// `None` when the component has no licence statement at all.
        statement: Option<Statement>,
        reason: UnknownReason,
        detail: String,
    },
    Conflicting {
        rule: ConflictRule,
        detail: String,
    },
}

/// The licence statements and issues of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentLicences {
    pub component: ComponentRef,
    /// The declared statement as written (several entries joined by AND).
    pub declared: Option<String>,
    pub concluded: Option<String>,
    pub issues: Vec<LicenceIssue>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LicenceSummary {
    pub components: usize,
    pub without_issues: usize,
    /// Components with a copyleft issue, and per strongest strength.
    pub copyleft: usize,
    pub copyleft_by_strength: BTreeMap<CopyleftStrength, usize>,
    pub unknown: usize,
    pub unknown_by_reason: BTreeMap<UnknownReason, usize>,
    pub conflicting: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceReport {
    /// Components with at least one issue, in document order.
    pub components: Vec<ComponentLicences>,
    pub summary: LicenceSummary,
}

/// One licence term of an expanded statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Term {
    /// Normal form: GNU licences as `GPL-2.0-only` / `GPL-2.0-or-later`
    /// whatever the spelling, then ` WITH exception`.
    key: String,
    kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TermKind {
    Spdx {
        strength: Option<CopyleftStrength>,
        /// GNU GPL/AGPL family, version (major) and or-later, when the
        /// term has no exception: what the version rule needs.
        gnu: Option<(&'static str, u32, bool)>,
    },
    LicenseRef,
    Unknown(UnknownReason),
}

impl Term {
    fn is_known(&self) -> bool {
        matches!(self.kind, TermKind::Spdx { .. })
    }

    fn strength(&self) -> Option<CopyleftStrength> {
        match self.kind {
            TermKind::Spdx { strength, .. } => strength,
            _ => None,
        }
    }
}

fn term_of(req: &LicenseReq) -> Term {
    let exception = req.addition.as_ref().map(|a| format!(" WITH {a}"));
    match &req.license {
        LicenseItem::Spdx { id, or_later } => {
            let or_later = *or_later || id.name.ends_with('+') || id.name.ends_with("-or-later");
            let gnu_family = ["GPL", "AGPL", "LGPL"]
                .into_iter()
                .find(|f| id.is_gnu() && id.base() == *f);
            let version = id.version();
            // Only the plain spellings; ids such as
            // `GPL-2.0-with-classpath-exception` keep their name.
            let plain = version.is_some_and(|v| {
                let stem = format!("{}-{v}", id.base());
                [
                    String::new(),
                    "-only".into(),
                    "-or-later".into(),
                    "+".into(),
                ]
                .iter()
                .any(|s| id.name == format!("{stem}{s}"))
            });
            let gnu_family = gnu_family.filter(|_| plain);
            let key = match (gnu_family, version) {
                (Some(f), Some(v)) => {
                    let suffix = if or_later { "or-later" } else { "only" };
                    format!("{f}-{v}-{suffix}")
                }
                _ if or_later && !id.name.ends_with('+') => format!("{}+", id.name),
                _ => id.name.to_owned(),
            };
            let major = version
                .and_then(|v| v.split('.').next())
                .and_then(|m| m.parse::<u32>().ok());
            let gnu = match (gnu_family, major, &exception) {
                (Some(f @ ("GPL" | "AGPL")), Some(m), None) => Some((f, m, or_later)),
                _ => None,
            };
            Term {
                key: format!("{key}{}", exception.unwrap_or_default()),
                kind: TermKind::Spdx {
                    strength: copyleft_strength(*id),
                    gnu,
                },
            }
        }
        LicenseItem::Other(r) => Term {
            key: format!("{r}{}", exception.unwrap_or_default()),
            kind: TermKind::LicenseRef,
        },
    }
}

/// A statement as alternatives (OR) of conjunctions (AND) of terms.
type Alternatives = Vec<BTreeSet<Term>>;

fn and(a: &Alternatives, b: &Alternatives) -> Option<Alternatives> {
    if a.len().saturating_mul(b.len()) > MAX_ALTERNATIVES {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            out.push(x.union(y).cloned().collect());
        }
    }
    Some(out)
}

/// The alternatives of one parsed expression (postfix walk).
fn expand(expr: &spdx::Expression) -> Option<Alternatives> {
    let mut stack: Vec<Alternatives> = Vec::new();
    for node in expr.iter() {
        match node {
            ExprNode::Req(r) => stack.push(vec![BTreeSet::from([term_of(&r.req)])]),
            ExprNode::Op(op) => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                stack.push(match op {
                    Operator::And => and(&a, &b)?,
                    Operator::Or => {
                        let mut a = a;
                        a.extend(b);
                        if a.len() > MAX_ALTERNATIVES {
                            return None;
                        }
                        a
                    }
                });
            }
        }
    }
    let top = stack.pop()?;
    stack.is_empty().then_some(top)
}

/// Drops alternatives that are supersets of another: what is left is the
/// same statement, in a form two equal statements share.
fn minimal(alts: &Alternatives) -> BTreeSet<BTreeSet<String>> {
    let keys: BTreeSet<BTreeSet<String>> = alts
        .iter()
        .map(|c| c.iter().map(|t| t.key.clone()).collect())
        .collect();
    keys.iter()
        .filter(|c| !keys.iter().any(|o| o != *c && o.is_subset(c)))
        .cloned()
        .collect()
}

fn unknown_term(text: &str, reason: UnknownReason) -> Alternatives {
    vec![BTreeSet::from([Term {
        key: text.to_owned(),
        kind: TermKind::Unknown(reason),
    }])]
}

/// One statement: its text, and its expansion (`None`: too complex).
struct Parsed {
    text: String,
    alternatives: Option<Alternatives>,
}

fn parse_statement(entries: &[&medsec_sbom::License]) -> Option<Parsed> {
    if entries.is_empty() {
        return None;
    }
    let mut texts = Vec::new();
    let mut all: Option<Alternatives> = Some(vec![BTreeSet::new()]);
    for l in entries {
        let (text, alts) = match (&l.expression, &l.name) {
            (Some(e), _) => {
                let t = e.trim();
                let alts =
                    if t.eq_ignore_ascii_case("NOASSERTION") || t.eq_ignore_ascii_case("NONE") {
                        Some(unknown_term(t, UnknownReason::NoAssertion))
                    } else {
                        match spdx::Expression::parse_mode(t, spdx::ParseMode::LAX) {
                            Ok(expr) => expand(&expr),
                            Err(_) => Some(unknown_term(t, UnknownReason::Unparseable)),
                        }
                    };
                (t.to_owned(), alts)
            }
            (None, Some(n)) => (
                n.clone(),
                Some(unknown_term(n, UnknownReason::FreeTextName)),
            ),
            (None, None) => continue,
        };
        texts.push(if entries.len() > 1 && text.contains(' ') {
            format!("({text})")
        } else {
            text
        });
        all = match (all, alts) {
            (Some(a), Some(b)) => and(&a, &b),
            _ => None,
        };
    }
    if texts.is_empty() {
        return None;
    }
    Some(Parsed {
        text: texts.join(" AND "),
        alternatives: all,
    })
}

/// Whether two GNU GPL/AGPL terms (family, major version, or-later) can
/// be met at once.
fn gnu_compatible(a: (&str, u32, bool), b: (&str, u32, bool)) -> bool {
    // Versions each term accepts; GNU licences have reached version 3.
    let accepts = |(_, v, later): (&str, u32, bool), x: u32| x == v || (later && x > v);
    let latest = a.1.max(b.1).max(3);
    (1..=latest).any(|x| accepts(a, x) && accepts(b, x) && (a.0 == b.0 || x == 3))
}

/// The first incompatible GNU pair of a conjunction.
fn gnu_conflict(c: &BTreeSet<Term>) -> Option<(String, String)> {
    let gnu: Vec<(&Term, (&str, u32, bool))> = c
        .iter()
        .filter_map(|t| match t.kind {
            TermKind::Spdx { gnu: Some(g), .. } => Some((t, g)),
            _ => None,
        })
        .collect();
    for (i, (ta, a)) in gnu.iter().enumerate() {
        for (tb, b) in gnu.iter().skip(i + 1) {
            if !gnu_compatible(*a, *b) {
                return Some((ta.key.clone(), tb.key.clone()));
            }
        }
    }
    None
}

fn statement_issues(s: Statement, p: &Parsed, issues: &mut Vec<LicenceIssue>) {
    let Some(alts) = &p.alternatives else {
        issues.push(LicenceIssue::Unknown {
            statement: Some(s),
            reason: UnknownReason::TooComplex,
            detail: format!(
                "`{}` expands to more than {MAX_ALTERNATIVES} alternatives",
                p.text
            ),
        });
        return;
    };
    let known: Vec<&BTreeSet<Term>> = alts
        .iter()
        .filter(|c| c.iter().all(Term::is_known))
        .collect();
    if known.is_empty() {
        // Every alternative needs something unknown: name the first.
        let t = alts.iter().flat_map(|c| c.iter()).find(|t| !t.is_known());
        let reason = match t.map(|t| &t.kind) {
            Some(TermKind::Unknown(r)) => *r,
            _ => UnknownReason::LicenseRef,
        };
        issues.push(LicenceIssue::Unknown {
            statement: Some(s),
            reason,
            detail: match t {
                Some(t) => format!("`{}` in `{}`", t.key, p.text),
                None => format!("`{}`", p.text),
            },
        });
    }
    // Copyleft: judged over the alternatives one can actually choose
    // (fully known ones), else over all of them.
    let pool: Vec<&BTreeSet<Term>> = if known.is_empty() {
        alts.iter().collect()
    } else {
        known.clone()
    };
    let least = pool
        .iter()
        .map(|c| (c.iter().filter_map(Term::strength).max(), *c))
        .min_by_key(|(strength, _)| *strength);
    if let Some((Some(strength), c)) = least {
        issues.push(LicenceIssue::Copyleft {
            statement: s,
            strength,
            licences: c
                .iter()
                .filter(|t| t.strength().is_some())
                .map(|t| t.key.clone())
                .collect(),
        });
    }
    if !known.is_empty() {
        let conflicts: Vec<(String, String)> =
            known.iter().filter_map(|c| gnu_conflict(c)).collect();
        if conflicts.len() == known.len() {
            let (a, b) = &conflicts[0];
            issues.push(LicenceIssue::Conflicting {
                rule: ConflictRule::IncompatibleGnuVersions,
                detail: format!(
                    "{s:?} `{}` requires {a} AND {b}, which share no version",
                    p.text
                ),
            });
        }
    }
}

/// The licence statements and issues of one component.
pub fn component_licences(c: &Component, cref: ComponentRef) -> ComponentLicences {
    let declared: Vec<&medsec_sbom::License> = c
        .licenses
        .iter()
        .filter(|l| l.acknowledgement != LicenseAcknowledgement::Concluded)
        .collect();
    let concluded: Vec<&medsec_sbom::License> = c
        .licenses
        .iter()
        .filter(|l| l.acknowledgement == LicenseAcknowledgement::Concluded)
        .collect();
    let declared = parse_statement(&declared);
    let concluded = parse_statement(&concluded);
    let mut issues = Vec::new();
    if declared.is_none() && concluded.is_none() {
        issues.push(LicenceIssue::Unknown {
            statement: None,
            reason: UnknownReason::NoLicence,
            detail: "no licence stated".to_owned(),
        });
    }
    for (s, p) in [
        (Statement::Declared, &declared),
        (Statement::Concluded, &concluded),
    ] {
        if let Some(p) = p {
            statement_issues(s, p, &mut issues);
        }
    }
    if let (Some(d), Some(k)) = (&declared, &concluded) {
        let differ = match (&d.alternatives, &k.alternatives) {
            (Some(a), Some(b)) => minimal(a) != minimal(b),
            _ => d.text != k.text,
        };
        if differ {
            issues.push(LicenceIssue::Conflicting {
                rule: ConflictRule::DeclaredConcludedDiffer,
                detail: format!("declared `{}`, concluded `{}`", d.text, k.text),
            });
        }
    }
    ComponentLicences {
        component: cref,
        declared: declared.map(|p| p.text),
        concluded: concluded.map(|p| p.text),
        issues,
    }
}

/// The licence report of a whole SBOM.
pub fn licence_report(
    components: &[Component],
    cref: impl Fn(&Component) -> ComponentRef,
) -> LicenceReport {
    let mut summary = LicenceSummary {
        components: components.len(),
        ..LicenceSummary::default()
    };
    let mut out = Vec::new();
    for c in components {
        let l = component_licences(c, cref(c));
        if l.issues.is_empty() {
            summary.without_issues += 1;
            continue;
        }
        let strongest = l
            .issues
            .iter()
            .filter_map(|i| match i {
                LicenceIssue::Copyleft { strength, .. } => Some(*strength),
                _ => None,
            })
            .max();
        if let Some(s) = strongest {
            summary.copyleft += 1;
            *summary.copyleft_by_strength.entry(s).or_default() += 1;
        }
        let unknown = l.issues.iter().find_map(|i| match i {
            LicenceIssue::Unknown { reason, .. } => Some(*reason),
            _ => None,
        });
        if let Some(r) = unknown {
            summary.unknown += 1;
            *summary.unknown_by_reason.entry(r).or_default() += 1;
        }
        if l.issues
            .iter()
            .any(|i| matches!(i, LicenceIssue::Conflicting { .. }))
        {
            summary.conflicting += 1;
        }
        out.push(l);
    }
    LicenceReport {
        components: out,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alts(s: &str) -> Alternatives {
        expand(&spdx::Expression::parse_mode(s, spdx::ParseMode::LAX).unwrap()).unwrap()
    }

    #[test]
    fn spellings_of_one_gnu_licence_are_one_term() {
        assert_eq!(
            minimal(&alts("GPL-2.0+")),
            minimal(&alts("GPL-2.0-or-later"))
        );
        assert_eq!(minimal(&alts("GPL-2.0")), minimal(&alts("GPL-2.0-only")));
        assert_ne!(
            minimal(&alts("GPL-2.0-only")),
            minimal(&alts("GPL-2.0-or-later"))
        );
    }

    #[test]
    fn minimal_alternatives_ignore_order_and_absorbed_terms() {
        assert_eq!(
            minimal(&alts("MIT OR (Apache-2.0 AND BSD-3-Clause)")),
            minimal(&alts("(BSD-3-Clause AND Apache-2.0) OR MIT"))
        );
        assert_eq!(
            minimal(&alts("MIT OR (MIT AND Apache-2.0)")),
            minimal(&alts("MIT"))
        );
        assert_ne!(
            minimal(&alts("MIT AND Apache-2.0")),
            minimal(&alts("MIT OR Apache-2.0"))
        );
    }

    fn issues(text: &str) -> Vec<LicenceIssue> {
        let p = Parsed {
            text: text.to_owned(),
            alternatives: Some(alts(text)),
        };
        let mut out = Vec::new();
        statement_issues(Statement::Declared, &p, &mut out);
        out
    }

    fn conflicting(text: &str) -> bool {
        issues(text)
            .iter()
            .any(|i| matches!(i, LicenceIssue::Conflicting { .. }))
    }

    #[test]
    fn an_and_of_gnu_licences_without_a_common_version_conflicts() {
        assert!(conflicting("GPL-2.0-only AND GPL-3.0-only"));
        assert!(conflicting("GPL-2.0-only AND AGPL-3.0-or-later"));
        assert!(!conflicting("GPL-2.0-or-later AND GPL-3.0-only"));
        assert!(!conflicting("GPL-3.0-only AND AGPL-3.0-only"));
        // A way out through another alternative is no conflict.
        assert!(!conflicting("(GPL-2.0-only AND GPL-3.0-only) OR MIT"));
        // Exceptions are not judged.
        assert!(!conflicting(
            "GPL-2.0-only WITH Classpath-exception-2.0 AND GPL-3.0-only"
        ));
    }

    #[test]
    fn copyleft_takes_the_least_demanding_alternative() {
        let strength = |t: &str| {
            issues(t).into_iter().find_map(|i| match i {
                LicenceIssue::Copyleft { strength, .. } => Some(strength),
                _ => None,
            })
        };
        assert_eq!(strength("MIT OR GPL-3.0-only"), None);
        assert_eq!(
            strength("AGPL-3.0-only OR LGPL-2.1-only"),
            Some(CopyleftStrength::Weak)
        );
        assert_eq!(
            strength("MIT AND AGPL-3.0-only"),
            Some(CopyleftStrength::Network)
        );
        // An alternative naming only a LicenseRef is not a known way out.
        assert_eq!(
            strength("GPL-2.0-only OR LicenseRef-vendor"),
            Some(CopyleftStrength::Strong)
        );
    }

    #[test]
    fn gnu_versions() {
        let g = |f, v, l| (f, v, l);
        assert!(!gnu_compatible(g("GPL", 2, false), g("GPL", 3, false)));
        assert!(gnu_compatible(g("GPL", 2, true), g("GPL", 3, false)));
        assert!(gnu_compatible(g("GPL", 3, false), g("AGPL", 3, false)));
        assert!(!gnu_compatible(g("GPL", 2, false), g("AGPL", 3, true)));
        assert!(gnu_compatible(g("GPL", 2, true), g("AGPL", 3, false)));
    }
}
