//! The package-url/vers-spec test suite (testvectors/vers/tests/*.json):
//! every case of every file, one test per file. Each test prints every
//! failing case, then asserts there were none and that every case ran.

use medsec_versions::vers::{self, VersRange};
use medsec_versions::{compare, Ecosystem};
use serde_json::Value;
use std::cmp::Ordering;

/// Cases that contradict the specification they test, excluded by their
/// exact input: (file, input as compact JSON, why). Each npm one was
/// checked against node-semver 7.7.2 `validRange`, whose desugaring the
/// vers npm type refers to.
const EXCLUDED: &[(&str, &str, &str)] = &[
    // vers spec, clause 5.3.3: "The constraints component ... shall contain
    // one or more constraints"; the case expects "vers:conan/".
    (
        "conan_range_from_native_test.json",
        r#"{"native_range":"","scheme":"conan"}"#,
        "a vers with no constraint is invalid (vers spec 5.3.3)",
    ),
    // Maven ComparableVersion since MNG-7644 ("treat .X as -X for any
    // string qualifier X", maven-artifact 3.8.7 as Debian ships it, and
    // 3.9): "2.0.a" and "2.0.0.a" parse as [2, [a]], below "2-1" ([2, [1]]).
    // The cases keep the order of Maven before that change. Checked with
    // maven-artifact 3.8.7 (see tests/differential.rs). Each input occurs
    // twice in the file.
    (
        "maven_version_cmp_test.json",
        r#"{"input_scheme":"maven","versions":["2-1","2.0.a"]}"#,
        "Maven 3.8.7+: 2.0.a < 2-1 (MNG-7644)",
    ),
    (
        "maven_version_cmp_test.json",
        r#"{"input_scheme":"maven","versions":["2-1","2.0.0.a"]}"#,
        "Maven 3.8.7+: 2.0.0.a < 2-1 (MNG-7644)",
    ),
    // node-semver: a partial version after `<=` is an X-range;
    // validRange("<= 1.0") is "<1.1.0-0", not "<=1.0.0".
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":"<= 1.0","scheme":"npm"}"#,
        "node-semver: <=1.0 means <1.1.0-0",
    ),
    // node-semver: `~0.8.0-pre` is ">=0.8.0-pre <0.9.0-0" (tilde allows
    // minor-level changes); the case expects an upper bound of 0.8.1.
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":">= 0.2.0 <= 0.9.6 || ~0.8.0-pre","scheme":"npm"}"#,
        "node-semver: ~0.8.0-pre means >=0.8.0-pre <0.9.0-0",
    ),
    // node-semver: `>=` with an X-range keeps only the lower bound;
    // validRange(">= 2.2.x") is ">=2.2.0" and validRange(">= 1.x") ">=1.0.0".
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":">= 2.2.x","scheme":"npm"}"#,
        "node-semver: >=2.2.x means >=2.2.0",
    ),
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":">= 1.x","scheme":"npm"}"#,
        "node-semver: >=1.x means >=1.0.0",
    ),
    // node-semver: a bare partial version is an X-range; validRange("2.1 ||
    // 2.6") is ">=2.1.0 <2.2.0-0||>=2.6.0 <2.7.0-0", not two exact versions.
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":"2.1 || 2.6","scheme":"npm"}"#,
        "node-semver: 2.1 means >=2.1.0 <2.2.0-0",
    ),
    // node-semver: comparators joined by whitespace form a set "satisfied
    // by the intersection of all of the comparators it includes" (README,
    // Ranges); "1.1.2 1.2.2" matches no version (satisfies() is false for
    // both), not the two of them.
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":"1.1.2 1.2.2","scheme":"npm"}"#,
        "node-semver: 1.1.2 1.2.2 is an empty intersection",
    ),
    // node-semver: validRange("<=2.1 >=1.1") is "<2.2.0-0 >=1.1.0".
    (
        "npm_range_from_native_test.json",
        r#"{"native_range":"<=2.1 >=1.1","scheme":"npm"}"#,
        "node-semver: <=2.1 means <2.2.0-0",
    ),
];

