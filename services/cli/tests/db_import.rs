//! `medsec db`: the real binary against real PostgreSQL (one database per
//! test, from medsec-test-db) and the shared feed files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use medsec_test_db::TestDatabase;
use serde_json::Value;

fn medsec(args: &[&str], database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.args(args).env_remove("MEDSEC_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("MEDSEC_DATABASE_URL", url);
    }
    cmd.output().expect("run medsec")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A sizeable part of the shared feeds: every NVD record and fixture, all
/// vulnrichment records, OSV of every ecosystem, the KEV catalog, the
/// official-layout EPSS example (the 360,000-row files take minutes to
/// import; the benchmark measures them), all ICSMA CSAF advisories and two
/// CWE views.
fn feed_args(data: &Path) -> Vec<String> {
    let v = data.join("vulns");
    let mut a = Vec::new();
    let mut add = |flag: &str, path: PathBuf| {
        a.push(flag.to_owned());
        a.push(p(&path));
    };
    add("--nvd", v.join("nvd"));
    add("--cve5", v.join("vulnrichment"));
    add("--osv", v.join("osv"));
    add(
        "--kev",
        v.join("kev/known_exploited_vulnerabilities.json.gz"),
    );
    add("--epss", data.join("testvectors/epss/vunnel-example-1.csv"));
    add("--csaf", v.join("icsma-csaf"));
    add("--cwe", v.join("cwe/cwe-view-1000.csv.gz"));
    add("--cwe", v.join("cwe/cwe-view-1003.csv"));
    a
}

fn counts(v: &Value, key: &str) -> Vec<(String, u64)> {
    let Some(obj) = v["sources"].as_object() else {
        panic!("no sources in {v}");
    };
    obj.iter()
        .map(|(k, s)| (k.clone(), s[key].as_u64().expect("count")))
        .collect()
}

#[tokio::test]
async fn import_reimport_export_equals_snapshot_from_files() {
    let Some(data) = medsec_testdata::require("import_reimport_export_equals_snapshot_from_files")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let url = db.url().to_owned();
    let feeds = feed_args(&data);
    let feeds: Vec<&str> = feeds.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().expect("tempdir");

    // First import: everything is new.
    let mut args = vec!["db", "import", "--json"];
    args.extend(&feeds);
    let first = medsec(&args, Some(&url));
    assert_eq!(
        code(&first),
        0,
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first = json(&first);
    assert!(first["rejected"].as_array().is_some_and(Vec::is_empty));
    let generation = first["generation"].as_u64().expect("a generation");
    for source in [
        "nvd",
        "nvd_legacy",
        "cve5",
        "osv",
        "kev",
        "epss",
        "csaf",
        "cwe",
    ] {
        let s = &first["sources"][source];
        let read = s["read"].as_u64().expect("read");
        assert!(read > 0, "{source}: nothing read");
        let decided = ["inserted", "updated", "unchanged", "stale"]
            .iter()
            .map(|k| s[k].as_u64().expect("count"))
            .sum::<u64>();
        assert_eq!(decided, read, "{source}: every record read is decided");
    }

    // Second import of the same files changes nothing.
    let second = medsec(&args, Some(&url));
    assert_eq!(code(&second), 0);
    let second = json(&second);
    assert_eq!(second["generation"], Value::Null);
    for (source, n) in counts(&second, "inserted")
        .into_iter()
        .chain(counts(&second, "updated"))
    {
        assert_eq!(n, 0, "{source} changed on re-import");
    }
    assert_eq!(counts(&second, "read"), counts(&first, "read"));

    // The snapshot from PostgreSQL equals the one built from the files.
    let exported = dir.path().join("exported.snap");
    let out = medsec(&["db", "export", "--snapshot", &p(&exported)], Some(&url));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let direct = dir.path().join("direct.snap");
    let g = generation.to_string();
    let direct_arg = p(&direct);
    let mut args = vec!["db", "import", "--json", "--snapshot", &direct_arg];
    args.extend(["--generation", &g]);
    args.extend(&feeds);
    // The database URL in the environment does not matter with --snapshot.
    let built = medsec(&args, Some(&url));
    assert_eq!(
        code(&built),
        0,
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert_eq!(counts(&json(&built), "read"), counts(&first, "read"));
    let a = std::fs::read(&exported).expect("exported snapshot");
    let b = std::fs::read(&direct).expect("direct snapshot");
    assert!(a.len() > 1_000_000, "snapshot of {} bytes", a.len());
    assert!(
        a == b,
        "snapshot from PostgreSQL differs from the one built from the files"
    );

    // `db info` agrees between the database (SQL counts) and the snapshot
    // (its records), and with what the import inserted.
    let from_db = json(&medsec(&["db", "info", "--json"], Some(&url)));
    let from_snap = json(&medsec(
        &["db", "info", "--json", "--snapshot", &p(&exported)],
        None,
    ));
    assert_eq!(from_db, from_snap);
    assert_eq!(from_db["generation"].as_u64(), Some(generation));
    for source in ["nvd", "nvd_legacy", "cve5", "osv", "kev", "epss"] {
        assert_eq!(
            from_db["counts"][source], first["sources"][source]["inserted"],
            "{source}"
        );
    }
    assert_eq!(
        from_db["counts"]["csaf_advisory"],
        first["sources"]["csaf"]["inserted"]
    );
}

#[tokio::test]
async fn malformed_file_is_named_and_the_rest_imported() {
    let Some(data) = medsec_testdata::require("malformed_file_is_named_and_the_rest_imported")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let url = db.url().to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("GHSA-broken.json");
    std::fs::write(&broken, b"{\"id\": \"GHSA-xxxx\", \"modified\": ").expect("write");
    let npm = data.join("vulns/osv/npm");
    let out = medsec(
        &["db", "import", "--osv", &p(dir.path()), "--osv", &p(&npm)],
        Some(&url),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{stdout}");
    let rejected: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("rejected: "))
        .collect();
    assert_eq!(rejected.len(), 1, "{stdout}");
    assert!(rejected[0].contains(&p(&broken)), "{stdout}");
    // Every npm file holds one record, and each one was imported.
    let files = medsec_testdata::files_under(&npm)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
        .count();
    assert!(files > 0);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("osv: "))
        .expect("osv line");
    assert!(line.contains(&format!(" inserted={files} ")), "{line}");
    let info = json(&medsec(&["db", "info", "--json"], Some(&url)));
    assert_eq!(info["counts"]["osv"].as_u64(), Some(files as u64));
}

#[tokio::test]
async fn migrate_applies_once_and_missing_server_is_exit_3() {
    let db = TestDatabase::empty().await;
    let url = db.url().to_owned();
    let first = medsec(&["db", "migrate"], Some(&url));
    assert_eq!(
        code(&first),
        0,
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let applied = String::from_utf8_lossy(&first.stdout).into_owned();
    let expected = medsec_store::applied_migrations(&url)
        .await
        .expect("applied migrations");
    assert!(!expected.is_empty());
    assert!(
        applied.contains(&format!("migrations: {} applied", expected.len())),
        "{applied}"
    );
    let again = medsec(&["db", "migrate", "--database-url", &url], None);
    assert_eq!(code(&again), 0);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "migrations: up to date"
    );
    // Nothing listens on port 1.
    let down = medsec(
        &[
            "db",
            "info",
            "--database-url",
            "postgres://u:secret@127.0.0.1:1/x",
        ],
        None,
    );
    assert_eq!(code(&down), 3);
    assert!(!String::from_utf8_lossy(&down.stderr).contains("secret"));
}

/// Rows of a CSV file (gzip allowed), counted with the csv crate.
fn csv_rows(path: &Path) -> u64 {
    let bytes = medsec_testdata::read(path);
    csv::Reader::from_reader(&bytes[..]).records().count() as u64
}

#[tokio::test]
async fn derived_tables_and_the_kev_csv_import_into_the_database_only() {
    let Some(data) =
        medsec_testdata::require("derived_tables_and_the_kev_csv_import_into_the_database_only")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let url = db.url().to_owned();
    let v = data.join("vulns");
    let summary = v.join("nvd-summary/vulnrichment_summary.derived.csv.gz");
    let ics = v.join("ics-advisories/CISA_ICS_ADV_Master.csv.gz");
    let joined = v.join("epss/kev-epss-nvd/epss_kev_nvd-2026-08-22.csv");
    let kev_csv = v.join("kev/known_exploited_vulnerabilities.csv");
    let kev_json = v.join("kev/known_exploited_vulnerabilities.json.gz");
    let args = [
        "--cve-summary".to_owned(),
        p(&summary),
        "--ics-advisories".to_owned(),
        p(&ics),
        "--kev-epss".to_owned(),
        p(&joined),
        "--kev".to_owned(),
        p(&kev_csv),
        "--kev".to_owned(),
        p(&kev_json),
    ];
    let mut cmd = vec!["db", "import", "--json"];
    cmd.extend(args.iter().map(String::as_str));
    let out = medsec(&cmd, Some(&url));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let first = json(&out);
    // Every row of these files has its own key.
    for (source, file) in [
        ("cve_summary", &summary),
        ("ics_advisory", &ics),
        ("kev_epss", &joined),
    ] {
        let rows = csv_rows(file);
        assert_eq!(
            first["sources"][source]["inserted"].as_u64(),
            Some(rows),
            "{source}"
        );
    }
    // The KEV CSV and JSON are the same catalog: the second adds nothing.
    let kev = csv_rows(&kev_csv);
    assert_eq!(first["sources"]["kev"]["inserted"].as_u64(), Some(kev));
    assert_eq!(first["sources"]["kev"]["unchanged"].as_u64(), Some(kev));
    let info = json(&medsec(&["db", "info", "--json"], Some(&url)));
    assert_eq!(
        info["counts"]["cve_summary"].as_u64(),
        Some(csv_rows(&summary))
    );
    assert_eq!(
        info["counts"]["ics_advisory"].as_u64(),
        Some(csv_rows(&ics))
    );
    assert_eq!(info["counts"]["kev_epss"].as_u64(), Some(csv_rows(&joined)));

    let again = json(&medsec(&cmd, Some(&url)));
    assert_eq!(again["generation"], Value::Null, "{again}");

    // A snapshot has no place for the derived tables: a usage error.
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("s.snap");
    let out = medsec(
        &[
            "db",
            "import",
            "--snapshot",
            &p(&snap),
            "--cve-summary",
            &p(&summary),
        ],
        None,
    );
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cve-summary"));
    assert!(!snap.exists());
}
