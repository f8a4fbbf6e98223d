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
