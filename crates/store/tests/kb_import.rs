//! The importer against the real feeds of the shared data set: every record
//! lands in PostgreSQL (counts checked against counts made here from the raw
//! files), a re-import changes nothing, and what reads back is what the
//! medsec-kb readers produce from the files. Then the incremental rules on
//! modified copies of real OSV records.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_kb::{ContentHash, Vulnerability};
use medsec_store::kb::kb_generation;
use medsec_store::kb_import::{import, FeedInput, FeedKind, ImportOptions, ImportSummary};
use medsec_store::kb_read::load_records;
use medsec_store::schema::kb;
use medsec_test_db::TestDatabase;
use serde_json::Value;

/// 360,142 rows; without a score-date line, so the date comes from the name.
const EPSS_FILE: &str = "vulns/epss/epss_scores-2026-08-16.emba.csv.gz";
/// 349,190 rows, four weeks earlier.
const EPSS_EARLIER_FILE: &str = "vulns/epss/epss_scores-2026-07-19.emba.csv.gz";
const KEV_FILE: &str = "vulns/kev/known_exploited_vulnerabilities.json.gz";
const KEV_CSV_FILE: &str = "vulns/kev/known_exploited_vulnerabilities.csv";

fn inputs(data: &Path) -> Vec<FeedInput> {
    let v = data.join("vulns");
    vec![
        FeedInput::new(FeedKind::Nvd, v.join("nvd")),
        FeedInput::new(FeedKind::Cve5, v.join("vulnrichment")),
        FeedInput::new(FeedKind::Osv, v.join("osv")),
        FeedInput::new(FeedKind::Kev, data.join(KEV_FILE)),
        FeedInput::new(FeedKind::Csaf, v.join("icsma-csaf")),
        FeedInput::new(FeedKind::Cwe, v.join("cwe")),
    ]
}

async fn run(
    conn: &mut AsyncPgConnection,
    inputs: &[FeedInput],
    options: ImportOptions,
) -> ImportSummary {
    let mut last = None;
    let mut progress = |p: &medsec_store::kb_import::Progress| last = Some(p.clone());
    let summary = import(conn, inputs, options, &mut progress)
        .await
        .expect("import");
    let last = last.expect("progress was reported");
    assert_eq!(Some(last.files_done), last.files_total, "{last:?}");
    summary
}

fn files(dir: &Path, ext: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = medsec_testdata::files_under(dir)
        .into_iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            ext.iter().any(|e| name.ends_with(e))
        })
        .collect();
    out.sort();
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&medsec_testdata::read(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// Distinct record keys per source, from the raw files (plain JSON, YAML
/// lines and CSV columns; no medsec-kb reader involved).
fn raw_keys(data: &Path) -> HashMap<&'static str, BTreeSet<String>> {
    let v = data.join("vulns");
    let mut keys: HashMap<&'static str, BTreeSet<String>> = HashMap::new();
    for path in files(&v.join("nvd"), &[".json", ".json.gz"]) {
        let doc = json(&path);
        if let Some(items) = doc.get("CVE_Items").and_then(Value::as_array) {
            for item in items {
                let id = &item["cve"]["CVE_data_meta"]["ID"];
                keys.entry("nvd_legacy").or_default().insert(text(id));
            }
        } else if let Some(items) = doc.get("vulnerabilities").and_then(Value::as_array) {
            for item in items {
                keys.entry("nvd")
                    .or_default()
                    .insert(text(&item["cve"]["id"]));
            }
        } else {
            let id = doc.get("id").unwrap_or(&doc["cve"]["id"]);
            keys.entry("nvd").or_default().insert(text(id));
        }
    }
    for path in files(&v.join("vulnrichment"), &[".json"]) {
        let id = &json(&path)["cveMetadata"]["cveId"];
        keys.entry("cve5").or_default().insert(text(id));
    }
    for path in files(&v.join("osv"), &[".json", ".yaml"]) {
        let id = if path.extension().is_some_and(|e| e == "yaml") {
            let raw = String::from_utf8(medsec_testdata::read(&path)).expect("utf-8");
            raw.lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|| panic!("{}: no id line", path.display()))
        } else {
            text(&json(&path)["id"])
        };
        keys.entry("osv").or_default().insert(id);
    }
    for e in json(&data.join(KEV_FILE))["vulnerabilities"]
        .as_array()
        .expect("KEV vulnerabilities")
    {
        keys.entry("kev").or_default().insert(text(&e["cveID"]));
    }
    for path in files(&v.join("icsma-csaf"), &[".json"]) {
        let doc = json(&path);
        let key = format!(
            "{} {}",
            text(&doc["document"]["publisher"]["name"]),
            text(&doc["document"]["tracking"]["id"])
        );
        keys.entry("csaf").or_default().insert(key);
    }
    for path in files(&v.join("cwe"), &[".csv", ".csv.gz"]) {
        let raw = medsec_testdata::read(&path);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&raw[..]);
        let col = csv
            .headers()
            .expect("CWE header")
            .iter()
            .position(|h| h == "CWE-ID")
            .expect("CWE-ID column");
        for row in csv.records() {
            let row = row.expect("CWE row");
            keys.entry("cwe").or_default().insert(row[col].to_owned());
        }
    }
    keys
}

