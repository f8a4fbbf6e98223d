//! The examples printed in NISTIR 7695 (CPE Naming 2.3) and NISTIR 7696
//! (CPE Name Matching 2.3), each with the section it comes from.

use medsec_ident::cpe::{
    fs_to_uri, uri_to_fs, Attribute, CpeError, NameRelation, Relation, Value, ValueErrorKind, Wfn,
};

fn wfn(notation: &str) -> Wfn {
    Wfn::parse_wfn(notation).unwrap_or_else(|e| panic!("{notation}: {e}"))
}

fn kind_of(err: CpeError) -> (Attribute, ValueErrorKind) {
    match err {
        CpeError::Value {
            attribute, kind, ..
        } => (attribute, kind),
        other => panic!("expected a value error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// NISTIR 7695 5.3.2: the allowable value strings listed under Figure 5-1.

#[test]
fn nistir7695_5_3_2_allowable_value_strings() {
    for v in [
        r"foo\-bar",
        r"Acrobat_Reader",
        r#"\"oh_my\!\""#,
        r"g\+\+",
        r"9\.?",
        r"sr*",
        r"big\$money",
        r"foo\:bar",
        r"back\\slash_software",
        r"with_quoted\~tilde",
        r"*SOFT*",
        r"8\.??",
        r"*8\.??",
    ] {
        let value =
            Value::from_wfn_form(Attribute::Product, v).unwrap_or_else(|e| panic!("{v}: {e}"));
        // The WFN form is canonical, so it survives the round trip.
        assert_eq!(value.as_str().map(|s| s.to_wfn_form()).as_deref(), Some(v));
    }
}

/// 5.3.2 item 4 (special characters only at the ends) and item 6 (a quoted
/// hyphen alone); 5.3.2 item 5 (punctuation must be quoted in a WFN).
#[test]
fn nistir7695_5_3_2_forbidden_value_strings() {
    let cases = [
        ("foo*bar", ValueErrorKind::EmbeddedWildcard),
        ("foo?bar", ValueErrorKind::EmbeddedWildcard),
        ("**", ValueErrorKind::BadAsterisk),
        (r"\-", ValueErrorKind::LoneQuotedHyphen),
        ("foo-bar", ValueErrorKind::UnquotedPunctuation),
        ("", ValueErrorKind::Empty),
        ("foo\\", ValueErrorKind::DanglingEscape),
        ("caf\u{e9}", ValueErrorKind::NotPrintableAscii),
    ];
    for (v, kind) in cases {
        let err = Value::from_wfn_form(Attribute::Version, v).expect_err(v);
        assert_eq!(kind_of(err), (Attribute::Version, kind), "{v}");
    }
}

/// NISTIR 7695 5.5: the WFN examples are well formed.
#[test]
fn nistir7695_5_5_wfn_examples() {
    for n in [
        r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=NA]"#,
        r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=NA,language=ANY]"#,
        r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",sw_edition="online",target_sw="windows_2003",target_hw="x64"]"#,
        r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",update=NA,target_sw="linux"]"#,
        r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch"]"#,
    ] {
        let w = wfn(n);
        // Printing and reading back gives the same name.
        assert_eq!(Wfn::parse_wfn(&w.to_wfn_notation()), Ok(w));
    }
}

// ---------------------------------------------------------------------------
// NISTIR 7695 6.1.2.4: binding a WFN to a URI.

#[test]
fn nistir7695_6_1_2_4_bind_to_uri() {
    let cases = [
        // Example 1
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
        ),
        // Example 2
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?"]"#,
            "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
        ),
        // Example 3
        (
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
        ),
        // Example 4
        (
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:/a:hp:openview_network_manager:7.51::~~~linux~~",
        ),
        // Example 5
        (
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_manager_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~",
        ),
    ];
    for (n, uri) in cases {
        assert_eq!(wfn(n).to_uri(), uri, "{n}");
    }
}

// ---------------------------------------------------------------------------
// NISTIR 7695 6.1.3.3: unbinding a URI to a WFN.

