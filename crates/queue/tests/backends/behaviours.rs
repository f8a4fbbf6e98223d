//! One async function per behaviour; `backends.rs` runs each on both
//! backends.

use std::time::{Duration, Instant};

use medsec_queue::{JobKind, QueueError, RetryOutcome};

use crate::fixture::{envelope, test_settings, Fixture, Kind};

const SBOM: JobKind = JobKind::SbomAnalysis;
const RISK: JobKind = JobKind::RiskScore;
const WAIT: Duration = Duration::from_secs(5);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub async fn enqueue_reserve_ack(backend: Kind) {
    let f = Fixture::new(backend, test_settings()).await;
    let q = &f.queue;
    let sent: Vec<_> = (1..=3).map(|n| envelope(SBOM, n)).collect();
    for env in &sent {
        q.enqueue(env).await.unwrap();
    }
    assert_eq!(q.depth(SBOM.as_str()).await.unwrap(), 3);
    assert_eq!(q.depth(RISK.as_str()).await.unwrap(), 0);

    let got = q
        .reserve(SBOM.as_str(), "worker-a", 10, WAIT)
        .await
        .unwrap();
    // Every field, the trace context included, arrives as sent, in order.
    let received: Vec<_> = got.iter().map(|d| d.envelope.clone()).collect();
    assert_eq!(received, sent);
    assert!(got.iter().all(|d| d.consumer() == "worker-a"));
    assert!(q
        .reserve(RISK.as_str(), "worker-a", 10, Duration::ZERO)
        .await
        .unwrap()
        .is_empty());

    for d in &got {
        q.ack(d).await.unwrap();
    }
    assert_eq!(q.depth(SBOM.as_str()).await.unwrap(), 0);
    let again = q
        .reserve(SBOM.as_str(), "worker-a", 10, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(again.is_empty(), "acknowledged jobs came back: {again:?}");
    f.finish().await;
}

pub async fn reclaimed_after_visibility_timeout(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        visibility_timeout: Duration::from_millis(800),
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let other = f.another().await;
    let sent = envelope(SBOM, 1);
    f.queue.enqueue(&sent).await.unwrap();

    let first = f
        .queue
        .reserve(SBOM.as_str(), "worker-a", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].envelope.attempt, 1);
    let early = other
        .reserve(SBOM.as_str(), "worker-b", 1, Duration::ZERO)
        .await
        .unwrap();
    assert!(early.is_empty(), "a reserved job was visible: {early:?}");

    tokio::time::sleep(Duration::from_millis(1000)).await;
    let reclaimed = other
        .reserve(SBOM.as_str(), "worker-b", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(
        reclaimed.len(),
        1,
        "the expired reservation was not reclaimed"
    );
    assert_eq!(reclaimed[0].envelope.job_id, sent.job_id);
    assert_eq!(
        reclaimed[0].envelope.attempt, 2,
        "the reclaim counts an attempt"
    );
    assert_eq!(reclaimed[0].consumer(), "worker-b");

    // The first worker no longer holds it.
    assert!(matches!(
        f.queue.extend(&first[0]).await,
        Err(QueueError::Lost { .. })
    ));
    assert!(matches!(
        f.queue.retry(&first[0], "late").await,
        Err(QueueError::Lost { .. })
    ));
    other.ack(&reclaimed[0]).await.unwrap();
    assert_eq!(f.queue.depth(SBOM.as_str()).await.unwrap(), 0);
    f.finish().await;
}

pub async fn extend_prevents_reclaim(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        visibility_timeout: Duration::from_millis(1500),
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let other = f.another().await;
    f.queue.enqueue(&envelope(SBOM, 1)).await.unwrap();
    let held = f
        .queue
        .reserve(SBOM.as_str(), "worker-a", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);

    // Held for 3 s, twice the visibility timeout, extended every 500 ms.
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        f.queue.extend(&held[0]).await.unwrap();
        let stolen = other
            .reserve(SBOM.as_str(), "worker-b", 1, Duration::ZERO)
            .await
            .unwrap();
        assert!(
            stolen.is_empty(),
            "an extended job was reclaimed: {stolen:?}"
        );
    }
    f.queue.ack(&held[0]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let after = other
        .reserve(SBOM.as_str(), "worker-b", 1, Duration::from_millis(200))
        .await
        .unwrap();
    assert!(after.is_empty(), "an acknowledged job came back: {after:?}");
    f.finish().await;
}

pub async fn retries_with_backoff_then_dead_letter(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        max_attempts: 3,
        backoff_base: Duration::from_millis(300),
        backoff_max: Duration::from_millis(500),
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let q = &f.queue;
    let sent = envelope(SBOM, 7);
    q.enqueue(&sent).await.unwrap();

    let mut expected_delays = [300u64, 500].into_iter();
    for attempt in 1..=3u32 {
        let started = Instant::now();
        let got = q.reserve(SBOM.as_str(), "worker-a", 1, WAIT).await.unwrap();
        assert_eq!(got.len(), 1, "attempt {attempt} not delivered");
        let d = &got[0];
        assert_eq!(d.envelope.job_id, sent.job_id);
        assert_eq!(d.envelope.attempt, attempt);
        assert_eq!(d.envelope.traceparent, sent.traceparent);
        if attempt > 1 {
            let waited = started.elapsed();
            let delay = Duration::from_millis(if attempt == 2 { 300 } else { 500 });
            // The retry was due `delay` after the failure, which was just
            // before `started`.
            assert!(
                waited + Duration::from_millis(50) >= delay,
                "attempt {attempt} came after {waited:?}, before its {delay:?} backoff"
            );
        }
        let error = format!("failure {attempt}");
        let outcome = q.retry(d, &error).await.unwrap();
        if attempt < 3 {
            let delay = Duration::from_millis(expected_delays.next().unwrap());
            assert_eq!(
                outcome,
                RetryOutcome::Requeued {
                    attempt: attempt + 1,
                    delay
                }
            );
            // Not visible during the backoff.
            let early = q
                .reserve(SBOM.as_str(), "worker-a", 1, Duration::ZERO)
                .await
                .unwrap();
            assert!(
                early.is_empty(),
                "retry visible before its backoff: {early:?}"
            );
            assert_eq!(
                q.depth(SBOM.as_str()).await.unwrap(),
                1,
                "a delayed retry counts"
            );
        } else {
            assert_eq!(outcome, RetryOutcome::DeadLettered { attempts: 3 });
        }
    }
    assert_eq!(q.depth(SBOM.as_str()).await.unwrap(), 0);
    let dead = q.dead_letters(SBOM.as_str(), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].envelope.job_id, sent.job_id);
    assert_eq!(dead[0].envelope.attempt, 3);
    assert_eq!(dead[0].envelope.tracestate, sent.tracestate);
    assert_eq!(dead[0].error, "failure 3");
    assert!((dead[0].failed_at_unix_ms - now_ms()).abs() < 60_000);
    // Listing does not consume.
    assert_eq!(q.dead_letters(SBOM.as_str(), 10).await.unwrap().len(), 1);
    f.finish().await;
}

