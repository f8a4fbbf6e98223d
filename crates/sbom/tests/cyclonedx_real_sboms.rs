//! Every CycloneDX SBOM in the shared data set parses, and for JSON the
//! component and edge counts equal an independent count over the raw JSON.

use medsec_sbom::{detect, parse, Component, Detected, EdgeKind, LicenseAcknowledgement, Sbom};
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
        compare_fields(&shown, &doc, &sbom);
        if shown.contains("medical") {
            let supported = sbom
                .components
                .iter()
                .filter(|c| !c.support.is_empty())
                .count();
            assert!(supported > 0, "{shown}: no support facts lifted");
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

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The components of the document in the model's order: the subject and its
/// nested components, then `components` depth-first, without top-level
/// repeats of the subject.
/// Each with its parent: `None` at top level, `Some(bom-ref)` when nested
/// (`Some(None)` when the parent has no bom-ref).
fn flatten(doc: &Value) -> Vec<(&Value, Option<Option<String>>)> {
    fn walk<'a>(
        v: &'a Value,
        parent: Option<Option<String>>,
        out: &mut Vec<(&'a Value, Option<Option<String>>)>,
    ) {
        out.push((v, parent));
        let me = text(v, "bom-ref");
        if let Some(children) = v.get("components").and_then(Value::as_array) {
            for c in children {
                walk(c, Some(me.clone()), out);
            }
        }
    }
    let mut out = Vec::new();
    let subject = doc.pointer("/metadata/component");
    if let Some(s) = subject {
        walk(s, None, &mut out);
    }
    let subject_ref = subject.and_then(|s| text(s, "bom-ref"));
    for c in doc
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if subject_ref.is_some() && text(c, "bom-ref") == subject_ref {
            // The repeat is dropped but its nested components are kept.
            for n in c
                .get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(n, Some(subject_ref.clone()), &mut out);
            }
            continue;
        }
        walk(c, None, &mut out);
    }
    out
}

type LicenseRow = (Option<String>, Option<String>, LicenseAcknowledgement);

fn licenses_of(v: &Value) -> Vec<LicenseRow> {
    let ack = |a: Option<String>| match a.as_deref() {
        Some("declared") => LicenseAcknowledgement::Declared,
        Some("concluded") => LicenseAcknowledgement::Concluded,
        _ => LicenseAcknowledgement::Unspecified,
    };
    v.get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| match item.get("license") {
            Some(l) => (
                text(l, "id"),
                text(l, "name"),
                ack(text(l, "acknowledgement")),
            ),
            None => (
                text(item, "expression"),
                None,
                ack(text(item, "acknowledgement")),
            ),
        })
        .collect()
}

