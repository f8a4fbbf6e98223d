//! CycloneDX 1.6 VEX: the affected components and one vulnerability per
//! vulnerability id, with every CVSS rating, CWEs, the components it
//! affects, advisories and its source. No triage decision exists yet, so
//! every analysis state is `in_triage`.

use std::collections::{BTreeMap, BTreeSet};

use medsec_engine::{Analysis, CvssEntry, Finding};
use serde_json::{json, Value};

use crate::links::{advisory_url, id_source, vulnerability_url};
use crate::view::priority_name;
use crate::{json_bytes, Format, ReportContext, ReportError, TOOL_NAME};

const SPEC_VERSION: &str = "1.6";

pub(crate) fn render(analysis: &Analysis, ctx: &ReportContext<'_>) -> Result<Vec<u8>, ReportError> {
    // Components that have findings, once per reference, in document order.
    let mut seen = BTreeSet::new();
    let components: Vec<Value> = analysis
        .coverage
        .components
        .iter()
        .filter(|c| c.findings > 0 && seen.insert(c.component.reference.as_str()))
        .map(|c| {
            let mut v = json!({
                "type": "library",
                "bom-ref": c.component.reference,
                "name": c.component.name,
            });
            if let Some(ver) = &c.component.version {
                v["version"] = json!(ver);
            }
            v
        })
        .collect();
    // Findings grouped by vulnerability id, keeping the analysis' order.
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &analysis.findings {
        groups
            .entry(f.id.as_str())
            .or_insert_with(|| {
                order.push(f.id.as_str());
                Vec::new()
            })
            .push(f);
    }
    let vulnerabilities: Vec<Value> = order.iter().map(|id| vulnerability(&groups[id])).collect();
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": ctx.timestamp(),
            "tools": {"components": [{
                "type": "application",
                "name": TOOL_NAME,
                "version": ctx.tool_version,
            }]},
            "properties": [
                {"name": "medsec:source", "value": ctx.source_name},
                {"name": "medsec:knowledge-base-generation", "value": analysis.kb_generation.to_string()},
                {"name": "medsec:engine-version", "value": analysis.engine_version},
            ],
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    json_bytes(Format::Vex, &doc)
}

/// The CycloneDX rating method of a CVSS version.
fn method(version: &str) -> &'static str {
    match version {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
        _ => "other",
    }
}

/// The CycloneDX severity for the engine's word.
fn severity(s: Option<&str>) -> &'static str {
    match s {
        Some("critical") => "critical",
        Some("high") => "high",
        Some("medium") => "medium",
        Some("low") => "low",
        Some("none") => "none",
        _ => "unknown",
    }
}

fn rating(c: &CvssEntry) -> Value {
    let version = c.version.as_deref().unwrap_or(&c.kind);
    let mut r = json!({
        "source": {"name": c.provider.as_deref().unwrap_or(c.source.as_str())},
        "severity": severity(c.severity.as_deref()),
        "method": method(version),
        "vector": c.vector,
    });
    if let Some(base) = c.base {
        r["score"] = json!(base);
    }
    r
}

/// `CWE-79` as 79; other ids (`NVD-CWE-Other`) have no number.
fn cwe_number(id: &str) -> Option<u64> {
    id.strip_prefix("CWE-")?.parse().ok()
}

fn vulnerability(findings: &[&Finding]) -> Value {
    let first = findings[0];
    let e = &first.enrichment;
    let (source_name, _) = id_source(&first.id);
    let mut ratings = Vec::new();
    let mut rated = BTreeSet::new();
    for c in &e.cvss {
        let who = c.provider.as_deref().unwrap_or(c.source.as_str());
        if rated.insert((c.vector.as_str(), who)) {
            ratings.push(rating(c));
        }
    }
    let cwes: BTreeSet<u64> = e.cwes.iter().filter_map(|(id, _)| cwe_number(id)).collect();
    let references: Vec<Value> = first
        .aliases
        .iter()
        .filter(|a| **a != first.id)
        .map(|a| {
            json!({
                "id": a,
                "source": {"name": id_source(a).0, "url": vulnerability_url(a)},
            })
        })
        .collect();
    let advisories: Vec<Value> = e
        .advisories
        .iter()
        .map(|a| json!({"title": format!("{}: {}", a.id, a.title), "url": advisory_url(&a.id)}))
        .collect();
    let affects: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut a = json!({"ref": f.component.reference});
            if let Some(v) = &f.component.version {
                a["versions"] = json!([{"version": v, "status": "affected"}]);
            }
            a
        })
        .collect();
    let most_urgent = findings
        .iter()
        .map(|f| f.priority)
        .min()
        .unwrap_or(first.priority);
    let top_score = findings.iter().map(|f| f.score).fold(f64::MIN, f64::max);
    let mut properties = vec![
        json!({"name": "medsec:priority", "value": priority_name(most_urgent)}),
        json!({"name": "medsec:priority-score", "value": format!("{top_score:.2}")}),
    ];
    if let Some(p) = &e.epss {
        properties.push(json!({"name": "medsec:epss:score", "value": p.score.to_string()}));
        properties
            .push(json!({"name": "medsec:epss:percentile", "value": p.percentile.to_string()}));
    }
    if let Some(k) = &e.kev {
        properties.push(json!({"name": "medsec:kev:date-added", "value": k.date_added}));
        if let Some(d) = &k.due_date {
            properties.push(json!({"name": "medsec:kev:due-date", "value": d}));
        }
        if let Some(r) = k.known_ransomware_use {
            properties
                .push(json!({"name": "medsec:kev:known-ransomware-use", "value": r.to_string()}));
        }
    }
    let mut recommendation = String::new();
    let fixes: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| {
            f.enrichment
                .nearest_fixed
                .as_ref()
                .map(|n| n.version.as_str())
        })
        .collect();
    if !fixes.is_empty() {
        recommendation = format!(
            "Upgrade to a fixed version ({}).",
            fixes.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    let mut v = json!({
        "bom-ref": format!("vulnerability:{}", first.id),
        "id": first.id,
        "source": {"name": source_name, "url": vulnerability_url(&first.id)},
        "ratings": ratings,
        "cwes": cwes,
        "advisories": advisories,
        "analysis": {"state": "in_triage"},
        "affects": affects,
        "properties": properties,
    });
    if !references.is_empty() {
        v["references"] = json!(references);
    }
    if !recommendation.is_empty() {
        v["recommendation"] = json!(recommendation);
    }
    if let Some(k) = &e.kev {
        if let Some(name) = &k.vulnerability_name {
            v["description"] = json!(name);
        }
    }
    v
}
