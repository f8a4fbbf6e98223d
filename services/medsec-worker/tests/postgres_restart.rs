//! PostgreSQL restarted under load with the whole service running (the API
//! and two workers): while it is down the API answers 503 problem+json,
//! never 500, on submissions and reads; once it is back, with no manual
//! step, every accepted job succeeds with exactly one result and both
//! worker processes are still the ones started, having ridden out the
//! outage themselves.
//!
//! The database is a PostgreSQL server of the test's own
//! (`medsec_testdata::postgres`), so stopping it disturbs no other test.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use medsec_testdata::postgres::PrivatePostgres;
use support::{Stack, StackOptions, SERIAL};

const TEST: &str = "postgres_restarted_under_load_every_job_succeeds_once_and_workers_stay_up";

/// How long the database stays down: longer than a worker keeps retrying
/// the commit of a finished analysis (20 s), so every job loop of both
/// workers meets the outage when it claims its next job, not only inside
/// a commit retry; and many visibility timeouts and retry backoffs of the
/// stack.
const OUTAGE: Duration = Duration::from_secs(30);

/// Every device context the API accepts: with each SBOM a distinct
/// analysis (and cache key), so the batch is real work.
fn device_contexts() -> Vec<String> {
    let classes = [
        "life-sustaining",
        "therapeutic",
        "diagnostic",
        "monitoring",
        "administrative",
    ];
    let exposures = ["none", "clinical-network", "internet"];
    classes
        .iter()
        .flat_map(|c| {
            exposures
                .iter()
                .map(move |e| format!("device-class={c}&network-exposure={e}"))
        })
        .collect()
}

/// One HTTP answer: status, content type, body.
struct Answer {
    what: String,
    status: u16,
    content_type: String,
    body: String,
}

async fn answer(what: String, request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (status, content_type, body) = support::response_parts(response).await;
    let body = body
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Answer {
        what,
        status,
        content_type,
        body,
    }
}

/// The answer is a 503 problem document whose `status` says 503.
fn is_problem_503(a: &Answer) -> bool {
    let doc: serde_json::Value = serde_json::from_str(&a.body).unwrap_or_default();
    a.status == 503
        && a.content_type.starts_with("application/problem+json")
        && doc["status"] == 503
}

fn content_type_of(path: &Path) -> &'static str {
    if path.extension().is_some_and(|e| e == "gz") {
        "application/gzip"
    } else {
        "application/json"
    }
}

#[derive(diesel::QueryableByName)]
struct JobRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    attempts: i64,
    #[diesel(sql_type = BigInt)]
    results: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(diesel::QueryableByName)]
struct Now {
    #[diesel(sql_type = Timestamptz)]
    now: chrono::DateTime<chrono::Utc>,
}

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

