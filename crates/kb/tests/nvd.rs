//! NVD API 2.0 and legacy 1.1 JSON against the real files.

mod common;

use common::{arr, files, json, len_at, name};
use medsec_kb::{nvd, ContentHash, ErrorKind, Source, Vulnerability};
use serde_json::Value;

/// Counts made from the raw JSON of one 2.0 `cve` object.
fn check_against_raw(v: &Vulnerability, raw: &Value, file: &str) {
    assert_eq!(v.id, raw["id"].as_str().unwrap(), "{file}");
    let metrics = [
        "cvssMetricV2",
        "cvssMetricV30",
        "cvssMetricV31",
        "cvssMetricV40",
    ];
    let want: usize = metrics
        .iter()
        .map(|m| len_at(raw, &format!("/metrics/{m}")))
        .sum();
    assert_eq!(v.severities.len(), want, "{file} {} severities", v.id);
    for s in &v.severities {
        let vectors: Vec<&str> = metrics
            .iter()
            .flat_map(|m| arr(&raw["metrics"], m))
            .filter_map(|m| m.pointer("/cvssData/vectorString")?.as_str())
            .collect();
        assert!(vectors.contains(&s.vector.as_str()), "{file} {}", s.vector);
    }
    assert_eq!(v.ssvc.len(), len_at(raw, "/metrics/ssvcV203"), "{file}");
    let cwes: usize = arr(raw, "weaknesses")
        .iter()
        .map(|w| arr(w, "description").len())
        .sum();
    assert_eq!(v.weaknesses.len(), cwes, "{file}");
    assert_eq!(v.references.len(), arr(raw, "references").len(), "{file}");
    assert_eq!(
        v.configurations.len(),
        arr(raw, "configurations").len(),
        "{file}"
    );
    let raw_criteria: Vec<&str> = arr(raw, "configurations")
        .iter()
        .flat_map(|c| arr(c, "nodes"))
        .flat_map(|n| arr(n, "cpeMatch"))
        .map(|m| m["criteria"].as_str().unwrap())
        .collect();
    let criteria: Vec<&str> = v
        .configurations
        .iter()
        .flat_map(|c| &c.nodes)
        .flat_map(|n| &n.matches)
        .map(|m| m.criteria.as_str())
        .collect();
    assert_eq!(criteria, raw_criteria, "{file}");
    let ends_excl = arr(raw, "configurations")
        .iter()
        .flat_map(|c| arr(c, "nodes"))
        .flat_map(|n| arr(n, "cpeMatch"))
        .filter(|m| m.get("versionEndExcluding").is_some())
        .count();
    let got = v
        .configurations
        .iter()
        .flat_map(|c| &c.nodes)
        .flat_map(|n| &n.matches)
        .filter(|m| m.version_end_excluding.is_some())
        .count();
    assert_eq!(got, ends_excl, "{file}");
    assert_eq!(
        v.kev.is_some(),
        raw.get("cisaExploitAdd").is_some(),
        "{file}"
    );
    assert_eq!(
        v.is_withdrawn(),
        raw["vulnStatus"] == "Rejected",
        "{file} {}",
        v.id
    );
    assert!(v.published.is_some() && v.modified.is_some(), "{file}");
}

