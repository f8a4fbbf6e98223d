//! The derived CSV tables (vulnrichment summary, ICS advisory master list,
//! KEV-EPSS-NVD join) against counts made here from the raw files with the
//! csv crate.

use std::collections::{BTreeMap, BTreeSet};

use medsec_kb::{cve_summary, ics_advisories, kev_epss};

const SUMMARY: &str = "vulns/nvd-summary/vulnrichment_summary.derived.csv.gz";
const ICS: &str = "vulns/ics-advisories/CISA_ICS_ADV_Master.csv.gz";
const KEV_EPSS: &str = "vulns/epss/kev-epss-nvd/epss_kev_nvd-2026-08-22.csv";

/// The raw rows as maps of header to cell.
fn raw_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut csv = csv::Reader::from_reader(bytes);
    let headers = csv.headers().unwrap().clone();
    csv.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Every `CVE-YYYY-N{4,}` in a text, by a plain scan.
fn cve_ids_in(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(pos) = text[i..].find("CVE-") {
        let start = i + pos;
        let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let year = digits(start + 4);
        let dash = start + 4 + year;
        if year == 4 && b.get(dash) == Some(&b'-') {
            let seq = digits(dash + 1);
            if seq >= 4 {
                out.insert(text[start..dash + 1 + seq].to_owned());
            }
        }
        i = start + 4;
    }
    out
}

#[test]
fn vulnrichment_summary_reads_every_row() {
    let Some(data) = medsec_testdata::require("vulnrichment_summary_reads_every_row") else {
        return;
    };
    let path = data.join(SUMMARY);
    let raw = raw_rows(&medsec_testdata::read(&path));
    let got = cve_summary::read_csv(std::fs::File::open(&path).unwrap(), SUMMARY).unwrap();
    assert!(
        got.rejected.is_empty(),
        "{:?}",
        &got.rejected[..3.min(got.rejected.len())]
    );
    assert_eq!(got.records.len(), raw.len());
    let in_kev = raw.iter().filter(|r| r["in_kev"] == "1").count();
    assert!(in_kev > 0);
    assert_eq!(got.records.iter().filter(|s| s.in_kev).count(), in_kev);
    let mut ssvc_raw: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &raw {
        *ssvc_raw.entry(r["ssvc_exploitation"].as_str()).or_default() += 1;
    }
    let mut ssvc_got: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &got.records {
        *ssvc_got
            .entry(s.ssvc_exploitation.as_deref().unwrap_or(""))
            .or_default() += 1;
    }
    assert_eq!(ssvc_got, ssvc_raw);
    for (s, r) in got.records.iter().zip(&raw) {
        assert_eq!(s.cve_id, r["cve_id"]);
        assert_eq!(s.state, r["state"]);
        assert_eq!(s.cna_cwes.join(";"), r["cna_cwe_ids"], "{}", s.cve_id);
        assert_eq!(s.adp_cwes.join(";"), r["adp_cwe_ids"], "{}", s.cve_id);
        assert_eq!(
            s.adp_cvss_v31.as_deref().unwrap_or(""),
            r["adp_cvss_v31_vector"]
        );
        assert_eq!(
            s.kev_date_added.map(|d| d.to_string()).unwrap_or_default(),
            r["kev_date_added"]
        );
        assert_eq!(s.updated.is_some(), !r["date_updated"].is_empty());
    }
    eprintln!("vulnrichment summary: {} rows, {in_kev} in KEV", raw.len());
}

#[test]
fn ics_advisory_master_list_reads_every_row() {
    let Some(data) = medsec_testdata::require("ics_advisory_master_list_reads_every_row") else {
        return;
    };
    let path = data.join(ICS);
    let raw = raw_rows(&medsec_testdata::read(&path));
    let got = ics_advisories::read_csv(std::fs::File::open(&path).unwrap(), ICS).unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    assert_eq!(got.records.len(), raw.len());
    let medical = raw
        .iter()
        .filter(|r| r["ICS-CERT_Number"].starts_with("ICSMA"))
        .count();
    assert!(medical > 0);
    assert_eq!(
        got.records.iter().filter(|a| a.is_medical()).count(),
        medical
    );
    let mut pairs_raw = 0;
    for (a, r) in got.records.iter().zip(&raw) {
        assert_eq!(a.row_id.to_string(), r["icsad_ID"]);
        assert_eq!(a.advisory_id, r["ICS-CERT_Number"]);
        assert_eq!(a.vendor, r["Vendor"].trim());
        let want = cve_ids_in(&r["CVE_Number"]);
        let have: BTreeSet<String> = a.cves.iter().cloned().collect();
        assert_eq!(have.len(), a.cves.len(), "{}: repeated CVE", a.advisory_id);
        assert_eq!(have, want, "{} row {}", a.advisory_id, a.row_id);
        pairs_raw += want.len();
    }
    // Every warning names its row's advisory and line.
    for w in &got.warnings {
        assert!(w.record.is_some() && w.location.is_some(), "{w}");
    }
    eprintln!(
        "ICS master list: {} rows, {medical} ICSMA, {pairs_raw} advisory-CVE pairs, {} warnings",
        raw.len(),
        got.warnings.len()
    );
}

