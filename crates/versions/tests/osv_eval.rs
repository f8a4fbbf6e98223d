//! OSV range evaluation checked against what the OSV data itself says.
//!
//! * PyPA's records list, beside their ECOSYSTEM ranges, the affected
//!   versions enumerated from PyPI by their tooling: with the list set
//!   aside, the ranges alone must cover every listed version.
//! * A `fixed` version is not affected by the range that names it.
//! * GHSA-SUBSET.md records, per SBOM package version and advisory,
//!   whether univers found the version affected: the same verdicts.
//! * Records with only GIT ranges are not resolvable, never guessed.

use medsec_versions::osv::{self, Affected, Verdict};
use medsec_versions::Ecosystem;
use serde_json::Value;
use std::path::Path;

fn load(path: &Path) -> Value {
    let bytes = medsec_testdata::read(path);
    let name = path.to_string_lossy();
    if name.ends_with(".yaml") {
        let y: serde_norway::Value =
            serde_norway::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::to_value(y).unwrap_or_else(|e| panic!("{name}: {e}"))
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

fn affected_entries(doc: &Value) -> Vec<Affected> {
    doc["affected"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| serde_json::from_value(a.clone()).expect("affected entry"))
        .collect()
}

/// Listed versions the ranges do not cover, by the OSV algorithm and
/// PEP 440 order (which the differential test checks against
/// `packaging`): (file, version, why). The data disagrees with itself here.
const LISTED_NOT_COVERED: &[(&str, &str, &str)] = &[
    // "introduced: 3.2" / "4.2": PEP 440 orders 3.2a1 < 3.2b1 < 3.2rc1 < 3.2,
    // yet the list names these pre-releases.
    (
        "django/PYSEC-2023-61.yaml",
        "3.2a1",
        "pre-release below introduced 3.2",
    ),
    (
        "django/PYSEC-2023-61.yaml",
        "3.2b1",
        "pre-release below introduced 3.2",
    ),
    (
        "django/PYSEC-2023-61.yaml",
        "3.2rc1",
        "pre-release below introduced 3.2",
    ),
    (
        "django/PYSEC-2023-61.yaml",
        "4.2a1",
        "pre-release below introduced 4.2",
    ),
    (
        "django/PYSEC-2023-61.yaml",
        "4.2b1",
        "pre-release below introduced 4.2",
    ),
    (
        "django/PYSEC-2023-61.yaml",
        "4.2rc1",
        "pre-release below introduced 4.2",
    ),
    // "fixed: 23.9.0", yet the list names 23.9.0 and 23.9.0.post1.
    (
        "gevent/PYSEC-2023-177.yaml",
        "23.9.0",
        "the fixed version itself",
    ),
    (
        "gevent/PYSEC-2023-177.yaml",
        "23.9.0.post1",
        "above the fixed version",
    ),
    // One range holds the overlapping intervals [2.11, 2.11.7) and
    // [0, 2.11.6); replayed in order, fixed 2.11.6 turns 2.11.6 off.
    (
        "wagtail/PYSEC-2021-114.yaml",
        "2.11.6",
        "overlapping intervals in one range",
    ),
];

#[test]
fn pypi_listed_versions_are_covered_by_the_ranges() {
    let Some(data) = medsec_testdata::require("pypi_listed_versions_are_covered_by_the_ranges")
    else {
        return;
    };
    let (mut checked, mut invalid, mut failures) = (0usize, 0usize, Vec::new());
    let mut excluded = 0usize;
    for file in medsec_testdata::files_under(&data.join("vulns/osv/PyPI")) {
        let doc = load(&file);
        for aff in affected_entries(&doc) {
            if !aff.ranges.iter().any(|r| r.range_type == "ECOSYSTEM") {
                continue;
            }
            let mut ranges_only = aff.clone();
            ranges_only.versions.clear();
            for v in &aff.versions {
                let known = LISTED_NOT_COVERED
                    .iter()
                    .any(|(f, kv, _)| file.ends_with(f) && kv == v);
                if known {
                    excluded += 1;
                    continue;
                }
                match osv::evaluate(&ranges_only, Ecosystem::PyPI, v) {
                    Ok(e) if e.verdict == Verdict::Affected => checked += 1,
                    Ok(e) => {
                        checked += 1;
                        failures.push(format!("{}: {v}: {:?}", file.display(), e.verdict));
                    }
                    // Not PEP 440 (legacy PyPI versions): no order to test.
                    Err(_) => invalid += 1,
                }
            }
        }
    }
    for f in &failures {
        eprintln!("  {f}");
    }
    eprintln!(
        "PyPI listed versions: {} covered, {} not, {excluded} excluded, {invalid} not PEP 440",
        checked - failures.len(),
        failures.len()
    );
    assert_eq!(
        excluded,
        LISTED_NOT_COVERED.len(),
        "an exclusion no longer applies"
    );
    assert!(checked > 10_000, "only {checked} listed versions checked");
    assert!(
        failures.is_empty(),
        "{} listed versions not covered",
        failures.len()
    );
}

#[test]
fn fixed_versions_are_not_affected_by_their_range() {
    let Some(data) = medsec_testdata::require("fixed_versions_are_not_affected_by_their_range")
    else {
        return;
    };
    let dirs = [
        ("Go", Ecosystem::Go),
        ("crates.io", Ecosystem::Cargo),
        ("Maven", Ecosystem::Maven),
        ("npm", Ecosystem::Npm),
        ("NuGet", Ecosystem::NuGet),
        ("PyPI", Ecosystem::PyPI),
    ];
    let (mut checked, mut invalid, mut failures) = (0usize, 0usize, Vec::new());
    for (dir, eco) in dirs {
        for file in medsec_testdata::files_under(&data.join("vulns/osv").join(dir)) {
            for aff in affected_entries(&load(&file)) {
                for range in aff.ranges.iter().filter(|r| r.range_type != "GIT") {
                    let single = Affected {
                        package: aff.package.clone(),
                        ranges: vec![range.clone()],
                        versions: Vec::new(),
                    };
                    for fixed in range.events.iter().filter_map(|e| e.fixed.as_deref()) {
                        // A range may re-introduce at its own fixed version.
                        if range
                            .events
                            .iter()
                            .any(|e| e.introduced.as_deref() == Some(fixed))
                        {
                            continue;
                        }
                        let v = match eco {
                            Ecosystem::Go => format!("v{fixed}"),
                            _ => fixed.to_string(),
                        };
                        match osv::evaluate(&single, eco, &v) {
                            Ok(e) if e.verdict == Verdict::NotAffected => checked += 1,
                            // Not a version of the ecosystem (e.g. PyPI's
                            // legacy "0.2.0-n653"): nothing to place.
                            Err(_) => invalid += 1,
                            other => {
                                checked += 1;
                                failures.push(format!("{}: fixed {v}: {other:?}", file.display()))
                            }
                        }
                    }
                }
            }
        }
    }
    for f in failures.iter().take(50) {
        eprintln!("  {f}");
    }
    eprintln!(
        "fixed versions: {} not affected, {} otherwise, {invalid} not valid in their ecosystem",
        checked - failures.len(),
        failures.len()
    );
    assert!(checked > 5_000, "only {checked} fixed versions checked");
    assert!(
        failures.is_empty(),
        "{} fixed versions judged otherwise",
        failures.len()
    );
}

/// One line of GHSA-SUBSET.md:
/// `- eco | package | v1 [sbom]; v2 [sbom] | ID {v1,v2}, ID | ... | method`.
struct SubsetLine {
    eco: Ecosystem,
    dir: &'static str,
    package: String,
    versions: Vec<String>,
    advisories: Vec<(String, Vec<String>)>,
}

fn parse_subset_line(line: &str) -> Option<SubsetLine> {
    let fields: Vec<&str> = line.strip_prefix("- ")?.split(" | ").collect();
    let [eco, package, versions, advisories, ..] = fields.as_slice() else {
        return None;
    };
    let (eco, dir) = match *eco {
        "Maven" => (Ecosystem::Maven, "Maven"),
        "npm" => (Ecosystem::Npm, "npm"),
        "NuGet" => (Ecosystem::NuGet, "NuGet"),
        _ => return None,
    };
    let versions = versions
        .split("; ")
        .filter_map(|v| v.split(" [").next())
        .map(str::to_string)
        .collect();
    let mut list = Vec::new();
    for adv in advisories.split(", GHSA").enumerate().map(|(i, a)| {
        if i == 0 {
            a.to_string()
        } else {
            format!("GHSA{a}")
        }
    }) {
        let (id, hit) = match adv.split_once(" {") {
            Some((id, rest)) => (
                id.to_string(),
                rest.trim_end_matches('}')
                    .split(',')
                    .map(str::to_string)
                    .collect(),
            ),
            None => (adv.trim().to_string(), Vec::new()),
        };
        list.push((id, hit));
    }
    Some(SubsetLine {
        eco,
        dir,
        package: package.to_string(),
        versions,
        advisories: list,
    })
}

#[test]
fn ghsa_subset_verdicts_match_univers() {
    let Some(data) = medsec_testdata::require("ghsa_subset_verdicts_match_univers") else {
        return;
    };
    let osv_dir = data.join("vulns/osv");
    let text =
        String::from_utf8(medsec_testdata::read(&osv_dir.join("GHSA-SUBSET.md"))).expect("UTF-8");
    let (mut checked, mut failures) = (0usize, Vec::new());
    for line in text.lines().filter(|l| l.starts_with("- ")) {
        let Some(sub) = parse_subset_line(line) else {
            continue;
        };
        for (id, hits) in &sub.advisories {
            let path = osv_dir.join(sub.dir).join(format!("{id}.json"));
            if !path.is_file() {
                failures.push(format!("{id}: no file {}", path.display()));
                continue;
            }
            let entries = affected_entries(&load(&path));
            // Exact name first; the notes in the file list advisories whose
            // name or ecosystem was mapped by hand, where the record has
            // one entry.
            let chosen: Vec<&Affected> = {
                let named: Vec<&Affected> = entries
                    .iter()
                    .filter(|a| {
                        a.package.as_ref().is_some_and(|p| {
                            p.name.eq_ignore_ascii_case(&sub.package) && p.ecosystem == sub.dir
                        })
                    })
                    .collect();
                if named.is_empty() && entries.len() == 1 {
                    entries.iter().collect()
                } else {
                    named
                }
            };
            if chosen.is_empty() {
                failures.push(format!("{id}: no entry for {}", sub.package));
                continue;
            }
            for v in &sub.versions {
                let mut verdicts = Vec::new();
                for aff in &chosen {
                    match osv::evaluate(aff, sub.eco, v) {
                        Ok(e) => verdicts.push(e.verdict),
                        Err(e) => verdicts.push(Verdict::NotResolvable {
                            reason: e.to_string(),
                        }),
                    }
                }
                let ours = verdicts.contains(&Verdict::Affected);
                let theirs = hits.contains(v);
                checked += 1;
                if ours != theirs
                    || verdicts
                        .iter()
                        .any(|v| matches!(v, Verdict::NotResolvable { .. }))
                {
                    failures.push(format!(
                        "{id} {} {v}: univers affected={theirs}, ours {verdicts:?}",
                        sub.package
                    ));
                }
            }
        }
    }
    for f in &failures {
        eprintln!("  {f}");
    }
    eprintln!(
        "GHSA subset: {} verdicts agree, {} differ",
        checked - failures.len().min(checked),
        failures.len()
    );
    assert!(checked > 100, "only {checked} verdicts checked");
    assert!(failures.is_empty(), "{} verdicts differ", failures.len());
}

#[test]
fn git_only_records_are_not_resolvable() {
    let Some(data) = medsec_testdata::require("git_only_records_are_not_resolvable") else {
        return;
    };
    // The OSV linter's test records with GIT ranges only, and PyPA records.
    let mut files =
        medsec_testdata::files_under(&data.join("testvectors/osv-schema/osv-linter/testdata"));
    files.extend(medsec_testdata::files_under(&data.join("vulns/osv/PyPI")));
    let mut seen = 0;
    for file in files {
        for aff in affected_entries(&load(&file)) {
            let git_only =
                !aff.ranges.is_empty() && aff.ranges.iter().all(|r| r.range_type == "GIT");
            if !git_only {
                continue;
            }
            seen += 1;
            let e = osv::evaluate(&aff, Ecosystem::Generic, "1.0").expect("generic version");
            assert!(
                matches!(e.verdict, Verdict::NotResolvable { .. }),
                "{}: {:?}",
                file.display(),
                e.verdict
            );
        }
    }
    eprintln!("GIT-only entries: {seen}, all not resolvable");
    assert!(seen >= 4, "only {seen} GIT-only entries found");
}
