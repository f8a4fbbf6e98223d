//! The terminal table: findings, then coverage counts.

use std::fmt::Write as _;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use medsec_engine::{Analysis, NotCheckableReason};

use crate::view::{cvss_label, fixed_in, kev, priority_name, ranking_cvss, PRIORITIES};
use crate::ReportContext;

/// Longest text a cell shows before it is shortened with `…`.
const CELL_WIDTH: usize = 48;

pub(crate) fn render(analysis: &Analysis, ctx: &ReportContext<'_>) -> Vec<u8> {
    let mut out = String::new();
    let s = &analysis.summary;
    let _ = writeln!(
        out,
        "{}: {} finding{} in {} of {} components (knowledge base generation {})",
        ctx.source_name,
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        s.components_with_findings,
        s.components,
        analysis.kb_generation,
    );
    let by_priority: Vec<String> = PRIORITIES
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                priority_name(*p),
                s.by_priority.get(p).copied().unwrap_or(0)
            )
        })
        .collect();
    let _ = writeln!(out, "priority: {}", by_priority.join(", "));
    if !analysis.findings.is_empty() {
        let _ = writeln!(out, "{}", findings_table(analysis));
    }
    out.push_str(&coverage_lines(analysis));
    out.push_str(&licence_and_graph_lines(analysis));
    for u in &analysis.unsupported_with_findings {
        let _ = writeln!(
            out,
            "past end of support ({}): {} {} with {} finding{}",
            u.end_of_support,
            u.component.name,
            u.component.version.as_deref().unwrap_or(""),
            u.findings,
            if u.findings == 1 { "" } else { "s" },
        );
    }
    out.into_bytes()
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= CELL_WIDTH {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(CELL_WIDTH - 1).collect();
    t.push('…');
    t
}

fn findings_table(analysis: &Analysis) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "Priority",
            "ID",
            "Component",
            "Version",
            "Severity (CVSS)",
            "EPSS",
            "KEV",
            "Fixed in",
        ]);
    for f in &analysis.findings {
        let severity = match (ranking_cvss(f), f.cvss_score) {
            (Some(c), Some(score)) => format!("{} {score:.1} ({})", f.severity, cvss_label(c)),
            _ => f.severity.clone(),
        };
        let epss = f
            .enrichment
            .epss
            .as_ref()
            .map(|e| format!("{:.1}%", e.score * 100.0))
            .unwrap_or_else(|| "-".to_owned());
        t.add_row([
            format!("{} {:.0}", priority_name(f.priority), f.score),
            f.id.clone(),
            shorten(&f.component.name),
            shorten(f.component.version.as_deref().unwrap_or("")),
            severity,
            epss,
            if kev(f) { "yes" } else { "" }.to_owned(),
            shorten(&fixed_in(f)),
        ]);
    }
    if let Some(c) = t.column_mut(5) {
        c.set_cell_alignment(CellAlignment::Right);
    }
    t
}

pub(crate) fn reason_name(r: NotCheckableReason) -> &'static str {
    match r {
        NotCheckableReason::NoIdentifier => "no identifier",
        NotCheckableReason::NoKnowledgeBaseData => "no knowledge-base data",
        NotCheckableReason::OnlyUnresolvable => "only unresolvable ranges",
        NotCheckableReason::UnparseableIdentifier => "unparseable identifier",
    }
}

fn coverage_lines(analysis: &Analysis) -> String {
    let c = &analysis.coverage;
    let mut out = format!(
        "coverage: {} components: {} matched, {} no known vulnerabilities, {} not checkable\n",
        c.components.len(),
        c.matched,
        c.no_known_vulnerabilities,
        c.not_checkable
    );
    for (reason, n) in &c.not_checkable_by_reason {
        let _ = writeln!(out, "  not checkable, {}: {n}", reason_name(*reason));
    }
    out
}

fn licence_and_graph_lines(analysis: &Analysis) -> String {
    let mut out = String::new();
    let l = &analysis.licences.summary;
    if l.components > 0 {
        let _ = writeln!(
            out,
            "licences: {} of {} components with issues: {} copyleft, {} unknown, {} conflicting",
            l.components - l.without_issues,
            l.components,
            l.copyleft,
            l.unknown,
            l.conflicting
        );
    }
    let g = &analysis.dependency_graph;
    if g.edges > 0 {
        let depth = g.max_depth.map_or("-".to_owned(), |d| d.to_string());
        let _ = writeln!(
            out,
            "dependency graph: {} components, {} edges, depth {depth}; {} direct, {} transitive, {} unknown",
            g.nodes, g.edges, g.direct, g.transitive, g.unknown
        );
    }
    out
}
