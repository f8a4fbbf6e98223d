//! Every SBOM file in the shared data set is classified here by its content,
//! independently of the crate's detection; every SPDX 2.2/2.3 file (JSON and
//! tag-value) must parse, every other SPDX serialization must be reported
//! as unsupported, and for SPDX JSON the normalized counts must match what
//! the document itself says.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use medsec_sbom::{Encoding, Format, Limits, Sbom, SbomError};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Spdx2Json(String),
    Spdx2TagValue(String),
    Spdx3JsonLd,
    SpdxYaml,
    SpdxXml,
    CycloneDxJson,
    CycloneDxXml,
    Unclassified,
}

fn classify(bytes: &[u8]) -> Class {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        if let Some(v) = value.get("spdxVersion").and_then(Value::as_str) {
            return Class::Spdx2Json(v.to_owned());
        }
        if value.get("bomFormat").is_some() {
            return Class::CycloneDxJson;
        }
        let context = value.get("@context").map(Value::to_string);
        if context.is_some_and(|c| c.contains("spdx.org/rdf/3")) {
            return Class::Spdx3JsonLd;
        }
        return Class::Unclassified;
    }
    let text = String::from_utf8_lossy(bytes);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    if let Some(v) = first.strip_prefix("SPDXVersion:") {
        return Class::Spdx2TagValue(v.trim().to_owned());
    }
    if first.starts_with('<') {
        if text.contains("cyclonedx.org/schema/bom") {
            return Class::CycloneDxXml;
        }
        if text.contains("<spdxVersion>") || text.contains("spdx.org/rdf/terms") {
            return Class::SpdxXml;
        }
        return Class::Unclassified;
    }
    if text.lines().any(|l| l.starts_with("spdxVersion:")) {
        return Class::SpdxYaml;
    }
    Class::Unclassified
}