#[test]
fn kev_epss_join_reads_every_row() {
    let Some(data) = medsec_testdata::require("kev_epss_join_reads_every_row") else {
        return;
    };
    let path = data.join(KEV_EPSS);
    let raw = raw_rows(&medsec_testdata::read(&path));
    let got = kev_epss::read_csv(std::fs::File::open(&path).unwrap(), KEV_EPSS).unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    assert_eq!(got.records.len(), raw.len());
    for (e, r) in got.records.iter().zip(&raw) {
        assert_eq!(e.cve_id, r["CVE"]);
        assert_eq!(e.epss, r["EPSS"].parse::<f64>().unwrap());
        assert_eq!(e.percentile, r["EPSS Percentile"].parse::<f64>().unwrap());
        assert_eq!(e.cvss3, r["CVSS3"].parse::<f64>().ok());
        assert_eq!(e.vendor, r["Vendor"].trim());
    }
}

#[test]
fn bad_rows_are_rejected_with_their_line_and_id() {
    let summary = "cve_id,state,date_published,date_updated,cna_short_name,cna_cvss_v31_vector,\
cna_cvss_v30_vector,cna_cvss_v40_vector,cna_cvss_v2_vector,adp_cvss_v31_vector,cna_cwe_ids,\
adp_cwe_ids,ssvc_exploitation,ssvc_automatable,ssvc_technical_impact,in_kev,kev_date_added\n\
CVE-2024-0001,PUBLISHED,2024-01-01T00:00:00,,x,,,,,,CWE-79;CWE-89,,none,no,partial,0,\n\
CVE-2024-0002,PUBLISHED,yesterday,,x,,,,,,,,none,no,partial,0,\n\
CVE-2024-0003,PUBLISHED,,,x,,,,,,,,none,no,partial,2,\n\
GHSA-xxxx,PUBLISHED,,,x,,,,,,,,none,no,partial,0,\n";
    let got = cve_summary::read_csv(summary.as_bytes(), "s.csv").unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].cna_cwes, ["CWE-79", "CWE-89"]);
    let places: Vec<(Option<&str>, Option<&str>)> = got
        .rejected
        .iter()
        .map(|e| (e.record.as_deref(), e.location.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some("CVE-2024-0002"), Some("line 3")),
            (Some("CVE-2024-0003"), Some("line 4")),
            (Some("GHSA-xxxx"), Some("line 5")),
        ]
    );
    assert!(cve_summary::read_csv("a,b\n1,2\n".as_bytes(), "x.csv").is_err());

    let ics = "icsad_ID,Original_Release_Date,Last_Updated,ICS-CERT_Number,Vendor,Product,CVE_Number,Cumulative_CVSS,CWE_Number\n\
1,3/11/2010,10/23/2014,ICSMA-10-070-02,V,P,\"CVE-2010-5305, CVE-2016-1839., CVE-NA, CVE-2024 21916\",Not Applicable,\"CWE22, CWE-NA\"\n\
2,13/11/2010,10/23/2014,ICSA-10-070-03,V,P,CVE-2010-5306,7.5,CWE-79\n\
x,3/11/2010,10/23/2014,ICSA-10-070-04,V,P,CVE-2010-5307,7.5,CWE-79\n";
    let got = ics_advisories::read_csv(ics.as_bytes(), "m.csv").unwrap();
    assert_eq!(got.records.len(), 1);
    let a = &got.records[0];
    assert!(a.is_medical());
    assert_eq!(a.cves, ["CVE-2010-5305", "CVE-2016-1839"]);
    assert_eq!(a.cwes, ["CWE-22"]);
    assert_eq!(a.cumulative_cvss, None);
    // Trailing dot, `CVE-2024`, `21916`, `CWE22`.
    assert_eq!(got.warnings.len(), 4, "{:?}", got.warnings);
    assert_eq!(got.rejected.len(), 2);
    assert_eq!(got.rejected[0].record.as_deref(), Some("ICSA-10-070-03"));
    assert_eq!(got.rejected[0].location.as_deref(), Some("line 3"));
    assert!(got.rejected[1].to_string().contains("icsad_ID `x`"));

    let join = "CVE,CVSS3,EPSS,EPSS Percentile,Description,Vendor,Product\n\
CVE-2025-0001,,0.5,0.9,d,v,p\nCVE-2025-0002,9.8,1.5,0.9,d,v,p\n";
    let got = kev_epss::read_csv(join.as_bytes(), "j.csv").unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].cvss3, None);
    assert_eq!(got.rejected[0].record.as_deref(), Some("CVE-2025-0002"));
    assert!(kev_epss::read_csv("CVE,x\n".as_bytes(), "j.csv").is_err());
}
