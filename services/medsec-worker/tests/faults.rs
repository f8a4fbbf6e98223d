//! Faults on the real services: a worker killed mid-job, Redis losing all
//! its data with jobs queued, a job that fails on every attempt, and a
//! worker stopped with SIGTERM.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Stack, StackOptions, SERIAL};

fn large(data: &std::path::Path, name: &str) -> PathBuf {
    data.join("sboms/large").join(name)
}

const FLINK: &str = "apache-flink.cdxgen.cdx.json.gz";

/// Device contexts that make otherwise equal submissions distinct jobs
/// with distinct cache keys.
const DEVICES: [&str; 4] = [
    "device-class=diagnostic&network-exposure=internet",
    "device-class=monitoring&network-exposure=clinical-network",
    "device-class=therapeutic&network-exposure=none",
    "device-class=administrative&network-exposure=internet",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_leaves_it_to_the_other_with_one_result() {
    let test = "a_worker_killed_mid_job_leaves_it_to_the_other_with_one_result";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let mut stack = Stack::start(
        &data,
        StackOptions {
            workers: 1,
            concurrency: 1,
            ..StackOptions::default()
        },
    )
    .await;
    // Only the first worker runs; the job must be caught while it runs.
    let mut caught = None;
    for device in DEVICES {
        let id = stack.submit_file(&large(&data, FLINK), device).await;
        stack
            .wait_status(&id, "running", Duration::from_secs(120))
            .await;
        stack.workers[0].signal(Signal::SIGKILL);
        assert!(stack.workers[0]
            .wait_exit(Duration::from_secs(10))
            .is_some());
        let job = stack.job(&id).await;
        if job["status"] == "running" {
            caught = Some(id);
            break;
        }
        // It finished between the poll and the kill: try again with a
        // fresh worker and another job.
        stack.workers.clear();
        stack.spawn_worker();
    }
    let id = caught.expect("no job was caught running by the kill in four tries");

    let second = stack.spawn_worker();
    let job = stack.wait_finished(&id, Duration::from_secs(600)).await;
    assert_eq!(job["status"], "succeeded", "{job:#}\n{}", stack.logs());
    assert_eq!(job["attempts"], 2, "one attempt per worker: {job:#}");
    assert_eq!(stack.result_rows(&id).await, 1, "exactly one result row");
    assert!(
        stack.workers[second].log_text().contains(&id),
        "the second worker's log does not mention job {id}:\n{}",
        stack.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_accepted_job_completes_after_redis_loses_its_data() {
    let test = "every_accepted_job_completes_after_redis_loses_its_data";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let mut stack = Stack::start(
        &data,
        StackOptions {
            workers: 0,
            ..StackOptions::default()
        },
    )
    .await;
    let files = medsec_testdata::files_under(&data.join("sboms/medical"));
    let mut ids = Vec::new();
    for file in &files {
        for device in DEVICES {
            ids.push(stack.submit_file(file, device).await);
        }
    }
    let queue = stack.queue().await;
    assert_eq!(
        queue.depth("sbom-analysis").await.unwrap(),
        ids.len() as u64,
        "every accepted job is queued"
    );
    stack.flush_redis().await;
    assert_eq!(
        queue.depth("sbom-analysis").await.unwrap(),
        0,
        "FLUSHDB emptied the stream"
    );

    stack.spawn_worker();
    stack.spawn_worker();
    for id in &ids {
        let job = stack.wait_finished(id, Duration::from_secs(300)).await;
        assert_eq!(job["status"], "succeeded", "{job:#}\n{}", stack.logs());
        assert_eq!(stack.result_rows(id).await, 1);
    }
    let reconciled = stack
        .workers
        .iter()
        .any(|w| w.log_text().contains("reconciler re-enqueued lost jobs"));
    assert!(
        reconciled,
        "no worker says it re-enqueued:\n{}",
        stack.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_every_attempt_is_dead_lettered_with_its_error_on_get() {
    let test = "a_job_failing_every_attempt_is_dead_lettered_with_its_error_on_get";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let mut stack = Stack::start(
        &data,
        StackOptions {
            workers: 0,
            max_attempts: 3,
            // Every SBOM goes to S3, so its object can be lost.
            env: vec![("MEDSEC_API__INLINE_SBOM_MAX_BYTES".into(), "1024".into())],
            ..StackOptions::default()
        },
    )
    .await;
    let file = large(&data, "blogifier-dotnet.syft.cdx.json.gz");
    let id = stack.submit_file(&file, "").await;
    let job = stack.job(&id).await;
    assert_eq!(job["input"]["stored"], "s3", "{job:#}");

    // The stored input disappears: every attempt fails to read it.
    let s3 = support::s3_client(&stack.moto);
    let listed = s3
        .list_objects_v2()
        .bucket(support::BUCKET)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .filter(|k| !k.starts_with(support::MODEL_PREFIX))
        .collect();
    assert_eq!(keys.len(), 1, "one stored SBOM expected: {keys:?}");
    s3.delete_object()
        .bucket(support::BUCKET)
        .key(&keys[0])
        .send()
        .await
        .unwrap();

    stack.spawn_worker();
    let job = stack.wait_finished(&id, Duration::from_secs(180)).await;
    assert_eq!(job["status"], "dead", "{job:#}\n{}", stack.logs());
    assert_eq!(job["attempts"], 3, "{job:#}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&keys[0]) && error.contains("after 3 attempts"),
        "the error on GET names the lost object and the attempts: {error:?}"
    );
    assert_eq!(stack.result_rows(&id).await, 0);

    let dead = stack
        .queue()
        .await
        .dead_letters("sbom-analysis", 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].envelope.job_id, id);
    assert!(dead[0].error.contains(&keys[0]), "{:?}", dead[0].error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_job_in_flight_then_exits() {
    let test = "sigterm_finishes_the_job_in_flight_then_exits";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let mut stack = Stack::start(
        &data,
        StackOptions {
            workers: 1,
            concurrency: 1,
            ..StackOptions::default()
        },
    )
    .await;
    let id = stack.submit_file(&large(&data, FLINK), DEVICES[0]).await;
    stack
        .wait_status(&id, "running", Duration::from_secs(120))
        .await;
    stack.workers[0].signal(Signal::SIGTERM);
    let status = stack.workers[0].wait_exit(Duration::from_secs(120));
    assert!(
        status.is_some_and(|s| s.success()),
        "worker did not exit cleanly after SIGTERM: {status:?}\n{}",
        stack.logs()
    );
    let job = stack.job(&id).await;
    assert_eq!(
        job["status"], "succeeded",
        "in-flight job finished before exit: {job:#}"
    );
    assert_eq!(stack.result_rows(&id).await, 1);
}
