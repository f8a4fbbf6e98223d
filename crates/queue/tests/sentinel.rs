//! The Redis backend through Sentinel: a throw-away redis-server and a
//! `redis-server --sentinel` monitoring it, on free loopback ports, started
//! and stopped by the test.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use medsec_queue::redis_streams::RedisStreams;
use medsec_queue::{JobEnvelope, JobQueue, QueueSettings, RedisSettings};

/// A child process killed (and reaped) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn start(args: &[&str]) -> Server {
    Server(
        Command::new("redis-server")
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (Debian package redis-server)"),
    )
}

#[tokio::test]
async fn reaches_the_master_a_sentinel_names() {
    let master_port = free_port().to_string();
    let sentinel_port = free_port().to_string();
    let dir: PathBuf = std::env::temp_dir().join(format!("medsec-sentinel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _master = start(&[
        "--port",
        &master_port,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    // Sentinel rewrites its configuration file, so it gets one of its own.
    let config = dir.join("sentinel.conf");
    std::fs::write(
        &config,
        format!(
            "port {sentinel_port}\nbind 127.0.0.1\ndir {}\n\
             sentinel monitor medsec-test 127.0.0.1 {master_port} 1\n",
            dir.display()
        ),
    )
    .unwrap();
    let _sentinel = start(&[config.to_str().unwrap(), "--sentinel"]);

    let settings = QueueSettings {
        stream_prefix: format!("medsec-test:{}", uuid::Uuid::new_v4().simple()),
        ..QueueSettings::default()
    };
    let through_sentinel = RedisStreams::connect(
        &RedisSettings::sentinel(
            "medsec-test",
            vec![format!("redis://127.0.0.1:{sentinel_port}")],
        ),
        settings.clone(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    while let Err(e) = through_sentinel.ping().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Sentinel not answering: {e}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let env = JobEnvelope {
        job_id: uuid::Uuid::new_v4().to_string(),
        kind: "sbom-analysis".into(),
        attempt: 1,
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        ..JobEnvelope::default()
    };
    through_sentinel.enqueue(&env).await.unwrap();

    // The job is on the master the Sentinel monitors, not anywhere else.
    let direct = RedisStreams::connect(
        &RedisSettings::url(format!("redis://127.0.0.1:{master_port}")),
        settings,
    )
    .await
    .unwrap();
    assert_eq!(direct.depth("sbom-analysis").await.unwrap(), 1);

    let got = through_sentinel
        .reserve("sbom-analysis", "worker-a", 1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope, env);
    through_sentinel.ack(&got[0]).await.unwrap();
    assert_eq!(direct.depth("sbom-analysis").await.unwrap(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn query(port: &str, cmd: &mut redis::Cmd) -> redis::RedisResult<redis::Value> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    cmd.query_async(&mut conn).await
}

/// First element of ROLE: "master" or "slave".
async fn role(port: &str) -> String {
    match query(port, &mut redis::cmd("ROLE")).await {
        Ok(redis::Value::Array(parts)) => match parts.first() {
            Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        },
        other => format!("{other:?}"),
    }
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn keeps_working_after_a_failover() {
    let old_port = free_port().to_string();
    let new_port = free_port().to_string();
    let sentinel_port = free_port().to_string();
    let dir: PathBuf = std::env::temp_dir().join(format!("medsec-failover-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    let mut old_args = vec!["--port", &old_port, "--dir", dir.to_str().unwrap()];
    old_args.extend(common);
    let _old = start(&old_args);
    let replica_dir = dir.join("replica");
    std::fs::create_dir_all(&replica_dir).unwrap();
    let replica_of = format!("127.0.0.1 {old_port}");
    let mut new_args = vec![
        "--port",
        &new_port,
        "--dir",
        replica_dir.to_str().unwrap(),
        "--replicaof",
        &replica_of,
    ];
    new_args.extend(common);
    let _new = start(&new_args);
    let config = dir.join("sentinel.conf");
    std::fs::write(
        &config,
        format!(
            "port {sentinel_port}\nbind 127.0.0.1\ndir {}\n\
             sentinel monitor medsec-test 127.0.0.1 {old_port} 1\n\
             sentinel down-after-milliseconds medsec-test 2000\n\
             sentinel failover-timeout medsec-test 10000\n",
            dir.display()
        ),
    )
    .unwrap();
    let _sentinel = start(&[config.to_str().unwrap(), "--sentinel"]);

    let settings = QueueSettings {
        stream_prefix: format!("medsec-test:{}", uuid::Uuid::new_v4().simple()),
        ..QueueSettings::default()
    };
    let queue = RedisStreams::connect(
        &RedisSettings::sentinel(
            "medsec-test",
            vec![format!("redis://127.0.0.1:{sentinel_port}")],
        ),
        settings.clone(),
    )
    .await
    .unwrap();
    eventually("the Sentinel answers", || async {
        queue.ping().await.is_ok()
    })
    .await;
    let before = JobEnvelope {
        job_id: uuid::Uuid::new_v4().to_string(),
        kind: "risk-score".into(),
        attempt: 1,
        ..JobEnvelope::default()
    };
    queue.enqueue(&before).await.unwrap();
    let stream = format!("{}:risk-score", settings.stream_prefix);
    eventually("the job reaches the replica", || async {
        matches!(
            query(&new_port, redis::cmd("XLEN").arg(&stream)).await,
            Ok(redis::Value::Int(1))
        )
    })
    .await;

    // The Sentinel learns of the replica from the master's INFO, then
    // promotes it on request.
    eventually("a failover starts", || async {
        query(
            &sentinel_port,
            redis::cmd("SENTINEL").arg("FAILOVER").arg("medsec-test"),
        )
        .await
        .is_ok()
    })
    .await;
    eventually("the replica is master", || async {
        role(&new_port).await == "master"
    })
    .await;
    eventually("the old master follows it", || async {
        role(&old_port).await == "slave"
    })
    .await;

    // The same queue object, whose pool still holds connections to the old
    // master, now works against the new one.
    let got = queue
        .reserve("risk-score", "worker-a", 1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope, before);
    queue.ack(&got[0]).await.unwrap();
    let after = JobEnvelope {
        job_id: uuid::Uuid::new_v4().to_string(),
        ..before.clone()
    };
    queue.enqueue(&after).await.unwrap();
    let direct = RedisStreams::connect(
        &RedisSettings::url(format!("redis://127.0.0.1:{new_port}")),
        settings,
    )
    .await
    .unwrap();
    assert_eq!(direct.depth("risk-score").await.unwrap(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