pub async fn depth_bound_gives_full(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        max_depth: 3,
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let q = &f.queue;
    for n in 1..=3 {
        q.enqueue(&envelope(SBOM, n)).await.unwrap();
    }
    let full = q.enqueue(&envelope(SBOM, 4)).await.unwrap_err();
    match full {
        QueueError::Full { kind, depth, limit } => {
            assert_eq!((kind.as_str(), depth, limit), ("sbom-analysis", 3, 3));
        }
        other => panic!("expected Full, got {other}"),
    }
    // The bound is per kind.
    q.enqueue(&envelope(RISK, 1)).await.unwrap();

    let got = q.reserve(SBOM.as_str(), "worker-a", 1, WAIT).await.unwrap();
    q.ack(&got[0]).await.unwrap();
    q.enqueue(&envelope(SBOM, 5)).await.unwrap();
    assert!(matches!(
        q.enqueue(&envelope(SBOM, 6)).await,
        Err(QueueError::Full { .. })
    ));
    f.finish().await;
}

pub async fn stats_count_what_was_done(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        backoff_base: Duration::from_secs(60),
        backoff_max: Duration::from_secs(60),
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let q = &f.queue;
    for n in 1..=5 {
        q.enqueue(&envelope(SBOM, n)).await.unwrap();
    }
    for n in 1..=2 {
        q.enqueue(&envelope(RISK, n)).await.unwrap();
    }
    let a = q.reserve(SBOM.as_str(), "worker-a", 2, WAIT).await.unwrap();
    assert_eq!(a.len(), 2);
    let b = q.reserve(SBOM.as_str(), "worker-b", 1, WAIT).await.unwrap();
    q.retry(&b[0], "try later").await.unwrap();
    let c = q.reserve(SBOM.as_str(), "worker-c", 1, WAIT).await.unwrap();
    q.dead_letter(&c[0], "malformed SBOM").await.unwrap();

    let stats = q.stats().await.unwrap();
    assert_eq!(
        stats.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        ["sbom-analysis", "risk-score"]
    );
    let sbom = &stats[0];
    assert_eq!(
        sbom.name,
        format!("{}:sbom-analysis", f.settings.stream_prefix)
    );
    assert_eq!(sbom.waiting, 1, "{sbom:?}");
    assert_eq!(sbom.pending, 2, "{sbom:?}");
    assert_eq!(sbom.delayed, 1, "{sbom:?}");
    assert_eq!(sbom.dead_letters, 1, "{sbom:?}");
    let held: Vec<(&str, u64)> = sbom
        .consumers
        .iter()
        .map(|c| (c.name.as_str(), c.pending))
        .collect();
    assert_eq!(held, [("worker-a", 2), ("worker-b", 0), ("worker-c", 0)]);
    assert!(sbom.consumers.iter().all(|c| c.idle.is_some()), "{sbom:?}");
    let risk = &stats[1];
    assert_eq!(
        (risk.waiting, risk.pending, risk.delayed, risk.dead_letters),
        (2, 0, 0, 0)
    );
    match f.kind {
        Kind::Redis => {
            // Everything not yet acknowledged counts towards the bound.
            assert_eq!(sbom.depth, 4);
            assert_eq!(sbom.depth, q.depth(SBOM.as_str()).await.unwrap());
            assert!(sbom.oldest_entry_age.unwrap() < Duration::from_secs(60));
            assert!(sbom.lag.unwrap() <= sbom.oldest_entry_age.unwrap());
            assert!(risk.consumers.is_empty());
        }
        Kind::RabbitMq => {
            // AMQP reports ready messages only; reservations are not in the depth.
            assert_eq!(sbom.depth, 2);
            assert_eq!(sbom.depth, q.depth(SBOM.as_str()).await.unwrap());
        }
    }
    for d in &a {
        q.ack(d).await.unwrap();
    }
    let last = q.reserve(SBOM.as_str(), "worker-a", 5, WAIT).await.unwrap();
    assert_eq!(last.len(), 1);
    let stats = q.stats().await.unwrap();
    assert_eq!((stats[0].waiting, stats[0].pending), (0, 1));
    assert_eq!(stats[0].lag, None, "nothing is waiting");
    assert!(stats[0].oldest_entry_age.is_some(), "one job is held");
    let json = serde_json::to_value(&stats[0]).unwrap();
    assert_eq!(json["kind"], "sbom-analysis");
    assert_eq!(json["pending"], 1);
    f.finish().await;
}

