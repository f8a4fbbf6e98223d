//! `medsec queue` against the real Redis at 127.0.0.1:6379 and RabbitMQ at
//! 127.0.0.1:5672 (scripts/test starts them; MEDSEC_TEST_REDIS_URL and
//! MEDSEC_TEST_AMQP_URL override): stats as the library counts them, dead
//! letters requeued and purged, and the confirmation rules.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use medsec_queue::rabbitmq::RabbitMq;
use medsec_queue::redis_streams::RedisStreams;
use medsec_queue::{JobEnvelope, JobQueue, QueueSettings, RabbitMqSettings, RedisSettings};
use serde_json::Value;

fn redis_url() -> String {
    std::env::var("MEDSEC_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `medsec queue ARGS` with a clean environment apart from the queue's
/// settings, standard input piped (not a terminal).
fn medsec_queue(prefix: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_medsec"))
        .arg("queue")
        .args(args)
        .env_clear()
        .env("MEDSEC_REDIS__URL", redis_url())
        .env("MEDSEC_QUEUE__STREAM_PREFIX", prefix)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting medsec");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writing stdin");
    child.wait_with_output().expect("medsec output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Queue {
    prefix: String,
    redis: RedisStreams,
}

impl Queue {
    async fn new() -> Queue {
        let prefix = format!("medsec-test:{}", uuid::Uuid::new_v4().simple());
        let settings = QueueSettings {
            stream_prefix: prefix.clone(),
            max_attempts: 1,
            ..QueueSettings::default()
        };
        let redis = RedisStreams::connect(&RedisSettings::url(redis_url()), settings)
            .await
            .unwrap();
        Queue { prefix, redis }
    }

    /// `n` jobs of the kind, failed into the dead letters.
    async fn dead(&self, kind: &str, n: usize) {
        for _ in 0..n {
            let env = JobEnvelope {
                job_id: uuid::Uuid::new_v4().to_string(),
                kind: kind.into(),
                attempt: 1,
                ..JobEnvelope::default()
            };
            self.redis.enqueue(&env).await.unwrap();
        }
        let got = self
            .redis
            .reserve(kind, "worker-a", n, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(got.len(), n);
        for d in &got {
            self.redis.retry(d, "analysis failed").await.unwrap();
        }
    }

    async fn finish(self) {
        for kind in ["sbom-analysis", "risk-score"] {
            self.redis.delete_kind(kind).await.unwrap();
        }
    }
}

#[tokio::test]
async fn stats_show_what_the_queue_holds() {
    let q = Queue::new().await;
    q.dead("sbom-analysis", 2).await;
    for _ in 0..3 {
        let env = JobEnvelope {
            job_id: uuid::Uuid::new_v4().to_string(),
            kind: "risk-score".into(),
            attempt: 1,
            ..JobEnvelope::default()
        };
        q.redis.enqueue(&env).await.unwrap();
    }
    let held = q
        .redis
        .reserve("risk-score", "worker-b", 1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(held.len(), 1);

    let out = medsec_queue(&q.prefix, &["stats", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = serde_json::to_value(q.redis.stats().await.unwrap()).unwrap();
    assert_eq!(stats[0]["kind"], "sbom-analysis");
    assert_eq!(stats[0]["dead_letters"], 2);
    assert_eq!(stats[0]["depth"], 0);
    assert_eq!(stats[1]["kind"], "risk-score");
    assert_eq!(
        (stats[1]["waiting"].as_u64(), stats[1]["pending"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(stats[1]["consumers"][0]["name"], "worker-b");
    // The same counts as the library's own view (ages and idle times move).
    for kind in 0..2 {
        for field in [
            "kind",
            "name",
            "depth",
            "waiting",
            "pending",
            "delayed",
            "dead_letters",
        ] {
            assert_eq!(stats[kind][field], expected[kind][field], "{field}");
        }
        let consumers = |v: &Value| -> Vec<(Value, Value)> {
            v["consumers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].clone(), c["pending"].clone()))
                .collect()
        };
        assert_eq!(consumers(&stats[kind]), consumers(&expected[kind]));
    }

    let out = medsec_queue(&q.prefix, &["stats"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let risk_row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("risk-score"))
        .expect("a risk-score row")
        .split_whitespace()
        .collect();
    // KIND DEPTH WAITING PENDING DELAYED DEAD LAG OLDEST
    assert_eq!(&risk_row[..6], ["risk-score", "3", "2", "1", "0", "0"]);
    assert!(table.contains("consumer worker-b: pending 1"), "{table}");
    q.finish().await;
}

#[tokio::test]
async fn requeue_dead_needs_yes_without_a_terminal() {
    let q = Queue::new().await;
    q.dead("sbom-analysis", 3).await;

    let out = medsec_queue(&q.prefix, &["requeue-dead", "sbom-analysis"], "y\n");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));
    assert_eq!(
        q.redis
            .dead_letters("sbom-analysis", 10)
            .await
            .unwrap()
            .len(),
        3
    );

    let out = medsec_queue(&q.prefix, &["requeue-dead", "sbom-analysis", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "requeued 3 dead letters of sbom-analysis"
    );
    assert!(q
        .redis
        .dead_letters("sbom-analysis", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(q.redis.depth("sbom-analysis").await.unwrap(), 3);
    let again = q
        .redis
        .reserve("sbom-analysis", "worker-c", 3, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(again.iter().all(|d| d.envelope.attempt == 1));
    q.finish().await;
}

#[tokio::test]
async fn purge_dead_deletes_only_that_kind() {
    let q = Queue::new().await;
    q.dead("sbom-analysis", 2).await;
    q.dead("risk-score", 1).await;

    let out = medsec_queue(&q.prefix, &["purge-dead", "risk-score"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        q.redis.dead_letters("risk-score", 10).await.unwrap().len(),
        1
    );

    let out = medsec_queue(&q.prefix, &["purge-dead", "risk-score", "--yes"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "deleted 1 dead letters of risk-score"
    );
    assert!(q
        .redis
        .dead_letters("risk-score", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        q.redis
            .dead_letters("sbom-analysis", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    q.finish().await;
}

#[test]
fn unknown_kind_and_unreachable_redis_are_named() {
    let out = medsec_queue(
        "medsec-test:none",
        &["purge-dead", "no-such-kind", "--yes"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such-kind"),
        "{}",
        text(&out.stderr)
    );

    // Nothing listens on port 1.
    let out = Command::new(env!("CARGO_BIN_EXE_medsec"))
        .args(["queue", "stats", "--redis-url", "redis://127.0.0.1:1"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Redis at redis://127.0.0.1:1"),
        "{}",
        text(&out.stderr)
    );
}

fn amqp_url() -> String {
    std::env::var("MEDSEC_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// On RabbitMQ the command shows the broker's counts; its own process holds
/// no reservation, so while jobs wait it knows neither age (the queue's
/// head cannot be read without counting a delivery) and lists no consumer.
#[tokio::test]
async fn rabbitmq_stats_show_the_broker_counts() {
    let prefix = format!("medsec-test:{}", uuid::Uuid::new_v4().simple());
    let settings = QueueSettings {
        stream_prefix: prefix.clone(),
        ..QueueSettings::default()
    };
    let rabbit = RabbitMq::connect(&RabbitMqSettings::url(amqp_url()), settings)
        .await
        .unwrap();
    let sent: Vec<JobEnvelope> = (0..3)
        .map(|_| JobEnvelope {
            job_id: uuid::Uuid::new_v4().to_string(),
            kind: "risk-score".into(),
            attempt: 1,
            ..JobEnvelope::default()
        })
        .collect();
    for env in &sent {
        rabbit.enqueue(env).await.unwrap();
    }
    let url = amqp_url();
    let target = ["--backend", "rabbitmq", "--amqp-url", url.as_str()];

    let out = medsec_queue(
        &prefix,
        &[&target[..], &["stats", "--json"][..]].concat(),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = serde_json::to_value(rabbit.stats().await.unwrap()).unwrap();
    for kind in 0..2 {
        for field in ["kind", "name", "depth", "waiting", "pending", "delayed"] {
            assert_eq!(stats[kind][field], expected[kind][field], "{field}");
        }
    }
    assert_eq!(stats[1]["kind"], "risk-score");
    assert_eq!(
        stats[1]["waiting"].as_u64(),
        Some(u64::try_from(sent.len()).unwrap())
    );
    assert_eq!(stats[1]["lag"], Value::Null);
    assert_eq!(stats[1]["oldest_entry_age"], Value::Null);
    assert_eq!(stats[1]["consumers"], Value::Array(Vec::new()));

    let out = medsec_queue(&prefix, &[&target[..], &["stats"][..]].concat(), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let risk_row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("risk-score"))
        .expect("a risk-score row")
        .split_whitespace()
        .collect();
    let waiting = sent.len().to_string();
    let waiting = waiting.as_str();
    // KIND DEPTH WAITING PENDING DELAYED DEAD LAG OLDEST
    assert_eq!(
        risk_row,
        ["risk-score", waiting, waiting, "0", "0", "0", "-", "-"]
    );

    // Reading the stats delivered nothing: each job comes as sent.
    let got = rabbit
        .reserve("risk-score", "worker-a", sent.len(), Duration::from_secs(5))
        .await
        .unwrap();
    let received: Vec<JobEnvelope> = got.iter().map(|d| d.envelope.clone()).collect();
    assert_eq!(received, sent);
    for d in &got {
        rabbit.ack(d).await.unwrap();
    }
    for kind in ["sbom-analysis", "risk-score"] {
        rabbit.delete_kind(kind).await.unwrap();
    }
}
