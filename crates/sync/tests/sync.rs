//! `medsec_sync::sync` against a local server replaying feeds built from
//! the real public data: NVD API 2.0 records, OSV records, the CISA KEV
//! catalog and an EPSS file in the official layout.

mod server;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use medsec_sync::{
    sync, Document, HttpConfig, NvdConfig, OsvConfig, Outcome, RateLimit, RetryPolicy, SourceKind,
    SyncConfig, SyncError, SyncState,
};
use serde_json::Value;
use server::{Fault, Feeds, Server};

fn feeds(data: &Path, osv: &[&str]) -> Feeds {
    let kev = data.join("vulns/kev/known_exploited_vulnerabilities.json.gz");
    let epss = data.join("testvectors/epss/vunnel-example-1.csv");
    Feeds {
        nvd: server::load_nvd(data),
        kev: Bytes::from(medsec_testdata::read(&kev)),
        epss_gz: Bytes::from(server::gzip(&medsec_testdata::read(&epss))),
        osv: osv
            .iter()
            .map(|eco| (eco.to_string(), server::osv_zip(data, eco)))
            .collect(),
    }
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// No source enabled; short backoffs so retry tests stay fast.
fn config() -> SyncConfig {
    SyncConfig {
        nvd: None,
        osv: None,
        kev: None,
        epss: None,
        http: HttpConfig {
            retry: RetryPolicy {
                max_attempts: 4,
                initial_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_secs(2),
            },
            ..HttpConfig::default()
        },
    }
}

fn nvd_config(server: &Server, per_page: u32) -> NvdConfig {
    NvdConfig {
        url: format!("{}/nvd", server.base),
        results_per_page: per_page,
        until: Some(time("2026-11-01T00:00:00Z")),
        overlap: Duration::ZERO,
        rate_limit: Some(RateLimit {
            requests: 1000,
            window: Duration::from_secs(1),
            min_interval: Duration::ZERO,
        }),
        ..NvdConfig::default()
    }
}

fn cve_id(entry: &Value) -> String {
    entry["cve"]["id"].as_str().unwrap().to_owned()
}

/// The CVE ids of the delivered NVD pages, in order, after checking that
/// each page reads with the knowledge-base reader, record for record.
fn delivered_ids(docs: &[Document]) -> Vec<String> {
    let mut ids = Vec::new();
    for doc in docs {
        assert_eq!(doc.source, SourceKind::Nvd);
        let page: Value = serde_json::from_slice(&doc.body).unwrap();
        let entries = page["vulnerabilities"].as_array().unwrap();
        assert_eq!(doc.records, Some(entries.len() as u64), "{}", doc.name);
        let read = medsec_kb::nvd::read(&doc.body, &doc.name).unwrap();
        assert_eq!(read.records.len() + read.rejected.len(), entries.len());
        ids.extend(entries.iter().map(cve_id));
    }
    ids
}

fn source_ids(server: &Server, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let feeds = &server.shared.feeds;
    feeds
        .nvd
        .iter()
        .filter(|r| (from..=to).contains(&server::last_modified(r)))
        .map(cve_id)
        .collect()
}

fn assert_once(got: &[String], want: &[String]) {
    let unique: BTreeSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "a record was delivered twice");
    let want: BTreeSet<&String> = want.iter().collect();
    assert_eq!(unique, want);
}

#[tokio::test]
async fn nvd_full_paging_delivers_every_record_once() {
    let Some(data) = medsec_testdata::require("nvd_full_paging_delivers_every_record_once") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let all = source_ids(&server, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    assert!(
        all.len() > 3 * 7,
        "the shared data holds {} NVD records",
        all.len()
    );
    let mut cfg = config();
    cfg.nvd = Some(nvd_config(&server, 7));
    let mut state = SyncState::default();
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut state, &mut docs).await.unwrap();

    assert_eq!(docs.len(), all.len().div_ceil(7));
    let got = delivered_ids(&docs);
    assert_eq!(got.len(), all.len());
    assert_once(&got, &all);
    let log = server.log("nvd");
    let starts: Vec<usize> = log
        .iter()
        .map(|l| l.query["startIndex"].parse().unwrap())
        .collect();
    assert_eq!(starts, (0..all.len()).step_by(7).collect::<Vec<_>>());
    assert!(log
        .iter()
        .all(|l| !l.query.contains_key("lastModStartDate")));
    assert!(log.iter().all(|l| !l.headers.contains_key("apiKey")));
    assert_eq!(
        state.nvd.map(|c| c.last_modified_end),
        Some(time("2026-11-01T00:00:00Z"))
    );
    let nvd = &report.sources[0];
    assert_eq!(
        (nvd.records, nvd.outcome, nvd.retries),
        (all.len() as u64, Outcome::Updated, 0)
    );
}

