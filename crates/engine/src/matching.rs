//! Per-component matching, alias merging, enrichment and coverage.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;

use chrono::NaiveDate;
use medsec_ident::cpe::{Attribute, Value, Wfn};
use medsec_ident::purl::PackageUrl;
use medsec_index::{
    AdvisoryInfo, CpeVerdict, Cve5Verdict, Enrichment, EpssInfo, Index, KevInfo, OsvEntry, Verdict,
    VulnRecord,
};
use medsec_kb::{FixedVersion, Source};
use medsec_sbom::Component;
use medsec_versions::Ecosystem;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::graph::{DependencyGraph, DependencyPosition};
use crate::priority::{
    factors, DeviceContext, ExploitAssessment, ExploitSignals, Exploitability, Factor, Priority,
};
use crate::{KnowledgeScope, Options};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ComponentRef {
    pub reference: String,
    pub name: String,
    pub version: Option<String>,
}

impl ComponentRef {
    pub fn of(c: &Component) -> ComponentRef {
        ComponentRef {
            reference: c.reference.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
        }
    }
}

/// How sure a match is; `High` is best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentifierKind {
    Purl,
    Cpe,
    /// Vendor and product taken from a CPE, matched against CVE 5 entries.
    Cve5Product,
}

/// Why one record matched one identifier of the component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchReason {
    pub identifier_kind: IdentifierKind,
    /// The purl, CPE, or `vendor:product@version` that was looked up.
    pub identifier: String,
    /// The record that matched (a GHSA, PYSEC, CVE... id).
    pub vulnerability: String,
    pub source: Source,
    /// The entry, range or criteria that decided.
    pub criterion: String,
    /// The version order used: the ecosystem's, or `generic`.
    pub version_order: String,
    pub confidence: Confidence,
    /// Platforms an NVD configuration also needs (the component is not
    /// them); empty for a plain match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires_platforms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum MatchStatus {
    Affected,
    /// Only NVD configurations that need another platform matched.
    RequiresPlatform {
        platforms: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssEntry {
    /// The record the vector came from.
    pub record: String,
    pub source: Source,
    pub kind: String,
    pub vector: String,
    pub provider: Option<String>,
    pub version: Option<String>,
    pub base: Option<f64>,
    pub overall: Option<f64>,
    pub severity: Option<String>,
    /// Why the vector could not be scored.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearestFixed {
    pub package: String,
    pub version: String,
    /// The order the versions were compared with.
    pub version_order: String,
}

/// The part of a finding's enrichment that every finding of its
/// vulnerability group shares: worked out once per group and analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEnrichment {
    /// Every vector of every record of the group, scored.
    pub cvss: Vec<CvssEntry>,
    /// Index into `cvss` of the vector used for ranking: the highest CVSS
    /// version, then the highest base score.
    pub ranking_cvss: Option<usize>,
    pub kev: Option<KevInfo>,
    pub epss: Option<EpssInfo>,
    pub cwes: Vec<(String, Option<String>)>,
    /// Fixed versions in each package's or product's own version scheme.
    pub fixed: Vec<FixedVersion>,
    /// ICSMA / CSAF advisories naming the CVE or an alias.
    pub advisories: Vec<AdvisoryInfo>,
}

/// A finding's enrichment: its group's shared facts (readable as fields
/// through `Deref`) and the nearest fix for this component. Serialised as
/// one flat object.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingEnrichment {
    group: Arc<GroupEnrichment>,
    /// The lowest fixed version above the installed one, for the package
    /// or criteria this component matched.
    pub nearest_fixed: Option<NearestFixed>,
}

impl FindingEnrichment {
    /// The facts shared by every finding of the group.
    pub fn group(&self) -> &Arc<GroupEnrichment> {
        &self.group
    }
}

impl Deref for FindingEnrichment {
    type Target = GroupEnrichment;

    fn deref(&self) -> &GroupEnrichment {
        &self.group
    }
}

impl Serialize for FindingEnrichment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = &*self.group;
        let mut st = s.serialize_struct("FindingEnrichment", 8)?;
        st.serialize_field("cvss", &g.cvss)?;
        st.serialize_field("ranking_cvss", &g.ranking_cvss)?;
        st.serialize_field("kev", &g.kev)?;
        st.serialize_field("epss", &g.epss)?;
        st.serialize_field("cwes", &g.cwes)?;
        st.serialize_field("fixed", &g.fixed)?;
        st.serialize_field("nearest_fixed", &self.nearest_fixed)?;
        st.serialize_field("advisories", &g.advisories)?;
        st.end()
    }
}