fn rel(data: &Path, path: &Path) -> String {
    path.strip_prefix(data)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_sbom_file_is_classified_and_spdx_2_parses() {
    let Some(data) = medsec_testdata::require("every_sbom_file_is_classified_and_spdx_2_parses")
    else {
        return;
    };
    let mut unclassified = Vec::new();
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for path in medsec_testdata::files_under(&data.join("sboms")) {
        let name = rel(&data, &path);
        let bytes = medsec_testdata::read(&path);
        let class = classify(&bytes);
        let key = match &class {
            Class::Spdx2Json(v) => format!("SPDX JSON {v}"),
            Class::Spdx2TagValue(v) => format!("SPDX tag-value {v}"),
            other => format!("{other:?}"),
        };
        *counts.entry(key).or_default() += 1;
        match class {
            Class::Spdx2Json(version) | Class::Spdx2TagValue(version) => {
                let tag_value = bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{');
                let expected_version = version.trim_start_matches("SPDX-").to_owned();
                match medsec_sbom::parse(&bytes) {
                    Ok(sbom) => {
                        assert_eq!(sbom.format, Format::Spdx, "{name}");
                        assert_eq!(sbom.spec_version, expected_version, "{name}");
                        let encoding = if tag_value {
                            Encoding::TagValue
                        } else {
                            Encoding::Json
                        };
                        assert_eq!(sbom.encoding, encoding, "{name}");
                        // The format readers called directly agree with `parse`.
                        let direct = if tag_value {
                            medsec_sbom::spdx::parse_tag_value(&bytes, &Limits::default())
                        } else {
                            medsec_sbom::spdx::parse_json(&bytes, &Limits::default())
                        };
                        assert_eq!(direct.as_ref(), Ok(&sbom), "{name}");
                        assert!(!sbom.components.is_empty(), "{name}: no components");
                        assert!(sbom.subject.is_some(), "{name}: no subject");
                        for w in &sbom.warnings {
                            eprintln!("warning: {name}: {w:?}");
                        }
                    }
                    Err(e) => failures.push(format!("{name}: {e}")),
                }
            }
            Class::Spdx3JsonLd | Class::SpdxYaml | Class::SpdxXml => {
                match medsec_sbom::parse(&bytes) {
                    Err(SbomError::Unsupported { .. }) => {}
                    other => failures.push(format!("{name}: expected Unsupported, got {other:?}")),
                }
            }
            // The CycloneDX reader has its own tests.
            Class::CycloneDxJson | Class::CycloneDxXml => {}
            Class::Unclassified => unclassified.push(name),
        }
    }
    eprintln!("classified: {counts:#?}");
    assert!(
        unclassified.is_empty(),
        "unclassified files: {unclassified:#?}"
    );
    assert!(failures.is_empty(), "failures: {failures:#?}");
    for required in [
        "SPDX JSON SPDX-2.2",
        "SPDX JSON SPDX-2.3",
        "SPDX tag-value SPDX-2.2",
        "SPDX tag-value SPDX-2.3",
        "Spdx3JsonLd",
    ] {
        assert!(counts.contains_key(required), "no {required} file found");
    }
}

/// The edge count per the reader's documented rule, computed from the
/// document: one edge per relationship, plus one Describes edge per
/// `documentDescribes` entry not already stated by a DESCRIBES /
/// DESCRIBED_BY relationship of the document or an earlier entry, plus one
/// Contains edge per `hasFiles` entry not already stated by a CONTAINS /
/// CONTAINED_BY relationship or an earlier entry.
fn expected_edges(doc: &Value) -> usize {
    let doc_id = doc["SPDXID"].as_str().unwrap_or_default();
    let relationships = doc["relationships"].as_array().cloned().unwrap_or_default();
    let mut described: HashSet<String> = HashSet::new();
    for r in &relationships {
        let (a, t, b) = (
            r["spdxElementId"].as_str().unwrap_or_default(),
            r["relationshipType"].as_str().unwrap_or_default(),
            r["relatedSpdxElement"].as_str().unwrap_or_default(),
        );
        if t == "DESCRIBES" && a == doc_id {
            described.insert(b.to_owned());
        }
        if t == "DESCRIBED_BY" && b == doc_id {
            described.insert(a.to_owned());
        }
    }
    let extra = doc["documentDescribes"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .filter(|id| described.insert((*id).to_owned()))
                .count()
        })
        .unwrap_or(0);
    let mut contained: HashSet<(String, String)> = HashSet::new();
    for r in &relationships {
        let (a, t, b) = (
            r["spdxElementId"].as_str().unwrap_or_default().to_owned(),
            r["relationshipType"].as_str().unwrap_or_default(),
            r["relatedSpdxElement"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        match t {
            "CONTAINS" => contained.insert((a, b)),
            "CONTAINED_BY" => contained.insert((b, a)),
            _ => false,
        };
    }
    let mut files = 0;
    for p in doc["packages"].as_array().into_iter().flatten() {
        let id = p["SPDXID"].as_str().unwrap_or_default();
        for f in p["hasFiles"].as_array().into_iter().flatten() {
            let f = f.as_str().unwrap_or_default();
            if contained.insert((id.to_owned(), f.to_owned())) {
                files += 1;
            }
        }
    }
    relationships.len() + extra + files
}

fn spdx_json_files(data: &Path) -> Vec<(String, Vec<u8>, Value)> {
    let mut out = Vec::new();
    for path in medsec_testdata::files_under(&data.join("sboms")) {
        let bytes = medsec_testdata::read(&path);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            if value.get("spdxVersion").is_some() {
                out.push((rel(data, &path), bytes, value));
            }
        }
    }
    out
}

#[test]
fn spdx_json_counts_match_the_documents() {
    let Some(data) = medsec_testdata::require("spdx_json_counts_match_the_documents") else {
        return;
    };
    let files = spdx_json_files(&data);
    assert!(!files.is_empty());
    let (mut packages_total, mut edges_total) = (0, 0);
    for (name, bytes, doc) in &files {
        let sbom: Sbom = medsec_sbom::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let packages = doc["packages"].as_array().cloned().unwrap_or_default();
        assert_eq!(sbom.components.len(), packages.len(), "{name}: components");
        let expected = expected_edges(doc);
        assert_eq!(sbom.edges.len(), expected, "{name}: edges");
        packages_total += packages.len();
        edges_total += expected;

        // Package identity, purl, CPEs and checksums, read straight from
        // the document.
        let ids: BTreeSet<&str> = packages
            .iter()
            .filter_map(|p| p["SPDXID"].as_str())
            .collect();
        let refs: BTreeSet<&str> = sbom
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        assert_eq!(ids, refs, "{name}: references");
        for p in &packages {
            let id = p["SPDXID"].as_str().unwrap_or_default();
            let c = sbom
                .components
                .iter()
                .find(|c| c.reference == id)
                .unwrap_or_else(|| panic!("{name}: {id} missing"));
            assert_eq!(Some(c.name.as_str()), p["name"].as_str(), "{name}: {id}");
            assert_eq!(
                c.version.as_deref(),
                p["versionInfo"].as_str(),
                "{name}: {id}"
            );
            let refs = p["externalRefs"].as_array().cloned().unwrap_or_default();
            let purl = refs
                .iter()
                .find(|r| {
                    matches!(
                        r["referenceCategory"].as_str(),
                        Some("PACKAGE-MANAGER" | "PACKAGE_MANAGER")
                    ) && r["referenceType"] == "purl"
                })
                .and_then(|r| r["referenceLocator"].as_str());
            assert_eq!(c.purl.as_deref(), purl, "{name}: {id} purl");
            let cpes: Vec<&str> = refs
                .iter()
                .filter(|r| {
                    r["referenceCategory"] == "SECURITY"
                        && matches!(r["referenceType"].as_str(), Some("cpe23Type" | "cpe22Type"))
                })
                .filter_map(|r| r["referenceLocator"].as_str())
                .collect();
            assert_eq!(c.cpes, cpes, "{name}: {id} cpes");
            assert_eq!(
                c.external_references
                    .iter()
                    .filter(|e| e.kind.contains('/'))
                    .count(),
                refs.len(),
                "{name}: {id} external refs"
            );
            let checksums = p["checksums"].as_array().cloned().unwrap_or_default();
            assert_eq!(c.hashes.len(), checksums.len(), "{name}: {id} hashes");
            for (h, raw) in c.hashes.iter().zip(&checksums) {
                assert_eq!(
                    h.content,
                    raw["checksumValue"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                );
            }
        }
    }
    eprintln!(
        "{} SPDX JSON files: {packages_total} packages, {edges_total} edges",
        files.len()
    );
}
