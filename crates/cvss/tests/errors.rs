//! Rejected vectors: each error says what was wrong and names the metric.

use medsec_cvss::{parse, CvssError, Version};

fn err(s: &str) -> CvssError {
    match parse(s) {
        Ok(v) => panic!("`{s}` was accepted as {v}"),
        Err(e) => e,
    }
}

#[test]
fn duplicate_metric_is_named() {
    let cases = [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P/AC:H", Version::V2_0, "AC", 7),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:U",
            Version::V3_1,
            "E",
            10,
        ),
        (
            "CVSS:3.0/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Version::V3_0,
            "AV",
            2,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/SA:N",
            Version::V4_0,
            "SA",
            12,
        ),
    ];
    for (vector, version, metric, position) in cases {
        let e = err(vector);
        assert_eq!(
            e,
            CvssError::DuplicateMetric {
                version,
                position,
                metric
            },
            "{vector}"
        );
        assert_eq!(e.metric(), Some(metric));
        assert!(e.to_string().contains(metric), "{e}");
    }
}

#[test]
fn missing_mandatory_metric_is_named() {
    let cases = [
        ("AV:N/AC:L/Au:N/C:P/I:P", Version::V2_0, "A"),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            Version::V3_1,
            "S",
        ),
        (
            "CVSS:3.0/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
            Version::V3_0,
            "AV",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            Version::V4_0,
            "AT",
        ),
    ];
    for (vector, version, metric) in cases {
        let e = err(vector);
        assert_eq!(e, CvssError::MissingMetric { version, metric }, "{vector}");
        assert!(e.to_string().contains(metric), "{e}");
    }
}

#[test]
fn unknown_metric_and_value_are_named() {
    // A metric of another version is unknown here.
    let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N");
    assert_eq!(
        e,
        CvssError::UnknownMetric {
            version: Version::V3_1,
            position: 9,
            metric: "AT".into()
        }
    );
    assert_eq!(e.metric(), Some("AT"));
    let e = err("AV:N/AC:L/Au:N/C:P/I:P/A:P/MAV:N");
    assert_eq!(e.metric(), Some("MAV"));
    // Metric names are case-sensitive (v2's `Au`).
    let e = err("AV:N/AC:L/AU:N/C:P/I:P/A:P");
    assert_eq!(e.metric(), Some("AU"));

    let e = err("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    match &e {
        CvssError::InvalidValue {
            metric,
            value,
            position,
            ..
        } => {
            assert_eq!((*metric, value.as_str(), *position), ("AV", "X", 1));
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
    assert!(e.to_string().contains("N/A/L/P"), "{e}");
    // v4's MSC has no Safety value, unlike MSI and MSA.
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S");
    assert_eq!(e.metric(), Some("MSC"));
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:clear");
    assert_eq!(e.metric(), Some("U"));
}

#[test]
fn bad_prefix_is_rejected() {
    assert_eq!(
        err("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        CvssError::UnsupportedVersion {
            prefix: "CVSS:3.2".into()
        }
    );
    assert_eq!(
        err("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"),
        CvssError::UnsupportedVersion {
            prefix: "CVSS:2.0".into()
        }
    );
    for (vector, prefix) in [
        ("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cvss:3.1"),
        ("CVSS3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS3.1"),
        (" AV:N/AC:L/Au:N/C:P/I:P/A:P", " AV:N"),
        ("VC:H/AV:N", "VC:H"),
    ] {
        assert_eq!(
            err(vector),
            CvssError::BadPrefix {
                prefix: prefix.into()
            },
            "{vector}"
        );
    }
    assert_eq!(err(""), CvssError::Empty);
}

#[test]
fn malformed_components_are_located() {
    for (vector, position) in [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", 9),
        ("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 2),
        ("CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:H/I:H/A:H", 2),
        ("CVSS:3.1/AV:N/AC:L:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 2),
        ("CVSS:3.1", 1),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:", 6),
    ] {
        match err(vector) {
            CvssError::MalformedComponent { position: p, .. } => {
                assert_eq!(p, position, "{vector}")
            }
            other => panic!("{vector}: expected MalformedComponent, got {other:?}"),
        }
    }
}

#[test]
fn v4_order_is_enforced_but_v2_v3_order_is_free() {
    // CVSS v4.0, section 7: metrics in the order of Table 23.
    let e = err("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert_eq!(
        e,
        CvssError::OutOfOrder {
            version: Version::V4_0,
            position: 2,
            metric: "AV",
            after: "AC"
        }
    );
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/E:A");
    assert_eq!(e.metric(), Some("E"));

    // CVSS v3.x, section 6: readers must accept any order.
    let v = parse("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").expect("any order");
    assert_eq!(
        v.to_string(),
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    );
    assert_eq!(v.base_score(), 9.8);
    let v = parse("A:P/I:P/C:P/Au:N/AC:L/AV:N").expect("any order");
    assert_eq!(v.to_string(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
}

#[test]
fn nvd_parenthesised_v2_form_is_accepted() {
    let a = parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").expect("NVD form");
    let b = parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").expect("plain form");
    assert_eq!(a, b);
    assert_eq!(a.to_string(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    // Only a whole pair of parentheses.
    assert!(parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P").is_err());
    assert!(parse("((AV:N/AC:L/Au:N/C:P/I:P/A:P))").is_err());
}

#[test]
fn long_garbage_is_echoed_briefly() {
    let junk = "Z".repeat(10_000);
    let e = err(&format!("CVSS:3.1/AV:N/{junk}:N"));
    assert!(e.to_string().len() < 300, "{e}");
}

#[test]
fn per_version_parsers_reject_other_versions() {
    use medsec_cvss::{V2Vector, V3Vector, V4Vector};
    let v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P";
    let v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    assert!(V2Vector::parse(v2).is_ok());
    assert!(v31.parse::<V3Vector>().is_ok());
    assert!(V4Vector::parse(v4).is_ok());
    assert_eq!(
        V3Vector::parse(v4),
        Err(CvssError::WrongVersion {
            expected: "3.0/3.1",
            found: Version::V4_0
        })
    );
    assert_eq!(
        V4Vector::parse(v2),
        Err(CvssError::WrongVersion {
            expected: "4.0",
            found: Version::V2_0
        })
    );
    assert_eq!(
        V2Vector::parse(v31),
        Err(CvssError::WrongVersion {
            expected: "2.0",
            found: Version::V3_1
        })
    );
}
