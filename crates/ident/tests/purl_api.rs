//! The purl API beyond the published suites: errors name the component,
//! serde goes through the canonical string, canonical forms are fixed
//! points, and no input makes the parser panic.

use medsec_ident::purl::{Component, Components, ErrorKind, PackageUrl};

fn err_of(input: &str) -> (Component, ErrorKind) {
    let e = PackageUrl::parse(input).expect_err(input);
    assert!(e.to_string().contains(e.component().as_str()), "{e}");
    (e.component(), e.kind())
}

#[test]
fn errors_name_the_component_and_the_rule() {
    assert_eq!(
        err_of("npm/foo@1"),
        (Component::Scheme, ErrorKind::MissingScheme)
    );
    assert_eq!(
        err_of("http://example.com/x"),
        (Component::Scheme, ErrorKind::MissingScheme)
    );
    assert_eq!(err_of("pkg:foo"), (Component::Type, ErrorKind::MissingType));
    assert_eq!(
        err_of("pkg:3d/x"),
        (Component::Type, ErrorKind::InvalidType)
    );
    assert_eq!(
        err_of("pkg:npm/"),
        (Component::Name, ErrorKind::MissingName)
    );
    assert_eq!(
        err_of("pkg:npm/foo@1?a"),
        (
            Component::Qualifiers,
            ErrorKind::MissingQualifierValueSeparator
        )
    );
    assert_eq!(
        err_of("pkg:npm/foo@1?1a=b"),
        (Component::Qualifiers, ErrorKind::InvalidQualifierKey)
    );
    assert_eq!(
        err_of("pkg:npm/foo@1?a=b&a=c"),
        (Component::Qualifiers, ErrorKind::DuplicateQualifierKey)
    );
    assert_eq!(
        err_of("pkg:npm/foo@1?A=b"),
        (Component::Qualifiers, ErrorKind::UppercaseQualifierKey)
    );
    assert_eq!(
        err_of("pkg:npm/foo@1%"),
        (Component::Version, ErrorKind::InvalidPercentEncoding)
    );
    assert_eq!(
        err_of("pkg:npm/f%C3"),
        (Component::Name, ErrorKind::InvalidUtf8)
    );
    assert_eq!(
        err_of("pkg:generic/a%2Fb/c"),
        (Component::Namespace, ErrorKind::SlashInSegment)
    );
    assert_eq!(
        err_of("pkg:generic/c#a%2Fb"),
        (Component::Subpath, ErrorKind::SlashInSegment)
    );
    assert_eq!(
        err_of("pkg:maven/io@1"),
        (Component::Namespace, ErrorKind::NamespaceRequired)
    );
    assert_eq!(
        err_of("pkg:pypi/a/b@1"),
        (Component::Namespace, ErrorKind::NamespaceProhibited)
    );
    assert_eq!(
        err_of("pkg:swid/x@1"),
        (Component::Qualifiers, ErrorKind::MissingRequiredQualifier)
    );
    assert_eq!(
        PackageUrl::validate("pkg:julia/Dates").map_err(|e| e.kind()),
        Err(ErrorKind::MissingRequiredQualifier)
    );
    assert_eq!(
        PackageUrl::validate("pkg:julia/Dates?uuid=ade2ca70-3891-5945-98fb-dc099432e06a"),
        Ok(())
    );
}

#[test]
fn lenient_parsing_repairs_only_what_it_documents() {
    let p = PackageUrl::parse_lenient("  pkg:npm/foo@1?A=b  ").unwrap();
    assert_eq!(p.to_string(), "pkg:npm/foo@1?a=b");
    assert_eq!(
        PackageUrl::parse_lenient("pkg:npm/foo@100%")
            .unwrap()
            .version(),
        Some("100%")
    );
    assert_eq!(
        PackageUrl::canonicalize("pkg:npm/foo@100%").unwrap(),
        "pkg:npm/foo@100%25"
    );
    // Still refused: a key that is not a key at all.
    assert!(PackageUrl::parse_lenient("pkg:npm/foo@1?in%20production=true").is_err());
}

#[test]
fn builder_normalizes_like_parsing() {
    let built = PackageUrl::builder("PyPI", "Django_Package")
        .version("1.0")
        .qualifier("File_Name", "Django-1.0.tar.gz")
        .qualifier("empty", "")
        .subpath("/a/./b/../c/")
        .build()
        .unwrap();
    assert_eq!(
        built.to_string(),
        "pkg:pypi/django-package@1.0?file_name=Django-1.0.tar.gz#a/b/c"
    );
    assert_eq!(PackageUrl::parse(&built.to_string()).unwrap(), built);
    assert_eq!(built.to_components().build().unwrap(), built);

    let git = PackageUrl::builder("git", "forgejo")
        .namespace("codeberg.org/forgejo")
        .build()
        .unwrap();
    assert_eq!(git.namespace(), Some("codeberg.org"));
    assert_eq!(git.name(), "forgejo/forgejo");

    let missing = Components::default().build().unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::MissingType);
}