/// `d` cut to whole milliseconds, the resolution of the queues' clocks: an
/// age read in whole ms is at least the elapsed time cut the same way.
fn whole_ms(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap())
}

async fn sbom_stats(q: &dyn medsec_queue::JobQueue) -> medsec_queue::StreamStats {
    let stats = q.stats().await.unwrap();
    assert_eq!(stats[0].kind, SBOM.as_str());
    stats[0].clone()
}

pub async fn stats_ages_follow_the_oldest_job(backend: Kind) {
    let f = Fixture::new(backend, test_settings()).await;
    let q = &f.queue;
    let operator = f.another().await;
    let first = envelope(SBOM, 1);
    let second = envelope(SBOM, 2);
    q.enqueue(&first).await.unwrap();
    let first_in = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before_second = Instant::now();
    q.enqueue(&second).await.unwrap();

    // Both jobs wait; the stats are read by the worker's process and by
    // another (an operator's), more than once.
    let waited = whole_ms(first_in.elapsed());
    for view in [q, &operator, q] {
        let stats = sbom_stats(view.as_ref()).await;
        assert_eq!((stats.waiting, stats.pending), (2, 0), "{stats:?}");
        match f.kind {
            Kind::Redis => {
                let lag = stats.lag.expect("jobs wait: a lag");
                let oldest = stats.oldest_entry_age.expect("an oldest entry");
                assert!(lag >= waited, "lag {lag:?} < {waited:?} waited");
                assert!(oldest >= lag, "{stats:?}");
            }
            Kind::RabbitMq => {
                // The ready queue's head is not read (that would count a
                // delivery), so with jobs waiting neither age is known.
                assert_eq!((stats.lag, stats.oldest_entry_age), (None, None));
            }
        }
    }

    // Reading the stats delivered nothing: the jobs come in order, each as
    // the attempt it was sent as.
    let got = q.reserve(SBOM.as_str(), "worker-a", 2, WAIT).await.unwrap();
    let received: Vec<_> = got.iter().map(|d| d.envelope.clone()).collect();
    assert_eq!(received, [first.clone(), second.clone()]);

    let waited = whole_ms(first_in.elapsed());
    let stats = sbom_stats(q.as_ref()).await;
    assert_eq!((stats.waiting, stats.pending), (0, 2), "{stats:?}");
    assert_eq!(stats.lag, None, "nothing waits");
    let oldest = stats.oldest_entry_age.expect("two jobs held");
    assert!(oldest >= waited, "oldest {oldest:?} < {waited:?} waited");
    let worker = stats
        .consumers
        .iter()
        .find(|c| c.name == "worker-a")
        .expect("worker-a listed");
    assert_eq!(worker.pending, 2);
    assert!(worker.idle.is_some(), "{stats:?}");

    // The first acknowledged, the oldest is the second: younger than the
    // time since just before it was enqueued (plus the ms resolution).
    q.ack(&got[0]).await.unwrap();
    let stats = sbom_stats(q.as_ref()).await;
    let since_second = before_second.elapsed() + Duration::from_millis(1);
    let oldest = stats.oldest_entry_age.expect("one job held");
    assert!(
        oldest < since_second,
        "oldest {oldest:?} is not the second job's age (< {since_second:?})"
    );
    assert!(since_second < first_in.elapsed(), "the first job was older");

    q.ack(&got[1]).await.unwrap();
    let stats = sbom_stats(q.as_ref()).await;
    assert_eq!(
        (
            stats.waiting,
            stats.pending,
            stats.lag,
            stats.oldest_entry_age
        ),
        (0, 0, None, None),
        "{stats:?}"
    );

    // A job enqueued after all those stats calls is delivered as the
    // attempt it was sent as, and again after stats read while it waited.
    let third = envelope(SBOM, 3);
    q.enqueue(&third).await.unwrap();
    sbom_stats(q.as_ref()).await;
    sbom_stats(operator.as_ref()).await;
    let got = operator
        .reserve(SBOM.as_str(), "worker-b", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope, third);
    operator.ack(&got[0]).await.unwrap();
    f.finish().await;
}

