//! CSAF 2.0 ICS medical advisories against the raw files.

mod common;

use std::collections::BTreeSet;

use common::{arr, files, json, name};
use medsec_kb::{csaf, ContentHash};
use serde_json::Value;

/// Product ids defined anywhere in a raw product tree.
fn raw_product_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if (k == "product" || k == "full_product_name") && child.get("product_id").is_some()
                {
                    out.push(child["product_id"].as_str().unwrap().to_owned());
                }
                if k == "full_product_names" {
                    for p in child.as_array().unwrap() {
                        out.push(p["product_id"].as_str().unwrap().to_owned());
                    }
                }
                raw_product_ids(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| raw_product_ids(i, out)),
        _ => {}
    }
}

#[test]
fn every_icsma_advisory_reads_with_raw_counts() {
    let Some(data) = medsec_testdata::require("every_icsma_advisory_reads") else {
        return;
    };
    let mut advisories = 0;
    let mut vulns = 0;
    let mut cves = BTreeSet::new();
    for path in files(&data.join("vulns/icsma-csaf"), &[".json"]) {
        let file = name(&data, &path);
        let raw = json(&path);
        let got =
            csaf::read(&medsec_testdata::read(&path), &file).unwrap_or_else(|e| panic!("{e}"));
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        assert_eq!(got.records.len(), 1);
        let a = &got.records[0];
        assert_eq!(
            Some(a.id.as_str()),
            raw.pointer("/document/tracking/id").and_then(Value::as_str)
        );
        let raw_vulns = arr(&raw, "vulnerabilities");
        assert_eq!(a.vulnerabilities.len(), raw_vulns.len(), "{file}");
        let mut ids = Vec::new();
        raw_product_ids(&raw["product_tree"], &mut ids);
        let got_ids: Vec<String> = a.products.iter().map(|p| p.product_id.clone()).collect();
        assert_eq!(got_ids.len(), ids.len(), "{file}");
        assert_eq!(
            got_ids.iter().collect::<BTreeSet<_>>(),
            ids.iter().collect::<BTreeSet<_>>(),
            "{file}"
        );
        for (v, rv) in a.vulnerabilities.iter().zip(raw_vulns) {
            assert_eq!(v.cve.as_deref(), rv["cve"].as_str());
            assert_eq!(v.remediations.len(), arr(rv, "remediations").len());
            assert_eq!(v.scores.len(), arr(rv, "scores").len());
            assert_eq!(
                v.cwe.as_ref().map(|c| c.id.as_str()),
                rv.pointer("/cwe/id").and_then(Value::as_str)
            );
            let affected: Vec<&str> = arr(&rv["product_status"], "known_affected")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(v.products_in("known_affected"), affected.as_slice());
            // Every product a vulnerability names is in the product tree.
            for id in v.product_status.iter().flat_map(|(_, ids)| ids) {
                assert!(a.product(id).is_some(), "{file}: {id}");
            }
            if let Some(c) = &v.cve {
                cves.insert(c.clone());
            }
        }
        assert_eq!(
            a.content_hash(),
            csaf::read(&medsec_testdata::read(&path), &file)
                .unwrap()
                .records[0]
                .content_hash()
        );
        advisories += 1;
        vulns += a.vulnerabilities.len();
    }
    eprintln!(
        "csaf: {advisories} advisories, {vulns} vulnerabilities, {} distinct CVEs, 0 rejected",
        cves.len()
    );
    assert!(advisories > 0);
}