#[test]
fn every_nvd_file_reads_with_raw_counts() {
    let Some(data) = medsec_testdata::require("every_nvd_file_reads_with_raw_counts") else {
        return;
    };
    let mut total = 0;
    let mut legacy = 0;
    for path in files(&data.join("vulns/nvd"), &[".json", ".json.gz"]) {
        let file = name(&data, &path);
        let raw = json(&path);
        let got = nvd::read(&medsec_testdata::read(&path), &file).unwrap_or_else(|e| panic!("{e}"));
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        if let Some(items) = raw.get("vulnerabilities").and_then(Value::as_array) {
            assert_eq!(got.records.len(), items.len(), "{file}");
            for (v, item) in got.records.iter().zip(items) {
                assert_eq!(v.source, Source::Nvd);
                check_against_raw(v, &item["cve"], &file);
            }
        } else if let Some(items) = raw.get("CVE_Items").and_then(Value::as_array) {
            assert_eq!(got.records.len(), items.len(), "{file}");
            for (v, item) in got.records.iter().zip(items) {
                assert_eq!(v.source, Source::NvdLegacy);
                assert_eq!(
                    Some(v.id.as_str()),
                    item.pointer("/cve/CVE_data_meta/ID")
                        .and_then(Value::as_str)
                );
                let raw_matches = count_legacy_matches(&item["configurations"]["nodes"]);
                let matches: usize = v
                    .configurations
                    .iter()
                    .flat_map(|c| &c.nodes)
                    .map(|n| n.matches.len())
                    .sum();
                assert_eq!(matches, raw_matches, "{file} {}", v.id);
                let raw_refs = len_at(&item["cve"], "/references/reference_data");
                assert_eq!(v.references.len(), raw_refs, "{file} {}", v.id);
            }
            legacy += got.records.len();
        } else {
            assert_eq!(got.records.len(), 1, "{file}");
            check_against_raw(&got.records[0], &raw, &file);
        }
        // Records survive a JSON round trip (snapshot export) unchanged.
        for v in &got.records {
            let back: Vulnerability =
                serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap();
            assert_eq!(&back, v);
            assert_eq!(back.content_hash(), v.content_hash());
        }
        total += got.records.len();
    }
    eprintln!("nvd: {total} records read ({legacy} from the legacy 1.1 feed), 0 rejected");
    assert!(total > 0 && legacy > 0);
}

fn count_legacy_matches(nodes: &Value) -> usize {
    nodes.as_array().map_or(0, |ns| {
        ns.iter()
            .map(|n| arr(n, "cpe_match").len() + count_legacy_matches(&n["children"]))
            .sum()
    })
}

fn page(data: &std::path::Path) -> Value {
    json(&data.join("vulns/nvd/fixtures/vunnel/nvd-api2-full-page.json"))
}

#[test]
fn broken_record_in_a_page_is_reported_and_the_rest_read() {
    let Some(data) = medsec_testdata::require("broken_record_in_a_page") else {
        return;
    };
    let mut doc = page(&data);
    let n = doc["vulnerabilities"].as_array().unwrap().len();
    let mid = n / 2;
    let id = doc["vulnerabilities"][mid]["cve"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    doc["vulnerabilities"][mid]["cve"]["references"] = Value::from(42);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let got = nvd::read(&bytes, "page.json").unwrap();
    assert_eq!(got.records.len(), n - 1);
    assert_eq!(got.rejected.len(), 1);
    let err = &got.rejected[0];
    assert_eq!(err.file, "page.json");
    assert_eq!(err.record.as_deref(), Some(id.as_str()));
    assert_eq!(
        err.location.as_deref(),
        Some(format!("vulnerabilities[{mid}].cve.references").as_str())
    );
    let text = err.to_string();
    assert!(text.contains(&id) && text.contains("page.json"), "{text}");
    assert!(!got.records.iter().any(|v| v.id == id));

    // A bad timestamp deeper in: the path and id are named too.
    let mut doc = page(&data);
    doc["vulnerabilities"][3]["cve"]["lastModified"] = Value::from("last tuesday");
    let got = nvd::read(&serde_json::to_vec(&doc).unwrap(), "page.json").unwrap();
    assert_eq!(got.records.len(), n - 1);
    assert_eq!(
        got.rejected[0].location.as_deref(),
        Some("vulnerabilities[3].cve.lastModified")
    );
    assert!(got.rejected[0].record.is_some());
}

#[test]
fn gzip_and_wrapped_and_unsupported_documents() {
    let Some(data) = medsec_testdata::require("gzip_and_wrapped_and_unsupported") else {
        return;
    };
    let doc = page(&data);
    let plain = serde_json::to_vec(&doc).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    let gz = gz.finish().unwrap();
    let a = nvd::read(&plain, "p.json").unwrap();
    let b = nvd::read(&gz, "p.json.gz").unwrap();
    assert_eq!(a.records, b.records);

    let wrapped = serde_json::json!({ "cve": doc["vulnerabilities"][0]["cve"] });
    let got = nvd::read(&serde_json::to_vec(&wrapped).unwrap(), "w.json").unwrap();
    assert_eq!(got.records, a.records[..1]);

    let cve5 = medsec_testdata::files_under(&data.join("vulns/vulnrichment/records-icsma"));
    let err = nvd::read(&medsec_testdata::read(&cve5[0]), "x.json").unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Unsupported(_)), "{err}");
    let err = nvd::read(
        b"{\"resultsPerPage\": 1,\n \"vulnerabilities\": [",
        "t.json",
    )
    .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Malformed { .. }), "{err}");
    assert_eq!(err.location.as_deref(), Some("line 2 column 21"));
    let err = nvd::read(
        b"{\"format\": \"NVD_CPE\", \"vulnerabilities\": []}",
        "c.json",
    )
    .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Unsupported(_)), "{err}");
}

