//! PostgreSQL restarted under load: while it is down the API answers 503
//! (never 500), and once it is back submissions are accepted again without
//! any manual step; every submission answered 202 has its job row.
//!
//! The test runs a PostgreSQL server of its own
//! (`medsec_testdata::postgres`: initdb into a temporary directory, a free
//! port), so stopping it does not disturb other tests.

mod helpers;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helpers::{read, shared, spawn_with};
use medsec_store::jobs;
use medsec_testdata::postgres::PrivatePostgres;
use uuid::Uuid;

const NARROW: &str = "sboms/medical/sbom-completeness/narrow.sbom.json";

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(Default)]
struct Tally {
    accepted: Vec<Uuid>,
    unavailable: usize,
    other: Vec<u16>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_gives_503_then_recovers() {
    let Some(sbom) = shared("postgres_restarted_under_load", NARROW) else {
        return;
    };
    let Some(pg) = PrivatePostgres::start("postgres_restarted_under_load") else {
        return;
    };
    medsec_store::run_migrations(&pg.url())
        .await
        .expect("migrations on the private server");
    let url = pg.url();
    let app = spawn_with(move |s| s.database.url = url).await;
    let body = read(&sbom);

    // Four clients submit without pause for the whole test.
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (stop, tally, body) = (stop.clone(), tally.clone(), body.clone());
        let client = app.client.clone();
        let url = app.url("/api/v1/sbom-analyses");
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let response = client
                    .post(&url)
                    .header("Content-Type", "application/vnd.cyclonedx+json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let json: serde_json::Value = response.json().await.unwrap_or_default();
                let mut t = tally.lock().unwrap();
                match status {
                    202 => t
                        .accepted
                        .push(json["id"].as_str().unwrap().parse().unwrap()),
                    503 => t.unavailable += 1,
                    other => t.other.push(other),
                }
            }
        }));
    }

    let accepted_count = || tally.lock().unwrap().accepted.len();
    wait_until("submissions before the restart", || accepted_count() >= 20).await;

    pg.stop();
    let before_outage = accepted_count();
    wait_until("503 answers while PostgreSQL is down", || {
        tally.lock().unwrap().unavailable >= 20
    })
    .await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "readiness while PostgreSQL is down");

    pg.start_server();
    wait_until("submissions accepted after the restart", || {
        accepted_count() >= before_outage + 20
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "readiness after the restart");

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    assert!(
        tally.other.is_empty(),
        "answers other than 202 and 503: {:?}",
        tally.other
    );
    // No accepted submission was lost: each has its job row.
    let Ok(mut conn) = app.state.conn().await else {
        panic!("no database connection after the restart");
    };
    for id in &tally.accepted {
        let job = jobs::get_job(&mut conn, *id).await.unwrap();
        assert!(job.is_some(), "accepted job {id} has no row");
    }
    eprintln!(
        "postgres restart: {} accepted, {} answered 503 while down",
        tally.accepted.len(),
        tally.unavailable
    );
}