#[test]
fn helpers_and_deep_branches() {
    let doc = serde_json::json!({
        "document": {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": "t",
            "publisher": {"name": "p", "category": "vendor", "namespace": "https://example.com"},
            "tracking": {"id": "EX-1", "status": "final", "version": "1",
                "initial_release_date": "2024-01-01T00:00:00Z", "current_release_date": "2024-01-02T00:00:00.000000Z",
                "revision_history": [], "generator": {}}},
        "product_tree": {"branches": [{"category": "vendor", "name": "acme", "branches": [
            {"category": "product_name", "name": "pump", "branches": [
                {"category": "product_version", "name": "1.0", "product": {"product_id": "P1", "name": "acme pump 1.0",
                    "product_identification_helper": {"cpe": "cpe:2.3:h:acme:pump:1.0:*:*:*:*:*:*:*",
                        "purl": "pkg:generic/acme/pump@1.0"}}}]}]}]},
        "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": {"known_affected": ["P1"], "fixed": ["P2"]},
            "scores": [{"products": ["P1"], "cvss_v3": {"version": "3.0", "vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]}]
    });
    let got = csaf::read(&serde_json::to_vec(&doc).unwrap(), "ex.json").unwrap();
    let a = &got.records[0];
    let p = a.product("P1").unwrap();
    assert_eq!(
        p.branches,
        ["vendor: acme", "product_name: pump", "product_version: 1.0"]
    );
    assert_eq!(
        p.cpe.as_deref(),
        Some("cpe:2.3:h:acme:pump:1.0:*:*:*:*:*:*:*")
    );
    assert_eq!(p.purls, ["pkg:generic/acme/pump@1.0"]);
    assert_eq!(
        (
            p.vendor.as_deref(),
            p.product_name.as_deref(),
            p.version.as_deref()
        ),
        (Some("acme"), Some("pump"), Some("1.0"))
    );
    let records = a.vulnerability_records();
    assert_eq!(records.len(), 1);
    // Statuses come in category order: `fixed` (P2) before `known_affected`.
    let affected = &records[0].products[1];
    assert_eq!(affected.versions[0].status, "affected");
    assert_eq!(affected.cpes, ["cpe:2.3:h:acme:pump:1.0:*:*:*:*:*:*:*"]);
    assert_eq!(
        records[0].products[0].versions.len(),
        0,
        "P2 is not in the tree"
    );
    assert_eq!(
        a.vulnerabilities[0].scores[0].cvss[0].kind,
        medsec_kb::SeverityKind::CvssV30
    );
    assert_eq!(a.vulnerabilities[0].products_in("fixed"), ["P2"]);

    let mut bad = doc.clone();
    bad["document"]["tracking"]["current_release_date"] = Value::from("soon");
    let got = csaf::read(&serde_json::to_vec(&bad).unwrap(), "ex.json").unwrap();
    assert_eq!(got.rejected[0].record.as_deref(), Some("EX-1"));
    assert_eq!(
        got.rejected[0].location.as_deref(),
        Some("document.tracking.current_release_date")
    );
}

/// The Red Hat CSAF advisory and the OSV record the OSV project's converter
/// made from it name the same (platform, package) pairs and fixed versions.
#[test]
fn redhat_csaf_agrees_with_its_osv_conversion() {
    let Some(data) = medsec_testdata::require("redhat_csaf_vs_osv") else {
        return;
    };
    let dir = data.join("testvectors/osv-schema/redhat");
    let csaf_path = dir.join("CSAF/rhsa-2024_4546.json");
    let osv_path = dir.join("OSV/RHSA-2024_4546.json");
    let a = csaf::read(&medsec_testdata::read(&csaf_path), "rhsa.json")
        .unwrap()
        .records
        .remove(0);
    let o = medsec_kb::osv::read_json(&medsec_testdata::read(&osv_path), "rhsa.osv.json")
        .unwrap()
        .records
        .remove(0);
    assert_eq!(o.id, a.id);
    assert_eq!(
        o.upstream,
        a.vulnerabilities
            .iter()
            .filter_map(|v| v.cve.clone())
            .collect::<Vec<_>>()
    );
    let strip = |purl: &str| purl.split(['@', '?']).next().unwrap().to_owned();
    let mut from_csaf = BTreeSet::new();
    for r in a.vulnerability_records() {
        for p in &r.products {
            assert_eq!(p.versions[0].status, "unaffected", "fixed products");
            // OSV names the platform by its CPE (`cpe:/a:redhat:X`) as the
            // ecosystem `Red Hat:X`; source RPMs are not packages there.
            let platform_cpe = p.cpes.last().unwrap();
            let ecosystem = format!(
                "Red Hat:{}",
                platform_cpe.strip_prefix("cpe:/a:redhat:").unwrap()
            );
            for purl in p.purls.iter().filter(|u| !u.ends_with("arch=src")) {
                let version = purl.split(['@', '?']).nth(1).unwrap().to_owned();
                from_csaf.insert((ecosystem.clone(), strip(purl), version));
            }
        }
    }
    let from_osv: BTreeSet<(String, String, String)> = o
        .affected
        .iter()
        .map(|a| {
            let fixed = a.ranges[0]
                .events
                .iter()
                .find_map(|e| match e {
                    medsec_kb::Event::Fixed(v) => Some(v.clone()),
                    _ => None,
                })
                .unwrap();
            // OSV writes the RPM epoch (`0:`), the purl leaves it out.
            let fixed = fixed
                .split_once(':')
                .map_or(fixed.clone(), |(_, v)| v.to_owned());
            (a.ecosystem.clone(), a.purl.clone().unwrap(), fixed)
        })
        .collect();
    assert_eq!(from_csaf, from_osv);
    eprintln!(
        "redhat: {} (platform, package, fixed) triples agree",
        from_osv.len()
    );
}
