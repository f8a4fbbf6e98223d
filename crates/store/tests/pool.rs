//! The pool's size cap (max + overflow), wait timeout and maximum lifetime
//! against a real server.

use std::time::{Duration, Instant};

use diesel::sql_types::Integer;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use medsec_store::{PoolSettings, PooledConnection, StoreError};
use medsec_test_db::TestDatabase;

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

async fn backend_pid(conn: &mut PooledConnection) -> i32 {
    let rows: Vec<Pid> = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .load(&mut **conn)
        .await
        .expect("pid");
    rows.iter().map(|row| row.pid).next().unwrap_or_default()
}

#[test]
fn defaults_are_the_deployment_guides() {
    let settings = PoolSettings::default();
    assert_eq!(settings.total_max_size(), 30);
    assert_eq!(settings.wait_timeout, Duration::from_secs(30));
    assert_eq!(settings.max_lifetime, Duration::from_secs(1800));
}

#[tokio::test]
async fn the_pool_opens_max_plus_overflow_connections_then_waits_and_times_out() {
    let db = TestDatabase::new().await;
    let pool = db.pool(PoolSettings {
        max_size: 2,
        overflow: 1,
        wait_timeout: Duration::from_millis(300),
        ..PoolSettings::default()
    });
    assert_eq!(pool.status().max_size, 3);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(pool.get().await.expect("within max + overflow"));
    }
    let mut pids = Vec::new();
    for conn in &mut held {
        pids.push(backend_pid(conn).await);
    }
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three distinct server connections");

    let started = Instant::now();
    let Err(err) = pool.get().await else {
        panic!("a fourth connection from a pool of three");
    };
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(matches!(err, StoreError::Pool { .. }), "{err:?}");
    assert!(err.to_string().contains(db.name()), "{err}");

    held.pop();
    let _back = pool.get().await.expect("a connection came back");
}

#[tokio::test]
async fn connections_past_their_lifetime_are_replaced() {
    let db = TestDatabase::new().await;
    let pool = db.pool(PoolSettings {
        max_size: 1,
        overflow: 0,
        max_lifetime: Duration::from_millis(400),
        ..PoolSettings::default()
    });
    let first = backend_pid(&mut pool.get().await.expect("first")).await;
    let again = backend_pid(&mut pool.get().await.expect("reused")).await;
    assert_eq!(first, again, "a young connection is reused");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let replaced = backend_pid(&mut pool.get().await.expect("replaced")).await;
    assert_ne!(first, replaced, "an old connection is closed, not reused");
}

#[test]
fn invalid_settings_are_refused() {
    let err = medsec_store::Pool::new(
        "postgres://postgres@127.0.0.1:5432/postgres",
        PoolSettings {
            max_size: 0,
            overflow: 0,
            ..PoolSettings::default()
        },
    )
    .expect_err("no connections at all");
    assert!(err.to_string().contains("max_size + overflow"), "{err}");
}
