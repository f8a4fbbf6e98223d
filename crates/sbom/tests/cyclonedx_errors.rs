//! Errors say what and where; limits are enforced and named; XML entities
//! are refused; no input makes the readers panic.

use medsec_sbom::{cyclonedx, parse, parse_with_limits, Limits, SbomError};

fn json_doc(components: &str) -> String {
    format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{components}]}}"#
    )
}

fn xml_doc(components: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components>{components}</components>
</bom>"#
    )
}

fn limit_of(result: Result<medsec_sbom::Sbom, SbomError>) -> &'static str {
    match result {
        Err(SbomError::LimitExceeded { limit, .. }) => limit,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn truncated_json_is_a_syntax_error_with_line_and_column() {
    let doc = json_doc(r#"{"type":"library","name":"a","version":"1"}"#);
    let doc = doc.replace(',', ",\n");
    let cut = &doc.as_bytes()[..doc.len() - 10];
    match cyclonedx::parse_json(cut, &Limits::default()) {
        Err(SbomError::Syntax { location, .. }) => {
            assert!(location.line.unwrap() > 1, "{location:?}");
            assert!(location.column.is_some(), "{location:?}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn wrong_type_names_the_json_path() {
    let doc = json_doc(
        r#"{"type":"library","name":"a"},{"type":"library","name":"b","hashes":[{"alg":"MD5","content":42}]}"#,
    );
    match parse(doc.as_bytes()) {
        Err(SbomError::Invalid { location, .. }) => {
            assert_eq!(
                location.path.as_deref(),
                Some("$.components[1].hashes[0].content")
            );
            assert_eq!(location.line, Some(1));
            assert!(location.column.is_some());
        }
        other => panic!("expected an invalid-document error, got {other:?}"),
    }
}

#[test]
fn rule_errors_name_the_rule_and_the_path() {
    let doc = json_doc(
        r#"{"type":"library","name":"a","licenses":[{"license":{"id":"Not-A-Licence"}}]}"#,
    );
    match parse(doc.as_bytes()) {
        Err(SbomError::Invalid {
            rule,
            location,
            message,
            ..
        }) => {
            assert_eq!(rule, "license-id");
            assert_eq!(
                location.path.as_deref(),
                Some("$.components[0].licenses[0].license.id")
            );
            assert!(message.contains("Not-A-Licence"), "{message}");
        }
        other => panic!("expected an invalid-document error, got {other:?}"),
    }
    let doc = xml_doc(
        r#"<component type="library"><name>a</name><hashes><hash alg="SHA-1">abc</hash></hashes></component>"#,
    );
    match parse(doc.as_bytes()) {
        Err(SbomError::Invalid { rule, location, .. }) => {
            assert_eq!(rule, "hash-content");
            assert_eq!(
                location.path.as_deref(),
                Some("/bom/components/component[1]/hashes/hash[1]/text()")
            );
            assert_eq!(location.line, Some(3));
        }
        other => panic!("expected an invalid-document error, got {other:?}"),
    }
}

#[test]
fn unsupported_versions_are_named() {
    let doc = r#"{"bomFormat":"CycloneDX","specVersion":"2.0","components":[]}"#;
    match parse(doc.as_bytes()) {
        Err(SbomError::Unsupported { message }) => assert!(message.contains("2.0"), "{message}"),
        other => panic!("expected unsupported, got {other:?}"),
    }
    for version in ["1.0", "1.7"] {
        let doc = format!(
            r#"<bom xmlns="http://cyclonedx.org/schema/bom/{version}"><components/></bom>"#
        );
        match parse(doc.as_bytes()) {
            Err(SbomError::Unsupported { message }) => {
                assert!(message.contains(version), "{message}")
            }
            other => panic!("expected unsupported, got {other:?}"),
        }
    }
    let doc = r#"<bom xmlns="http://example.com/bom"><components/></bom>"#;
    assert!(
        matches!(parse(doc.as_bytes()), Err(SbomError::Invalid { rule, .. }) if rule == "namespace")
    );
}

#[test]
fn xml_entity_expansion_is_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components><component type="library"><name>&lol3;</name></component></components>
</bom>"#;
    match parse(laughs.as_bytes()) {
        Err(SbomError::Invalid { rule, message, .. }) => {
            assert_eq!(rule, "xml-entity");
            assert!(message.contains("entit"), "{message}");
        }
        other => panic!("billion laughs not refused: {other:?}"),
    }
    let external = r#"<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components><component type="library"><name>&xxe;</name></component></components>
</bom>"#;
    assert!(
        matches!(parse(external.as_bytes()), Err(SbomError::Invalid { rule, .. }) if rule == "xml-entity"),
        "external entity not refused"
    );
    // Without a DTD, an undeclared entity is refused too, while the
    // predefined ones and character references are read.
    let undeclared = xml_doc(r#"<component type="library"><name>&xxe;</name></component>"#);
    assert!(
        matches!(parse(undeclared.as_bytes()), Err(SbomError::Invalid { rule, .. }) if rule == "xml-entity")
    );
    let predefined = xml_doc(
        r#"<component type="library" bom-ref="a&amp;b"><name>x &lt;&#65;&#x42;&gt; &quot;y&apos;</name></component>"#,
    );
    let sbom = parse(predefined.as_bytes()).unwrap();
    assert_eq!(sbom.components[0].name, "x <AB> \"y'");
    assert_eq!(sbom.components[0].reference, "a&b");
}

#[test]
fn too_many_components_names_max_components() {
    let limits = Limits {
        max_components: 5,
        ..Limits::default()
    };
    let one = r#"{"type":"library","name":"a"}"#;
    let json = json_doc(&[one; 6].join(","));
    assert_eq!(
        limit_of(parse_with_limits(json.as_bytes(), &limits)),
        "max_components"
    );
    assert!(parse_with_limits(json_doc(&[one; 5].join(",")).as_bytes(), &limits).is_ok());
    // Nested components count too.
    let nested = json_doc(&format!(
        r#"{{"type":"library","name":"p","components":[{}]}}"#,
        [one; 5].join(",")
    ));
    assert_eq!(
        limit_of(parse_with_limits(nested.as_bytes(), &limits)),
        "max_components"
    );
    let one = r#"<component type="library"><name>a</name></component>"#;
    let xml = xml_doc(&one.repeat(6));
    assert_eq!(
        limit_of(parse_with_limits(xml.as_bytes(), &limits)),
        "max_components"
    );
    assert!(parse_with_limits(xml_doc(&one.repeat(5)).as_bytes(), &limits).is_ok());
}

fn nested_json(levels: usize) -> String {
    let mut c = r#"{"type":"library","name":"leaf"}"#.to_string();
    for i in 0..levels {
        c = format!(r#"{{"type":"library","name":"n{i}","components":[{c}]}}"#);
    }
    json_doc(&c)
}

fn nested_xml(levels: usize) -> String {
    let mut c = r#"<component type="library"><name>leaf</name></component>"#.to_string();
    for i in 0..levels {
        c = format!(
            r#"<component type="library"><name>n{i}</name><components>{c}</components></component>"#
        );
    }
    xml_doc(&c)
}

#[test]
fn deep_nesting_names_max_depth() {
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    assert_eq!(
        limit_of(parse_with_limits(nested_json(20).as_bytes(), &limits)),
        "max_depth"
    );
    assert_eq!(
        limit_of(parse_with_limits(nested_xml(20).as_bytes(), &limits)),
        "max_depth"
    );
    let sbom = parse_with_limits(nested_json(5).as_bytes(), &limits).unwrap();
    assert_eq!(sbom.components.len(), 6);
    assert_eq!(
        sbom.components[5].parent.as_deref(),
        Some(sbom.components[4].reference.as_str())
    );
    // With the default limits, very deep input is refused, not a stack overflow.
    assert!(matches!(
        parse(nested_json(5000).as_bytes()),
        Err(SbomError::LimitExceeded { .. })
    ));
    assert!(matches!(
        parse(nested_xml(5000).as_bytes()),
        Err(SbomError::LimitExceeded { .. })
    ));
}

#[test]
fn huge_strings_name_max_string_bytes() {
    let limits = Limits {
        max_string_bytes: 1000,
        ..Limits::default()
    };
    let long = "x".repeat(5000);
    let json = json_doc(&format!(r#"{{"type":"library","name":"{long}"}}"#));
    assert_eq!(
        limit_of(parse_with_limits(json.as_bytes(), &limits)),
        "max_string_bytes"
    );
    let xml = xml_doc(&format!(
        r#"<component type="library"><name>{long}</name></component>"#
    ));
    assert_eq!(
        limit_of(parse_with_limits(xml.as_bytes(), &limits)),
        "max_string_bytes"
    );
    let xml = xml_doc(&format!(
        r#"<component type="library" bom-ref="{long}"><name>a</name></component>"#
    ));
    assert_eq!(
        limit_of(parse_with_limits(xml.as_bytes(), &limits)),
        "max_string_bytes"
    );
}

#[test]
fn edges_and_arrays_are_bounded() {
    let limits = Limits {
        max_edges: 3,
        max_array_items: 3,
        ..Limits::default()
    };
    let json = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[],"dependencies":[{"ref":"a","dependsOn":["b","c"]},{"ref":"b","dependsOn":["c","d"]}]}"#;
    assert_eq!(
        limit_of(parse_with_limits(json.as_bytes(), &limits)),
        "max_edges"
    );
    let props = r#"{"name":"p","value":"v"}"#;
    let json = json_doc(&format!(
        r#"{{"type":"library","name":"a","properties":[{}]}}"#,
        [props; 4].join(",")
    ));
    assert_eq!(
        limit_of(parse_with_limits(json.as_bytes(), &limits)),
        "max_array_items"
    );
    let xml = xml_doc(&format!(
        r#"<component type="library"><name>a</name><properties>{}</properties></component>"#,
        r#"<property name="p">v</property>"#.repeat(4)
    ));
    assert_eq!(
        limit_of(parse_with_limits(xml.as_bytes(), &limits)),
        "max_array_items"
    );
    let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><dependencies>
        <dependency ref="a"><dependency ref="b"/><dependency ref="c"/></dependency>
        <dependency ref="b"><dependency ref="c"/><dependency ref="d"/></dependency>
        </dependencies></bom>"#;
    assert_eq!(
        limit_of(parse_with_limits(xml.as_bytes(), &limits)),
        "max_edges"
    );
}

/// Every prefix and many one-byte corruptions of real documents: the
/// readers return, whatever they return.
#[test]
fn damaged_input_never_panics() {
    let Some(data) = medsec_testdata::require("damaged_input_never_panics") else {
        return;
    };
    let dir = data.join("testvectors/cyclonedx-spec/1.6");
    let mut runs = 0;
    for name in [
        "valid-bom-1.6.json",
        "valid-bom-1.6.xml",
        "valid-dependency-1.6.json",
        "valid-dependency-1.6.xml",
        "valid-metadata-tool-1.6.json",
        "valid-license-expression-1.6.xml",
    ] {
        let bytes = medsec_testdata::read(&dir.join(name));
        let step = (bytes.len() / 300).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let _ = parse(&bytes[..cut]);
            let _ = cyclonedx::parse_json(&bytes[..cut], &Limits::default());
            let _ = cyclonedx::parse_xml(&bytes[..cut], &Limits::default());
            runs += 3;
        }
        for (i, pos) in (0..bytes.len()).step_by(step).enumerate() {
            let mut damaged = bytes.clone();
            damaged[pos] = [b'"', b'<', b'>', b'{', b'}', b'&', b'\0', 0xff][i % 8];
            let _ = parse(&damaged);
            runs += 1;
        }
    }
    assert!(runs > 1000);
}

#[test]
fn unknown_references_and_plus_ids_are_warnings() {
    let json = r#"{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,
        "components":[{"type":"library","bom-ref":"a","name":"a","licenses":[{"license":{"id":"LGPL-2.1+"}}]}],
        "dependencies":[{"ref":"a","dependsOn":["missing"]}]}"#;
    let sbom = parse(json.as_bytes()).unwrap();
    assert_eq!(sbom.edges.len(), 1);
    assert!(
        sbom.warnings
            .iter()
            .any(|w| w.message.contains("\"missing\"")),
        "{:?}",
        sbom.warnings
    );
    assert!(
        sbom.warnings
            .iter()
            .any(|w| w.message.contains("LGPL-2.1+")),
        "{:?}",
        sbom.warnings
    );
    // A "+" on something that is no licence id at all is still refused.
    let bad = json.replace("LGPL-2.1+", "Not-A-Licence+");
    assert!(
        matches!(parse(bad.as_bytes()), Err(SbomError::Invalid { rule, .. }) if rule == "license-id")
    );
    // Duplicate dependsOn entries break the schema's uniqueItems.
    let dup = json.replace(r#"["missing"]"#, r#"["a","a"]"#);
    assert!(
        matches!(parse(dup.as_bytes()), Err(SbomError::Invalid { rule, .. }) if rule == "dependency-unique")
    );
}
