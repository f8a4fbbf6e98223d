//! EPSS CSV: official layout fixtures, malformed fixtures, and the 360k-row
//! mirror files streamed from disk.

use std::io::BufRead;

use medsec_kb::epss::EpssReader;
use medsec_kb::ErrorKind;

#[test]
fn official_layout_reads_with_its_comment() {
    let Some(data) = medsec_testdata::require("epss_official_layout") else {
        return;
    };
    let path = data.join("testvectors/epss/vunnel-example-1.csv");
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let comment = text.lines().next().unwrap();
    let reader = EpssReader::new(&bytes[..], "vunnel-example-1.csv").unwrap();
    let meta = reader.meta().clone();
    assert_eq!(
        meta.model_version.as_deref(),
        comment
            .split(',')
            .next()
            .and_then(|p| p.strip_prefix("#model_version:"))
    );
    let date_text = comment.split("score_date:").nth(1).unwrap();
    assert_eq!(meta.score_date.unwrap().to_string()[..10], date_text[..10]);
    let rows: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    // Data rows: lines after the comment and the header.
    let want: Vec<Vec<&str>> = text
        .lines()
        .skip(2)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), want.len());
    for (r, w) in rows.iter().zip(&want) {
        assert_eq!(r.cve, w[0]);
        assert_eq!(r.epss, w[1].parse::<f64>().unwrap());
        assert_eq!(r.percentile, w[2].parse::<f64>().unwrap());
    }
}

#[test]
fn malformed_fixtures_are_rejected_precisely() {
    let Some(data) = medsec_testdata::require("epss_malformed_fixtures") else {
        return;
    };
    let dir = data.join("testvectors/epss");
    let bytes = std::fs::read(dir.join("vunnel-invalid-header.csv")).unwrap();
    let err = EpssReader::new(&bytes[..], "vunnel-invalid-header.csv").unwrap_err();
    eprintln!("rejected: {err}");
    assert!(matches!(err.kind, ErrorKind::Invalid(_)));
    assert_eq!(err.location.as_deref(), Some("line 2"));
    assert!(err.to_string().contains("invalid,header,format"), "{err}");
    assert!(err.to_string().contains("no column `cve`"), "{err}");

    let bytes = std::fs::read(dir.join("vunnel-missing-date.csv")).unwrap();
    let err = EpssReader::new(&bytes[..], "vunnel-missing-date.csv").unwrap_err();
    eprintln!("rejected: {err}");
    assert_eq!(err.location.as_deref(), Some("line 1"));
    assert!(err.to_string().contains("lacks `score_date`"), "{err}");
    assert_eq!(err.file, "vunnel-missing-date.csv");
}

#[test]
fn bad_rows_are_reported_and_reading_goes_on() {
    let text = "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\n\
cve,epss,percentile\n\
CVE-1999-0001,0.00383,0.73075\n\
CVE-1999-0002,1.5,0.85996\n\
not-a-cve,0.1,0.1\n\
CVE-1999-0004,0.00917\n\
CVE-1999-0005,0.91963,0.99214\n";
    let items: Vec<_> = EpssReader::new(text.as_bytes(), "e.csv").unwrap().collect();
    assert_eq!(items.len(), 5);
    assert!(items[0].is_ok() && items[4].is_ok());
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(
        (e.record.as_deref(), e.location.as_deref()),
        (Some("CVE-1999-0002"), Some("line 4"))
    );
    assert_eq!(
        items[2].as_ref().unwrap_err().location.as_deref(),
        Some("line 5")
    );
    assert_eq!(
        items[3].as_ref().unwrap_err().location.as_deref(),
        Some("line 6")
    );
}

#[test]
fn mirror_files_stream_every_row() {
    let Some(data) = medsec_testdata::require("epss_mirror_files") else {
        return;
    };
    for path in medsec_testdata::files_under(&data.join("vulns/epss")) {
        if !path.to_string_lossy().ends_with(".emba.csv.gz") {
            continue;
        }
        // Independent count: lines of the inflated file minus the header.
        let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(
            std::fs::File::open(&path).unwrap(),
        ))
        .lines()
        .count();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        // Streamed straight from the gzip file; nothing is held in memory.
        let reader = EpssReader::new(std::fs::File::open(&path).unwrap(), &file).unwrap();
        assert_eq!(reader.meta().score_date, None);
        let mut rows = 0usize;
        let mut max = 0f64;
        for row in reader {
            let row = row.unwrap_or_else(|e| panic!("{e}"));
            rows += 1;
            max = max.max(row.percentile);
        }
        eprintln!("epss {file}: {rows} rows, 0 rejected");
        assert_eq!(rows, lines - 1);
        assert!(max <= 1.0 && max > 0.99);
    }
}