#[test]
fn nistir7695_6_1_3_3_unbind_uri() {
    let cases = [
        // Example 1
        (
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY]"#,
        ),
        // Example 2
        (
            "cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp\?",edition=ANY,language=ANY]"#,
        ),
        // Example 3
        (
            "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY,language=ANY]"#,
        ),
        // Example 4
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=ANY,edition=ANY,sw_edition="online",target_sw="win2003",target_hw="x64",other=ANY,language=ANY]"#,
        ),
        // Example 5 (the specification writes "target_HW": attribute names
        // are case-insensitive, 5.1)
        (
            "cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~",
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",update=NA,edition=ANY,sw_edition=ANY,target_sw="linux",target_HW=ANY,other=ANY,language=ANY]"#,
        ),
        // Example 7
        (
            "cpe:/a:foo~bar:big%7emoney_2010",
            r#"wfn:[part="a",vendor="foo\~bar",product="big\~money_2010",version=ANY,update=ANY,edition=ANY,language=ANY]"#,
        ),
    ];
    for (uri, n) in cases {
        assert_eq!(Wfn::parse_uri(uri), Ok(wfn(n)), "{uri}");
    }
}

/// 6.1.3.3 examples 6 and 8 raise errors: an illegal percent-encoded form,
/// and a special character embedded in a value.
#[test]
fn nistir7695_6_1_3_3_unbind_uri_errors() {
    let e6 = Wfn::parse_uri("cpe:/a:foo%5cbar:big%24money_2010%07:::~~special~ipod_touch~80gb~")
        .unwrap_err();
    assert!(
        matches!(
            e6,
            CpeError::Value {
                attribute: Attribute::Product,
                kind: ValueErrorKind::IllegalPercentEncoding,
                position: 33,
                ..
            }
        ),
        "{e6:?}"
    );
    let e8 = Wfn::parse_uri("cpe:/a:foo:bar:12.%02.1234").unwrap_err();
    assert_eq!(
        kind_of(e8),
        (Attribute::Version, ValueErrorKind::EmbeddedWildcard)
    );
}

// ---------------------------------------------------------------------------
// NISTIR 7695 6.2.2.3: binding a WFN to a formatted string.

#[test]
fn nistir7695_6_2_2_3_bind_to_fs() {
    let cases = [
        // Example 1
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
        ),
        // Example 2
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
        ),
        // Example 2, quoted asterisk variant
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp?"]"#,
            r"cpe:2.3:a:microsoft:internet_explorer:8.\*:sp?:*:*:*:*:*:*",
        ),
        // Example 3
        (
            r#"wfn:[part="a",vendor="hp",product="insight",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:2.3:a:hp:insight:7.4.0.1570:-:*:*:online:win2003:x64:*",
        ),
        // Example 4
        (
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*",
        ),
        // Example 5
        (
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            r"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
        ),
    ];
    for (n, fs) in cases {
        assert_eq!(wfn(n).to_fs(), fs, "{n}");
        assert_eq!(wfn(n).to_string(), fs, "{n}");
    }
}

// ---------------------------------------------------------------------------
// NISTIR 7695 6.2.3.3: unbinding a formatted string to a WFN.

#[test]
fn nistir7695_6_2_3_3_unbind_fs() {
    let cases = [
        // Example 1
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#,
        ),
        // Example 2
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#,
        ),
        // Example 3
        (
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,edition=ANY,language=ANY,sw_edition="online",target_sw="win2003",target_hw="x64",other=ANY]"#,
        ),
        // Example 4
        (
            r"cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*",
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money",version="2010",update=ANY,edition=ANY,language=ANY,sw_edition="special",target_sw="ipod_touch",target_hw="80gb",other=ANY]"#,
        ),
    ];
    for (fs, n) in cases {
        assert_eq!(Wfn::parse_fs(fs), Ok(wfn(n)), "{fs}");
    }
}

/// 6.2.3.3 example 3, "contrast" case: an embedded unquoted asterisk is an
/// error. The printed string has ten fields, so it is also short one; the
/// eleven-field form isolates the asterisk.
#[test]
fn nistir7695_6_2_3_3_embedded_asterisk() {
    assert_eq!(
        Wfn::parse_fs("cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*"),
        Err(CpeError::FieldCount { found: 10 })
    );
    let err =
        Wfn::parse_fs("cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*:*").unwrap_err();
    assert_eq!(
        err,
        CpeError::Value {
            attribute: Attribute::Version,
            position: 37,
            character: Some('*'),
            kind: ValueErrorKind::EmbeddedWildcard
        }
    );
    assert_eq!(
        err.to_string(),
        "version: wildcard not at the beginning or end of the value at byte 37 ('*')"
    );
}

