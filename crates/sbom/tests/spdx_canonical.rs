//! The SPDX specification publishes its canonical example document in
//! several serializations; read as JSON and as tag-value, the two must
//! normalize to the same components and edges.

use std::collections::BTreeSet;

use medsec_sbom::{Component, Encoding, Sbom};

type Edge = (String, String, String);

fn edges(sbom: &Sbom) -> BTreeSet<Edge> {
    sbom.edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone(), format!("{:?}", e.kind)))
        .collect()
}

fn hashes(c: &Component) -> BTreeSet<(String, String)> {
    c.hashes
        .iter()
        .map(|h| (h.alg.clone(), h.content.clone()))
        .collect()
}

fn licences(c: &Component) -> BTreeSet<String> {
    c.licenses.iter().map(|l| format!("{l:?}")).collect()
}

fn compare(version: &str) {
    let Some(data) = medsec_testdata::require(&format!("spdx_canonical_{version}")) else {
        return;
    };
    let dir = data.join(format!("sboms/spdx-examples/spdx-spec-v{version}"));
    let json = medsec_testdata::read(&dir.join(format!("SPDXJSONExample-v{version}.spdx.json")));
    let tv = medsec_testdata::read(&dir.join(format!("SPDXTagExample-v{version}.spdx")));
    let json = medsec_sbom::parse(&json).unwrap_or_else(|e| panic!("{version} JSON: {e}"));
    let tv = medsec_sbom::parse(&tv).unwrap_or_else(|e| panic!("{version} tag-value: {e}"));
    assert_eq!(json.encoding, Encoding::Json);
    assert_eq!(tv.encoding, Encoding::TagValue);
    assert_eq!(json.spec_version, version);
    assert_eq!(tv.spec_version, version);

    assert_eq!(json.name, tv.name);
    assert_eq!(json.serial_number, tv.serial_number);
    assert_eq!(json.created, tv.created);
    assert_eq!(json.tools, tv.tools);
    assert_eq!(json.authors, tv.authors);
    assert_eq!(json.subject, tv.subject);
    assert!(json.subject.is_some());

    let ids = |s: &Sbom| -> BTreeSet<String> {
        s.components.iter().map(|c| c.reference.clone()).collect()
    };
    assert_eq!(ids(&json), ids(&tv));
    assert!(!json.components.is_empty());
    for j in &json.components {
        let t = tv
            .components
            .iter()
            .find(|c| c.reference == j.reference)
            .unwrap_or_else(|| panic!("{} missing from tag-value", j.reference));
        let id = &j.reference;
        assert_eq!(j.name, t.name, "{id}");
        assert_eq!(j.version, t.version, "{id}");
        assert_eq!(j.kind, t.kind, "{id}");
        assert_eq!(j.purl, t.purl, "{id}");
        assert_eq!(j.cpes, t.cpes, "{id}");
        assert_eq!(hashes(j), hashes(t), "{id}");
        assert_eq!(licences(j), licences(t), "{id}");
        assert_eq!(j.supplier, t.supplier, "{id}");
        assert_eq!(j.author, t.author, "{id}");
        assert_eq!(j.copyright, t.copyright, "{id}");
        assert_eq!(j.description, t.description, "{id}");
    }
    // The example has a purl, a CPE, checksums and licences somewhere, so
    // the comparisons above are not vacuous.
    assert!(json.components.iter().any(|c| c.purl.is_some()));
    assert!(json.components.iter().any(|c| !c.cpes.is_empty()));
    assert!(json.components.iter().any(|c| !c.hashes.is_empty()));
    assert!(json.components.iter().any(|c| !c.licenses.is_empty()));

    assert_eq!(edges(&json), edges(&tv));
    assert_eq!(json.edges.len(), tv.edges.len());
    assert!(!json.edges.is_empty());
}

#[test]
fn canonical_example_2_2_json_and_tag_value_agree() {
    compare("2.2");
}

#[test]
fn canonical_example_2_3_json_and_tag_value_agree() {
    compare("2.3");
}
