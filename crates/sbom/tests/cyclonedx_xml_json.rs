//! The CycloneDX examples ship the same SBOM as JSON and as XML for several
//! spec versions: both readers must give the same components and edges.

use std::path::Path;

use medsec_sbom::{parse, Encoding, Sbom};

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn components(sbom: &Sbom) -> Vec<Row> {
    let mut rows: Vec<Row> = sbom
        .components
        .iter()
        .map(|c| {
            (
                c.reference.clone(),
                c.name.clone(),
                c.version.clone(),
                c.purl.clone(),
                c.parent.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn edges(sbom: &Sbom) -> Vec<String> {
    let mut rows: Vec<String> = sbom
        .edges
        .iter()
        .map(|e| format!("{} -{:?}-> {}", e.from, e.kind, e.to))
        .collect();
    rows.sort();
    rows
}

fn compare(json: &Path, xml: &Path) {
    let j =
        parse(&medsec_testdata::read(json)).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    let x = parse(&medsec_testdata::read(xml)).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
    assert_eq!(j.encoding, Encoding::Json);
    assert_eq!(x.encoding, Encoding::Xml);
    assert_eq!(j.spec_version, x.spec_version, "{}", json.display());
    assert!(!j.components.is_empty(), "{}", json.display());
    assert_eq!(
        components(&j),
        components(&x),
        "{} vs {}",
        json.display(),
        xml.display()
    );
    assert_eq!(
        edges(&j),
        edges(&x),
        "{} vs {}",
        json.display(),
        xml.display()
    );
    assert_eq!(j.subject, x.subject);
    // Hashes and licences are read the same way from both encodings.
    for (a, b) in j.components.iter().zip(&x.components) {
        assert_eq!(a.hashes, b.hashes, "{}", a.reference);
        assert_eq!(a.licenses, b.licenses, "{}", a.reference);
    }
}

#[test]
fn json_and_xml_examples_agree() {
    let Some(data) = medsec_testdata::require("json_and_xml_examples_agree") else {
        return;
    };
    let dir = data.join("sboms/cyclonedx-examples/SBOM");
    let mut pairs = 0;
    for json in medsec_testdata::files_under(&dir) {
        let name = json.to_string_lossy().into_owned();
        let in_scope = name.contains("laravel") || name.contains("juice-shop");
        if !in_scope || !(name.ends_with(".json") || name.ends_with(".json.gz")) {
            continue;
        }
        let xml = std::path::PathBuf::from(name.replace(".json", ".xml"));
        if xml.exists() {
            compare(&json, &xml);
            pairs += 1;
        }
    }
    // laravel 1.2-1.4, juice-shop v11.1.2 and via_npm bare/flat 1.2-1.4.
    assert!(pairs >= 10, "only {pairs} JSON/XML pairs found");
}

/// The valid official fixtures come in both encodings with the same
/// structure.
#[test]
fn json_and_xml_fixtures_agree() {
    let Some(data) = medsec_testdata::require("json_and_xml_fixtures_agree") else {
        return;
    };
    let mut pairs = 0;
    let mut differ = Vec::new();
    for version in ["1.4", "1.5", "1.6"] {
        let dir = data.join("testvectors/cyclonedx-spec").join(version);
        for json in medsec_testdata::files_under(&dir) {
            let name = json.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("valid-") || !name.ends_with(".json") {
                continue;
            }
            let xml = json.with_extension("xml");
            if !xml.exists() {
                continue;
            }
            let j = parse(&medsec_testdata::read(&json)).unwrap();
            let x = parse(&medsec_testdata::read(&xml)).unwrap();
            pairs += 1;
            // Names, versions and purls differ in some pairs; the structure
            // (references, nesting, edges) does not.
            let structure = |s: &Sbom| {
                let mut refs: Vec<(String, Option<String>)> = s
                    .components
                    .iter()
                    .map(|c| (c.reference.clone(), c.parent.clone()))
                    .collect();
                refs.sort();
                refs
            };
            if structure(&j) != structure(&x) || edges(&j) != edges(&x) {
                differ.push(format!("{version}/{name}"));
            }
        }
    }
    assert!(pairs > 100, "only {pairs} pairs");
    // In these pairs the two files really hold different documents (the XML
    // valid-bom has a fourth component and no dependencies; the XML
    // valid-component-ref nests "456" and adds "789").
    let different_upstream = [
        "1.4/valid-bom-1.4.json",
        "1.4/valid-component-ref-1.4.json",
        "1.5/valid-bom-1.5.json",
        "1.5/valid-component-ref-1.5.json",
    ];
    assert_eq!(differ, different_upstream, "JSON and XML disagree");
}

/// CycloneDX 1.1 (XML only) is read too: laravel's 1.1 document lists the
/// same packages as its 1.2 JSON twin.
#[test]
fn laravel_1_1_xml_lists_the_same_packages_as_1_2_json() {
    let Some(data) =
        medsec_testdata::require("laravel_1_1_xml_lists_the_same_packages_as_1_2_json")
    else {
        return;
    };
    let dir = data.join("sboms/cyclonedx-examples/SBOM/laravel-7.12.0");
    let old = parse(&medsec_testdata::read(&dir.join("bom.1.1.xml"))).unwrap();
    let new = parse(&medsec_testdata::read(&dir.join("bom.1.2.json"))).unwrap();
    assert_eq!(old.spec_version, "1.1");
    let packages = |s: &Sbom| {
        let mut rows: Vec<(String, Option<String>, Option<String>)> = s
            .components
            .iter()
            .filter(|c| Some(&c.reference) != s.subject.as_ref())
            .map(|c| (c.name.clone(), c.version.clone(), c.purl.clone()))
            .collect();
        rows.sort();
        rows
    };
    assert!(!packages(&old).is_empty());
    assert_eq!(packages(&old), packages(&new));
}
