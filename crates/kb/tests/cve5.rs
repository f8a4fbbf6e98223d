//! CVE JSON 5 records (CISA vulnrichment) against the raw files and the
//! independently derived vulnrichment summary CSV.

mod common;

use std::collections::HashMap;

use common::{arr, files, json, name};
use medsec_kb::{cve5, ContentHash, ErrorKind, SeverityKind, Source};
use serde_json::Value;

fn containers(raw: &Value) -> Vec<&Value> {
    std::iter::once(&raw["containers"]["cna"])
        .chain(arr(&raw["containers"], "adp"))
        .collect()
}

#[test]
fn every_vulnrichment_record_reads_with_raw_counts() {
    let Some(data) = medsec_testdata::require("every_vulnrichment_record_reads") else {
        return;
    };
    // One row per CVE of the vulnrichment snapshot, derived with other code.
    let summary_path = data.join("vulns/nvd-summary/vulnrichment_summary.derived.csv.gz");
    let summary_bytes = medsec_testdata::read(&summary_path);
    let mut summary = csv::Reader::from_reader(&summary_bytes[..]);
    let headers = summary.headers().unwrap().clone();
    let rows: HashMap<String, HashMap<String, String>> = summary
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: HashMap<String, String> = headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            (row["cve_id"].clone(), row)
        })
        .collect();

    let mut per_dir: HashMap<String, usize> = HashMap::new();
    let mut compared = 0;
    for path in files(&data.join("vulns/vulnrichment"), &[".json"]) {
        let file = name(&data, &path);
        let raw = json(&path);
        let got =
            cve5::read(&medsec_testdata::read(&path), &file).unwrap_or_else(|e| panic!("{e}"));
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        assert_eq!(got.records.len(), 1, "{file}");
        *per_dir
            .entry(file.split('/').nth(2).unwrap().to_owned())
            .or_default() += 1;
        let v = &got.records[0];
        assert_eq!(v.source, Source::Cve5);
        assert_eq!(
            Some(v.id.as_str()),
            raw.pointer("/cveMetadata/cveId").and_then(Value::as_str)
        );
        let cs = containers(&raw);
        let affected: usize = cs.iter().map(|c| arr(c, "affected").len()).sum();
        assert_eq!(v.products.len(), affected, "{file}");
        let versions: usize = cs
            .iter()
            .flat_map(|c| arr(c, "affected"))
            .map(|a| arr(a, "versions").len())
            .sum();
        assert_eq!(
            v.products.iter().map(|p| p.versions.len()).sum::<usize>(),
            versions
        );
        let cpes: usize = cs
            .iter()
            .flat_map(|c| arr(c, "affected"))
            .map(|a| arr(a, "cpes").len())
            .sum();
        assert_eq!(v.products.iter().map(|p| p.cpes.len()).sum::<usize>(), cpes);
        let cvss: usize = cs
            .iter()
            .flat_map(|c| arr(c, "metrics"))
            .map(|m| {
                ["cvssV2_0", "cvssV3_0", "cvssV3_1", "cvssV4_0"]
                    .iter()
                    .filter(|k| m.get(**k).is_some())
                    .count()
            })
            .sum();
        assert_eq!(v.severities.len(), cvss, "{file}");

        let Some(row) = rows.get(&v.id) else {
            panic!("{} missing from the summary", v.id)
        };
        let vector = |role: &str, kind: SeverityKind| {
            v.severities
                .iter()
                .find(|s| s.role.as_deref() == Some(role) && s.kind == kind)
                .map_or(String::new(), |s| s.vector.clone())
        };
        assert_eq!(
            vector("cna", SeverityKind::CvssV31),
            row["cna_cvss_v31_vector"],
            "{file}"
        );
        assert_eq!(
            vector("cna", SeverityKind::CvssV40),
            row["cna_cvss_v40_vector"],
            "{file}"
        );
        assert_eq!(
            vector("adp", SeverityKind::CvssV31),
            row["adp_cvss_v31_vector"],
            "{file}"
        );
        let ssvc = v.ssvc.first();
        assert_eq!(
            ssvc.and_then(|s| s.exploitation.clone())
                .unwrap_or_default(),
            row["ssvc_exploitation"].to_lowercase(),
            "{file}"
        );
        assert_eq!(
            ssvc.and_then(|s| s.technical_impact.clone())
                .unwrap_or_default(),
            row["ssvc_technical_impact"].to_lowercase(),
            "{file}"
        );
        assert_eq!(v.kev.is_some(), row["in_kev"] == "1", "{file}");
        if let Some(k) = &v.kev {
            assert_eq!(k.date_added.to_string(), row["kev_date_added"], "{file}");
        }
        let mut cwes: Vec<String> = row["cna_cwe_ids"]
            .split(';')
            .chain(row["adp_cwe_ids"].split(';'))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        cwes.sort();
        cwes.dedup();
        assert_eq!(v.cwe_ids(), cwes, "{file}");
        assert_eq!(v.status.as_deref(), Some(row["state"].as_str()));
        compared += 1;
    }
    eprintln!("cve5: {per_dir:?} records read, 0 rejected; {compared} compared with the summary");
    assert!(compared > 0);
}