/// 6.2.3.2 `get_comp_fs`: a quoted colon does not delimit a field.
#[test]
fn nistir7695_6_2_3_2_escaped_colon() {
    let w = Wfn::parse_fs(r"cpe:2.3:a:foo:bar\:mumble:1.0:*:*:*:*:*:*:*").unwrap();
    assert_eq!(w.get(Attribute::Product).literal_text(), Some("bar:mumble"));
    assert_eq!(w.get(Attribute::Version).literal_text(), Some("1.0"));
    assert_eq!(w.get(Attribute::Update).literal_text(), None);
    assert_eq!(
        w.get(Attribute::Product).as_str().map(|s| s.body()),
        Some("bar:mumble")
    );
    assert_eq!(w.to_uri(), "cpe:/a:foo:bar%3amumble:1.0");
}

/// NISTIR 7695 7: conversions are round-trip safe for the examples above.
#[test]
fn nistir7695_7_conversions_round_trip() {
    for uri in [
        "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
        "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
        "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
        "cpe:/a:hp:openview_network_manager:7.51::~~~linux~~",
        "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~",
    ] {
        let fs = uri_to_fs(uri).unwrap();
        assert_eq!(fs_to_uri(&fs).as_deref(), Ok(uri), "{fs}");
    }
}

// ---------------------------------------------------------------------------
// NISTIR 7696: matching.

