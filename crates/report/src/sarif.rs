//! SARIF 2.1.0: one rule per vulnerability, one result per finding.
//!
//! A result points at the SBOM file and, as a logical location, at the
//! component (its name, and its SBOM reference as fully qualified name).
//! Priority, score, factors, EPSS and KEV go in the result's properties.

use std::collections::BTreeMap;

use medsec_engine::{Analysis, Finding, Priority};
use serde_json::{json, Value};

use crate::links::{file_uri, vulnerability_url};
use crate::view::{cvss_label, cwe_ids, fixed_in, priority_name, ranking_cvss};
use crate::{json_bytes, Format, ReportContext, ReportError, TOOL_NAME};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(p: Priority) -> &'static str {
    match p {
        Priority::Critical | Priority::High => "error",
        Priority::Medium => "warning",
        Priority::Low => "note",
    }
}

pub(crate) fn render(analysis: &Analysis, ctx: &ReportContext<'_>) -> Result<Vec<u8>, ReportError> {
    // One rule per vulnerability; its default level is the most urgent
    // priority any of its findings has.
    let mut rules: BTreeMap<&str, (&Finding, Priority)> = BTreeMap::new();
    for f in &analysis.findings {
        rules
            .entry(f.id.as_str())
            .and_modify(|(_, p)| *p = (*p).min(f.priority))
            .or_insert((f, f.priority));
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = rules.values().map(|(f, p)| rule(f, *p)).collect();
    let uri = file_uri(ctx.source_name);
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|f| result(f, rule_index[f.id.as_str()], &uri))
        .collect();
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": ctx.tool_version,
                "semanticVersion": ctx.tool_version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": ctx.timestamp(),
            }],
            "artifacts": [{
                "location": {"uri": uri},
                "roles": ["analysisTarget"],
            }],
            "results": results,
            "properties": {
                "engineVersion": analysis.engine_version,
                "knowledgeBaseGeneration": analysis.kb_generation,
                "asOf": analysis.as_of.map(|d| d.to_string()),
                "device": analysis.device,
                "summary": analysis.summary,
                "coverage": {
                    "components": analysis.coverage.components.len(),
                    "matched": analysis.coverage.matched,
                    "noKnownVulnerabilities": analysis.coverage.no_known_vulnerabilities,
                    "notCheckable": analysis.coverage.not_checkable,
                    "notCheckableByReason": analysis.coverage.not_checkable_by_reason,
                },
            },
        }],
    });
    json_bytes(Format::Sarif, &doc)
}

fn rule(f: &Finding, most_urgent: Priority) -> Value {
    let e = &f.enrichment;
    let title = e
        .kev
        .as_ref()
        .and_then(|k| k.vulnerability_name.clone())
        .unwrap_or_else(|| format!("{} ({} severity)", f.id, f.severity));
    let mut full = format!("Known vulnerability {}", f.id);
    if !f.aliases.is_empty() {
        full.push_str(&format!(", also known as {}", f.aliases.join(", ")));
    }
    full.push('.');
    if !e.cwes.is_empty() {
        let cwes: Vec<String> = e
            .cwes
            .iter()
            .map(|(id, name)| match name {
                Some(n) => format!("{id} {n}"),
                None => id.clone(),
            })
            .collect();
        full.push_str(&format!(" Weaknesses: {}.", cwes.join("; ")));
    }
    let mut tags: Vec<String> = vec!["security".to_owned(), "vulnerability".to_owned()];
    tags.extend(cwe_ids(f).into_iter().map(str::to_owned));
    let mut props = json!({ "tags": tags });
    if let Some(score) = f.cvss_score {
        // The convention code-scanning services read for severity.
        props["security-severity"] = json!(format!("{score:.1}"));
    }
    json!({
        "id": f.id,
        "name": f.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "helpUri": vulnerability_url(&f.id),
        "help": {"text": format!("See {}.", vulnerability_url(&f.id))},
        "defaultConfiguration": {"level": level(most_urgent)},
        "properties": props,
    })
}

fn result(f: &Finding, rule_index: usize, uri: &str) -> Value {
    let e = &f.enrichment;
    let version = f.component.version.as_deref().unwrap_or("(no version)");
    let fixed = fixed_in(f);
    let mut text = format!(
        "{} {} is affected by {} ({} priority, score {:.1}; {} severity",
        f.component.name,
        version,
        f.id,
        priority_name(f.priority),
        f.score,
        f.severity
    );
    if let (Some(c), Some(s)) = (ranking_cvss(f), f.cvss_score) {
        text.push_str(&format!(", {} {s:.1}", cvss_label(c)));
    }
    text.push(')');
    if e.kev.is_some() {
        text.push_str("; listed in CISA KEV");
    }
    if !fixed.is_empty() {
        text.push_str(&format!("; fixed in {fixed}"));
    }
    text.push('.');
    json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.priority),
        "kind": "fail",
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "index": 0}},
            "logicalLocations": [{
                "name": f.component.name,
                "fullyQualifiedName": f.component.reference,
                "kind": "module",
            }],
        }],
        "partialFingerprints": {
            "medsecFinding/v1": format!("{}|{}", f.id, f.component.reference),
        },
        "properties": {
            "priority": priority_name(f.priority),
            "priorityScore": f.score,
            "factors": f.factors,
            "exploitability": f.exploitability,
            "severity": f.severity,
            "cvssScore": f.cvss_score,
            "cvssVector": ranking_cvss(f).map(|c| c.vector.as_str()),
            "epss": e.epss,
            "kev": e.kev,
            "aliases": f.aliases,
            "confidence": f.confidence,
            "componentVersion": f.component.version,
            "nearestFixed": e.nearest_fixed,
            "advisories": e.advisories.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            "pastEndOfSupport": f.past_end_of_support,
            "dependency": f.dependency,
        },
    })
}
