//! CISA KEV catalog, JSON and CSV, against the raw files.

mod common;

use std::collections::BTreeMap;

use common::json;
use medsec_kb::kev::{self, RansomwareUse};
use medsec_kb::ContentHash;
use serde_json::Value;

#[test]
fn kev_json_and_csv_read_and_agree() {
    let Some(data) = medsec_testdata::require("kev_json_and_csv") else {
        return;
    };
    let json_path = data.join("vulns/kev/known_exploited_vulnerabilities.json.gz");
    let raw = json(&json_path);
    let (catalog, got) =
        kev::read_json(&std::fs::read(&json_path).unwrap(), "kev.json.gz").unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let raw_items = raw["vulnerabilities"].as_array().unwrap();
    assert_eq!(got.records.len(), raw_items.len());
    assert_eq!(Some(got.records.len() as u64), raw["count"].as_u64());
    assert_eq!(catalog.count, raw["count"].as_u64());
    assert_eq!(
        catalog.catalog_version.as_deref(),
        raw["catalogVersion"].as_str()
    );
    let known = raw_items
        .iter()
        .filter(|i| i["knownRansomwareCampaignUse"] == "Known")
        .count();
    let got_known = got
        .records
        .iter()
        .filter(|e| e.known_ransomware_use == RansomwareUse::Known)
        .count();
    assert_eq!(got_known, known);
    for (e, r) in got.records.iter().zip(raw_items) {
        assert_eq!(e.cve_id, r["cveID"].as_str().unwrap());
        assert_eq!(e.date_added.to_string(), r["dateAdded"].as_str().unwrap());
        assert_eq!(
            e.due_date.map(|d| d.to_string()).as_deref(),
            r["dueDate"].as_str()
        );
        let cwes: Vec<&str> = r["cwes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(e.cwes, cwes);
    }

    let csv_path = data.join("vulns/kev/known_exploited_vulnerabilities.csv");
    let csv_bytes = std::fs::read(&csv_path).unwrap();
    let rows = csv::Reader::from_reader(&csv_bytes[..]).records().count();
    let from_csv = kev::read_csv(&csv_bytes[..], "kev.csv").unwrap();
    assert!(from_csv.rejected.is_empty(), "{:?}", from_csv.rejected);
    assert_eq!(from_csv.records.len(), rows);
    // The two forms of the same catalog give the same entries.
    let by_id: BTreeMap<&str, &kev::KevEntry> =
        got.records.iter().map(|e| (e.cve_id.as_str(), e)).collect();
    let mut same_hash = 0;
    for e in &from_csv.records {
        let j = by_id[e.cve_id.as_str()];
        assert_eq!(e.date_added, j.date_added);
        assert_eq!(e.due_date, j.due_date);
        assert_eq!(e.cwes, j.cwes, "{}", e.cve_id);
        assert_eq!(e.known_ransomware_use, j.known_ransomware_use);
        same_hash += usize::from(e.content_hash() == j.content_hash());
    }
    eprintln!(
        "kev: json {} entries (count field {:?}), csv {} rows, {} identical by hash, 0 rejected",
        got.records.len(),
        catalog.count,
        from_csv.records.len(),
        same_hash
    );
}

#[test]
fn kev_broken_entry_mid_catalog_is_named() {
    let Some(data) = medsec_testdata::require("kev_broken_entry") else {
        return;
    };
    let mut raw = json(&data.join("vulns/kev/known_exploited_vulnerabilities.json.gz"));
    let items = raw["vulnerabilities"].as_array_mut().unwrap();
    let n = items.len();
    let mid = n / 2;
    let id = items[mid]["cveID"].as_str().unwrap().to_owned();
    items[mid]["dueDate"] = Value::from("2024-02-30");
    items[mid + 1]["cwes"] = Value::from("CWE-79");
    let got = kev::read_json(&serde_json::to_vec(&raw).unwrap(), "kev.json")
        .unwrap()
        .1;
    assert_eq!(got.records.len(), n - 2);
    assert_eq!(got.rejected[0].record.as_deref(), Some(id.as_str()));
    assert_eq!(
        got.rejected[0].location.as_deref(),
        Some(format!("vulnerabilities[{mid}].dueDate").as_str())
    );
    assert_eq!(
        got.rejected[1].location.as_deref(),
        Some(format!("vulnerabilities[{}].cwes", mid + 1).as_str())
    );
    eprintln!("rejected: {}", got.rejected[0]);
}

#[test]
fn kev_bad_rows_are_reported_by_line() {
    let csv = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n\
CVE-2024-0001,V,P,N,2024-01-02,d,a,2024-01-23,Known,,\"CWE-79, CWE-89\"\n\
CVE-2024-0002,V,P,N,02/01/2024,d,a,2024-01-23,Unknown,,\n\
CVE-2024-0003,V,P,N,2024-01-02,d,a,,Maybe,,\n";
    let got = kev::read_csv(csv.as_bytes(), "k.csv").unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].cwes, ["CWE-79", "CWE-89"]);
    assert_eq!(got.rejected.len(), 2);
    assert_eq!(got.rejected[0].record.as_deref(), Some("CVE-2024-0002"));
    assert_eq!(
        got.rejected[0].location.as_deref(),
        Some("line 3, column dateAdded")
    );
    assert_eq!(
        got.rejected[1].location.as_deref(),
        Some("line 4, column knownRansomwareCampaignUse")
    );
    assert!(kev::read_csv("a,b\n1,2\n".as_bytes(), "x.csv").is_err());
}
