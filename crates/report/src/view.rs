//! Facts of a finding that several formats show the same way.

use medsec_engine::{CoverageStatus, CvssEntry, Finding, Priority};

/// The vector the engine ranked the finding by.
pub(crate) fn ranking_cvss(f: &Finding) -> Option<&CvssEntry> {
    f.enrichment
        .ranking_cvss
        .and_then(|i| f.enrichment.cvss.get(i))
}

pub(crate) fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Critical => "critical",
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
    }
}

/// Every priority, most urgent first.
pub(crate) const PRIORITIES: [Priority; 4] = [
    Priority::Critical,
    Priority::High,
    Priority::Medium,
    Priority::Low,
];

/// The CVSS qualitative severities, most severe first, as the engine
/// spells them.
pub(crate) const SEVERITIES: [&str; 6] = ["critical", "high", "medium", "low", "none", "unknown"];

/// `CVSS v3.1` style label of an entry.
pub(crate) fn cvss_label(c: &CvssEntry) -> String {
    let v = c.version.as_deref().unwrap_or(&c.kind);
    if v.starts_with(|ch: char| ch.is_ascii_digit()) {
        format!("CVSS v{v}")
    } else {
        v.to_owned()
    }
}

/// The version that fixes it: the nearest fix above the installed
/// version, else every fixed version the records name.
pub(crate) fn fixed_in(f: &Finding) -> String {
    if let Some(n) = &f.enrichment.nearest_fixed {
        return n.version.clone();
    }
    let mut v: Vec<&str> = f
        .enrichment
        .fixed
        .iter()
        .map(|x| x.version.as_str())
        .collect();
    v.sort_unstable();
    v.dedup();
    v.join(", ")
}

pub(crate) fn kev(f: &Finding) -> bool {
    f.enrichment.kev.is_some()
}

pub(crate) fn cwe_ids(f: &Finding) -> Vec<&str> {
    f.enrichment
        .cwes
        .iter()
        .map(|(id, _)| id.as_str())
        .collect()
}

pub(crate) fn coverage_status_name(s: &CoverageStatus) -> &'static str {
    match s {
        CoverageStatus::Matched => "matched",
        CoverageStatus::NoKnownVulnerabilities => "no-known-vulnerabilities",
        CoverageStatus::NotCheckable { .. } => "not-checkable",
    }
}

/// One line per match reason: identifier, record, source and criterion.
pub(crate) fn reasons(f: &Finding) -> Vec<String> {
    f.reasons
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {} ({}): {} [{} order, {} confidence]",
                kind_name(r.identifier_kind),
                r.identifier,
                r.vulnerability,
                r.source.as_str(),
                r.criterion,
                r.version_order,
                confidence_name(r.confidence)
            )
        })
        .collect()
}

fn kind_name(k: medsec_engine::IdentifierKind) -> &'static str {
    match k {
        medsec_engine::IdentifierKind::Purl => "purl",
        medsec_engine::IdentifierKind::Cpe => "cpe",
        medsec_engine::IdentifierKind::Cve5Product => "cve5-product",
    }
}

pub(crate) fn confidence_name(c: medsec_engine::Confidence) -> &'static str {
    match c {
        medsec_engine::Confidence::High => "high",
        medsec_engine::Confidence::Medium => "medium",
        medsec_engine::Confidence::Low => "low",
    }
}

/// `root`, `direct`, `transitive` or `unknown`.
pub(crate) fn relation_name(p: &medsec_engine::DependencyPosition) -> &'static str {
    use medsec_engine::DependencyPosition as P;
    match p {
        P::Root => "root",
        P::Direct { .. } => "direct",
        P::Transitive { .. } => "transitive",
        P::Unknown { .. } => "unknown",
    }
}

/// The path from a root to the component, by component name.
pub(crate) fn dependency_path(p: &medsec_engine::DependencyPosition) -> Vec<&str> {
    use medsec_engine::DependencyPosition as P;
    match p {
        P::Direct { path } | P::Transitive { path, .. } => {
            path.iter().map(|n| n.name.as_str()).collect()
        }
        P::Root | P::Unknown { .. } => Vec::new(),
    }
}
