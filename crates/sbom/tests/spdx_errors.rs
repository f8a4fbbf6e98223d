//! Errors name what was wrong and where; limits name the limit; the
//! normalization rules documented in `medsec_sbom::spdx` hold on small
//! documents written here; no input makes the reader panic.

use medsec_sbom::spdx::{parse_json, parse_tag_value};
use medsec_sbom::{EdgeKind, LicenseAcknowledgement, Limits, Location, Sbom, SbomError};
use serde_json::{json, Value};

fn package(id: &str, name: &str) -> Value {
    json!({
        "SPDXID": id,
        "name": name,
        "downloadLocation": "NOASSERTION",
    })
}

fn document(packages: Value, relationships: Value) -> Value {
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "example",
        "documentNamespace": "https://example.com/spdx/example-1",
        "creationInfo": {
            "created": "2024-01-01T00:00:00Z",
            "creators": ["Tool: example-1.0", "Organization: Example Inc."],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

fn two_packages() -> Value {
    document(
        json!([package("SPDXRef-a", "a"), package("SPDXRef-b", "b")]),
        json!([{
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-a",
        }, {
            "spdxElementId": "SPDXRef-a",
            "relationshipType": "DEPENDS_ON",
            "relatedSpdxElement": "SPDXRef-b",
        }]),
    )
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).expect("serializable")
}

fn json_ok(v: &Value) -> Sbom {
    parse_json(&bytes(v), &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn json_err(v: &Value) -> SbomError {
    match parse_json(&bytes(v), &Limits::default()) {
        Ok(_) => panic!("expected an error for {v}"),
        Err(e) => e,
    }
}

const TV_HEADER: &str = "SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: example
DocumentNamespace: https://example.com/spdx/example-1
Creator: Tool: example-1.0
Created: 2024-01-01T00:00:00Z
";

fn tv(body: &str) -> Vec<u8> {
    format!("{TV_HEADER}{body}").into_bytes()
}

/// Line number of `body`'s line `n` (1-based) in `tv(body)`.
fn tv_line(n: u64) -> u64 {
    TV_HEADER.lines().count() as u64 + n
}

fn tv_err(body: &str) -> SbomError {
    match parse_tag_value(&tv(body), &Limits::default()) {
        Ok(_) => panic!("expected an error for {body}"),
        Err(e) => e,
    }
}

fn location(e: &SbomError) -> Location {
    match e {
        SbomError::Syntax { location, .. } | SbomError::Invalid { location, .. } => {
            location.clone()
        }
        SbomError::LimitExceeded { location, .. } => location.clone().unwrap_or_default(),
        SbomError::Unsupported { .. } => Location::default(),
    }
}

fn rule(e: &SbomError) -> String {
    match e {
        SbomError::Invalid { rule, .. } => rule.clone(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn limit_name(e: &SbomError) -> &'static str {
    match e {
        SbomError::LimitExceeded { limit, .. } => limit,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

// ---- JSON syntax and types ----

#[test]
fn truncated_json_is_a_syntax_error_with_line_and_column() {
    let full = bytes(&two_packages());
    let cut = &full[..full.len() / 2];
    for result in [parse_json(cut, &Limits::default()), medsec_sbom::parse(cut)] {
        let e = result.expect_err("truncated");
        assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
        let at = location(&e);
        assert!(at.line.is_some_and(|l| l > 1), "{e}");
        assert!(at.column.is_some(), "{e}");
    }
}

#[test]
fn truncated_real_document_reports_its_last_line() {
    let Some(data) = medsec_testdata::require("truncated_real_document_reports_its_last_line")
    else {
        return;
    };
    let full = medsec_testdata::read(
        &data.join("sboms/spdx-examples/spdx-spec-v2.3/SPDXJSONExample-v2.3.spdx.json"),
    );
    let cut = &full[..full.len() / 2];
    let lines = cut.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let e = parse_json(cut, &Limits::default()).expect_err("truncated");
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
    assert_eq!(location(&e).line, Some(lines), "{e}");
}

#[test]
fn wrong_type_names_the_json_path() {
    let mut doc = two_packages();
    doc["packages"][1]["versionInfo"] = json!(42);
    let e = json_err(&doc);
    assert!(matches!(e, SbomError::Invalid { .. }), "{e:?}");
    let at = location(&e);
    assert_eq!(at.path.as_deref(), Some("$.packages[1].versionInfo"), "{e}");
    assert!(at.line.is_some() && at.column.is_some(), "{e}");

    let mut doc = two_packages();
    doc["packages"][0]["checksums"] = json!([{"algorithm": [], "checksumValue": "00"}]);
    let at = location(&json_err(&doc));
    assert_eq!(
        at.path.as_deref(),
        Some("$.packages[0].checksums[0].algorithm")
    );

    let mut doc = two_packages();
    doc["relationships"] = json!({"not": "an array"});
    let at = location(&json_err(&doc));
    assert_eq!(at.path.as_deref(), Some("$.relationships"));
}

#[test]
fn trailing_content_after_the_document_is_a_syntax_error() {
    let mut b = bytes(&two_packages());
    b.extend_from_slice(b"\n{}");
    let e = parse_json(&b, &Limits::default()).expect_err("trailing");
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
}

// ---- versions ----

#[test]
fn other_versions_are_unsupported_and_named() {
    for version in ["SPDX-2.1", "SPDX-3.0", "SPDX-2.0"] {
        let mut doc = two_packages();
        doc["spdxVersion"] = json!(version);
        match parse_json(&bytes(&doc), &Limits::default()) {
            Err(SbomError::Unsupported { message }) => assert!(message.contains(version)),
            other => panic!("{version}: {other:?}"),
        }
        let text = String::from_utf8(tv(""))
            .expect("utf-8")
            .replace("SPDX-2.3", version);
        match parse_tag_value(text.as_bytes(), &Limits::default()) {
            Err(SbomError::Unsupported { message }) => assert!(message.contains(version)),
            other => panic!("{version}: {other:?}"),
        }
    }
    let jsonld =
        json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []});
    assert!(matches!(
        parse_json(&bytes(&jsonld), &Limits::default()),
        Err(SbomError::Unsupported { .. })
    ));
    // The version is reported even when the rest does not fit SPDX 2.
    let mut doc = two_packages();
    doc["spdxVersion"] = json!("SPDX-3.0");
    doc["packages"] = json!("not an array");
    assert!(matches!(json_err(&doc), SbomError::Unsupported { .. }));
    let mut doc = two_packages();
    doc.as_object_mut().map(|o| o.remove("spdxVersion"));
    assert_eq!(rule(&json_err(&doc)), "spdxVersion required");
}

// ---- validation ----

#[test]
fn required_document_fields_are_checked() {
    for (field, expected_rule) in [
        ("dataLicense", "data licence required"),
        ("name", "document name required"),
        ("documentNamespace", "document namespace required"),
        ("creationInfo", "creation information required"),
        ("SPDXID", "document SPDXID required"),
    ] {
        let mut doc = two_packages();
        doc.as_object_mut().map(|o| o.remove(field));
        let e = json_err(&doc);
        assert_eq!(rule(&e), expected_rule, "{e}");
    }
    let mut doc = two_packages();
    doc["dataLicense"] = json!("MIT");
    assert_eq!(rule(&json_err(&doc)), "data licence is CC0-1.0");
    let mut doc = two_packages();
    doc["creationInfo"]["creators"] = json!([]);
    assert_eq!(rule(&json_err(&doc)), "creator required");

    let body = "";
    let text = String::from_utf8(tv(body)).expect("utf-8").replace(
        "DocumentNamespace: https://example.com/spdx/example-1\n",
        "",
    );
    let e = parse_tag_value(text.as_bytes(), &Limits::default()).expect_err("no namespace");
    assert_eq!(rule(&e), "document namespace required");
}

#[test]
fn package_rules_name_the_package() {
    let mut doc = two_packages();
    doc["packages"][1].as_object_mut().map(|o| o.remove("name"));
    let e = json_err(&doc);
    assert_eq!(rule(&e), "package name required");
    assert_eq!(location(&e).path.as_deref(), Some("$.packages[1].name"));

    let mut doc = two_packages();
    doc["packages"][1]["SPDXID"] = json!("SPDXRef-a");
    let e = json_err(&doc);
    assert_eq!(rule(&e), "SPDXIDs unique");
    assert_eq!(location(&e).path.as_deref(), Some("$.packages[1].SPDXID"));

    for bad in ["SPDXRef-", "SPDXRef-a b", "Ref-a", "SPDXRef-a_b"] {
        let mut doc = two_packages();
        doc["packages"][1]["SPDXID"] = json!(bad);
        let e = json_err(&doc);
        assert!(rule(&e).starts_with("SPDXID format"), "{bad}: {e}");
    }

    let mut doc = two_packages();
    doc["packages"][0]["checksums"] = json!([{"algorithm": "SHA999", "checksumValue": "00"}]);
    let e = json_err(&doc);
    assert_eq!(rule(&e), "checksum algorithm known");
    assert_eq!(
        location(&e).path.as_deref(),
        Some("$.packages[0].checksums[0].algorithm")
    );
}

#[test]
fn relationship_rules() {
    let with = |element: &str, kind: &str, related: &str| {
        let mut doc = two_packages();
        doc["relationships"]
            .as_array_mut()
            .expect("array")
            .push(json!({
                "spdxElementId": element,
                "relationshipType": kind,
                "relatedSpdxElement": related,
            }));
        doc
    };
    let e = json_err(&with("SPDXRef-a", "USES", "SPDXRef-b"));
    assert_eq!(rule(&e), "relationship type known");
    assert_eq!(
        location(&e).path.as_deref(),
        Some("$.relationships[2].relationshipType")
    );
    let e = json_err(&with("SPDXRef-a", "DEPENDS_ON", "SPDXRef-nowhere"));
    assert_eq!(rule(&e), "relationship element defined in the document");
    assert_eq!(
        location(&e).path.as_deref(),
        Some("$.relationships[2].relatedSpdxElement")
    );
    let e = json_err(&with("SPDXRef-nowhere", "DEPENDS_ON", "SPDXRef-a"));
    assert_eq!(
        location(&e).path.as_deref(),
        Some("$.relationships[2].spdxElementId")
    );
    // Allowed targets, kept as written.
    for related in ["NOASSERTION", "NONE", "DocumentRef-other:SPDXRef-x"] {
        let sbom = json_ok(&with("SPDXRef-a", "GENERATED_FROM", related));
        assert!(sbom
            .edges
            .iter()
            .any(|e| e.to == related && e.kind == EdgeKind::Other("GENERATED_FROM".into())));
    }
    // SPECIFICATION_FOR is new in 2.3.
    json_ok(&with("SPDXRef-a", "SPECIFICATION_FOR", "SPDXRef-b"));
    let mut doc = with("SPDXRef-a", "SPECIFICATION_FOR", "SPDXRef-b");
    doc["spdxVersion"] = json!("SPDX-2.2");
    assert_eq!(rule(&json_err(&doc)), "relationship type known");

    let e = tv_err(
        "PackageName: a\nSPDXID: SPDXRef-a\nPackageDownloadLocation: NOASSERTION\nRelationship: SPDXRef-a DEPENDS_ON SPDXRef-zz\n",
    );
    assert_eq!(location(&e).line, Some(tv_line(4)), "{e}");
}

// ---- normalization ----

#[test]
fn relationships_become_edges_with_inverse_types_reversed() {
    let doc = document(
        json!([package("SPDXRef-a", "a"), package("SPDXRef-b", "b")]),
        json!([
            {"spdxElementId": "SPDXRef-b", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-a"},
            {"spdxElementId": "SPDXRef-b", "relationshipType": "CONTAINED_BY", "relatedSpdxElement": "SPDXRef-a"},
            {"spdxElementId": "SPDXRef-a", "relationshipType": "DESCRIBED_BY", "relatedSpdxElement": "SPDXRef-DOCUMENT"},
            {"spdxElementId": "SPDXRef-a", "relationshipType": "BUILD_TOOL_OF", "relatedSpdxElement": "SPDXRef-b"},
        ]),
    );
    let sbom = json_ok(&doc);
    let edges: Vec<(&str, &str, &EdgeKind)> = sbom
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), &e.kind))
        .collect();
    assert_eq!(
        edges,
        vec![
            ("SPDXRef-a", "SPDXRef-b", &EdgeKind::DependsOn),
            ("SPDXRef-a", "SPDXRef-b", &EdgeKind::Contains),
            ("SPDXRef-DOCUMENT", "SPDXRef-a", &EdgeKind::Describes),
            (
                "SPDXRef-a",
                "SPDXRef-b",
                &EdgeKind::Other("BUILD_TOOL_OF".into())
            ),
        ]
    );
    assert_eq!(sbom.subject.as_deref(), Some("SPDXRef-a"));
}

#[test]
fn document_describes_is_one_edge_per_statement_and_picks_the_subject() {
    let mut doc = two_packages();
    // The DESCRIBES relationship already says SPDXRef-a; SPDXRef-b is new
    // and listed twice.
    doc["documentDescribes"] = json!(["SPDXRef-b", "SPDXRef-a", "SPDXRef-b"]);
    let sbom = json_ok(&doc);
    assert_eq!(sbom.edges.len(), 3);
    // documentDescribes is read first, so SPDXRef-b is the subject and
    // comes first among the components.
    assert_eq!(sbom.subject.as_deref(), Some("SPDXRef-b"));
    assert_eq!(sbom.components[0].reference, "SPDXRef-b");

    let mut doc = two_packages();
    doc["documentDescribes"] = json!(["SPDXRef-missing"]);
    assert_eq!(
        rule(&json_err(&doc)),
        "described element defined in the document"
    );
}

#[test]
fn package_fields_are_normalized() {
    let mut doc = two_packages();
    doc["packages"][0] = json!({
        "SPDXID": "SPDXRef-a",
        "name": "a",
        "versionInfo": "1.2.3",
        "supplier": "Organization: Acme Corp",
        "originator": "Person: Jane Doe ()",
        "summary": "short",
        "downloadLocation": "https://example.com/a-1.2.3.tgz",
        "homepage": "NOASSERTION",
        "licenseDeclared": "MIT OR Apache-2.0",
        "licenseConcluded": "NOASSERTION",
        "copyrightText": "NONE",
        "primaryPackagePurpose": "FIRMWARE",
        "checksums": [{"algorithm": "SHA256", "checksumValue": "ABCDEF0123"}],
        "externalRefs": [
            {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:NPM/a@1.2.3"},
            {"referenceCategory": "SECURITY", "referenceType": "cpe22Type", "referenceLocator": "cpe:/a:acme:a:1.2.3"},
        ],
    });
    doc["packages"][1]["supplier"] = json!("NOASSERTION");
    doc["packages"][1]["licenseDeclared"] = json!("NONE");
    doc["packages"][1]["licenseConcluded"] = json!("my own licence");
    let sbom = json_ok(&doc);
    let a = &sbom.components[0];
    assert_eq!(a.reference, "SPDXRef-a");
    assert_eq!(a.kind, medsec_sbom::ComponentType::Firmware);
    assert_eq!(a.version.as_deref(), Some("1.2.3"));
    assert_eq!(a.supplier.as_deref(), Some("Acme Corp"));
    assert_eq!(a.author.as_deref(), Some("Jane Doe"));
    assert_eq!(a.description.as_deref(), Some("short"));
    assert_eq!(a.purl.as_deref(), Some("pkg:NPM/a@1.2.3"));
    assert_eq!(a.purl_canonical.as_deref(), Some("pkg:npm/a@1.2.3"));
    assert_eq!(a.cpes, vec!["cpe:/a:acme:a:1.2.3".to_owned()]);
    assert_eq!(a.hashes.len(), 1);
    assert_eq!(a.hashes[0].alg, "SHA-256");
    assert_eq!(a.hashes[0].content, "abcdef0123");
    assert_eq!(a.licenses.len(), 1);
    assert_eq!(
        a.licenses[0].expression.as_deref(),
        Some("MIT OR Apache-2.0")
    );
    assert_eq!(
        a.licenses[0].acknowledgement,
        LicenseAcknowledgement::Declared
    );
    assert_eq!(a.copyright, None);
    let kinds: Vec<&str> = a
        .external_references
        .iter()
        .map(|r| r.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        vec!["distribution", "PACKAGE_MANAGER/purl", "SECURITY/cpe22Type"]
    );
    assert!(a.support.is_empty() && a.properties.is_empty());

    let b = &sbom.components[1];
    assert_eq!(b.kind, medsec_sbom::ComponentType::Library);
    assert_eq!(b.supplier, None);
    // NONE is no licence; the free-text one is kept as a name, with a warning.
    assert_eq!(b.licenses.len(), 1);
    assert_eq!(b.licenses[0].name.as_deref(), Some("my own licence"));
    assert_eq!(b.licenses[0].expression, None);
    assert_eq!(sbom.warnings.len(), 1);
    assert_eq!(
        sbom.warnings[0]
            .location
            .as_ref()
            .and_then(|l| l.path.as_deref()),
        Some("$.packages[1].licenseConcluded")
    );

    assert_eq!(sbom.tools, vec!["example-1.0".to_owned()]);
    assert_eq!(sbom.authors, vec!["Example Inc.".to_owned()]);
    assert_eq!(
        sbom.serial_number.as_deref(),
        Some("https://example.com/spdx/example-1")
    );
}

// ---- tag-value syntax ----

#[test]
fn tag_value_unknown_or_malformed_lines_name_the_line() {
    let e = tv_err("PackageName: a\nSPDXID: SPDXRef-a\nPackageColour: blue\n");
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
    assert_eq!(location(&e).line, Some(tv_line(3)), "{e}");
    assert!(e.to_string().contains("PackageColour"), "{e}");

    let e = tv_err("PackageName: a\nthis line has no tag\n");
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
    assert_eq!(location(&e).line, Some(tv_line(2)), "{e}");

    let e = tv_err("Relationship: SPDXRef-DOCUMENT DESCRIBES\n");
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
    assert_eq!(location(&e).line, Some(tv_line(1)), "{e}");

    let e = tv_err("PackageName: a\nPackageChecksum: 0123\n");
    assert_eq!(location(&e).line, Some(tv_line(2)), "{e}");

    // A package tag outside a package.
    let e = tv_err("PackageVersion: 1.0\n");
    assert_eq!(rule(&e), "tag inside its element");
    assert_eq!(location(&e).line, Some(tv_line(1)), "{e}");

    let e = tv_err("FileName: ./a.c\nFileType: SOURCE\nFileName: ./b.c\nSPDXID: SPDXRef-b\n");
    assert_eq!(rule(&e), "file SPDXID required");
    assert_eq!(location(&e).line, Some(tv_line(1)), "{e}");

    let e = tv_err("PackageName: a\nPackageVersion: 1\nPackageVersion: 2\n");
    assert_eq!(rule(&e), "tag given at most once");
    assert_eq!(location(&e).line, Some(tv_line(3)), "{e}");

    let e = parse_tag_value(b"SPDXVersion: SPDX-2.3\n\xff\xfe\n", &Limits::default())
        .expect_err("not UTF-8");
    assert_eq!(location(&e).line, Some(2), "{e}");
}

#[test]
fn unterminated_text_names_the_line_where_it_began() {
    let body =
        "PackageName: a\nSPDXID: SPDXRef-a\nPackageDescription: <text>first\nsecond\nthird\n";
    let e = tv_err(body);
    assert!(matches!(e, SbomError::Syntax { .. }), "{e:?}");
    assert_eq!(location(&e).line, Some(tv_line(3)), "{e}");
    assert!(e.to_string().contains("<text>"), "{e}");

    let e = tv_err("PackageName: a\nPackageDescription: <text>x</text> trailing\n");
    assert_eq!(location(&e).line, Some(tv_line(2)), "{e}");
}

#[test]
fn text_blocks_keep_line_numbers_right() {
    // An error after a multi-line block is reported on its true line.
    let body = "PackageName: a\nSPDXID: SPDXRef-a\nPackageDescription: <text>one\ntwo\nthree</text>\nBogus: x\n";
    let e = tv_err(body);
    assert_eq!(location(&e).line, Some(tv_line(6)), "{e}");

    let body = "PackageName: a\nSPDXID: SPDXRef-a\nPackageDownloadLocation: NOASSERTION\nPackageDescription: <text>one\n# not a comment\ntwo</text>\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n";
    let sbom = parse_tag_value(&tv(body), &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sbom.components[0].description.as_deref(),
        Some("one\n# not a comment\ntwo")
    );
}

// ---- limits ----

#[test]
fn limits_name_the_limit() {
    let doc = bytes(&two_packages());
    let text = tv("PackageName: a\nSPDXID: SPDXRef-a\nPackageChecksum: SHA1: 00\nPackageChecksum: MD5: 11\nPackageName: b\nSPDXID: SPDXRef-b\nPackageDescription: <text>0123456789</text>\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\nRelationship: SPDXRef-a DEPENDS_ON SPDXRef-b\n");
    parse_tag_value(&text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));

    let cases: [(Limits, &str); 5] = [
        (
            Limits {
                max_components: 1,
                ..Limits::default()
            },
            "max_components",
        ),
        (
            Limits {
                max_edges: 1,
                ..Limits::default()
            },
            "max_edges",
        ),
        (
            Limits {
                max_string_bytes: 8,
                ..Limits::default()
            },
            "max_string_bytes",
        ),
        (
            Limits {
                max_array_items: 1,
                ..Limits::default()
            },
            "max_array_items",
        ),
        (
            Limits {
                max_input_bytes: 100,
                ..Limits::default()
            },
            "max_input_bytes",
        ),
    ];
    for (limits, name) in cases {
        let mut json_doc = two_packages();
        json_doc["packages"][0]["checksums"] = json!([
            {"algorithm": "SHA1", "checksumValue": "00"},
            {"algorithm": "MD5", "checksumValue": "11"},
        ]);
        json_doc["packages"][1]["description"] = json!("0123456789");
        let json_bytes = bytes(&json_doc);
        // The string limit applies to every value, not only descriptions.
        let e = parse_json(&json_bytes, &limits).expect_err(name);
        assert_eq!(limit_name(&e), name, "JSON: {e}");
        if name != "max_input_bytes" {
            let at = location(&e);
            assert!(at.line.is_some() && at.path.is_some(), "{name}: {e}");
        }
        let e = parse_tag_value(&text, &limits).expect_err(name);
        assert_eq!(limit_name(&e), name, "tag-value: {e}");
        if name != "max_input_bytes" {
            assert!(location(&e).line.is_some(), "{name}: {e}");
        }
        let e = medsec_sbom::parse_with_limits(&doc, &limits).expect_err(name);
        assert_eq!(limit_name(&e), name, "parse: {e}");
    }
}

#[test]
fn json_limit_error_points_at_the_element() {
    let mut doc = two_packages();
    doc["packages"][1]["description"] = json!("x".repeat(100));
    let limits = Limits {
        max_string_bytes: 50,
        ..Limits::default()
    };
    let e = parse_json(&bytes(&doc), &limits).expect_err("long string");
    assert_eq!(limit_name(&e), "max_string_bytes");
    assert_eq!(
        location(&e).path.as_deref(),
        Some("$.packages[1].description")
    );
}

// ---- robustness ----

/// Truncations and byte changes of real documents: every result is a value
/// (Ok or Err), never a panic.
#[test]
fn damaged_documents_never_panic() {
    let Some(data) = medsec_testdata::require("damaged_documents_never_panic") else {
        return;
    };
    let dir = data.join("sboms/spdx-examples/spdx-spec-v2.3");
    for name in ["SPDXJSONExample-v2.3.spdx.json", "SPDXTagExample-v2.3.spdx"] {
        let full = medsec_testdata::read(&dir.join(name));
        let mut errors = 0;
        for cut in (0..full.len()).step_by(97) {
            errors += usize::from(medsec_sbom::parse(&full[..cut]).is_err());
            errors += usize::from(parse_json(&full[..cut], &Limits::default()).is_err());
            errors += usize::from(parse_tag_value(&full[..cut], &Limits::default()).is_err());
        }
        assert!(errors > 0);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            // xorshift: a fixed, reproducible sequence of edits.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut damaged = full.clone();
            let at = (state % full.len() as u64) as usize;
            let byte =
                [b'"', b':', b'\n', b'<', b'{', b']', b'\\', 0xff][(state >> 40) as usize % 8];
            damaged[at] = byte;
            let _ = medsec_sbom::parse(&damaged);
            let _ = parse_json(&damaged, &Limits::default());
            let _ = parse_tag_value(&damaged, &Limits::default());
        }
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    for field in ["comment", "packages"] {
        let mut doc = format!(r#"{{"spdxVersion": "SPDX-2.3", "{field}": "#).into_bytes();
        doc.extend(std::iter::repeat_n(b'[', 100_000));
        doc.extend(std::iter::repeat_n(b']', 100_000));
        doc.push(b'}');
        assert!(parse_json(&doc, &Limits::default()).is_err());
        assert!(medsec_sbom::parse(&doc).is_err());
    }
}

#[test]
fn files_a_package_has_are_contains_edges_in_both_encodings() {
    // JSON hasFiles and the tag-value files that follow a package say the
    // same thing; a CONTAINS relationship repeating it adds no edge.
    let mut doc = two_packages();
    doc["files"] = json!([{"SPDXID": "SPDXRef-f1"}, {"SPDXID": "SPDXRef-f2"}]);
    doc["packages"][1]["hasFiles"] = json!(["SPDXRef-f1", "SPDXRef-f2", "SPDXRef-f1"]);
    doc["relationships"]
        .as_array_mut()
        .expect("array")
        .push(json!({"spdxElementId": "SPDXRef-b", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-f2"}));
    let from_json = json_ok(&doc);

    let body = "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a
FileName: ./outside.c
SPDXID: SPDXRef-f0
PackageName: a
SPDXID: SPDXRef-a
PackageDownloadLocation: NOASSERTION
Relationship: SPDXRef-a DEPENDS_ON SPDXRef-b
PackageName: b
SPDXID: SPDXRef-b
PackageDownloadLocation: NOASSERTION
Relationship: SPDXRef-b CONTAINS SPDXRef-f2
FileName: ./one.c
SPDXID: SPDXRef-f1
FileName: ./two.c
SPDXID: SPDXRef-f2
";
    let from_tv = parse_tag_value(&tv(body), &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let contains = |s: &Sbom| -> Vec<(String, String)> {
        let mut v: Vec<_> = s
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Contains)
            .map(|e| (e.from.clone(), e.to.clone()))
            .collect();
        v.sort();
        v
    };
    let expected = vec![
        ("SPDXRef-b".to_owned(), "SPDXRef-f1".to_owned()),
        ("SPDXRef-b".to_owned(), "SPDXRef-f2".to_owned()),
    ];
    assert_eq!(contains(&from_json), expected);
    assert_eq!(contains(&from_tv), expected);
    assert_eq!(from_json.edges.len(), 4);
    assert_eq!(from_tv.edges.len(), 4);

    let mut doc = two_packages();
    doc["packages"][1]["hasFiles"] = json!(["SPDXRef-nofile"]);
    assert_eq!(
        rule(&json_err(&doc)),
        "contained file defined in the document"
    );
}

#[test]
fn implicit_edges_count_against_max_edges() {
    let mut doc = two_packages();
    doc["files"] = json!([{"SPDXID": "SPDXRef-f1"}, {"SPDXID": "SPDXRef-f2"}]);
    doc["packages"][1]["hasFiles"] = json!(["SPDXRef-f1", "SPDXRef-f2"]);
    let b = bytes(&doc);
    let four = Limits {
        max_edges: 4,
        ..Limits::default()
    };
    assert_eq!(parse_json(&b, &four).map(|s| s.edges.len()), Ok(4));
    let three = Limits {
        max_edges: 3,
        ..Limits::default()
    };
    let e = parse_json(&b, &three).expect_err("four edges");
    assert_eq!(limit_name(&e), "max_edges");
}