#[test]
fn rejected_state_and_broken_records() {
    let Some(data) = medsec_testdata::require("cve5_rejected_state") else {
        return;
    };
    let path = &files(&data.join("vulns/vulnrichment/records-kev"), &[".json"])[0];
    let mut raw = json(path);
    let id = raw["cveMetadata"]["cveId"].as_str().unwrap().to_owned();
    let before = cve5::read(&serde_json::to_vec(&raw).unwrap(), "a.json")
        .unwrap()
        .records;
    raw["cveMetadata"]["state"] = Value::from("REJECTED");
    raw["cveMetadata"]["dateRejected"] = Value::from("2024-10-01T00:00:00");
    let after = cve5::read(&serde_json::to_vec(&raw).unwrap(), "a.json")
        .unwrap()
        .records;
    assert_eq!(
        after[0].withdrawn.unwrap().to_string(),
        "2024-10-01T00:00:00Z"
    );
    assert_ne!(after[0].content_hash(), before[0].content_hash());
    let again = cve5::read(&serde_json::to_vec(&raw).unwrap(), "a.json")
        .unwrap()
        .records;
    assert_eq!(after[0].content_hash(), again[0].content_hash());

    // Two records in an array, the second broken deep inside an ADP.
    let mut broken = raw.clone();
    broken["containers"]["adp"][0]["affected"] =
        serde_json::json!([{"vendor": "x", "versions": [{"version": 1}]}]);
    let doc = Value::Array(vec![raw.clone(), broken]);
    let got = cve5::read(&serde_json::to_vec(&doc).unwrap(), "b.json").unwrap();
    assert_eq!(got.records.len(), 1);
    let e = &got.rejected[0];
    assert_eq!(e.record.as_deref(), Some(id.as_str()));
    assert_eq!(
        e.location.as_deref(),
        Some("[1].containers.adp[0].affected[0].versions[0].version")
    );

    let mut v4 = raw.clone();
    v4["dataVersion"] = Value::from("4.0");
    let got = cve5::read(&serde_json::to_vec(&v4).unwrap(), "c.json").unwrap();
    assert!(matches!(got.rejected[0].kind, ErrorKind::Unsupported(_)));
}

#[test]
fn minimal_rejected_record_reads() {
    let doc = serde_json::json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {
            "cveId": "CVE-2023-0001",
            "assignerOrgId": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6",
            "state": "REJECTED",
            "dateReserved": "2023-01-01T00:00:00.000Z",
            "dateRejected": "2023-02-01T00:00:00.000Z",
            "dateUpdated": "2023-02-01T00:00:00.000Z"
        },
        "containers": {"cna": {
            "providerMetadata": {"orgId": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"},
            "rejectedReasons": [{"lang": "en", "value": "Duplicate of CVE-2023-0002."}]
        }}
    });
    let got = cve5::read(&serde_json::to_vec(&doc).unwrap(), "r.json").unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let v = &got.records[0];
    assert!(v.is_withdrawn());
    assert_eq!(v.published, None);
    assert_eq!(v.details.as_deref(), Some("Duplicate of CVE-2023-0002."));
    assert!(v.products.is_empty());
}