pub async fn requeue_and_purge_dead_letters(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        max_attempts: 1,
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let q = &f.queue;
    let sent: Vec<_> = (1..=3).map(|n| envelope(RISK, n)).collect();
    for env in &sent {
        q.enqueue(env).await.unwrap();
    }
    let got = q.reserve(RISK.as_str(), "worker-a", 3, WAIT).await.unwrap();
    assert_eq!(got.len(), 3);
    for d in &got {
        assert_eq!(
            q.retry(d, &format!("no CVE {}", d.envelope.tenant))
                .await
                .unwrap(),
            RetryOutcome::DeadLettered { attempts: 1 }
        );
    }
    let dead = q.dead_letters(RISK.as_str(), 10).await.unwrap();
    let ids: Vec<_> = dead.iter().map(|d| d.envelope.job_id.clone()).collect();
    let sent_ids: Vec<_> = sent.iter().map(|e| e.job_id.clone()).collect();
    assert_eq!(ids, sent_ids);
    assert_eq!(dead[1].error, "no CVE tenant-2");
    assert_eq!(q.dead_letters(RISK.as_str(), 2).await.unwrap().len(), 2);

    assert_eq!(q.requeue_dead(RISK.as_str()).await.unwrap(), 3);
    assert!(q.dead_letters(RISK.as_str(), 10).await.unwrap().is_empty());
    assert_eq!(q.depth(RISK.as_str()).await.unwrap(), 3);
    let again = q.reserve(RISK.as_str(), "worker-b", 3, WAIT).await.unwrap();
    let mut again_ids: Vec<_> = again.iter().map(|d| d.envelope.job_id.clone()).collect();
    again_ids.sort();
    let mut expected = sent_ids.clone();
    expected.sort();
    assert_eq!(again_ids, expected);
    assert!(
        again.iter().all(|d| d.envelope.attempt == 1),
        "requeue resets the attempt"
    );

    for d in &again {
        q.dead_letter(d, "still failing").await.unwrap();
    }
    assert_eq!(q.stats().await.unwrap()[1].dead_letters, 3);
    assert_eq!(q.purge_dead(RISK.as_str()).await.unwrap(), 3);
    assert!(q.dead_letters(RISK.as_str(), 10).await.unwrap().is_empty());
    assert_eq!(q.purge_dead(RISK.as_str()).await.unwrap(), 0);
    assert_eq!(q.depth(RISK.as_str()).await.unwrap(), 0);
    f.finish().await;
}