#[tokio::test]
async fn nvd_long_range_is_split_into_120_day_windows_and_resumes_from_the_cursor() {
    let Some(data) = medsec_testdata::require("nvd_long_range_is_split") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let (since, first_end, second_end) = (
        time("2020-01-01T00:00:00Z"),
        time("2025-06-01T00:00:00Z"),
        time("2026-07-01T00:00:00Z"),
    );
    let mut cfg = config();
    let mut nvd = nvd_config(&server, 5);
    nvd.since = Some(since);
    nvd.until = Some(first_end);
    cfg.nvd = Some(nvd.clone());
    let mut state = SyncState::default();
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut state, &mut docs).await.unwrap();

    let want = source_ids(&server, since, first_end);
    assert!(!want.is_empty());
    assert_once(&delivered_ids(&docs), &want);
    // The server refuses a range over 120 days, so success alone shows
    // the split; check the windows tile the range too.
    let mut windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for l in server.log("nvd") {
        let w = (
            time(&l.query["lastModStartDate"]),
            time(&l.query["lastModEndDate"]),
        );
        assert!(w.1 - w.0 <= TimeDelta::days(120));
        if windows.last() != Some(&w) {
            windows.push(w);
        }
    }
    assert!(windows.len() > 5, "{} windows", windows.len());
    assert_eq!(windows.len() as u32, report.sources[0].windows);
    assert_eq!(windows.first().map(|w| w.0), Some(since));
    assert_eq!(windows.last().map(|w| w.1), Some(first_end));
    for pair in windows.windows(2) {
        assert_eq!(pair[1].0 - pair[0].1, TimeDelta::milliseconds(1));
    }
    assert_eq!(state.nvd.map(|c| c.last_modified_end), Some(first_end));

    // The next run starts at the saved cursor.
    let requests_before = server.log("nvd").len();
    nvd.until = Some(second_end);
    cfg.nvd = Some(nvd);
    let mut state: SyncState =
        serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let mut docs = Vec::new();
    sync(&cfg, &mut state, &mut docs).await.unwrap();
    let want = source_ids(&server, first_end, second_end);
    assert!(!want.is_empty());
    assert_once(&delivered_ids(&docs), &want);
    let first = &server.log("nvd")[requests_before];
    assert_eq!(time(&first.query["lastModStartDate"]), first_end);
    assert_eq!(state.nvd.map(|c| c.last_modified_end), Some(second_end));
}

#[tokio::test]
async fn nvd_api_key_is_sent_as_a_header() {
    let Some(data) = medsec_testdata::require("nvd_api_key_is_sent_as_a_header") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let mut cfg = config();
    let mut nvd = nvd_config(&server, 30);
    nvd.api_key = Some("0123-test-key".into());
    cfg.nvd = Some(nvd);
    let mut docs = Vec::new();
    sync(&cfg, &mut SyncState::default(), &mut docs)
        .await
        .unwrap();
    let log = server.log("nvd");
    assert!(log.len() > 1);
    for l in &log {
        assert_eq!(l.headers.get("apiKey").unwrap(), "0123-test-key");
        assert!(
            !l.query.contains_key("apiKey"),
            "the key must not be in the URL"
        );
    }
}

