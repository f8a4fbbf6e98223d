//! The analysis engine: one SBOM, one loaded index and a device context in,
//! plain data out.
//!
//! [`Analyser::analyse`] matches every component by purl (OSV ranges in the
//! ecosystem's own order) and by CPE (NVD configurations, CVE 5 products),
//! merges aliases into one finding per vulnerability group, enriches each
//! finding (CVSS, EPSS, KEV, CWE, fixed versions, advisories), ranks it by a
//! documented priority rule, and reports a coverage status for every
//! component. Pure: no I/O and no clock reads (`as_of` is an input).

mod graph;
mod licences;
mod matching;
mod priority;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use medsec_index::Index;
use medsec_sbom::Sbom;
use serde::Serialize;

pub use graph::{
    DependedUpon, DependencyGraph, DependencyPosition, GraphFacts, GraphNode, UnknownPosition,
    TOP_DEPENDED_UPON,
};
pub use licences::{
    component_licences, copyleft_strength, licence_report, ComponentLicences, ConflictRule,
    CopyleftStrength, LicenceIssue, LicenceReport, LicenceSummary, Statement, UnknownReason,
};
pub use matching::{
    ComponentCoverage, ComponentRef, Confidence, CoverageStatus, CvssEntry, Finding,
    FindingEnrichment, GroupEnrichment, IdentifierKind, MatchReason, MatchStatus, NearestFixed,
    NotCheckableReason, SupportFacts, Unresolved,
};
pub use priority::{
    factors, DeviceClass, DeviceContext, ExploitAssessment, ExploitSignals, Exploitability, Factor,
    NetworkExposure, Priority, RuleExploitability, UNKNOWN_SEVERITY, WEIGHT_DATA,
    WEIGHT_EXPLOITABILITY, WEIGHT_PATIENT_HARM, WEIGHT_SEVERITY,
};

/// The version of this engine, stamped on every analysis.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the knowledge base holds data for, to tell "nothing matched" from
/// "nothing to match against".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KnowledgeScope {
    /// Base OSV ecosystem names with at least one affected entry.
    pub osv_ecosystems: BTreeSet<String>,
    /// Whether any record has a vulnerable NVD criterion or a CVE 5
    /// product.
    pub cpe_data: bool,
}

impl KnowledgeScope {
    /// Read from the index's lookup tables (no record decoded); cheap, but
    /// still worth keeping with a loaded index.
    pub fn from_index(index: &Index) -> KnowledgeScope {
        KnowledgeScope {
            osv_ecosystems: index
                .osv_ecosystems()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            cpe_data: index.has_cpe_data(),
        }
    }
}

/// Inputs that are not the SBOM, the index or the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Options {
    /// The date end-of-support is judged against; none, no judgement.
    pub as_of: Option<NaiveDate>,
}

/// The analysis of one SBOM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub engine_version: String,
    pub kb_generation: u64,
    pub as_of: Option<NaiveDate>,
    pub device: DeviceContext,
    /// Sorted by priority, then priority score (highest first), then id.
    pub findings: Vec<Finding>,
    pub coverage: CoverageReport,
    pub summary: Summary,
    /// Components past their end of support that carry findings (FDA).
    pub unsupported_with_findings: Vec<UnsupportedComponent>,
    /// Copyleft, unknown and conflicting licence statements.
    pub licences: LicenceReport,
    /// Size, roots, depth and the most depended-upon components.
    pub dependency_graph: GraphFacts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageReport {
    /// One entry per SBOM component, in document order.
    pub components: Vec<ComponentCoverage>,
    pub matched: usize,
    pub no_known_vulnerabilities: usize,
    pub not_checkable: usize,
    /// Not-checkable components per reason.
    pub not_checkable_by_reason: BTreeMap<NotCheckableReason, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub findings: usize,
    pub by_priority: BTreeMap<Priority, usize>,
    /// CVSS qualitative severity of the ranking vector, `unknown` without.
    pub by_severity: BTreeMap<String, usize>,
    pub components: usize,
    pub components_with_findings: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsupportedComponent {
    pub component: ComponentRef,
    pub support_level: Option<String>,
    pub end_of_support: String,
    pub findings: usize,
}

/// The matching results of one SBOM, before enrichment and ranking.
pub struct Matches<'s> {
    sbom: &'s Sbom,
    components: Vec<matching::ComponentMatches>,
}

impl Matches<'_> {
    /// How many (component, vulnerability group) pairs matched.
    pub fn matched_groups(&self) -> usize {
        self.components.iter().map(|m| m.groups()).sum()
    }
}

static RULE: RuleExploitability = RuleExploitability;

/// Threads the matching phase may use; index lookups are independent per
/// component.
const MATCH_THREADS: usize = 2;
/// Below this many components per thread, spawning costs more than it
/// saves.
const MIN_COMPONENTS_PER_THREAD: usize = 500;

/// The engine over one loaded index.
#[derive(Clone, Copy)]
pub struct Analyser<'a> {
    index: &'a Index,
    scope: &'a KnowledgeScope,
    exploitability: &'a dyn Exploitability,
}