pub async fn release_hands_back_without_counting(backend: Kind) {
    let f = Fixture::new(backend, test_settings()).await;
    let other = f.another().await;
    let sent = envelope(SBOM, 1);
    f.queue.enqueue(&sent).await.unwrap();
    let got = f
        .queue
        .reserve(SBOM.as_str(), "worker-a", 1, WAIT)
        .await
        .unwrap();
    f.queue.release(&got[0]).await.unwrap();
    assert!(matches!(
        f.queue.extend(&got[0]).await,
        Err(QueueError::Lost { .. })
    ));
    let taken = other
        .reserve(SBOM.as_str(), "worker-b", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].envelope, sent);
    other.ack(&taken[0]).await.unwrap();
    f.finish().await;
}

pub async fn never_acknowledged_ends_dead(backend: Kind) {
    let settings = medsec_queue::QueueSettings {
        max_attempts: 2,
        visibility_timeout: Duration::from_millis(500),
        ..test_settings()
    };
    let f = Fixture::new(backend, settings).await;
    let q = &f.queue;
    let sent = envelope(SBOM, 1);
    q.enqueue(&sent).await.unwrap();
    for attempt in 1..=2 {
        let got = q.reserve(SBOM.as_str(), "crashing", 1, WAIT).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].envelope.attempt, attempt);
        // The worker dies: never acknowledged.
        drop(got);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let third = q
        .reserve(SBOM.as_str(), "crashing", 1, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(
        third.is_empty(),
        "delivered past the attempt limit: {third:?}"
    );
    let dead = q.dead_letters(SBOM.as_str(), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].envelope.job_id, sent.job_id);
    assert_eq!(dead[0].envelope.attempt, 2);
    assert!(
        dead[0].error.contains("visibility timeout"),
        "{}",
        dead[0].error
    );
    assert_eq!(q.depth(SBOM.as_str()).await.unwrap(), 0);
    f.finish().await;
}

pub async fn undecodable_entry_is_dead_lettered(backend: Kind) {
    let f = Fixture::new(backend, test_settings()).await;
    let q = &f.queue;
    // Field 1 (job_id) claims 200 bytes that are not there.
    f.inject_raw(SBOM, &[0x0a, 0xc8, 0x01, b'x']).await;
    let good = envelope(SBOM, 2);
    q.enqueue(&good).await.unwrap();

    let got = q
        .reserve(SBOM.as_str(), "worker-a", 10, WAIT)
        .await
        .unwrap();
    // The good job still gets through; the bad one does not block it.
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].envelope, good);
    q.ack(&got[0]).await.unwrap();

    let dead = q.dead_letters(SBOM.as_str(), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].error.contains("cannot decode the job envelope"),
        "{}",
        dead[0].error
    );
    assert_eq!(dead[0].envelope.job_id, "");
    // Requeueing leaves it dead: it would only fail again.
    assert_eq!(q.requeue_dead(SBOM.as_str()).await.unwrap(), 0);
    assert_eq!(q.dead_letters(SBOM.as_str(), 10).await.unwrap().len(), 1);
    assert_eq!(q.depth(SBOM.as_str()).await.unwrap(), 0);
    f.finish().await;
}
