//! The template-clone harness: every test gets a migrated database of its
//! own, created in parallel, gone after the test.

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use medsec_store::kb::{kb_generation, upsert_vulnerabilities, NewVulnerability};
use medsec_store::schema::kb::generations;
use medsec_test_db::{base_url, TestDatabase};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn database_exists(name: &str) -> bool {
    let mut admin = AsyncPgConnection::establish(&base_url())
        .await
        .expect("admin connection");
    let rows: Vec<Count> =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .load(&mut admin)
            .await
            .expect("pg_database");
    rows.iter().any(|row| row.n > 0)
}

/// Writes the same id with its own content into `db`, then reads it back.
async fn write_and_read(db: &TestDatabase, summary: &str) -> String {
    use diesel::{ExpressionMethods, NullableExpressionMethods, QueryDsl};
    use medsec_store::schema::kb::vulnerabilities;

    let mut conn = db.connect().await;
    diesel::insert_into(generations::table)
        .values((
            generations::generation.eq(1),
            generations::source.eq("test"),
        ))
        .execute(&mut conn)
        .await
        .expect("generation");
    let row = NewVulnerability {
        id: "CVE-2021-44228".to_owned(),
        source: "nvd".to_owned(),
        aliases: Vec::new(),
        related: Vec::new(),
        published: None,
        modified: chrono::Utc::now(),
        withdrawn: None,
        summary: Some(summary.to_owned()),
        details: None,
        record_hash: summary.as_bytes().to_vec(),
        generation: 1,
    };
    let written = upsert_vulnerabilities(&mut conn, &[row])
        .await
        .expect("insert");
    assert_eq!(written, ["CVE-2021-44228"], "{summary}: a fresh insert");
    vulnerabilities::table
        .find("CVE-2021-44228")
        .select(vulnerabilities::summary.assume_not_null())
        .get_result(&mut conn)
        .await
        .expect("read back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_tests_get_isolated_migrated_databases() {
    let (left, right) = tokio::join!(TestDatabase::new(), TestDatabase::new());
    assert_ne!(left.name(), right.name());

    // Both start migrated and empty.
    for db in [&left, &right] {
        let mut conn = db.connect().await;
        assert_eq!(kb_generation(&mut conn).await.expect("migrated"), 0);
    }

    let (l, r) = tokio::join!(
        write_and_read(&left, "left"),
        write_and_read(&right, "right")
    );
    assert_eq!((l.as_str(), r.as_str()), ("left", "right"));

    let names = [left.name().to_owned(), right.name().to_owned()];
    drop(left);
    drop(right);
    for name in names {
        assert!(!database_exists(&name).await, "{name} outlived its test");
    }
}

#[tokio::test]
async fn the_same_id_in_another_test_does_not_conflict() {
    let db = TestDatabase::new().await;
    assert_eq!(write_and_read(&db, "third").await, "third");
}

#[tokio::test]
async fn writes_do_not_reach_the_template() {
    let db = TestDatabase::new().await;
    write_and_read(&db, "fourth").await;
    // Connecting to the template would block cloning for every other test,
    // so look at it through a clone made after the write.
    let fresh = TestDatabase::new().await;
    let mut conn = fresh.connect().await;
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), 0);
}