impl<'a> Analyser<'a> {
    /// An analyser using the documented exploitability rule.
    pub fn new(index: &'a Index, scope: &'a KnowledgeScope) -> Analyser<'a> {
        Analyser {
            index,
            scope,
            exploitability: &RULE,
        }
    }

    /// Replaces the exploitability estimate (e.g. with a learned model).
    pub fn with_exploitability(mut self, e: &'a dyn Exploitability) -> Analyser<'a> {
        self.exploitability = e;
        self
    }

    /// Matches, enriches and ranks: [`Analyser::match_sbom`] then
    /// [`Analyser::complete`].
    pub fn analyse(&self, sbom: &Sbom, device: &DeviceContext, options: &Options) -> Analysis {
        self.complete(self.match_sbom(sbom), device, options)
    }

    /// The matching phase alone: every component looked up in the index
    /// and its evidence grouped by vulnerability.
    ///
    /// Large SBOMs are matched on up to `MATCH_THREADS` threads, in
    /// contiguous runs of components joined in document order, so the
    /// result is the same as on one.
    pub fn match_sbom<'s>(&self, sbom: &'s Sbom) -> Matches<'s> {
        let (index, scope) = (self.index, self.scope);
        let run = |cs: &[medsec_sbom::Component]| {
            // Matching never asks for exploitability.
            let ctx = matching::Context::new(index, scope, &RULE);
            cs.iter()
                .map(|c| ctx.match_component(c))
                .collect::<Vec<_>>()
        };
        let all = &sbom.components;
        let threads = MATCH_THREADS
            .min(all.len() / MIN_COMPONENTS_PER_THREAD)
            .max(1);
        let components = if threads == 1 {
            run(all)
        } else {
            let chunk = all.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> = all.chunks(chunk).map(|cs| s.spawn(|| run(cs))).collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        Matches { sbom, components }
    }

    /// The rest of the analysis: enrichment, priority, coverage, licences
    /// and the dependency graph.
    pub fn complete(
        &self,
        matches: Matches<'_>,
        device: &DeviceContext,
        options: &Options,
    ) -> Analysis {
        let Matches {
            sbom,
            components: matched,
        } = matches;
        let graph = DependencyGraph::new(sbom);
        let mut ctx = matching::Context::new(self.index, self.scope, self.exploitability);
        let mut findings = Vec::new();
        let mut components = Vec::with_capacity(sbom.components.len());
        for (c, m) in sbom.components.iter().zip(matched) {
            let (f, cov) = ctx.finish_component(c, m, device, options, &graph);
            findings.extend(f);
            components.push(cov);
        }
        findings.sort_by(|a, b| {
            a.priority
                .cmp(&b.priority)
                .then(b.score.total_cmp(&a.score))
                .then(
                    b.cvss_score
                        .unwrap_or(-1.0)
                        .total_cmp(&a.cvss_score.unwrap_or(-1.0)),
                )
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.component.reference.cmp(&b.component.reference))
        });
        let coverage = coverage_report(components);
        let summary = summary(&findings, &coverage);
        let unsupported_with_findings = coverage
            .components
            .iter()
            .filter(|c| c.support.past_end_of_support == Some(true) && c.findings > 0)
            .map(|c| UnsupportedComponent {
                component: c.component.clone(),
                support_level: c.support.level.clone(),
                end_of_support: c.support.end_of_support.clone().unwrap_or_default(),
                findings: c.findings,
            })
            .collect();
        Analysis {
            engine_version: ENGINE_VERSION.to_owned(),
            kb_generation: self.index.generation(),
            as_of: options.as_of,
            device: device.clone(),
            findings,
            coverage,
            summary,
            unsupported_with_findings,
            licences: licence_report(&sbom.components, ComponentRef::of),
            dependency_graph: graph.facts(),
        }
    }
}

fn coverage_report(components: Vec<ComponentCoverage>) -> CoverageReport {
    let mut r = CoverageReport {
        components: Vec::new(),
        matched: 0,
        no_known_vulnerabilities: 0,
        not_checkable: 0,
        not_checkable_by_reason: BTreeMap::new(),
    };
    for c in &components {
        match &c.status {
            CoverageStatus::Matched => r.matched += 1,
            CoverageStatus::NoKnownVulnerabilities => r.no_known_vulnerabilities += 1,
            CoverageStatus::NotCheckable { reason, .. } => {
                r.not_checkable += 1;
                *r.not_checkable_by_reason.entry(*reason).or_default() += 1;
            }
        }
    }
    r.components = components;
    r
}

fn summary(findings: &[Finding], coverage: &CoverageReport) -> Summary {
    let mut by_priority = BTreeMap::new();
    let mut by_severity = BTreeMap::new();
    for f in findings {
        *by_priority.entry(f.priority).or_default() += 1;
        *by_severity.entry(f.severity.clone()).or_default() += 1;
    }
    Summary {
        findings: findings.len(),
        by_priority,
        by_severity,
        components: coverage.components.len(),
        components_with_findings: coverage.matched,
    }
}
