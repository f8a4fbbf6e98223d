//! MITRE CWE CSV views against the raw files.

use std::collections::BTreeSet;

use medsec_kb::cwe;

#[test]
fn every_cwe_view_reads_with_raw_counts() {
    let Some(data) = medsec_testdata::require("every_cwe_view_reads") else {
        return;
    };
    for path in medsec_testdata::files_under(&data.join("vulns/cwe")) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = medsec_testdata::read(&path);
        let mut raw = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&bytes[..]);
        let raw_rows: Vec<csv::StringRecord> = raw.records().map(Result::unwrap).collect();
        // Read from the file as stored (gzip or not).
        let got = cwe::read_csv(std::fs::File::open(&path).unwrap(), &file).unwrap();
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        assert_eq!(got.records.len(), raw_rows.len(), "{file}");
        let ids: BTreeSet<u32> = got.records.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), got.records.len(), "{file}: duplicate ids");
        for (c, r) in got.records.iter().zip(&raw_rows) {
            assert_eq!(c.id.to_string(), &r[0]);
            assert_eq!(c.name, r[1].trim());
            assert_eq!(c.abstraction.as_deref().unwrap_or(""), r[2].trim());
        }
        eprintln!("cwe {file}: {} entries, 0 rejected", got.records.len());
    }
}

#[test]
fn cwe_bad_rows_are_named() {
    let text = "CWE-ID,Name,Weakness Abstraction,Status\n79,XSS,Base,Stable\nabc,Oops,Base,Draft\n89,,Base,Stable\n";
    let got = cwe::read_csv(text.as_bytes(), "v.csv").unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].cwe_id(), "CWE-79");
    assert_eq!(got.rejected[0].location.as_deref(), Some("line 3"));
    assert_eq!(got.rejected[1].record.as_deref(), Some("CWE-89"));
    assert!(cwe::read_csv("a,b\n".as_bytes(), "x.csv").is_err());
}
