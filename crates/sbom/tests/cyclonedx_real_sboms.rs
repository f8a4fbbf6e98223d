//! Every CycloneDX SBOM in the shared data set parses, and for JSON the
//! component and edge counts equal an independent count over the raw JSON.

use medsec_sbom::{detect, parse, Detected, EdgeKind};
use serde_json::Value;

/// Components in a `components` array, nested ones included.
fn count_components(list: Option<&Value>) -> usize {
    let Some(Value::Array(items)) = list else {
        return 0;
    };
    items
        .iter()
        .map(|c| 1 + count_components(c.get("components")))
        .sum()
}

/// `dependsOn` and `provides` entries over all dependencies.
fn count_edges(list: Option<&Value>) -> (usize, usize) {
    let Some(Value::Array(items)) = list else {
        return (0, 0);
    };
    let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
    items.iter().fold((0, 0), |(d, p), dep| {
        let (nd, np) = count_edges(dep.get("dependencies"));
        (
            d + len(dep.get("dependsOn")) + nd,
            p + len(dep.get("provides")) + np,
        )
    })
}

#[test]
fn every_cyclonedx_sbom_parses_with_matching_counts() {
    let Some(data) = medsec_testdata::require("every_cyclonedx_sbom_parses_with_matching_counts")
    else {
        return;
    };
    let (mut json_files, mut xml_files) = (0, 0);
    let mut failures = Vec::new();
    for path in medsec_testdata::files_under(&data.join("sboms")) {
        let bytes = medsec_testdata::read(&path);
        let kind = match detect(&bytes) {
            Ok(k @ (Detected::CycloneDxJson | Detected::CycloneDxXml)) => k,
            _ => continue,
        };
        let shown = path
            .strip_prefix(&data)
            .unwrap_or(&path)
            .display()
            .to_string();
        let sbom = match parse(&bytes) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{shown}: {e}"));
                continue;
            }
        };
        assert!(!sbom.spec_version.is_empty());
        if kind == Detected::CycloneDxXml {
            xml_files += 1;
            continue;
        }
        json_files += 1;
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let metadata_component = doc.pointer("/metadata/component");
        // The reader drops a top-level repeat of the subject (same bom-ref).
        let subject_ref = metadata_component.and_then(|c| c.get("bom-ref"));
        let repeats = doc
            .get("components")
            .and_then(Value::as_array)
            .map_or(0, |list| {
                list.iter()
                    .filter(|c| subject_ref.is_some() && c.get("bom-ref") == subject_ref)
                    .count()
            });
        let expected_components = count_components(doc.get("components"))
            + metadata_component.map_or(0, |c| 1 + count_components(c.get("components")))
            - repeats;
        let (depends_on, provides) = count_edges(doc.get("dependencies"));
        let got_depends_on = sbom
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::DependsOn)
            .count();
        let got_provides = sbom
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Provides)
            .count();
        if sbom.components.len() != expected_components
            || got_depends_on != depends_on
            || got_provides != provides
        {
            failures.push(format!(
                "{shown}: components {} (expected {expected_components}), dependsOn {got_depends_on} (expected {depends_on}), provides {got_provides} (expected {provides})",
                sbom.components.len()
            ));
        }
        if let Some(subject) = metadata_component {
            let first = sbom.components.first().map(|c| c.name.as_str());
            assert_eq!(
                first,
                subject.get("name").and_then(Value::as_str),
                "{shown}"
            );
            assert_eq!(
                sbom.subject.as_deref(),
                sbom.components.first().map(|c| c.reference.as_str())
            );
        }
        // Every reference is unique, generated ones included.
        let mut refs: Vec<&str> = sbom
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        refs.sort_unstable();
        let total = refs.len();
        refs.dedup();
        assert_eq!(refs.len(), total, "{shown}: duplicate references");
    }
    eprintln!("parsed {json_files} CycloneDX JSON and {xml_files} XML SBOMs");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        json_files >= 60 && xml_files >= 15,
        "SBOMs missing: {json_files} JSON, {xml_files} XML"
    );
}