fn scheme(name: &str) -> Result<Ecosystem, String> {
    Ecosystem::from_vers_type(name).ok_or_else(|| format!("unknown scheme {name}"))
}

fn sort_versions(eco: Ecosystem, versions: &[String]) -> Result<Vec<String>, String> {
    for v in versions {
        compare(eco, v, v).map_err(|e| e.to_string())?;
    }
    let mut out = versions.to_vec();
    // Insertion sort: the inputs are short, and it needs no total order
    // (alpm and rpm releases are not transitive).
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 {
            let o = compare(eco, &out[j - 1], &out[j]).map_err(|e| e.to_string())?;
            if o != Ordering::Greater {
                break;
            }
            out.swap(j - 1, j);
            j -= 1;
        }
    }
    Ok(out)
}

/// Runs one case; `Ok(())` when it passes, else a description.
fn run_case(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let expected = &case["expected_output"];
    let expect_failure = case["expected_failure"].as_bool().unwrap_or(false);
    match case["test_type"].as_str().unwrap_or("") {
        "comparison" => {
            let eco = scheme(input["input_scheme"].as_str().unwrap_or(""))?;
            let versions: Vec<String> =
                serde_json::from_value(input["versions"].clone()).map_err(|e| e.to_string())?;
            let want: Vec<String> =
                serde_json::from_value(expected.clone()).map_err(|e| e.to_string())?;
            let got = sort_versions(eco, &versions)?;
            let same = got.len() == want.len()
                && got
                    .iter()
                    .zip(&want)
                    .all(|(g, w)| compare(eco, g, w).ok() == Some(Ordering::Equal));
            if same {
                Ok(())
            } else {
                Err(format!("sorted to {got:?}"))
            }
        }
        "equality" => {
            let eco = scheme(input["input_scheme"].as_str().unwrap_or(""))?;
            let v: Vec<String> =
                serde_json::from_value(input["versions"].clone()).map_err(|e| e.to_string())?;
            let [a, b] = v.as_slice() else {
                return Err("equality needs two versions".into());
            };
            let eq = compare(eco, a, b).map_err(|e| e.to_string())? == Ordering::Equal;
            if Some(eq) == expected.as_bool() {
                Ok(())
            } else {
                Err(format!("equal = {eq}"))
            }
        }
        "from_native" => {
            let eco = scheme(input["scheme"].as_str().unwrap_or(""))?;
            let native = input["native_range"].as_str().unwrap_or("");
            match vers::from_native(eco, native) {
                Ok(r) if !expect_failure && Some(r.to_string().as_str()) == expected.as_str() => {
                    Ok(())
                }
                Err(_) if expect_failure => Ok(()),
                Ok(r) => Err(format!("got {r}")),
                Err(e) => Err(format!("error: {e}")),
            }
        }
        "containment" => {
            let range = VersRange::parse(input["vers"].as_str().unwrap_or(""))
                .map_err(|e| e.to_string())?;
            let got = range
                .contains(input["version"].as_str().unwrap_or(""))
                .map_err(|e| e.to_string())?;
            if Some(got) == expected.as_bool() {
                Ok(())
            } else {
                Err(format!("contains = {got}"))
            }
        }
        "validate" => {
            let s = input.as_str().unwrap_or("");
            match VersRange::parse(s) {
                Ok(r) if !expect_failure && Some(r.to_string().as_str()) == expected.as_str() => {
                    Ok(())
                }
                Err(_) if expect_failure => Ok(()),
                Ok(r) => Err(format!("got {r}")),
                Err(e) => Err(format!("error: {e}")),
            }
        }
        "parse" => {
            let s = input.as_str().unwrap_or("");
            match VersRange::parse_canonical(s) {
                Ok(r) if !expect_failure => {
                    let got = serde_json::json!({
                        "scheme": r.vers_type(),
                        "version_constraints": r
                            .constraints()
                            .iter()
                            .map(|c| vec![c.comparator.as_str().to_string(), c.version.clone()])
                            .collect::<Vec<_>>(),
                    });
                    // The suite writes the equality comparator as "=".
                    let mut want = expected.clone();
                    normalize_eq(&mut want);
                    let mut got = got;
                    normalize_eq(&mut got);
                    if got == want {
                        Ok(())
                    } else {
                        Err(format!("parsed to {got}"))
                    }
                }
                Err(_) if expect_failure => Ok(()),
                Ok(r) => Err(format!("accepted as {r}")),
                Err(e) => Err(format!("error: {e}")),
            }
        }
        other => Err(format!("unknown test_type {other}")),
    }
}