#[tokio::test]
async fn nvd_403_429_and_503_are_retried_honouring_retry_after() {
    let Some(data) = medsec_testdata::require("nvd_403_429_and_503_are_retried") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let all = source_ids(&server, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    server.fault(
        "nvd",
        &[
            Fault::Status(403, None),
            Fault::Status(429, Some("1")),
            Fault::Status(503, None),
        ],
    );
    let mut cfg = config();
    cfg.nvd = Some(nvd_config(&server, 20));
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut SyncState::default(), &mut docs)
        .await
        .unwrap();
    assert_once(&delivered_ids(&docs), &all);
    let log = server.log("nvd");
    assert_eq!(log.len(), all.len().div_ceil(20) + 3);
    assert_eq!(report.sources[0].retries, 3);
    // The backoff is 10-20 ms here; only Retry-After explains a 1 s wait.
    assert!(log[2].at - log[1].at >= Duration::from_secs(1));
    assert!(log[3].at - log[2].at < Duration::from_secs(1));
}

#[tokio::test]
async fn nvd_body_cut_off_or_truncated_is_detected_and_retried() {
    let Some(data) = medsec_testdata::require("nvd_body_cut_off_is_retried") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let all = source_ids(&server, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    server.fault("nvd", &[Fault::CutOff, Fault::Truncated]);
    let mut cfg = config();
    cfg.nvd = Some(nvd_config(&server, 20));
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut SyncState::default(), &mut docs)
        .await
        .unwrap();
    assert_once(&delivered_ids(&docs), &all);
    assert_eq!(report.sources[0].retries, 2);
    assert_eq!(server.log("nvd").len(), all.len().div_ceil(20) + 2);
}

#[tokio::test]
async fn persistent_failure_names_the_url_and_last_status() {
    let Some(data) = medsec_testdata::require("persistent_failure_names_the_url") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    server.always("nvd", 503);
    let mut cfg = config();
    cfg.http.retry.max_attempts = 3;
    cfg.nvd = Some(nvd_config(&server, 20));
    let mut state = SyncState::default();
    let err = sync(&cfg, &mut state, &mut Vec::new()).await.unwrap_err();
    let text = err.to_string();
    match err {
        SyncError::Fetch {
            url,
            attempts,
            last_status,
            ..
        } => {
            assert!(url.starts_with(&format!("{}/nvd?", server.base)), "{url}");
            assert_eq!((attempts, last_status), (3, Some(503)));
            assert!(text.contains(&url) && text.contains("503"), "{text}");
        }
        other => panic!("unexpected error {other}"),
    }
    assert_eq!(server.log("nvd").len(), 3);
    assert_eq!(
        state,
        SyncState::default(),
        "no cursor after a failed window"
    );

    // A status that no retry can fix is reported at once.
    server.always("kev", 404);
    let mut cfg = config();
    cfg.kev = Some(medsec_sync::FeedConfig {
        url: format!("{}/kev.json", server.base),
    });
    let err = sync(&cfg, &mut state, &mut Vec::new()).await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Fetch {
                attempts: 1,
                last_status: Some(404),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.log("kev").len(), 1);
}

#[tokio::test]
async fn rate_limiter_keeps_every_window_within_the_limit() {
    let Some(data) = medsec_testdata::require("rate_limiter_keeps_every_window") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let window = Duration::from_secs(1);
    let mut cfg = config();
    let mut nvd = nvd_config(&server, 10);
    nvd.rate_limit = Some(RateLimit {
        requests: 3,
        window,
        min_interval: Duration::ZERO,
    });
    cfg.nvd = Some(nvd);
    let started = Instant::now();
    let mut docs = Vec::new();
    sync(&cfg, &mut SyncState::default(), &mut docs)
        .await
        .unwrap();
    let at: Vec<Instant> = server.log("nvd").iter().map(|l| l.at).collect();
    assert!(at.len() >= 7, "{} requests", at.len());
    // Any 4 consecutive arrivals span more than the window, so no window
    // holds more than 3.
    for (i, four) in at.windows(4).enumerate() {
        assert!(
            four[3] - four[0] >= window,
            "requests {i}..{} within {:?}",
            i + 3,
            four[3] - four[0]
        );
    }
    // And the limiter does not stall: 3 per window, about.
    let expected = window * (at.len() as u32 - 1) / 3;
    assert!(started.elapsed() < expected + Duration::from_secs(4));
}