/// One vulnerability group affecting one component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The group's canonical id (its lowest CVE when it has one).
    pub id: String,
    /// Every id of the group (empty when it has no aliases).
    pub aliases: Vec<String>,
    pub component: ComponentRef,
    pub status: MatchStatus,
    /// The best confidence among the reasons.
    pub confidence: Confidence,
    pub reasons: Vec<MatchReason>,
    pub enrichment: FindingEnrichment,
    /// Qualitative severity of the ranking vector, or `unknown`.
    pub severity: String,
    pub cvss_score: Option<f64>,
    pub priority: Priority,
    /// 0..100, the sum of the factors' contributions.
    pub score: f64,
    pub factors: Vec<Factor>,
    pub exploitability: ExploitAssessment,
    /// The component is past its end of support on `as_of`.
    pub past_end_of_support: Option<bool>,
    /// Direct or transitive dependency of the root, with one shortest
    /// path, or unknown.
    pub dependency: DependencyPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotCheckableReason {
    /// Neither a purl nor a CPE.
    NoIdentifier,
    /// Identifiers parse, but the knowledge base has no data for them.
    NoKnowledgeBaseData,
    /// Every candidate record had a range that could not be decided.
    OnlyUnresolvable,
    /// No identifier parses.
    UnparseableIdentifier,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum CoverageStatus {
    Matched,
    NoKnownVulnerabilities,
    NotCheckable {
        reason: NotCheckableReason,
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub vulnerability: String,
    pub identifier: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SupportFacts {
    pub level: Option<String>,
    pub end_of_support: Option<String>,
    /// `None` without an `as_of` or a readable YYYY-MM-DD date.
    pub past_end_of_support: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentCoverage {
    pub component: ComponentRef,
    pub status: CoverageStatus,
    pub findings: usize,
    /// Records that could not be decided for this component.
    pub unresolved: Vec<Unresolved>,
    /// Groups matched only by CPE or CVE 5 that the purl's own ecosystem
    /// order decided as not affected; the purl wins.
    pub overridden_by_purl: Vec<String>,
    /// Identifier problems (unparseable, unmapped, no data).
    pub notes: Vec<String>,
    pub support: SupportFacts,
}

/// State across one analysis: enrichment is looked up once per group.
pub(crate) struct Context<'a> {
    index: &'a Index,
    scope: &'a KnowledgeScope,
    exploit: &'a dyn Exploitability,
    groups: HashMap<String, Rc<GroupFacts>>,
    /// OSV candidates per (ecosystem, normalized name, release): the
    /// versions of one package decode its records once.
    candidates: RefCell<HashMap<PackageKey, Rc<Candidates>>>,
}

type PackageKey = (String, String, Option<String>);
type Candidates = Vec<(VulnRecord, OsvEntry)>;

struct Evidence {
    group: String,
    reason: MatchReason,
    /// Package key and installed version, for the nearest fix.
    fix_key: Option<(String, String, Ecosystem)>,
}

/// What matching found for one component, before enrichment.
pub(crate) struct ComponentMatches {
    tally: Tally,
    groups: BTreeMap<String, Vec<Evidence>>,
    overridden: BTreeSet<String>,
}

impl ComponentMatches {
    pub(crate) fn groups(&self) -> usize {
        self.groups.len()
    }
}

/// Per-component tallies that decide the coverage status.
#[derive(Default)]
struct Tally {
    covered: bool,
    parsed_any: bool,
    decided: usize,
    unresolved: Vec<Unresolved>,
    notes: Vec<String>,
    /// Records the purl decided not affected with the ecosystem's exact
    /// order.
    purl_exact_not_affected: BTreeSet<String>,
    purl_affected: BTreeSet<String>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        index: &'a Index,
        scope: &'a KnowledgeScope,
        exploit: &'a dyn Exploitability,
    ) -> Context<'a> {
        Context {
            index,
            scope,
            exploit,
            groups: HashMap::new(),
            candidates: RefCell::new(HashMap::new()),
        }
    }

    /// The matching phase of one component: index lookups, the purl's
    /// precedence, and the evidence grouped by alias group.
    pub(crate) fn match_component(&self, c: &Component) -> ComponentMatches {
        let mut t = Tally::default();
        let mut ev: Vec<Evidence> = Vec::new();
        self.match_purl(c, &mut t, &mut ev);
        self.match_cpes(c, &mut t, &mut ev);

        // Prefer purl: an exact-order "not affected" beats generic CPE or
        // vendor/product matches for the same group.
        let mut overridden = BTreeSet::new();
        let other_identifiers = ev
            .iter()
            .any(|e| e.reason.identifier_kind != IdentifierKind::Purl);
        let exact_not_affected: BTreeSet<&str> = if other_identifiers {
            t.purl_exact_not_affected
                .iter()
                .map(|id| self.index.canonical_id(id))
                .collect()
        } else {
            BTreeSet::new()
        };
        ev.retain(|e| {
            let drop = e.reason.identifier_kind != IdentifierKind::Purl
                && exact_not_affected.contains(e.group.as_str())
                && !t.purl_affected.contains(&e.group);
            if drop {
                overridden.insert(e.group.clone());
            }
            !drop
        });
        let mut groups: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
        for e in ev {
            groups.entry(e.group.clone()).or_default().push(e);
        }
        ComponentMatches {
            tally: t,
            groups,
            overridden,
        }
    }

    /// Enrichment, priority and coverage of one matched component.
    pub(crate) fn finish_component(
        &mut self,
        c: &Component,
        m: ComponentMatches,
        device: &DeviceContext,
        options: &Options,
        graph: &DependencyGraph,
    ) -> (Vec<Finding>, ComponentCoverage) {
        let ComponentMatches {
            tally: t,
            groups,
            overridden,
        } = m;
        let cref = ComponentRef::of(c);
        let support = support_facts(c, options.as_of);
        let mut findings: Vec<Finding> = Vec::with_capacity(groups.len());
        // The path is worked out only for components with findings.
        if !groups.is_empty() {
            let position = graph.position(&c.reference);
            for (g, ev) in groups {
                let eos = support.past_end_of_support;
                let f = self.finding(g, ev, &cref, device, eos, position.clone());
                findings.push(f);
            }
        }

        let status = if !findings.is_empty() {
            CoverageStatus::Matched
        } else if t.covered && (t.decided != 0 || t.unresolved.is_empty()) {
            CoverageStatus::NoKnownVulnerabilities
        } else if t.covered {
            CoverageStatus::NotCheckable {
                reason: NotCheckableReason::OnlyUnresolvable,
                detail: format!("{} candidate record(s), none decidable", t.unresolved.len()),
            }
        } else if c.purl.is_none() && c.cpes.is_empty() {
            CoverageStatus::NotCheckable {
                reason: NotCheckableReason::NoIdentifier,
                detail: "neither a purl nor a CPE".to_owned(),
            }
        } else if t.parsed_any {
            CoverageStatus::NotCheckable {
                reason: NotCheckableReason::NoKnowledgeBaseData,
                detail: t.notes.join("; "),
            }
        } else {
            CoverageStatus::NotCheckable {
                reason: NotCheckableReason::UnparseableIdentifier,
                detail: t.notes.join("; "),
            }
        };
        let cov = ComponentCoverage {
            component: cref,
            status,
            findings: findings.len(),
            unresolved: t.unresolved,
            overridden_by_purl: overridden.into_iter().collect(),
            notes: t.notes,
            support,
        };
        (findings, cov)
    }

    fn match_purl(&self, c: &Component, t: &mut Tally, ev: &mut Vec<Evidence>) {
        let Some(raw) = &c.purl else { return };
        let parsed = c
            .purl_canonical
            .as_deref()
            .ok_or(())
            .and_then(|p| PackageUrl::parse(p).map_err(|_| ()));
        let Ok(purl) = parsed else {
            t.notes.push(format!("purl `{raw}` does not parse"));
            return;
        };
        t.parsed_any = true;
        let purl = nuget_for_dotnet(purl);
        let identifier = purl.to_string();
        let pkg = match medsec_index::ecosystem::osv_package(&purl) {
            Ok(p) => p,
            Err(e) => {
                t.notes.push(format!("{identifier}: {e}"));
                return;
            }
        };
        if !self.scope.osv_ecosystems.contains(&pkg.ecosystem) {
            t.notes.push(format!(
                "{identifier}: no {} data in the knowledge base",
                pkg.ecosystem
            ));
            return;
        }
        t.covered = true;
        let key = (
            pkg.ecosystem.clone(),
            medsec_index::ecosystem::normalize_name(&pkg.ecosystem, &pkg.name),
            pkg.release.clone(),
        );
        let cached = self.candidates.borrow().get(&key).cloned();
        let candidates = match cached {
            Some(c) => c,
            None => {
                let Ok(c) = self.index.osv_candidates(&purl) else {
                    return;
                };
                let c = Rc::new(c);
                self.candidates.borrow_mut().insert(key, Rc::clone(&c));
                c
            }
        };
        let Ok(found) = Index::affected_among(&purl, &candidates) else {
            return;
        };
        let installed = purl.version().unwrap_or_default().to_owned();
        for f in found {
            let order = if f.exact_order {
                Ecosystem::from_osv_or_generic(&f.ecosystem)
            } else {
                Ecosystem::Generic
            };
            match f.verdict {
                Verdict::Affected => {
                    t.decided += 1;
                    let group = self.index.canonical_id(&f.id).to_owned();
                    t.purl_affected.insert(group.clone());
                    ev.push(Evidence {
                        group,
                        reason: MatchReason {
                            identifier_kind: IdentifierKind::Purl,
                            identifier: identifier.clone(),
                            vulnerability: f.id,
                            source: f.source,
                            criterion: format!("{}:{} {}", f.ecosystem, f.package, f.why),
                            version_order: order.name().to_owned(),
                            confidence: if f.exact_order {
                                Confidence::High
                            } else {
                                Confidence::Medium
                            },
                            requires_platforms: Vec::new(),
                        },
                        fix_key: Some((
                            format!("{}:{}", f.ecosystem, f.package),
                            installed.clone(),
                            Ecosystem::from_osv_or_generic(&f.ecosystem),
                        )),
                    });
                }
                Verdict::NotAffected => {
                    t.decided += 1;
                    // Its group is looked up only if another identifier
                    // matched (see `match_component`).
                    if f.exact_order {
                        t.purl_exact_not_affected.insert(f.id);
                    }
                }
                Verdict::NotResolvable { reason } => t.unresolved.push(Unresolved {
                    vulnerability: f.id,
                    identifier: identifier.clone(),
                    reason,
                }),
            }
        }
    }

    fn match_cpes(&self, c: &Component, t: &mut Tally, ev: &mut Vec<Evidence>) {
        for raw in &c.cpes {
            let Ok(wfn) = Wfn::parse(raw) else {
                t.notes.push(format!("CPE `{raw}` does not parse"));
                continue;
            };
            t.parsed_any = true;
            if !self.scope.cpe_data {
                t.notes
                    .push(format!("{raw}: no NVD or CVE 5 data in the knowledge base"));
                continue;
            }
            t.covered = true;
            let installed = literal(&wfn, Attribute::Version)
                .or(c.version.as_deref())
                .unwrap_or_default()
                .to_owned();
            for f in self.index.evaluate_cpe(&wfn) {
                let (criteria, platforms, confidence) = match f.verdict {
                    CpeVerdict::Affected { criteria } => (criteria, Vec::new(), Confidence::Medium),
                    CpeVerdict::RequiresPlatform {
                        criteria,
                        platforms,
                    } => (criteria, platforms, Confidence::Low),
                    CpeVerdict::NotAffected => {
                        t.decided += 1;
                        continue;
                    }
                    CpeVerdict::NotResolvable { reason } => {
                        t.unresolved.push(Unresolved {
                            vulnerability: f.id,
                            identifier: raw.clone(),
                            reason,
                        });
                        continue;
                    }
                };
                t.decided += 1;
                let group = self.index.canonical_id(&f.id).to_owned();
                let fix_key = criteria
                    .first()
                    .map(|k| (k.clone(), installed.clone(), Ecosystem::Generic));
                ev.push(Evidence {
                    group,
                    reason: MatchReason {
                        identifier_kind: IdentifierKind::Cpe,
                        identifier: raw.clone(),
                        vulnerability: f.id,
                        source: f.source,
                        criterion: criteria.join(" OR "),
                        version_order: f.version_order,
                        confidence,
                        requires_platforms: platforms,
                    },
                    fix_key,
                });
            }
            // CVE 5 entries name vendor and product; only literal values
            // can be looked up.
            let (Some(vendor), Some(product)) = (
                literal(&wfn, Attribute::Vendor),
                literal(&wfn, Attribute::Product),
            ) else {
                continue;
            };
            if installed.is_empty() {
                continue;
            }
            let identifier = format!("{vendor}:{product}@{installed}");
            for f in self.index.evaluate_cve5(vendor, product, &installed) {
                match f.verdict {
                    Cve5Verdict::Affected => {
                        t.decided += 1;
                        let group = self.index.canonical_id(&f.id).to_owned();
                        let confidence = if f.why.starts_with("defaultStatus") {
                            Confidence::Low
                        } else {
                            Confidence::Medium
                        };
                        ev.push(Evidence {
                            group,
                            reason: MatchReason {
                                identifier_kind: IdentifierKind::Cve5Product,
                                identifier: identifier.clone(),
                                vulnerability: f.id,
                                source: f.source,
                                criterion: f.why,
                                version_order: if f.exact_order {
                                    "versionType".to_owned()
                                } else {
                                    Ecosystem::Generic.name().to_owned()
                                },
                                confidence,
                                requires_platforms: Vec::new(),
                            },
                            fix_key: Some((
                                format!("{vendor}:{product}"),
                                installed.clone(),
                                Ecosystem::Generic,
                            )),
                        });
                    }
                    Cve5Verdict::NotAffected => t.decided += 1,
                    Cve5Verdict::NotResolvable { reason } => t.unresolved.push(Unresolved {
                        vulnerability: f.id,
                        identifier: identifier.clone(),
                        reason,
                    }),
                }
            }
        }
    }

    /// The facts of a group that do not depend on the component, worked
    /// out on the group's first finding.
    fn group_facts(&mut self, group: &str, device: &DeviceContext) -> Rc<GroupFacts> {
        if let Some(g) = self.groups.get(group) {
            return Rc::clone(g);
        }
        let e = self.index.enrichment(group);
        let g = Rc::new(GroupFacts::new(e, group, device, self.exploit));
        self.groups.insert(group.to_owned(), Rc::clone(&g));
        g
    }

    fn finding(
        &mut self,
        group: String,
        mut ev: Vec<Evidence>,
        cref: &ComponentRef,
        device: &DeviceContext,
        past_eos: Option<bool>,
        dependency: DependencyPosition,
    ) -> Finding {
        ev.sort_by(|a, b| {
            (
                a.reason.identifier_kind,
                a.reason.confidence,
                &a.reason.vulnerability,
            )
                .cmp(&(
                    b.reason.identifier_kind,
                    b.reason.confidence,
                    &b.reason.vulnerability,
                ))
        });
        let g = self.group_facts(&group, device);
        let confidence = ev
            .iter()
            .map(|e| e.reason.confidence)
            .min()
            .unwrap_or(Confidence::Low);
        let plain = ev.iter().any(|e| e.reason.requires_platforms.is_empty());
        let status = if plain {
            MatchStatus::Affected
        } else {
            let mut p: Vec<String> = ev
                .iter()
                .flat_map(|e| e.reason.requires_platforms.iter().cloned())
                .collect();
            p.sort();
            p.dedup();
            MatchStatus::RequiresPlatform { platforms: p }
        };
        let nearest_fixed = nearest_fixed(&g.enrichment.fixed, &ev);
        Finding {
            id: group,
            aliases: g.aliases.clone(),
            component: cref.clone(),
            status,
            confidence,
            reasons: ev.into_iter().map(|e| e.reason).collect(),
            enrichment: FindingEnrichment {
                group: Arc::clone(&g.enrichment),
                nearest_fixed,
            },
            severity: g.severity.clone(),
            cvss_score: g.cvss_score,
            priority: g.priority,
            score: g.score,
            factors: g.factors.clone(),
            exploitability: g.exploitability.clone(),
            past_end_of_support: past_eos,
            dependency,
        }
    }
}

/// What every finding of one vulnerability group shares within one
/// analysis (one device context).
struct GroupFacts {
    enrichment: Arc<GroupEnrichment>,
    aliases: Vec<String>,
    severity: String,
    cvss_score: Option<f64>,
    exploitability: ExploitAssessment,
    factors: Vec<Factor>,
    score: f64,
    priority: Priority,
}

impl GroupFacts {
    fn new(
        e: Enrichment,
        group: &str,
        device: &DeviceContext,
        exploit: &dyn Exploitability,
    ) -> GroupFacts {
        let cvss: Vec<CvssEntry> = e
            .cvss
            .iter()
            .map(|(record, source, v)| {
                let (scores, error) = match &v.computed {
                    Ok(s) => (Some(s), None),
                    Err(err) => (None, Some(err.clone())),
                };
                CvssEntry {
                    record: record.clone(),
                    source: *source,
                    kind: v.kind.clone(),
                    vector: v.vector.clone(),
                    provider: v.source.clone(),
                    version: scores.map(|s| s.version.clone()),
                    base: scores.map(|s| s.base),
                    overall: scores.map(|s| s.overall),
                    severity: scores.map(|s| s.severity.to_ascii_lowercase()),
                    error,
                }
            })
            .collect();
        let ranking_cvss = cvss
            .iter()
            .enumerate()
            .filter(|(_, c)| c.base.is_some())
            .max_by(|(_, a), (_, b)| {
                version_rank(a.version.as_deref())
                    .total_cmp(&version_rank(b.version.as_deref()))
                    .then(a.base.unwrap_or(0.0).total_cmp(&b.base.unwrap_or(0.0)))
            })
            .map(|(i, _)| i);
        let ranked = ranking_cvss.and_then(|i| cvss.get(i));
        let cvss_score = ranked.and_then(|c| c.base);
        let severity = ranked
            .and_then(|c| c.severity.clone())
            .unwrap_or_else(|| "unknown".to_owned());
        let signals = ExploitSignals {
            kev: e.kev.is_some(),
            epss_score: e.epss.as_ref().map(|x| x.score),
            epss_percentile: e.epss.as_ref().map(|x| x.percentile),
            cvss_vector: ranked.map(|c| c.vector.as_str()),
            id: group,
            vectors: &e.cvss,
            cwes: &e.cwes,
            ssvc: &e.ssvc,
            cna: e.cna.as_deref(),
        };
        let exploitability = exploit.assess(&signals);
        let sev_input = ranked.and_then(|c| {
            c.base.map(|b| {
                (
                    b,
                    format!(
                        "CVSS {} from {}",
                        c.version.as_deref().unwrap_or("?"),
                        c.record
                    ),
                )
            })
        });
        let factors = factors(device, sev_input, &exploitability);
        let score: f64 = factors.iter().map(|f| f.contribution).sum();
        GroupFacts {
            enrichment: Arc::new(GroupEnrichment {
                cvss,
                ranking_cvss,
                kev: e.kev,
                epss: e.epss,
                cwes: e.cwes,
                fixed: e.fixed,
                advisories: e.advisories,
            }),
            aliases: e.aliases,
            severity,
            cvss_score,
            exploitability,
            factors,
            score,
            priority: Priority::from_score(score),
        }
    }
}

/// syft writes NuGet packages as `pkg:dotnet/...`; OSV knows them as NuGet.
fn nuget_for_dotnet(purl: PackageUrl) -> PackageUrl {
    if !purl.ty().eq_ignore_ascii_case("dotnet") {
        return purl;
    }
    let mut b = PackageUrl::builder("nuget", purl.name());
    if let Some(v) = purl.version() {
        b = b.version(v);
    }
    b.build().unwrap_or(purl)
}

fn literal(wfn: &Wfn, a: Attribute) -> Option<&str> {
    match wfn.get(a) {
        Value::Str(s) if !s.has_wildcards() && !s.body().is_empty() => Some(s.body()),
        _ => None,
    }
}

fn version_rank(v: Option<&str>) -> f64 {
    v.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
}

/// The lowest fixed version above the installed one, over the packages
/// (or criteria) this component matched.
fn nearest_fixed(fixed: &[FixedVersion], ev: &[Evidence]) -> Option<NearestFixed> {
    let mut best: Option<(NearestFixed, Ecosystem)> = None;
    for e in ev {
        let Some((key, installed, order)) = &e.fix_key else {
            continue;
        };
        if installed.is_empty() {
            continue;
        }
        for f in fixed.iter().filter(|f| &f.package == key) {
            if medsec_versions::compare(*order, installed, &f.version) != Ok(Ordering::Less) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((b, o)) => {
                    *o == *order
                        && medsec_versions::compare(*order, &f.version, &b.version)
                            == Ok(Ordering::Less)
                }
            };
            if better {
                best = Some((
                    NearestFixed {
                        package: f.package.clone(),
                        version: f.version.clone(),
                        version_order: order.name().to_owned(),
                    },
                    *order,
                ));
            }
        }
    }
    best.map(|(b, _)| b)
}

fn support_facts(c: &Component, as_of: Option<NaiveDate>) -> SupportFacts {
    let eos = c.support.end_of_support.clone();
    let past = match (&eos, as_of) {
        (Some(d), Some(as_of)) => d
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| d < as_of),
        _ => None,
    };
    SupportFacts {
        level: c.support.level.clone(),
        end_of_support: eos,
        past_end_of_support: past,
    }
}