/// 5.2: legal and illegal placements of unquoted `?` and `*`.
#[test]
fn nistir7696_5_2_wildcard_constraints() {
    for ok in [
        "?foo", "bar?", "?baz?", "??foo", "bar???", "??baz???", "*foo", "bar*", "*baz*", "?foo*",
        "*bar??",
    ] {
        Value::from_wfn_form(Attribute::Product, ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    // "*" alone is legal here and is the multi-character ANY (5.1).
    assert_eq!(
        Value::from_wfn_form(Attribute::Product, "*"),
        Ok(Value::Any)
    );
    for bad in [
        "foo?bar", "bar??baz", "q??x", "foo*bar", "**foo", "bar***", "*?foobar", "foobar*?",
    ] {
        let err = Value::from_wfn_form(Attribute::Product, bad).expect_err(bad);
        assert_eq!(
            kind_of(err),
            (Attribute::Product, ValueErrorKind::EmbeddedWildcard),
            "{bad}"
        );
    }
}

fn v(s: &str) -> Value {
    Value::from_wfn_form(Attribute::Product, s).unwrap()
}

/// Table 6-2, with i = "foo", k = "bar", m + wild cards = "*b??" (the
/// table's own examples), m2 = "bar".
#[test]
fn nistir7696_table_6_2() {
    use medsec_ident::cpe::compare_values as cmp;
    use Relation::*;
    let (any, na, i, k, m) = (Value::Any, Value::Na, v("foo"), v("bar"), v("*b??"));
    let rows = [
        (1, &any, &any, Equal),
        (2, &any, &na, Superset),
        (3, &any, &i, Superset),
        (4, &any, &m, Undefined),
        (5, &na, &any, Subset),
        (6, &na, &na, Equal),
        (7, &na, &i, Disjoint),
        (8, &na, &m, Undefined),
        (9, &i, &i, Equal),
        (10, &i, &k, Disjoint),
        (11, &i, &m, Undefined),
        (12, &i, &na, Disjoint),
        (13, &i, &any, Subset),
        (14, &m, &k, Superset),
        (15, &m, &any, Subset),
        (16, &m, &na, Disjoint),
        (17, &m, &m, Undefined),
    ];
    for (line, s, t, want) in rows {
        assert_eq!(cmp(s, t), want, "Table 6-2 line {line}");
    }
    // Line 14's other outcome: "*b??" does not match "foo".
    assert_eq!(cmp(&m, &i), Disjoint);
    // 6.1: "9\.*" against "9\.3" and "8\.3".
    assert_eq!(cmp(&v(r"9\.*"), &v(r"9\.3")), Superset);
    assert_eq!(cmp(&v(r"9\.*"), &v(r"8\.3")), Disjoint);
    // 6.1: comparisons of string literals ignore case.
    assert_eq!(cmp(&v("Adobe"), &v("adobe")), Equal);
}

/// Table 6-3: attribute comparison example.
#[test]
fn nistir7696_table_6_3() {
    let source = wfn(
        r#"wfn:[part="a",vendor="Adobe",product=ANY,version="9\.*",update=ANY,edition="PalmOS"]"#,
    );
    let target =
        wfn(r#"wfn:[part="a",vendor=ANY,product="Reader",version="9\.3\.2",update=NA,edition=NA]"#);
    use Relation::*;
    let got = source.compare(&target);
    assert_eq!(
        got.get(..6),
        Some(&[Equal, Subset, Superset, Superset, Superset, Disjoint][..])
    );
    assert_eq!(source.relation(&target), NameRelation::Disjoint);
    assert!(source.is_disjoint(&target));
}

/// Section 1: "wfn:[...version="8\.*"...]" is a superset of the installed
/// Internet Explorer 8.0.6001.
#[test]
fn nistir7696_1_introduction_example() {
    let source = wfn(
        r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update=ANY,edition=ANY,language=ANY]"#,
    );
    let target = wfn(
        r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update=NA,edition=NA,language="en\-us"]"#,
    );
    assert!(source.is_superset(&target));
    assert!(source.matches(&target));
    assert!(!source.is_subset(&target));
    assert!(!source.is_equal(&target));
    assert_eq!(source.relation(&target), NameRelation::Superset);
    assert_eq!(target.relation(&source), NameRelation::Incomparable);
    assert!(target.is_disjoint(&target.clone().with(Attribute::Version, v("9"))));
}

/// Appendix B: CPE 2.2 matching as CPE_SUPERSET over a list of names.
#[test]
fn nistir7696_appendix_b() {
    let k = [
        wfn(
            r#"wfn:[part="o",vendor="microsoft",product="windows_2000",update="sp3",edition="pro"]"#,
        ),
        wfn(r#"wfn:[part="a",vendor="microsoft",product="ie",version="5\.5"]"#),
    ];
    let x = wfn(r#"wfn:[part="o",vendor="microsoft",product="windows_2000"]"#);
    assert!(k.iter().any(|n| x.is_superset(n)));
    assert!(x.is_superset(&k[0]));
    assert!(!x.is_superset(&k[1]));
}

/// 7.3 `contains_wildcards` examples, seen through `compare`: a target with
/// an unquoted wildcard gives UNDEFINED; a quoted one does not.
#[test]
fn nistir7696_7_3_contains_wildcards() {
    use medsec_ident::cpe::compare_values as cmp;
    assert_eq!(cmp(&Value::Any, &v("foo")), Relation::Superset);
    assert_eq!(cmp(&Value::Any, &v(r"foo\?")), Relation::Superset);
    assert_eq!(cmp(&Value::Any, &v("foo?")), Relation::Undefined);
    assert_eq!(cmp(&Value::Any, &v(r"\*bar")), Relation::Superset);
    assert_eq!(cmp(&Value::Any, &v("*bar")), Relation::Undefined);
}

/// NISTIR 7695 5.3.3.10 and the LANGTAG rule of Figures 6-2 and 6-3:
/// `language ["-" region]`, 2-3 letters and 2 letters or 3 digits.
#[test]
fn nistir7695_5_3_3_10_language_tags() {
    for ok in ["en", "EN-us", "ast", "es-419"] {
        let fs = format!("cpe:2.3:a:v:p:1:*:*:{ok}:*:*:*:*");
        assert!(Wfn::parse_fs(&fs).is_ok(), "{fs}");
    }
    for bad in ["english", "e", "en-u", "en-1234", "en*", "en_us"] {
        let fs = format!("cpe:2.3:a:v:p:1:*:*:{bad}:*:*:*:*");
        let err = Wfn::parse_fs(&fs).expect_err(&fs);
        assert_eq!(
            kind_of(err),
            (Attribute::Language, ValueErrorKind::InvalidLanguage),
            "{fs}"
        );
    }
    assert!(Wfn::parse_uri("cpe:/a:v:p:1:::en-us").is_ok());
    assert!(Wfn::parse_uri("cpe:/a:v:p:1:::english").is_err());
}

/// NISTIR 7695 5.3.3.1: part is a, o or h.
#[test]
fn nistir7695_5_3_3_1_part() {
    let err = Wfn::parse_fs("cpe:2.3:x:v:p:1:*:*:*:*:*:*:*").unwrap_err();
    assert_eq!(kind_of(err), (Attribute::Part, ValueErrorKind::InvalidPart));
    assert!(Wfn::parse_fs("cpe:2.3:-:v:p:1:*:*:*:*:*:*:*").is_ok());
}
