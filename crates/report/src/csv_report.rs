//! One CSV row per finding, in the analysis' order. The columns are
//! listed in [`COLUMNS`] and documented in the README; new columns are only
//! ever appended.

use medsec_engine::{Analysis, Finding, MatchStatus};

use crate::view::{
    confidence_name, cwe_ids, dependency_path, priority_name, ranking_cvss, relation_name,
};
use crate::ReportError;

/// The header row.
pub const COLUMNS: [&str; 28] = [
    "priority",
    "priority_score",
    "id",
    "aliases",
    "component_ref",
    "component_name",
    "component_version",
    "match_status",
    "requires_platforms",
    "confidence",
    "matched_by",
    "severity",
    "cvss_score",
    "cvss_version",
    "cvss_vector",
    "epss_score",
    "epss_percentile",
    "kev",
    "kev_date_added",
    "kev_due_date",
    "kev_known_ransomware_use",
    "cwes",
    "nearest_fixed_version",
    "fixed_versions",
    "advisories",
    "past_end_of_support",
    "dependency",
    "dependency_path",
];

/// Separates the items of a list cell.
const LIST_SEPARATOR: &str = ";";

pub(crate) fn render(analysis: &Analysis) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for f in &analysis.findings {
        w.write_record(row(f).map(neutralise_formula))?;
    }
    w.into_inner()
        .map_err(|e| ReportError::Csv(csv::Error::from(e.into_error())))
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or
/// carriage return as a formula; component names and versions come from the
/// SBOM, so such a cell gets a leading `'` (OWASP's advice for CSV
/// injection). Numbers in our columns are never negative, so no value of
/// ours is changed by this.
fn neutralise_formula(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

fn row(f: &Finding) -> [String; COLUMNS.len()] {
    let e = &f.enrichment;
    let cvss = ranking_cvss(f);
    let (status, platforms) = match &f.status {
        MatchStatus::Affected => ("affected", String::new()),
        MatchStatus::RequiresPlatform { platforms } => {
            ("requires-platform", platforms.join(LIST_SEPARATOR))
        }
    };
    let mut kinds: Vec<&str> = f
        .reasons
        .iter()
        .map(|r| match r.identifier_kind {
            medsec_engine::IdentifierKind::Purl => "purl",
            medsec_engine::IdentifierKind::Cpe => "cpe",
            medsec_engine::IdentifierKind::Cve5Product => "cve5-product",
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut fixed: Vec<String> = e
        .fixed
        .iter()
        .map(|x| format!("{}@{}", x.package, x.version))
        .collect();
    fixed.sort();
    fixed.dedup();
    [
        priority_name(f.priority).to_owned(),
        format!("{:.2}", f.score),
        f.id.clone(),
        f.aliases.join(LIST_SEPARATOR),
        f.component.reference.clone(),
        f.component.name.clone(),
        opt(f.component.version.as_deref()),
        status.to_owned(),
        platforms,
        confidence_name(f.confidence).to_owned(),
        kinds.join(LIST_SEPARATOR),
        f.severity.clone(),
        opt(f.cvss_score),
        opt(cvss.and_then(|c| c.version.as_deref())),
        opt(cvss.map(|c| c.vector.as_str())),
        opt(e.epss.as_ref().map(|x| x.score)),
        opt(e.epss.as_ref().map(|x| x.percentile)),
        yes_no(e.kev.is_some()),
        opt(e.kev.as_ref().map(|k| k.date_added.as_str())),
        opt(e.kev.as_ref().and_then(|k| k.due_date.as_deref())),
        opt(e.kev.as_ref().and_then(|k| k.known_ransomware_use)),
        cwe_ids(f).join(LIST_SEPARATOR),
        opt(e.nearest_fixed.as_ref().map(|n| n.version.as_str())),
        fixed.join(LIST_SEPARATOR),
        e.advisories
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
        opt(f.past_end_of_support),
        relation_name(&f.dependency).to_owned(),
        dependency_path(&f.dependency).join(" > "),
    ]
}