#[test]
fn serde_uses_the_canonical_string_and_components_view() {
    let p: PackageUrl = serde_json::from_str("\"pkg:npm/%40angular/animation@12.3.1\"").unwrap();
    assert_eq!(p.namespace(), Some("@angular"));
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        "\"pkg:npm/%40angular/animation@12.3.1\""
    );
    let bad = serde_json::from_str::<PackageUrl>("\"pkg:maven/io\"").unwrap_err();
    assert!(bad.to_string().contains("namespace"), "{bad}");
    let view = serde_json::to_value(p.components()).unwrap();
    assert_eq!(
        view,
        serde_json::json!({"type": "npm", "namespace": "@angular", "name": "animation",
            "version": "12.3.1", "qualifiers": null, "subpath": null})
    );
}

/// A small deterministic generator, so the test needs no extra crate and
/// fails the same way every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn arbitrary_inputs_never_panic_and_canonical_forms_are_fixed_points() {
    const PIECES: &[&str] = &[
        "pkg:",
        "PKG:",
        "/",
        "//",
        "@",
        "?",
        "&",
        "=",
        "#",
        "%",
        "%2",
        "%2F",
        "%40",
        "%C3%A9",
        "%FF",
        ".",
        "..",
        ":",
        " ",
        "+",
        "a",
        "Z",
        "9",
        "é",
        "npm",
        "maven",
        "git",
        "pypi",
        "cpan",
        "swid",
        "julia",
        "mlflow",
        "::",
        "tag_id=x",
        "uuid=1",
        "repository_url=https://x.databricks/",
        "chrome-extension",
        "_",
    ];
    let mut rng = Lcg(0x5eed);
    let mut ok = 0;
    for _ in 0..20_000 {
        const TYPES: &[&str] = &[
            "npm", "maven", "git", "pypi", "cpan", "generic", "mlflow", "golang", "x",
        ];
        let len = 1 + rng.next() % 12;
        let mut s = String::new();
        // Most inputs get a plausible start so that the later rules run too.
        if !rng.next().is_multiple_of(4) {
            s.push_str("pkg:");
            s.push_str(TYPES[(rng.next() as usize) % TYPES.len()]);
            s.push('/');
        }
        s.extend((0..len).map(|_| PIECES[(rng.next() as usize) % PIECES.len()]));
        for p in [PackageUrl::parse(&s), PackageUrl::parse_lenient(&s)]
            .into_iter()
            .flatten()
        {
            ok += 1;
            let canonical = p.to_string();
            let again = PackageUrl::parse(&canonical)
                .unwrap_or_else(|e| panic!("canonical {canonical:?} of {s:?} does not parse: {e}"));
            assert_eq!(again, p, "{s:?} -> {canonical:?}");
            assert_eq!(again.to_string(), canonical);
            assert!(PackageUrl::is_canonical(&canonical));
        }
    }
    assert!(
        ok > 1000,
        "too few generated inputs parsed ({ok}) to test the fixed point"
    );
}

#[test]
fn every_sbom_purl_canonical_form_is_a_fixed_point() {
    let Some(data) = medsec_testdata::require("every_sbom_purl_canonical_form_is_a_fixed_point")
    else {
        return;
    };
    let mut seen = 0;
    for file in medsec_testdata::files_under(&data.join("sboms")) {
        let name = file.to_string_lossy();
        if !(name.ends_with(".json") || name.ends_with(".json.gz")) {
            continue;
        }
        let text = String::from_utf8_lossy(&medsec_testdata::read(&file)).into_owned();
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let mut stack = vec![&doc];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        if let (true, Some(s)) = (k == "purl", v.as_str()) {
                            seen += 1;
                            let p = PackageUrl::parse_lenient(s)
                                .unwrap_or_else(|e| panic!("{name}: {s}: {e}"));
                            let c = p.to_string();
                            assert_eq!(PackageUrl::parse(&c).as_ref(), Ok(&p), "{s} -> {c}");
                        } else {
                            stack.push(v);
                        }
                    }
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
    assert!(seen > 0, "no purls found in the SBOMs");
}
