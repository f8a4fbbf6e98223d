//! OSV JSON and YAML against the real files and the published OSV schema.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{arr, files, json, name};
use medsec_kb::{osv, ContentHash, Event, RangeKind, Source};
use serde_json::Value;

fn raw_of(path: &std::path::Path) -> Value {
    let bytes = medsec_testdata::read(path);
    if path.to_string_lossy().ends_with(".yaml") {
        serde_norway::from_slice(&bytes).unwrap()
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

#[test]
fn every_osv_file_reads_and_schema_failures_are_named() {
    let Some(data) = medsec_testdata::require("every_osv_file_reads") else {
        return;
    };
    let schema = json(&data.join("schemas/osv/osv-schema.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut per_dir: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut schema_failures = BTreeSet::new();
    let mut warned_git = BTreeSet::new();
    let mut warnings = Vec::new();
    let mut withdrawn = (0, 0);
    for path in files(&data.join("vulns/osv"), &[".json", ".yaml"]) {
        let file = name(&data, &path);
        let bytes = medsec_testdata::read(&path);
        let got = if file.ends_with(".yaml") {
            osv::read_yaml(&bytes, &file)
        } else {
            osv::read_json(&bytes, &file)
        }
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        assert_eq!(got.records.len(), 1, "{file}");
        let dir = file.split('/').nth(2).unwrap_or("").to_owned();
        let e = per_dir.entry(dir).or_default();
        e.0 += 1;
        e.1 += got.records.len();

        let raw = raw_of(&path);
        if !validator.is_valid(&raw) {
            schema_failures.insert(file.clone());
        }
        for w in &got.warnings {
            assert_eq!(w.file, file);
            assert!(w.record.is_some() && w.location.is_some(), "{w}");
            if w.location
                .as_deref()
                .is_some_and(|l| l.contains(".events["))
            {
                warned_git.insert(file.clone());
            }
            warnings.push(w.to_string());
        }

        let v = &got.records[0];
        assert_eq!(v.source, Source::Osv);
        let back: medsec_kb::Vulnerability =
            serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap();
        assert_eq!(&back, v, "{file}");
        assert_eq!(v.id, raw["id"].as_str().unwrap(), "{file}");
        assert_eq!(v.aliases.len(), arr(&raw, "aliases").len(), "{file}");
        assert_eq!(v.related.len(), arr(&raw, "related").len(), "{file}");
        assert_eq!(v.severities.len(), arr(&raw, "severity").len(), "{file}");
        assert_eq!(v.references.len(), arr(&raw, "references").len(), "{file}");
        assert_eq!(
            v.withdrawn.is_some(),
            raw.get("withdrawn").is_some(),
            "{file}"
        );
        withdrawn.0 += usize::from(v.withdrawn.is_some());
        withdrawn.1 += usize::from(raw.get("withdrawn").is_some());
        let raw_affected = arr(&raw, "affected");
        // Fixed versions: every `fixed` event of a non-GIT range.
        let want: BTreeSet<(String, String)> = raw_affected
            .iter()
            .flat_map(|a| {
                let package = format!(
                    "{}:{}",
                    a.pointer("/package/ecosystem")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                    a.pointer("/package/name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                );
                arr(a, "ranges")
                    .iter()
                    .filter(|r| r["type"] != "GIT")
                    .flat_map(|r| arr(r, "events"))
                    .filter_map(|e| e.get("fixed").and_then(Value::as_str))
                    .map(move |f| (package.clone(), f.to_owned()))
            })
            .collect();
        let got_fixed: BTreeSet<(String, String)> = v
            .fixed_versions()
            .into_iter()
            .map(|f| (f.package, f.version))
            .collect();
        assert_eq!(got_fixed, want, "{file}");
        assert_eq!(v.affected.len(), raw_affected.len(), "{file}");
        for (a, ra) in v.affected.iter().zip(raw_affected) {
            assert_eq!(
                Some(a.name.as_str()),
                ra.pointer("/package/name").and_then(Value::as_str)
            );
            assert_eq!(
                Some(a.ecosystem.as_str()),
                ra.pointer("/package/ecosystem").and_then(Value::as_str)
            );
            let raw_versions: Vec<&str> = arr(ra, "versions")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(a.versions, raw_versions, "{file}");
            // Ranges read are the raw ranges minus the GIT ranges the
            // reader dropped with a warning.
            let raw_ranges = arr(ra, "ranges");
            let dropped = raw_ranges.len() - a.ranges.len();
            assert!(dropped == 0 || warned_git.contains(&file), "{file}");
            let mut kept = raw_ranges.iter().filter(|r| {
                r["type"] != "GIT"
                    || !arr(r, "events").iter().any(|e| {
                        e.as_object().unwrap().values().any(|x| {
                            let s = x.as_str().unwrap();
                            !(s == "0"
                                || (s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())))
                        })
                    })
            });
            for r in &a.ranges {
                let rr = kept.next().unwrap();
                assert_eq!(r.events.len(), arr(rr, "events").len(), "{file}");
                for (e, re) in r.events.iter().zip(arr(rr, "events")) {
                    let (key, value) = re.as_object().unwrap().iter().next().unwrap();
                    let want = match key.as_str() {
                        "introduced" => Event::Introduced(value.as_str().unwrap().into()),
                        "fixed" => Event::Fixed(value.as_str().unwrap().into()),
                        "last_affected" => Event::LastAffected(value.as_str().unwrap().into()),
                        "limit" => Event::Limit(value.as_str().unwrap().into()),
                        other => panic!("{other}"),
                    };
                    assert_eq!(e, &want, "{file}");
                }
                if r.kind == RangeKind::Git {
                    assert!(r.repo.is_some());
                }
            }
        }
    }
    for (dir, (f, r)) in &per_dir {
        eprintln!("osv {dir}: {f} files, {r} records, 0 rejected");
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "schema failures: {schema_failures:?}; withdrawn: {}",
        withdrawn.0
    );
    assert_eq!(withdrawn.0, withdrawn.1);
    // The reader flags exactly the files that fail the published schema.
    assert_eq!(warned_git, schema_failures);
    assert!(!schema_failures.is_empty());
}

#[test]
fn yaml_scalars_stay_as_written() {
    let yaml = br#"
id: PYSEC-0000-1
modified: 2021-01-01T00:00:00.123456Z
published: 2020-12-31T23:00:00Z
affected:
- package: {ecosystem: PyPI, name: demo}
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.10
  versions: [1.0, 1.00, 0.9]
"#;
    let got = osv::read_yaml(yaml, "demo.yaml").unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let v = &got.records[0];
    assert_eq!(v.affected[0].versions, ["1.0", "1.00", "0.9"]);
    assert_eq!(
        v.affected[0].ranges[0].events,
        [Event::Introduced("0".into()), Event::Fixed("1.10".into())]
    );
    assert_eq!(
        v.modified.unwrap().to_string(),
        "2021-01-01T00:00:00.123456Z"
    );
}

#[test]
fn malformed_osv_records_are_rejected_with_place() {
    let two_keys = br#"{"id": "GO-0000-0001", "modified": "2023-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Go", "name": "x"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]}"#;
    let got = osv::read_json(two_keys, "a.json").unwrap();
    assert!(got.records.is_empty());
    let e = &got.rejected[0];
    assert_eq!(e.record.as_deref(), Some("GO-0000-0001"));
    assert_eq!(
        e.location.as_deref(),
        Some("affected[0].ranges[0].events[0]")
    );

    let no_modified = br#"[{"id": "A-1", "modified": "2023-01-01T00:00:00Z"}, {"id": "A-2"}]"#;
    let got = osv::read_json(no_modified, "b.json").unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.rejected[0].record.as_deref(), Some("A-2"));
    assert!(
        got.rejected[0].to_string().contains("modified"),
        "{}",
        got.rejected[0]
    );

    let bad_yaml = b"id: PYSEC-1\nmodified: 2023-01-01T00:00:00Z\naffected: {not: [a list}\n";
    let got = osv::read_yaml(bad_yaml, "c.yaml").unwrap();
    assert_eq!(got.rejected.len(), 1);
    assert!(
        got.rejected[0].to_string().starts_with("c.yaml"),
        "{}",
        got.rejected[0]
    );

    let future = br#"{"schema_version": "2.0.0", "id": "X-1", "modified": "2023-01-01T00:00:00Z"}"#;
    let got = osv::read_json(future, "d.json").unwrap();
    assert!(matches!(
        got.rejected[0].kind,
        medsec_kb::ErrorKind::Unsupported(_)
    ));
}

#[test]
fn osv_hashes_are_stable_across_reads() {
    let Some(data) = medsec_testdata::require("osv_hashes_are_stable") else {
        return;
    };
    let paths = files(&data.join("vulns/osv/PyPI"), &[".yaml"]);
    let mut seen = BTreeSet::new();
    for path in paths.iter().take(200) {
        let bytes = medsec_testdata::read(path);
        let a = osv::read_yaml(&bytes, "x").unwrap().records.remove(0);
        let b = osv::read_yaml(&bytes, "x").unwrap().records.remove(0);
        assert_eq!(a.content_hash(), b.content_hash());
        assert!(seen.insert(a.content_hash()));
        let mut c = a.clone();
        c.summary = Some(format!("{}!", c.summary.unwrap_or_default()));
        assert_ne!(c.content_hash(), a.content_hash());
    }
}

/// The OSV project's own test data: linter fixtures (good and deliberately
/// bad records) and GHSA-to-OSV conversion outputs read; the GHSA inputs
/// (another format) are rejected, each with its reason.
#[test]
fn osv_project_testdata_reads() {
    let Some(data) = medsec_testdata::require("osv_project_testdata") else {
        return;
    };
    let dir = data.join("testvectors/osv-schema");
    let mut read = 0;
    let mut refused = 0;
    for path in files(&dir, &[".json"]) {
        let file = name(&data, &path);
        if file.contains("/redhat/CSAF/") {
            continue;
        }
        let raw = json(&path);
        let got = osv::read_json(&medsec_testdata::read(&path), &file).unwrap();
        // ghsa/testdata pairs `x.json` (GitHub's format) with `x.osv.json`.
        let is_osv = !file.contains("/ghsa/") || file.ends_with(".osv.json");
        if is_osv {
            assert!(got.rejected.is_empty(), "{file}: {:?}", got.rejected);
            assert_eq!(got.records[0].affected.len(), arr(&raw, "affected").len());
            read += 1;
        } else {
            assert!(got.records.is_empty(), "{file}");
            let e = &got.rejected[0];
            assert!(matches!(e.kind, medsec_kb::ErrorKind::Invalid(_)), "{e}");
            eprintln!("refused: {e}");
            refused += 1;
        }
    }
    eprintln!("osv-schema testdata: {read} OSV records read, {refused} GHSA-format inputs refused");
    assert!(read > 0);
}