/// What the medsec-kb readers give for the vulnerability feeds, one record
/// per (source, id): the newest by `modified`, then by content hash.
fn read_vulnerabilities(data: &Path) -> Vec<Vulnerability> {
    let v = data.join("vulns");
    let mut all = Vec::new();
    for path in files(&v.join("nvd"), &[".json", ".json.gz"]) {
        let raw = std::fs::read(&path).expect("read");
        all.extend(medsec_kb::nvd::read(&raw, "nvd").expect("nvd").records);
    }
    for path in files(&v.join("vulnrichment"), &[".json"]) {
        let raw = std::fs::read(&path).expect("read");
        all.extend(medsec_kb::cve5::read(&raw, "cve5").expect("cve5").records);
    }
    for path in files(&v.join("osv"), &[".json"]) {
        let raw = std::fs::read(&path).expect("read");
        all.extend(medsec_kb::osv::read_json(&raw, "osv").expect("osv").records);
    }
    for path in files(&v.join("osv"), &[".yaml"]) {
        let raw = std::fs::read(&path).expect("read");
        all.extend(medsec_kb::osv::read_yaml(&raw, "osv").expect("osv").records);
    }
    let mut best: HashMap<(String, String), Vulnerability> = HashMap::new();
    for r in all {
        let key = (r.source.as_str().to_owned(), r.id.clone());
        let wins = best
            .get(&key)
            .is_none_or(|b| (r.modified, r.content_hash()) > (b.modified, b.content_hash()));
        if wins {
            best.insert(key, r);
        }
    }
    let mut out: Vec<Vulnerability> = best.into_values().collect();
    out.sort_by(|a, b| (a.source.as_str(), &a.id).cmp(&(b.source.as_str(), &b.id)));
    out
}

async fn count_records(conn: &mut AsyncPgConnection, source: &str) -> i64 {
    kb::vulnerability_records::table
        .filter(kb::vulnerability_records::source.eq(source))
        .count()
        .get_result(conn)
        .await
        .expect("count")
}