#[test]
fn rejected_status_means_withdrawn() {
    let Some(data) = medsec_testdata::require("rejected_status_means_withdrawn") else {
        return;
    };
    let mut raw = json(&data.join("vulns/nvd/records-fkie/CVE-2022-35737.json"));
    let before = nvd::read(&serde_json::to_vec(&raw).unwrap(), "r.json").unwrap();
    assert!(!before.records[0].is_withdrawn());
    raw["vulnStatus"] = Value::from("Rejected");
    let after = nvd::read(&serde_json::to_vec(&raw).unwrap(), "r.json").unwrap();
    let v = &after.records[0];
    assert_eq!(v.withdrawn, v.modified);
    assert!(v.is_withdrawn());
    assert_ne!(v.content_hash(), before.records[0].content_hash());
}

#[test]
fn hashes_are_stable_and_follow_content() {
    let Some(data) = medsec_testdata::require("nvd_hashes_are_stable") else {
        return;
    };
    let path = data.join("vulns/nvd/fixtures/vunnel/nvd-api2-full-page.json");
    let bytes = medsec_testdata::read(&path);
    let a = nvd::read(&bytes, "p").unwrap();
    let b = nvd::read(&bytes, "p").unwrap();
    let ha: Vec<_> = a.records.iter().map(ContentHash::content_hash).collect();
    let hb: Vec<_> = b.records.iter().map(ContentHash::content_hash).collect();
    assert_eq!(ha, hb);
    let distinct: std::collections::BTreeSet<_> = ha.iter().collect();
    assert_eq!(distinct.len(), ha.len());

    // Reordering keys of the source does not change the hash.
    let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
    let cve = doc["vulnerabilities"][0]["cve"].as_object_mut().unwrap();
    let mut entries: Vec<(String, Value)> = std::mem::take(cve).into_iter().collect();
    entries.reverse();
    cve.extend(entries);
    let c = nvd::read(&serde_json::to_vec(&doc).unwrap(), "p").unwrap();
    assert_eq!(c.records[0].content_hash(), ha[0]);

    // Any field change changes it: a CPE criterion, a date, a score.
    let mut changed = a.records[0].clone();
    if let Some(m) = changed
        .configurations
        .iter_mut()
        .flat_map(|c| &mut c.nodes)
        .flat_map(|n| &mut n.matches)
        .next()
    {
        m.version_end_excluding = Some("0.0.1".into());
        assert_ne!(changed.content_hash(), ha[0]);
    }
    let mut changed = a.records[0].clone();
    changed.modified = changed.published;
    assert_ne!(changed.content_hash(), ha[0]);
    let mut changed = a.records[0].clone();
    changed.aliases.push("GHSA-xxxx-xxxx-xxxx".into());
    assert_ne!(changed.content_hash(), ha[0]);
    eprintln!("hash of {}: {}", a.records[0].id, ha[0]);
}