async fn server_now(url: &str) -> chrono::DateTime<chrono::Utc> {
    let mut conn = connect(url).await;
    let now: Now = diesel::sql_query("SELECT now() AS now")
        .get_result(&mut conn)
        .await
        .unwrap();
    now.now
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_every_job_succeeds_once_and_workers_stay_up() {
    let Some(data) = medsec_testdata::require(TEST) else {
        return;
    };
    let medical = data.join("sboms/medical");
    let files: Vec<PathBuf> = if medical.is_dir() {
        medsec_testdata::files_under(&medical)
    } else {
        Vec::new()
    };
    if files.is_empty() {
        medsec_testdata::say_skipped(TEST, "no SBOMs under sboms/medical in the shared data");
        return;
    }
    let Some(pg) = PrivatePostgres::start(TEST) else {
        return;
    };
    medsec_store::run_migrations(&pg.url())
        .await
        .expect("migrations on the private server");
    let _serial = SERIAL.lock().await;
    let mut stack = Stack::start(
        &data,
        StackOptions {
            workers: 2,
            concurrency: 2,
            // Every process uses the private server (the stack's own
            // database on the shared server stays unused).
            env: vec![("MEDSEC_DATABASE__URL".into(), pg.url())],
            ..StackOptions::default()
        },
    )
    .await;
    let worker_pids: Vec<i32> = stack.workers.iter().map(|w| w.pid()).collect();

    // The batch: every medical SBOM in every device context.
    let devices = device_contexts();
    let mut accepted = Vec::new();
    for file in &files {
        for device in &devices {
            accepted.push(stack.submit_file(file, device).await);
        }
    }
    // Stop once the workers are at it, with most of the batch still ahead.
    let deadline = Instant::now() + Duration::from_secs(300);
    'started: loop {
        for id in &accepted {
            if stack.job(id).await["status"] != "queued" {
                break 'started;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no job left queued within 300 s:\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stopped_at = server_now(&pg.url()).await;
    pg.stop();

    // While it is down: submissions, job reads, result reads and listings.
    let body = std::fs::read(&files[0]).unwrap();
    let mut answers = Vec::new();
    let outage_started = Instant::now();
    let mut turn = 0usize;
    while outage_started.elapsed() < OUTAGE {
        let id = &accepted[turn % accepted.len()];
        turn += 1;
        let requests = [
            (
                "POST sbom-analyses".to_owned(),
                stack
                    .http
                    .post(stack.url("sbom-analyses"))
                    .header("content-type", content_type_of(&files[0]))
                    .body(body.clone()),
            ),
            (
                format!("GET jobs/{id}"),
                stack.http.get(stack.url(&format!("jobs/{id}"))),
            ),
            (
                format!("GET jobs/{id}/result"),
                stack
                    .http
                    .get(stack.url(&format!("jobs/{id}/result?format=json"))),
            ),
            ("GET jobs".to_owned(), stack.http.get(stack.url("jobs"))),
        ];
        for (what, request) in requests {
            answers.push(answer(what, request).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pg.start_server();
    let restarted_at = server_now(&pg.url()).await;

    let wrong: Vec<String> = answers
        .iter()
        .filter(|a| !is_problem_503(a))
        .map(|a| format!("{}: {} {} {}", a.what, a.status, a.content_type, a.body))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} answers while PostgreSQL was down were not 503 problem+json:\n{}",
        wrong.len(),
        answers.len(),
        wrong.join("\n")
    );

    let batch = accepted.len();
    // Back up: submissions are accepted again, with no manual step.
    for file in &files {
        accepted.push(stack.submit_file(file, &devices[0]).await);
    }
    for id in &accepted {
        let job = stack.wait_finished(id, Duration::from_secs(600)).await;
        assert_eq!(
            job["status"],
            "succeeded",
            "job {id}: {job:#}\n{}",
            stack.logs()
        );
    }

    // In the database: exactly the accepted jobs, each succeeded with one result.
    let mut conn = connect(&pg.url()).await;
    let rows: Vec<JobRow> = diesel::sql_query(
        "SELECT j.id::text AS id, j.status, j.attempts::bigint AS attempts, j.finished_at, \
                (SELECT count(*) FROM jobs.results r WHERE r.job_id = j.id) AS results \
         FROM jobs.jobs j",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let rows: BTreeMap<String, JobRow> = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut expected: Vec<&String> = accepted.iter().collect();
    expected.sort();
    expected.dedup();
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        expected,
        "job rows are exactly the accepted submissions"
    );
    for row in rows.values() {
        assert_eq!(row.status, "succeeded", "job {} in the database", row.id);
        assert_eq!(row.results, 1, "result rows of job {}", row.id);
    }
    let finished_after_stop = rows
        .values()
        .filter(|r| r.finished_at.is_some_and(|t| t > stopped_at))
        .count();
    // The outage hit work in progress, or the test shows nothing.
    let batch_after_restart = accepted[..batch]
        .iter()
        .filter(|id| rows[*id].finished_at.is_some_and(|t| t >= restarted_at))
        .count();
    assert!(
        batch_after_restart > 0,
        "every job of the batch had finished before PostgreSQL was stopped"
    );

    // The outage spent no job's attempts: nothing was dead-lettered, even
    // for a while (the reconciler would re-run such a job, but its dead
    // letter would stay behind).
    let queue = stack.queue().await;
    for kind in medsec_queue::JobKind::ALL {
        let dead = queue.dead_letters(kind.as_str(), 100).await.unwrap();
        let dead: Vec<(&str, &str)> = dead
            .iter()
            .map(|d| (d.envelope.job_id.as_str(), d.error.as_str()))
            .collect();
        assert!(
            dead.is_empty(),
            "{} {} jobs dead-lettered: {dead:?}\n{}",
            dead.len(),
            kind.as_str(),
            stack.logs()
        );
    }

    // Nor was any job retried for it: every claim the workers logged is of
    // a delivery's first attempt. (A database that does not answer is not
    // the job's failure; spending attempts on it dead-letters healthy jobs
    // whenever an outage outlasts a few of them.)
    let mut retried = Vec::new();
    for worker in &stack.workers {
        for line in worker.log_text().lines() {
            let event: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let fields = &event["fields"];
            if fields["message"] == "job claimed" && fields["attempt"].as_u64() != Some(1) {
                retried.push(format!("{}: {}", worker.name, line));
            }
        }
    }
    assert!(
        retried.is_empty(),
        "jobs claimed again after attempts spent on the outage:\n{}",
        retried.join("\n")
    );

    // Both workers rode it out: the processes started are still running.
    for (worker, pid) in stack.workers.iter_mut().zip(&worker_pids) {
        assert_eq!(worker.pid(), *pid);
        assert!(
            worker.alive(),
            "{} exited during or after the outage:\n{}",
            worker.name,
            worker.log_tail(60)
        );
    }
    let max_attempts = rows.values().map(|r| r.attempts).max().unwrap_or(0);
    eprintln!(
        "postgres restart: {} jobs accepted ({} in the batch), {} answers while down all 503, \
         {finished_after_stop} finished after the stop, {batch_after_restart} of the batch after the restart; \
         every one succeeded with one result (most attempts on a job: {max_attempts}); both workers alive",
        accepted.len(),
        batch,
        answers.len(),
    );
}