#[tokio::test]
async fn all_shared_feeds_import_once_and_read_back_equal() {
    let Some(data) = medsec_testdata::require("all_shared_feeds_import_once_and_read_back_equal")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let inputs = inputs(&data);

    let started = Instant::now();
    let first = run(&mut conn, &inputs, ImportOptions::default()).await;
    let took = started.elapsed();
    let rejected: Vec<_> = first.rejected().collect();
    assert!(rejected.is_empty(), "rejected: {rejected:#?}");
    eprintln!(
        "first import: {} records in {:.1} s ({:.0} records/s)",
        first.read(),
        took.as_secs_f64(),
        first.records_per_second()
    );
    for t in &first.inputs {
        eprintln!(
            "  {:?} {}: {} records in {:.1} s ({:.0}/s)",
            t.kind,
            t.path.display(),
            t.records,
            t.elapsed.as_secs_f64(),
            t.records_per_second()
        );
    }
    for (source, s) in &first.sources {
        eprintln!(
            "  {source}: read {} inserted {} updated {} unchanged {} stale {} withdrawn {}",
            s.read, s.inserted, s.updated, s.unchanged, s.stale, s.withdrawn
        );
    }
    let generation = first
        .generation
        .expect("the first import changed something");
    assert_eq!(
        kb_generation(&mut conn).await.expect("generation"),
        generation
    );

    // Counts in the database equal the distinct keys of the raw files.
    let keys = raw_keys(&data);
    for source in ["nvd", "nvd_legacy", "cve5", "osv"] {
        let expected = keys.get(source).map_or(0, BTreeSet::len) as i64;
        assert!(expected > 0, "{source}: no raw records");
        assert_eq!(count_records(&mut conn, source).await, expected, "{source}");
        assert_eq!(first.sources[source].inserted as i64, expected, "{source}");
    }
    let count = |n: usize| i64::try_from(n).expect("count");
    let kev: i64 = kb::kev_entries::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("kev");
    assert_eq!(kev, count(keys["kev"].len()));
    let csaf: i64 = kb::csaf_advisories::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("csaf");
    assert_eq!(csaf, count(keys["csaf"].len()));
    let cwe: i64 = kb::cwes::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("cwe");
    assert_eq!(cwe, count(keys["cwe"].len()));

    // Read-back equals what the readers give for the files.
    let loaded = load_records(&mut conn).await.expect("load");
    assert_eq!(loaded.generation, generation);
    let expected = read_vulnerabilities(&data);
    assert_eq!(loaded.vulnerabilities.len(), expected.len());
    for (got, want) in loaded.vulnerabilities.iter().zip(&expected) {
        assert_eq!(got, want, "{} {}", want.source.as_str(), want.id);
    }
    let (_, kev_read) =
        medsec_kb::kev::read_json(&std::fs::read(data.join(KEV_FILE)).expect("kev"), "kev")
            .expect("kev");
    let mut kev_want = kev_read.records;
    kev_want.sort_by(|a, b| a.cve_id.cmp(&b.cve_id));
    assert_eq!(loaded.kev, kev_want);
    assert!(loaded.epss.is_empty());
    let mut csaf_want = Vec::new();
    for path in files(&data.join("vulns/icsma-csaf"), &[".json"]) {
        let raw = std::fs::read(&path).expect("csaf");
        csaf_want.extend(medsec_kb::csaf::read(&raw, "csaf").expect("csaf").records);
    }
    csaf_want.sort_by(|a, b| (&a.publisher, &a.id).cmp(&(&b.publisher, &b.id)));
    assert_eq!(loaded.csaf, csaf_want);
    let mut cwe_want: HashMap<u32, medsec_kb::cwe::CweEntry> = HashMap::new();
    for path in files(&data.join("vulns/cwe"), &[".csv", ".csv.gz"]) {
        let f = std::fs::File::open(&path).expect("cwe");
        for e in medsec_kb::cwe::read_csv(f, "cwe").expect("cwe").records {
            cwe_want.insert(e.id, e);
        }
    }
    let mut cwe_want: Vec<_> = cwe_want.into_values().collect();
    cwe_want.sort_by_key(|c| c.id);
    assert_eq!(loaded.cwes, cwe_want);

    // The normalised rows: one kb.vulnerabilities row per id of NVD, legacy
    // NVD and OSV, its children as many as the owning record has.
    let mut owners: HashMap<&str, &Vulnerability> = HashMap::new();
    let rank = |v: &Vulnerability| match v.source.as_str() {
        "nvd" => 0,
        "osv" => 1,
        _ => 2,
    };
    for v in expected.iter().filter(|v| v.source.as_str() != "cve5") {
        let keep = owners.get(v.id.as_str()).is_none_or(|o| rank(v) < rank(o));
        if keep {
            owners.insert(&v.id, v);
        }
    }
    let rows: i64 = kb::vulnerabilities::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("rows");
    assert_eq!(rows, count(owners.len()));
    let severities: i64 = kb::severities::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("sev");
    assert_eq!(
        severities,
        count(owners.values().map(|v| v.severities.len()).sum())
    );
    let computed: i64 = kb::severities::table
        .filter(kb::severities::computed_base_score.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("computed");
    let parseable = owners
        .values()
        .flat_map(|v| &v.severities)
        .filter(|s| medsec_cvss::parse(&s.vector).is_ok())
        .count();
    assert!(parseable > 0);
    assert_eq!(computed, count(parseable));
    let events: i64 = kb::range_events::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("events");
    let want_events: usize = owners
        .values()
        .flat_map(|v| &v.affected)
        .flat_map(|a| &a.ranges)
        .map(|r| r.events.len())
        .sum();
    assert_eq!(events, count(want_events));
    let matches: i64 = kb::cpe_matches::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("m");
    let want_matches: usize = owners
        .values()
        .flat_map(|v| &v.configurations)
        .flat_map(|c| &c.nodes)
        .map(|n| n.matches.len())
        .sum();
    assert_eq!(matches, count(want_matches));
    let cve_versions: i64 = kb::cve_affected_versions::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("cve versions");
    let want_versions: usize = expected
        .iter()
        .filter(|v| v.source.as_str() == "cve5")
        .flat_map(|v| &v.products)
        .map(|p| p.versions.len())
        .sum();
    assert_eq!(cve_versions, count(want_versions));
    let ssvc: i64 = kb::ssvc_decisions::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("ssvc");
    assert_eq!(ssvc, count(expected.iter().map(|v| v.ssvc.len()).sum()));

    // A second import of the same files changes nothing.
    let started = Instant::now();
    let second = run(&mut conn, &inputs, ImportOptions::default()).await;
    eprintln!(
        "second import: {} records in {:.1} s",
        second.read(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(second.changed(), 0, "{second:#?}");
    assert_eq!(second.generation, None);
    assert_eq!(second.read(), first.read());
    assert_eq!(
        kb_generation(&mut conn).await.expect("generation"),
        generation
    );
}

/// Both EPSS files (two days four weeks apart; most of the rows) on their
/// own, beside the other feeds' test.
#[tokio::test]
async fn both_epss_files_import_once_and_read_back_equal() {
    let Some(data) = medsec_testdata::require("both_epss_files_import_once_and_read_back_equal")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let files = [EPSS_FILE, EPSS_EARLIER_FILE];
    let inputs: Vec<FeedInput> = files
        .iter()
        .map(|f| FeedInput::epss(data.join(f), None))
        .collect();

    let first = run(&mut conn, &inputs, ImportOptions::default()).await;
    for t in &first.inputs {
        eprintln!(
            "EPSS {}: {} rows in {:.1} s ({:.0}/s)",
            t.path.display(),
            t.records,
            t.elapsed.as_secs_f64(),
            t.records_per_second()
        );
    }
    assert_eq!(first.rejected().count(), 0);
    let generation = first.generation.expect("changed");

    // Distinct CVEs of each raw CSV, counted here; one row per CVE and day.
    let mut per_day = Vec::new();
    for (file, day) in files.iter().zip(["2026-08-16", "2026-07-19"]) {
        let raw = medsec_testdata::read(&data.join(file));
        let mut csv = csv::Reader::from_reader(&raw[..]);
        let mut cves = BTreeSet::new();
        for row in csv.records() {
            cves.insert(row.expect("EPSS row")[0].to_owned());
        }
        let stored: i64 = kb::epss_scores::table
            .filter(
                kb::epss_scores::score_date
                    .eq(chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date")),
            )
            .count()
            .get_result(&mut conn)
            .await
            .expect("count");
        assert_eq!(stored, i64::try_from(cves.len()).expect("count"), "{file}");
        per_day.push(cves.len());
    }
    let total: usize = per_day.iter().sum();
    assert_eq!(first.sources["epss"].inserted as usize, total);

    let loaded = load_records(&mut conn).await.expect("load");
    assert_eq!(loaded.epss.len(), 2);
    for (day, (file, date)) in loaded
        .epss
        .iter()
        .zip([(EPSS_EARLIER_FILE, "2026-07-19"), (EPSS_FILE, "2026-08-16")])
    {
        let f = std::fs::File::open(data.join(file)).expect("epss");
        let mut want: Vec<_> = medsec_kb::epss::EpssReader::new(f, "epss")
            .expect("epss")
            .map(|r| r.expect("epss row"))
            .collect();
        want.sort_by(|a, b| a.cve.cmp(&b.cve));
        assert_eq!(day.date.to_string(), date);
        assert_eq!(day.model_version, None);
        assert_eq!(day.scores, want, "{file}");
    }

    let second = run(&mut conn, &inputs, ImportOptions::default()).await;
    assert_eq!(second.changed(), 0);
    assert_eq!(second.sources["epss"].unchanged as usize, total);
    assert_eq!(second.generation, None);
    assert_eq!(
        kb_generation(&mut conn).await.expect("generation"),
        generation
    );
}

/// The KEV catalog as CSV: as many entries as distinct CVEs in the file
/// (counted here with the csv crate), equal to the JSON form of the same
/// catalog, so importing the JSON afterwards changes nothing.
#[tokio::test]
async fn the_kev_csv_imports_with_raw_counts_and_equals_the_json() {
    let Some(data) =
        medsec_testdata::require("the_kev_csv_imports_with_raw_counts_and_equals_the_json")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let csv_path = data.join(KEV_CSV_FILE);
    let first = run(
        &mut conn,
        &[FeedInput::new(FeedKind::Kev, &csv_path)],
        ImportOptions::default(),
    )
    .await;
    assert_eq!(first.rejected().count(), 0);

    let raw = medsec_testdata::read(&csv_path);
    let mut csv = csv::Reader::from_reader(&raw[..]);
    let col = csv
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "cveID")
        .expect("cveID column");
    let mut cves = BTreeSet::new();
    for row in csv.records() {
        cves.insert(row.expect("KEV row")[col].to_owned());
    }
    let stored: i64 = kb::kev_entries::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, i64::try_from(cves.len()).expect("count"));
    assert_eq!(first.sources["kev"].inserted as usize, cves.len());

    let json = run(
        &mut conn,
        &[FeedInput::new(FeedKind::Kev, data.join(KEV_FILE))],
        ImportOptions::default(),
    )
    .await;
    assert_eq!(json.changed(), 0, "{json:#?}");
    assert_eq!(json.sources["kev"].unchanged as usize, cves.len());
}

/// Real RustSec OSV records (which state their real `modified`), edited and written to a scratch directory.
struct Scratch {
    dir: tempfile::TempDir,
    records: Vec<Value>,
}

impl Scratch {
    fn new(data: &Path, n: usize) -> Scratch {
        let records = files(&data.join("vulns/osv/crates.io"), &[".json"])
            .into_iter()
            .take(n)
            .map(|p| json(&p))
            .collect();
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
            records,
        }
    }

    /// Writes `docs` (name, JSON text) to a new subdirectory.
    fn write(&self, sub: &str, docs: &[(String, String)]) -> PathBuf {
        let dir = self.dir.path().join(sub);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (name, body) in docs {
            std::fs::write(dir.join(name), body).expect("write");
        }
        dir
    }

    fn id(&self, i: usize) -> String {
        text(&self.records[i]["id"])
    }

    fn doc(&self, i: usize, edit: impl FnOnce(&mut Value)) -> (String, String) {
        let mut v = self.records[i].clone();
        edit(&mut v);
        (format!("{}.json", text(&v["id"])), v.to_string())
    }
}

async fn stored(conn: &mut AsyncPgConnection, id: &str) -> Vulnerability {
    load_records(conn)
        .await
        .expect("load")
        .vulnerabilities
        .into_iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("{id} not stored"))
}