fn files_config(server: &Server, ecosystems: &[&str]) -> SyncConfig {
    let mut cfg = config();
    cfg.kev = Some(medsec_sync::FeedConfig {
        url: format!("{}/kev.json", server.base),
    });
    cfg.epss = Some(medsec_sync::FeedConfig {
        url: format!("{}/epss.csv.gz", server.base),
    });
    cfg.osv = Some(OsvConfig {
        url: format!("{}/osv", server.base),
        ecosystems: ecosystems.iter().map(|e| e.to_string()).collect(),
    });
    cfg
}

/// Checks the first sync's documents against the files served: KEV and
/// EPSS read record for record with the knowledge-base readers, one OSV
/// document per archive entry.
fn check_files(server: &Server, docs: &[Document], ecosystems: &[&str]) {
    let feeds = &server.shared.feeds;
    let by_kind = |k| docs.iter().filter(move |d: &&Document| d.source == k);

    let kev: Vec<&Document> = by_kind(SourceKind::Kev).collect();
    assert_eq!(kev.len(), 1);
    let source: Value = serde_json::from_slice(&feeds.kev).unwrap();
    let entries = source["vulnerabilities"].as_array().unwrap().len();
    let (_, read) = medsec_kb::kev::read_json(&kev[0].body, &kev[0].name).unwrap();
    assert_eq!(read.records.len() + read.rejected.len(), entries);
    assert_eq!(kev[0].records, Some(read.records.len() as u64));

    let epss: Vec<&Document> = by_kind(SourceKind::Epss).collect();
    assert_eq!(epss.len(), 1);
    let plain = medsec_testdata::read(
        &medsec_testdata::shared_data()
            .unwrap()
            .join("testvectors/epss/vunnel-example-1.csv"),
    );
    let rows = String::from_utf8(plain)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("CVE-"))
        .count();
    let scores: Vec<_> = medsec_kb::epss::EpssReader::new(&epss[0].body[..], "epss")
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(scores.len(), rows);

    for eco in ecosystems {
        let names: BTreeSet<String> = feeds.osv[*eco]
            .1
            .iter()
            .map(|n| format!("osv/{eco}/{n}"))
            .collect();
        let got: Vec<&Document> = by_kind(SourceKind::Osv)
            .filter(|d| d.name.starts_with(&format!("osv/{eco}/")))
            .collect();
        assert_eq!(got.len(), names.len());
        assert_eq!(
            got.iter().map(|d| d.name.clone()).collect::<BTreeSet<_>>(),
            names
        );
        for doc in got {
            let read = medsec_kb::osv::read_json(&doc.body, &doc.name).unwrap();
            assert_eq!(read.records.len() + read.rejected.len(), 1, "{}", doc.name);
        }
    }
}

#[tokio::test]
async fn second_sync_with_saved_state_gets_304_and_delivers_nothing() {
    let Some(data) = medsec_testdata::require("second_sync_gets_304") else {
        return;
    };
    let ecosystems = ["crates.io", "NuGet"];
    let server = Server::start(feeds(&data, &ecosystems)).await;
    let cfg = files_config(&server, &ecosystems);
    let mut state = SyncState::default();
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut state, &mut docs).await.unwrap();
    check_files(&server, &docs, &ecosystems);
    assert!(report.sources.iter().all(|s| s.outcome == Outcome::Updated));
    assert_eq!(report.documents(), docs.len() as u64);

    let saved = serde_json::to_string(&state).unwrap();
    let mut state: SyncState = serde_json::from_str(&saved).unwrap();
    let mut again = Vec::new();
    let report = sync(&cfg, &mut state, &mut again).await.unwrap();
    assert!(again.is_empty(), "{} documents re-delivered", again.len());
    assert_eq!(report.sources.len(), 2 + ecosystems.len());
    assert!(report
        .sources
        .iter()
        .all(|s| s.outcome == Outcome::NotModified));

    let last = |route| server.log(route).last().cloned().unwrap();
    assert_eq!(last("kev").headers["if-none-match"], server::KEV_ETAG);
    assert_eq!(
        last("epss").headers["if-modified-since"],
        server::EPSS_LAST_MODIFIED
    );
    assert_eq!(last("osv").headers["if-none-match"], server::OSV_ETAG);
    assert_eq!(serde_json::to_string(&state).unwrap(), saved);
}