fn normalize_eq(v: &mut Value) {
    if let Some(list) = v["version_constraints"].as_array_mut() {
        for c in list {
            if c[0] == "" {
                c[0] = Value::from("=");
            }
        }
    }
}

fn run_file(test: &str, file: &str) {
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let path = data.join("testvectors/vers/tests").join(file);
    let doc: Value = serde_json::from_slice(&medsec_testdata::read(&path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases = doc["tests"].as_array().expect("tests array");
    let (mut ran, mut excluded, mut failures) = (0usize, 0usize, Vec::new());
    for case in cases {
        let input = serde_json::to_string(&case["input"]).unwrap_or_default();
        if EXCLUDED.iter().any(|(f, i, _)| *f == file && *i == input) {
            excluded += 1;
            continue;
        }
        ran += 1;
        if let Err(why) = run_case(case) {
            failures.push(format!(
                "  {} {input} expected {} {}: {why}",
                case["test_type"], case["expected_output"], case["expected_failure"]
            ));
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    eprintln!(
        "{file}: {} passed, {} failed, {excluded} excluded of {}",
        ran - failures.len(),
        failures.len(),
        cases.len()
    );
    assert_eq!(ran + excluded, cases.len(), "not every case ran");
    assert!(ran > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} failing case(s) in {file}",
        failures.len()
    );
}

macro_rules! vers_file_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                run_file(stringify!($name), $file);
            }
        )*
    };
}

vers_file_tests! {
    alpine_version_cmp => "alpine_version_cmp_test.json",
    alpm_version_cmp => "alpm_version_cmp_test.json",
    conan_range_from_native_basic => "conan_range_from_native_basic_test.json",
    conan_range_from_native => "conan_range_from_native_test.json",
    conan_version_cmp => "conan_version_cmp_test.json",
    datetime_version_cmp => "datetime_version_cmp_test.json",
    gem_range_from_native => "gem_range_from_native_test.json",
    gentoo_version_cmp => "gentoo_version_cmp_test.json",
    lexicographic => "lexicographic-test.json",
    maven_version_cmp => "maven_version_cmp_test.json",
    nginx_range_from_native => "nginx_range_from_native_test.json",
    npm_range_containment => "npm_range_containment_test.json",
    npm_range_from_native => "npm_range_from_native_test.json",
    nuget_range_from_native => "nuget_range_from_native_test.json",
    nuget_version_cmp => "nuget_version_cmp_test.json",
    openssl_range_from_native => "openssl_range_from_native_test.json",
    openssl_version_cmp => "openssl_version_cmp_test.json",
    pypi_range_containment => "pypi_range_containment_test.json",
    pypi_range_from_native => "pypi_range_from_native_test.json",
    pypi_range_validate => "pypi_range_validate_test.json",
    vers_canonical_parse => "vers_canonical_parse_test.json",
}

/// Every file in the suite has a test above.
#[test]
fn every_vers_file_is_tested() {
    let Some(data) = medsec_testdata::require("every_vers_file_is_tested") else {
        return;
    };
    let files = medsec_testdata::files_under(&data.join("testvectors/vers/tests"));
    assert_eq!(files.len(), 21, "files: {files:?}");
}