#[tokio::test]
async fn newer_records_replace_older_are_ignored_and_bad_ones_are_rejected() {
    let Some(data) = medsec_testdata::require(
        "newer_records_replace_older_are_ignored_and_bad_ones_are_rejected",
    ) else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let s = Scratch::new(&data, 6);
    let small = ImportOptions {
        batch_size: 4,
        row_batch_size: 4,
    };
    let osv = |dir: PathBuf| vec![FeedInput::new(FeedKind::Osv, dir)];

    let base: Vec<_> = (0..6).map(|i| s.doc(i, |_| {})).collect();
    let first = run(&mut conn, &osv(s.write("base", &base)), small).await;
    assert_eq!(first.sources["osv"].inserted, 6);
    let g1 = kb_generation(&mut conn).await.expect("generation");

    // Newer modified, changed summary: exactly one update.
    let newer = s.doc(0, |v| {
        v["modified"] = "2099-01-01T00:00:00Z".into();
        v["summary"] = "changed summary".into();
        v["references"] =
            serde_json::json!([{"type": "WEB", "url": "https://example.org/changed"}]);
    });
    let summary = run(&mut conn, &osv(s.write("newer", &[newer])), small).await;
    let o = &summary.sources["osv"];
    assert_eq!((o.inserted, o.updated, o.unchanged, o.stale), (0, 1, 0, 0));
    let g2 = kb_generation(&mut conn).await.expect("generation");
    assert!(g2 > g1);
    let got = stored(&mut conn, &s.id(0)).await;
    assert_eq!(got.summary.as_deref(), Some("changed summary"));
    let row: Option<String> = kb::vulnerabilities::table
        .find(s.id(0))
        .select(kb::vulnerabilities::summary)
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!(row.as_deref(), Some("changed summary"));
    // The children were replaced with the record.
    let urls: Vec<String> = kb::vulnerability_references::table
        .filter(kb::vulnerability_references::vulnerability_id.eq(s.id(0)))
        .select(kb::vulnerability_references::url)
        .load(&mut conn)
        .await
        .expect("references");
    assert_eq!(urls, ["https://example.org/changed"]);

    // Older modified: ignored, nothing changes, the generation stays.
    let older = s.doc(1, |v| {
        v["modified"] = "2000-01-01T00:00:00Z".into();
        v["summary"] = "stale summary".into();
    });
    let before = stored(&mut conn, &s.id(1)).await;
    let summary = run(&mut conn, &osv(s.write("older", &[older])), small).await;
    let o = &summary.sources["osv"];
    assert_eq!((o.inserted, o.updated, o.stale), (0, 0, 1));
    assert_eq!(summary.generation, None);
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), g2);
    assert_eq!(stored(&mut conn, &s.id(1)).await, before);

    // Withdrawn: marked, not deleted.
    let withdrawn = s.doc(2, |v| {
        v["modified"] = "2099-01-01T00:00:00Z".into();
        v["withdrawn"] = "2099-01-01T00:00:00Z".into();
    });
    let summary = run(&mut conn, &osv(s.write("withdrawn", &[withdrawn])), small).await;
    let o = &summary.sources["osv"];
    assert_eq!((o.updated, o.withdrawn), (1, 1));
    assert!(stored(&mut conn, &s.id(2)).await.is_withdrawn());
    let mark: Option<chrono::DateTime<chrono::Utc>> = kb::vulnerabilities::table
        .find(s.id(2))
        .select(kb::vulnerabilities::withdrawn)
        .first(&mut conn)
        .await
        .expect("row");
    assert!(mark.is_some());

    // A batch with a record PostgreSQL refuses (NUL in a text) and a file
    // that is not JSON: both reported, the other records imported.
    let renamed = |i: usize, suffix: &str| {
        s.doc(i, |v| {
            v["id"] = format!("{}-{suffix}", text(&v["id"])).into()
        })
    };
    let bad_id = format!("{}-nul", s.id(4));
    let mut docs = vec![renamed(3, "a"), renamed(4, "nul"), renamed(5, "b")];
    if let Some((_, body)) = docs.get_mut(1) {
        let mut v: Value = serde_json::from_str(body).expect("json");
        v["summary"] = "bad \u{0} summary".into();
        *body = v.to_string();
    }
    docs.push((
        "broken.json".to_owned(),
        "{\"id\": \"GO-broken\", ".to_owned(),
    ));
    let options = ImportOptions {
        batch_size: 10,
        row_batch_size: 10,
    };
    let summary = run(&mut conn, &osv(s.write("bad", &docs)), options).await;
    let o = &summary.sources["osv"];
    assert_eq!(o.inserted, 2, "{o:#?}");
    assert_eq!(o.rejected.len(), 2, "{o:#?}");
    let nul = o
        .rejected
        .iter()
        .find(|r| r.record.as_deref() == Some(bad_id.as_str()))
        .unwrap_or_else(|| panic!("{bad_id} not rejected: {o:#?}"));
    assert!(nul.file.ends_with(&format!("{bad_id}.json")), "{nul:?}");
    assert!(o.rejected.iter().any(|r| r.file.ends_with("broken.json")));
    let ids: BTreeSet<String> = load_records(&mut conn)
        .await
        .expect("load")
        .vulnerabilities
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert!(ids.contains(&format!("{}-a", s.id(3))));
    assert!(ids.contains(&format!("{}-b", s.id(5))));
    assert!(!ids.contains(&bad_id));
    let rows: i64 = kb::vulnerabilities::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("rows");
    assert_eq!(rows, 8);

    // Re-importing every directory now changes nothing.
    let all: Vec<FeedInput> = ["base", "newer", "older", "withdrawn", "bad"]
        .iter()
        .map(|d| FeedInput::new(FeedKind::Osv, s.dir.path().join(d)))
        .collect();
    let g = kb_generation(&mut conn).await.expect("generation");
    let again = run(&mut conn, &all, small).await;
    assert_eq!(again.changed(), 0, "{again:#?}");
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), g);
}
