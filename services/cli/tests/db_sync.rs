//! `medsec db sync` against a local HTTP server that serves the shared KEV
//! catalog and an EPSS file, into a real PostgreSQL test database.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

use medsec_test_db::TestDatabase;
use serde_json::Value;

/// Answers every request for `/kev` and `/epss` with 200 and the body,
/// anything else with 404, until the process ends.
fn serve(kev: Vec<u8>, epss: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = first.split_whitespace().nth(1).unwrap_or("");
            let body: &[u8] = match path {
                "/kev" => &kev,
                "/epss" => &epss,
                _ => b"",
            };
            let status = if body.is_empty() {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    format!("http://{addr}")
}

fn sync(url: &str, server: &str, state: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medsec"))
        .args([
            "db",
            "sync",
            "--json",
            "--only",
            "kev,epss",
            "--state",
            state,
            "--kev-url",
            &format!("{server}/kev"),
            "--epss-url",
            &format!("{server}/epss"),
        ])
        .env("MEDSEC_DATABASE_URL", url)
        .output()
        .expect("run medsec")
}

#[tokio::test]
async fn sync_imports_kev_and_epss_and_saves_the_state() {
    let Some(data) = medsec_testdata::require("sync_imports_kev_and_epss_and_saves_the_state")
    else {
        return;
    };
    let kev =
        medsec_testdata::read(&data.join("vulns/kev/known_exploited_vulnerabilities.json.gz"));
    let epss = medsec_testdata::read(&data.join("testvectors/epss/vunnel-example-1.csv"));
    // The counts the feeds themselves state: KEV's `count`, EPSS's rows.
    let catalog: Value = serde_json::from_slice(&kev).expect("KEV JSON");
    let kev_count = catalog["count"].as_u64().expect("KEV count");
    let epss_rows = String::from_utf8_lossy(&epss)
        .lines()
        .filter(|l| l.starts_with("CVE-"))
        .count() as u64;
    let server = serve(kev, epss);
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let state = state.display().to_string();

    let out = sync(db.url(), &server, &state);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(
        summary["sources"]["kev"]["inserted"].as_u64(),
        Some(kev_count)
    );
    assert_eq!(
        summary["sources"]["epss"]["inserted"].as_u64(),
        Some(epss_rows)
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&state).expect("state saved")).expect("state JSON");
    assert!(saved.is_object(), "{saved}");

    // The same documents again: read, nothing changed.
    let again = sync(db.url(), &server, &state);
    assert_eq!(again.status.code(), Some(0));
    let summary: Value = serde_json::from_slice(&again.stdout).expect("JSON summary");
    for source in ["kev", "epss"] {
        let s = &summary["sources"][source];
        if !s.is_null() {
            assert_eq!(s["inserted"].as_u64(), Some(0), "{summary}");
            assert_eq!(s["updated"].as_u64(), Some(0), "{summary}");
        }
    }
    let info = Command::new(env!("CARGO_BIN_EXE_medsec"))
        .args(["db", "info", "--json"])
        .env("MEDSEC_DATABASE_URL", db.url())
        .output()
        .expect("run medsec");
    let info: Value = serde_json::from_slice(&info.stdout).expect("info JSON");
    assert_eq!(info["counts"]["kev"].as_u64(), Some(kev_count));
    assert_eq!(info["counts"]["epss"].as_u64(), Some(epss_rows));
}
