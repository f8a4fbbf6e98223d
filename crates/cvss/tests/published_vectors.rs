//! Every vector of the published test suite of Red Hat's `cvss` library
//! (`tests/vectors_*`), checked for all its published scores.
//!
//! Line formats: v2/v3 `VECTOR - (base, temporal, environmental)` with
//! `None` for a score the vector does not define; v4 `VECTOR - score` or
//! `VECTOR - (score,)`, the score of the whole vector.

use std::path::Path;

/// Parses a published score: a number, or `None`.
fn published(s: &str) -> Result<Option<f64>, String> {
    match s.trim() {
        "None" => Ok(None),
        n => n
            .parse::<f64>()
            .map(Some)
            .map_err(|e| format!("bad score `{n}`: {e}")),
    }
}

/// Checks every line of one file; returns (lines, mismatches) after
/// printing each mismatch.
fn check_file(path: &Path) -> (usize, usize) {
    let text = String::from_utf8(medsec_testdata::read(path)).expect("test vectors are UTF-8");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    let mut checked = 0;
    let mut mismatches = 0;
    for (n, line) in text.lines().enumerate() {
        let Some((vector, expected)) = line.rsplit_once(" - ") else {
            println!("{name}:{}: unreadable line `{line}`", n + 1);
            mismatches += 1;
            continue;
        };
        let expected: Result<Vec<Option<f64>>, String> = expected
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(published)
            .collect();
        let expected = match expected {
            Ok(e) => e,
            Err(e) => {
                println!("{name}:{}: {e}", n + 1);
                mismatches += 1;
                continue;
            }
        };
        let cvss = match medsec_cvss::parse(vector) {
            Ok(c) => c,
            Err(e) => {
                println!("{name}:{}: {vector}: rejected: {e}", n + 1);
                mismatches += 1;
                continue;
            }
        };
        let got: Vec<Option<f64>> = if cvss.version() == medsec_cvss::Version::V4_0 {
            vec![Some(cvss.overall_score())]
        } else {
            vec![
                Some(cvss.base_score()),
                cvss.temporal_score(),
                cvss.environmental_score(),
            ]
        };
        checked += 1;
        // The published files print a zero base score as `-0.0`; equal
        // floats compare equal whatever the sign of zero.
        if got != expected {
            println!(
                "{name}:{}: {vector}: expected {expected:?}, got {got:?}",
                n + 1
            );
            mismatches += 1;
        }
        // The canonical string must parse back to the same vector.
        let canonical = cvss.to_string();
        match medsec_cvss::parse(&canonical) {
            Ok(again) if again == cvss => {}
            other => {
                println!(
                    "{name}:{}: {vector}: canonical `{canonical}` reparsed as {other:?}",
                    n + 1
                );
                mismatches += 1;
            }
        }
    }
    assert_eq!(
        checked,
        text.lines().count(),
        "{name}: not every line was checked"
    );
    println!("{name}: {checked} lines, {mismatches} mismatches");
    (checked, mismatches)
}

fn run(test: &str, file: &str, version_prefix: &str) {
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let path = data.join("testvectors/cvss").join(file);
    let (checked, mismatches) = check_file(&path);
    assert!(checked > 0, "{file} is empty");
    assert_eq!(
        mismatches, 0,
        "{file}: {mismatches} of {checked} lines mismatch"
    );
    // The file holds the version it is named for.
    let text = String::from_utf8(medsec_testdata::read(&path)).unwrap_or_default();
    assert!(
        text.lines().all(|l| l.starts_with(version_prefix)),
        "{file}: a line lacks `{version_prefix}`"
    );
}

#[test]
fn vectors_simple2() {
    run("vectors_simple2", "vectors_simple2", "AV:");
}

#[test]
fn vectors_calculator2() {
    run("vectors_calculator2", "vectors_calculator2", "AV:");
}

#[test]
fn vectors_cvsslib2() {
    run("vectors_cvsslib2", "vectors_cvsslib2", "AV:");
}

#[test]
fn vectors_simple3() {
    run("vectors_simple3", "vectors_simple3", "CVSS:3.0/");
}

#[test]
fn vectors_simple31() {
    run("vectors_simple31", "vectors_simple31", "CVSS:3.1/");
}

#[test]
fn vectors_calculator3() {
    run("vectors_calculator3", "vectors_calculator3", "CVSS:3.0/");
}

#[test]
fn vectors_cvsslib3() {
    run("vectors_cvsslib3", "vectors_cvsslib3", "CVSS:3.0/");
}

#[test]
fn vectors_simple4() {
    run("vectors_simple4", "vectors_simple4", "CVSS:4.0/");
}

#[test]
fn vectors_supplemental4() {
    run(
        "vectors_supplemental4",
        "vectors_supplemental4",
        "CVSS:4.0/",
    );
}

#[test]
fn vectors_security4() {
    run("vectors_security4", "vectors_security4", "CVSS:4.0/");
}

#[test]
fn vectors_threat4() {
    run("vectors_threat4", "vectors_threat4", "CVSS:4.0/");
}

/// Every file in the directory has a test above, so a file added to the
/// data set is not silently left out.
#[test]
fn every_vector_file_is_covered() {
    let Some(data) = medsec_testdata::require("every_vector_file_is_covered") else {
        return;
    };
    let covered = [
        "vectors_simple2",
        "vectors_calculator2",
        "vectors_cvsslib2",
        "vectors_simple3",
        "vectors_simple31",
        "vectors_calculator3",
        "vectors_cvsslib3",
        "vectors_simple4",
        "vectors_supplemental4",
        "vectors_security4",
        "vectors_threat4",
    ];
    for file in medsec_testdata::files_under(&data.join("testvectors/cvss")) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(covered.contains(&name.as_str()), "no test reads {name}");
    }
}