#[tokio::test]
async fn damaged_file_downloads_are_fetched_again() {
    let Some(data) = medsec_testdata::require("damaged_file_downloads_are_fetched_again") else {
        return;
    };
    let ecosystems = ["NuGet"];
    let server = Server::start(feeds(&data, &ecosystems)).await;
    server.fault("kev", &[Fault::Truncated, Fault::CutOff]);
    server.fault("epss", &[Fault::Truncated]);
    server.fault(
        "osv",
        &[Fault::Truncated, Fault::CutOff, Fault::Status(503, None)],
    );
    let cfg = files_config(&server, &ecosystems);
    let mut docs = Vec::new();
    let report = sync(&cfg, &mut SyncState::default(), &mut docs)
        .await
        .unwrap();
    check_files(&server, &docs, &ecosystems);
    let retries: HashMap<String, u32> = report
        .sources
        .iter()
        .map(|s| (s.unit.clone(), s.retries))
        .collect();
    assert_eq!(retries["kev"], 2);
    assert_eq!(retries["epss"], 1);
    assert_eq!(retries["osv/NuGet"], 3);
}

/// Records checkpoints; refuses the document numbered `fail_at`.
struct Recording {
    docs: Vec<Document>,
    checkpoints: Vec<medsec_sync::Checkpoint>,
    fail_at: Option<usize>,
}

impl medsec_sync::Sink for Recording {
    async fn document(&mut self, doc: Document) -> Result<(), medsec_sync::SinkError> {
        if Some(self.docs.len()) == self.fail_at {
            return Err(format!("database refused {}", doc.name).into());
        }
        self.docs.push(doc);
        Ok(())
    }

    async fn checkpoint(
        &mut self,
        checkpoint: medsec_sync::Checkpoint,
    ) -> Result<(), medsec_sync::SinkError> {
        self.checkpoints.push(checkpoint);
        Ok(())
    }
}

#[tokio::test]
async fn sink_failure_stops_the_sync_and_the_state_keeps_completed_windows() {
    let Some(data) = medsec_testdata::require("sink_failure_stops_the_sync") else {
        return;
    };
    let server = Server::start(feeds(&data, &[])).await;
    let mut cfg = config();
    let mut nvd = nvd_config(&server, 2);
    nvd.since = Some(time("2020-01-01T00:00:00Z"));
    cfg.nvd = Some(nvd);

    // A clean run: one checkpoint per window, the last one the final state.
    let mut clean = Recording {
        docs: Vec::new(),
        checkpoints: Vec::new(),
        fail_at: None,
    };
    let mut state = SyncState::default();
    let report = sync(&cfg, &mut state, &mut clean).await.unwrap();
    assert_eq!(clean.checkpoints.len() as u32, report.sources[0].windows);
    assert_eq!(clean.checkpoints.last().map(|c| &c.state), Some(&state));

    // Fail on a document some windows in: the error names it, and the
    // state is the checkpoint of the last window completed before it.
    let fail_at = clean.docs.len() / 2;
    let mut failing = Recording {
        docs: Vec::new(),
        checkpoints: Vec::new(),
        fail_at: Some(fail_at),
    };
    let mut state = SyncState::default();
    let err = sync(&cfg, &mut state, &mut failing).await.unwrap_err();
    match &err {
        SyncError::Sink {
            source_kind, name, ..
        } => {
            assert_eq!(*source_kind, SourceKind::Nvd);
            assert_eq!(name, &clean.docs[fail_at].name);
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("database refused"), "{err}");
    let last = failing
        .checkpoints
        .last()
        .expect("a window completed first");
    assert_eq!(last.state, state);
    assert!(state.nvd.unwrap().last_modified_end < time("2026-11-01T00:00:00Z"));
}

/// The CLI may run a sync on a spawned task.
#[test]
fn sync_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let cfg = SyncConfig::default();
    let mut state = SyncState::default();
    let mut sink = Vec::new();
    let future = sync(&cfg, &mut state, &mut sink);
    assert_send(&future);
}
