//! The derived CSV tables (vulnrichment summary, ICS advisory master list,
//! KEV-EPSS-NVD join) through the importer: row counts equal the distinct
//! keys counted here from the raw files with the csv crate, what reads back
//! is what the medsec-kb readers give, a re-import changes nothing, newer
//! rows replace older ones and older ones are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use diesel::QueryDsl;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_store::kb::kb_generation;
use medsec_store::kb_derived::{ics_advisories_for_cves, load_derived};
use medsec_store::kb_import::{import, FeedInput, FeedKind, ImportOptions, ImportSummary};
use medsec_store::schema::kb;
use medsec_test_db::TestDatabase;

const SUMMARY: &str = "vulns/nvd-summary/vulnrichment_summary.derived.csv.gz";
const ICS: &str = "vulns/ics-advisories/CISA_ICS_ADV_Master.csv.gz";
const KEV_EPSS: &str = "vulns/epss/kev-epss-nvd/epss_kev_nvd-2026-08-22.csv";

async fn run(conn: &mut AsyncPgConnection, inputs: &[FeedInput]) -> ImportSummary {
    let mut progress = |_: &medsec_store::kb_import::Progress| {};
    import(conn, inputs, ImportOptions::default(), &mut progress)
        .await
        .expect("import")
}

/// The raw CSV: header and rows.
fn raw(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let bytes = medsec_testdata::read(path);
    let mut csv = csv::Reader::from_reader(&bytes[..]);
    let headers = csv.headers().expect("header").clone();
    let rows = csv.records().map(|r| r.expect("row")).collect();
    (headers, rows)
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn distinct(path: &Path, key: &str) -> usize {
    let (headers, rows) = raw(path);
    let i = column(&headers, key);
    rows.iter()
        .map(|r| r[i].trim().to_owned())
        .collect::<BTreeSet<_>>()
        .len()
}

macro_rules! count {
    ($conn:expr, $table:expr) => {{
        let n: i64 = $table.count().get_result($conn).await.expect("count");
        usize::try_from(n).expect("count")
    }};
}

fn inputs(data: &Path) -> Vec<FeedInput> {
    vec![
        FeedInput::new(FeedKind::CveSummary, data.join(SUMMARY)),
        FeedInput::new(FeedKind::IcsAdvisories, data.join(ICS)),
        FeedInput::new(FeedKind::KevEpss, data.join(KEV_EPSS)),
    ]
}

#[tokio::test]
async fn derived_tables_import_once_with_raw_counts_and_read_back_equal() {
    let Some(data) =
        medsec_testdata::require("derived_tables_import_once_with_raw_counts_and_read_back_equal")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let first = run(&mut conn, &inputs(&data)).await;
    let rejected: Vec<_> = first.rejected().collect();
    assert!(rejected.is_empty(), "{rejected:#?}");
    for t in &first.inputs {
        eprintln!(
            "  {:?}: {} rows in {:.2} s ({:.0}/s)",
            t.kind,
            t.records,
            t.elapsed.as_secs_f64(),
            t.records_per_second()
        );
    }
    let generation = first.generation.expect("changed");

    let summaries = distinct(&data.join(SUMMARY), "cve_id");
    let ics = distinct(&data.join(ICS), "icsad_ID");
    let joined = distinct(&data.join(KEV_EPSS), "CVE");
    assert_eq!(count!(&mut conn, kb::cve_summaries::table), summaries);
    assert_eq!(count!(&mut conn, kb::ics_advisories::table), ics);
    assert_eq!(count!(&mut conn, kb::kev_epss::table), joined);
    assert_eq!(first.sources["cve_summary"].inserted as usize, summaries);
    assert_eq!(first.sources["ics_advisory"].inserted as usize, ics);
    assert_eq!(first.sources["kev_epss"].inserted as usize, joined);

    // ICSMA rows are flagged medical; counted from the advisory numbers.
    let (headers, rows) = raw(&data.join(ICS));
    let number = column(&headers, "ICS-CERT_Number");
    let medical_raw = rows
        .iter()
        .filter(|r| r[number].starts_with("ICSMA-"))
        .count();
    let medical: i64 = kb::ics_advisories::table
        .filter(kb::ics_advisories::medical)
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(medical as usize, medical_raw);

    // Read-back equals the readers' records.
    let loaded = load_derived(&mut conn).await.expect("load");
    let open = |p: &str| std::fs::File::open(data.join(p)).expect("open");
    let mut want = medsec_kb::cve_summary::read_csv(open(SUMMARY), SUMMARY)
        .expect("summary")
        .records;
    want.sort_by(|a, b| a.cve_id.cmp(&b.cve_id));
    assert_eq!(loaded.cve_summaries, want);
    let mut want = medsec_kb::ics_advisories::read_csv(open(ICS), ICS)
        .expect("ics")
        .records;
    want.sort_by_key(|a| a.row_id);
    assert_eq!(loaded.ics_advisories, want);
    let mut want = medsec_kb::kev_epss::read_csv(open(KEV_EPSS), KEV_EPSS)
        .expect("join")
        .records;
    want.sort_by(|a, b| a.cve_id.cmp(&b.cve_id));
    let got: Vec<_> = loaded.kev_epss.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(got, want);
    assert!(loaded
        .kev_epss
        .iter()
        .all(|(_, d)| d.map(|d| d.to_string()).as_deref() == Some("2026-08-22")));

    // CVE -> advisory ids: for every CVE of the ICSMA rows, the advisory
    // numbers whose CVE cell names it (a plain substring test here).
    let cve_col = column(&headers, "CVE_Number");
    let medical_cves: BTreeSet<String> = loaded
        .ics_advisories
        .iter()
        .filter(|a| a.is_medical())
        .flat_map(|a| a.cves.iter().cloned())
        .collect();
    assert!(!medical_cves.is_empty());
    let asked: Vec<String> = medical_cves.iter().cloned().collect();
    let links = ics_advisories_for_cves(&mut conn, &asked)
        .await
        .expect("links");
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for cve in &asked {
        for r in &rows {
            let cell = &r[cve_col];
            let named = cell.match_indices(cve.as_str()).any(|(i, m)| {
                !cell[i + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            });
            if named {
                want.entry(cve.clone())
                    .or_default()
                    .insert(r[number].to_owned());
            }
        }
    }
    let got: BTreeMap<String, BTreeSet<String>> = links
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect();
    assert_eq!(got, want);

    // A second import changes nothing.
    let second = run(&mut conn, &inputs(&data)).await;
    assert_eq!(second.changed(), 0, "{second:#?}");
    assert_eq!(second.generation, None);
    assert_eq!(second.read(), first.read());
    assert_eq!(
        kb_generation(&mut conn).await.expect("generation"),
        generation
    );
}

/// Writes `rows` of the ICS list (header first) to a scratch file.
fn write_csv(
    dir: &Path,
    name: &str,
    headers: &csv::StringRecord,
    rows: &[csv::StringRecord],
) -> PathBuf {
    let path = dir.join(name);
    let mut w = csv::Writer::from_path(&path).expect("create");
    w.write_record(headers).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    w.flush().expect("flush");
    path
}

#[tokio::test]
async fn newer_ics_rows_replace_older_ones_are_ignored_bad_ones_rejected() {
    let Some(data) =
        medsec_testdata::require("newer_ics_rows_replace_older_ones_are_ignored_bad_ones_rejected")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (headers, rows) = raw(&data.join(ICS));
    let rows: Vec<csv::StringRecord> = rows.into_iter().take(5).collect();
    let updated = column(&headers, "Last_Updated");
    let title = column(&headers, "ICS-CERT_Advisory_Title");
    let id = column(&headers, "icsad_ID");
    let edit = |r: &csv::StringRecord, date: &str, text: &str| -> csv::StringRecord {
        r.iter()
            .enumerate()
            .map(|(i, v)| match i {
                _ if i == updated => date,
                _ if i == title => text,
                _ => v,
            })
            .collect()
    };
    let ics = |p: PathBuf| vec![FeedInput::new(FeedKind::IcsAdvisories, p)];

    let base = write_csv(dir.path(), "base.csv", &headers, &rows);
    let first = run(&mut conn, &ics(base)).await;
    assert_eq!(first.sources["ics_advisory"].inserted, 5);

    let newer = edit(&rows[0], "12/31/2099", "newer title");
    let older = edit(&rows[1], "1/1/2000", "older title");
    let mut bad = edit(&rows[2], "13/45/2099", "bad date");
    bad = bad
        .iter()
        .enumerate()
        .map(|(i, v)| if i == id { "999999" } else { v })
        .collect();
    let changes = write_csv(dir.path(), "changes.csv", &headers, &[newer, older, bad]);
    let summary = run(&mut conn, &ics(changes.clone())).await;
    let s = &summary.sources["ics_advisory"];
    assert_eq!(
        (s.inserted, s.updated, s.unchanged, s.stale),
        (0, 1, 0, 1),
        "{s:#?}"
    );
    assert_eq!(s.rejected.len(), 1, "{s:#?}");
    assert!(s.rejected[0].file.ends_with("changes.csv"));
    assert!(
        s.rejected[0].reason.contains("line 4"),
        "{:?}",
        s.rejected[0]
    );
    let titles: BTreeMap<i32, String> = kb::ics_advisories::table
        .select((kb::ics_advisories::row_id, kb::ics_advisories::title))
        .load::<(i32, String)>(&mut conn)
        .await
        .expect("titles")
        .into_iter()
        .collect();
    let row = |i: usize| rows[i][id].parse::<i32>().expect("row id");
    assert_eq!(titles[&row(0)], "newer title");
    assert_eq!(titles[&row(1)], rows[1][title]);
    assert_eq!(titles.len(), 5);

    // Again: nothing changes.
    let again = run(&mut conn, &ics(changes)).await;
    assert_eq!(again.changed(), 0, "{again:#?}");
}
