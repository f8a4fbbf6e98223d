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