/// Each component's fields equal what the raw JSON says.
fn compare_fields(shown: &str, doc: &Value, sbom: &Sbom) {
    let expected = flatten(doc);
    assert_eq!(expected.len(), sbom.components.len(), "{shown}");
    for ((v, parent), c) in expected.iter().zip(&sbom.components) {
        let c: &Component = c;
        let at = format!("{shown}: {}", c.reference);
        match text(v, "bom-ref") {
            Some(r) => {
                assert_eq!(c.reference, r, "{at}");
                assert!(!c.reference_generated, "{at}");
            }
            None => {
                assert!(c.reference.starts_with("medsec:component:"), "{at}");
                assert!(c.reference_generated, "{at}");
            }
        }
        if let Some(Some(p)) = parent {
            assert_eq!(c.parent.as_ref(), Some(p), "{at}");
        }
        assert_eq!(c.parent.is_some(), parent.is_some(), "{at}");
        assert_eq!(Some(c.name.clone()), text(v, "name"), "{at}");
        assert_eq!(c.group, text(v, "group"), "{at}");
        assert_eq!(
            c.version,
            text(v, "version").filter(|s| !s.trim().is_empty()),
            "{at}"
        );
        assert_eq!(c.purl, text(v, "purl"), "{at}");
        assert_eq!(
            c.cpes,
            text(v, "cpe").into_iter().collect::<Vec<_>>(),
            "{at}"
        );
        assert_eq!(c.scope, text(v, "scope"), "{at}");
        assert_eq!(c.publisher, text(v, "publisher"), "{at}");
        assert_eq!(c.description, text(v, "description"), "{at}");
        assert_eq!(c.copyright, text(v, "copyright"), "{at}");
        assert_eq!(
            c.supplier,
            v.pointer("/supplier/name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            "{at}"
        );
        if let Some(author) = text(v, "author") {
            assert_eq!(c.author.as_deref(), Some(author.as_str()), "{at}");
        }
        let canonical = text(v, "purl").and_then(|p| {
            medsec_ident::purl::PackageUrl::parse(&p)
                .or_else(|_| medsec_ident::purl::PackageUrl::parse_lenient(&p))
                .ok()
                .map(|p| p.to_string())
        });
        assert_eq!(c.purl_canonical, canonical, "{at}");
        let hashes: Vec<(String, String)> = v
            .get("hashes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|h| {
                (
                    text(h, "alg").unwrap(),
                    text(h, "content").unwrap().to_ascii_lowercase(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = c
            .hashes
            .iter()
            .map(|h| (h.alg.clone(), h.content.clone()))
            .collect();
        assert_eq!(got, hashes, "{at}");
        let got: Vec<LicenseRow> = c
            .licenses
            .iter()
            .map(|l| (l.expression.clone(), l.name.clone(), l.acknowledgement))
            .collect();
        assert_eq!(got, licenses_of(v), "{at}");
        let props: Vec<(Option<String>, Option<String>)> = v
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| (text(p, "name"), text(p, "value")))
            .collect();
        let got: Vec<(Option<String>, Option<String>)> = c
            .properties
            .iter()
            .map(|p| (Some(p.name.clone()), p.value.clone()))
            .collect();
        assert_eq!(got, props, "{at}");
        // The FDA support facts come from the properties the medical SBOMs
        // use ("Level of Support", "End-of-Support").
        for (key, field) in [
            ("Level of Support", &c.support.level),
            ("End-of-Support", &c.support.end_of_support),
        ] {
            let value = props
                .iter()
                .find(|(n, v)| {
                    n.as_deref() == Some(key) && v.as_ref().is_some_and(|v| !v.trim().is_empty())
                })
                .and_then(|(_, v)| v.clone());
            if value.is_some() {
                assert_eq!(field, &value, "{at}: {key}");
            }
        }
        let refs: Vec<(Option<String>, Option<String>)> = v
            .get("externalReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| (text(r, "type"), text(r, "url")))
            .collect();
        let got: Vec<(Option<String>, Option<String>)> = c
            .external_references
            .iter()
            .map(|r| (Some(r.kind.clone()), Some(r.url.clone())))
            .collect();
        assert_eq!(got, refs, "{at}");
    }
    // Document facts.
    assert_eq!(sbom.serial_number, text(doc, "serialNumber"), "{shown}");
    assert_eq!(
        sbom.name,
        doc.get("version").map(|v| v.to_string()),
        "{shown}"
    );
    assert_eq!(
        sbom.created,
        doc.pointer("/metadata/timestamp")
            .and_then(Value::as_str)
            .map(str::to_owned),
        "{shown}"
    );
    let tools = match doc.pointer("/metadata/tools") {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(o)) => ["components", "services"]
            .iter()
            .map(|k| o.get(*k).and_then(Value::as_array).map_or(0, Vec::len))
            .sum(),
        _ => 0,
    };
    assert_eq!(sbom.tools.len(), tools, "{shown}");
    let authors = doc
        .pointer("/metadata/authors")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert_eq!(sbom.authors.len(), authors, "{shown}");
}

/// The valid official fixtures in JSON go through the same comparison.
#[test]
fn valid_json_fixtures_match_the_raw_document() {
    let Some(data) = medsec_testdata::require("valid_json_fixtures_match_the_raw_document") else {
        return;
    };
    let mut checked = 0;
    for version in ["1.4", "1.5", "1.6"] {
        let dir = data.join("testvectors/cyclonedx-spec").join(version);
        for path in medsec_testdata::files_under(&dir) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("valid-") || !name.ends_with(".json") {
                continue;
            }
            let bytes = medsec_testdata::read(&path);
            let sbom = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            let doc: Value = serde_json::from_slice(&bytes).unwrap();
            let (depends_on, provides) = count_edges(doc.get("dependencies"));
            let count = |k: EdgeKind| sbom.edges.iter().filter(|e| e.kind == k).count();
            assert_eq!(count(EdgeKind::DependsOn), depends_on, "{name}");
            assert_eq!(count(EdgeKind::Provides), provides, "{name}");
            compare_fields(&format!("{version}/{name}"), &doc, &sbom);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} fixtures");
}
