//! Generations and the batch upsert of vulnerability records, on real
//! PostgreSQL databases cloned per test.

use chrono::{DateTime, TimeZone, Utc};
use diesel::QueryDsl;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use medsec_store::kb::{
    begin_generation, delete_vulnerability_children, find_vulnerability, finish_generation,
    kb_generation, record_hashes, upsert_vulnerabilities, GenerationCounts, NewVulnerability,
};
use medsec_store::schema::kb::generations;
use medsec_store::StoreError;
use medsec_test_db::TestDatabase;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn record(id: &str, hash: &[u8], modified: u32, generation: i64) -> NewVulnerability {
    NewVulnerability {
        id: id.to_owned(),
        source: "osv".to_owned(),
        aliases: vec![format!("CVE-2024-{}", 1000 + modified)],
        related: Vec::new(),
        published: Some(at(1)),
        modified: at(modified),
        withdrawn: None,
        summary: Some(format!("{id} as of day {modified}")),
        details: None,
        record_hash: hash.to_vec(),
        generation,
    }
}

/// Runs one import in a transaction: a new generation, one upsert batch,
/// then the generation marked finished. Returns the generation and the ids
/// written.
async fn import(
    conn: &mut AsyncPgConnection,
    batch: impl Fn(i64) -> Vec<NewVulnerability> + Send + Sync,
) -> Result<(i64, Vec<String>), StoreError> {
    let batch = &batch;
    conn.transaction::<_, StoreError, _>(async |conn| {
        let generation = begin_generation(conn, "test").await?;
        let written = upsert_vulnerabilities(conn, &batch(generation)).await?;
        let counts = GenerationCounts {
            updated: i32::try_from(written.len()).unwrap_or(i32::MAX),
            ..GenerationCounts::default()
        };
        finish_generation(conn, generation, counts).await?;
        Ok((generation, written))
    })
    .await
}

#[tokio::test]
async fn upsert_skips_unchanged_and_stale_records_and_replaces_newer_ones() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), 0);

    let (g1, written) = import(&mut conn, |g| {
        vec![
            record("GHSA-aaaa", b"h1", 2, g),
            record("GHSA-bbbb", b"b1", 2, g),
        ]
    })
    .await
    .expect("first import");
    assert_eq!(g1, 1);
    assert_eq!(written, ["GHSA-aaaa", "GHSA-bbbb"]);
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), 1);

    // Same hash: skipped. Different hash but older `modified`: skipped.
    let (g2, written) = import(&mut conn, |g| {
        vec![
            record("GHSA-aaaa", b"h1", 3, g),
            record("GHSA-bbbb", b"b0", 1, g),
        ]
    })
    .await
    .expect("second import");
    assert_eq!(g2, 2);
    assert!(written.is_empty(), "nothing changed: {written:?}");
    let a = find_vulnerability(&mut conn, "GHSA-aaaa")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!((a.generation, a.modified), (1, at(2)));

    // Changed and newer: replaced. A withdrawal is a change like any other.
    let (g3, written) = import(&mut conn, |g| {
        let mut withdrawn = record("GHSA-bbbb", b"b2", 5, g);
        withdrawn.withdrawn = Some(at(5));
        vec![record("GHSA-aaaa", b"h2", 4, g), withdrawn]
    })
    .await
    .expect("third import");
    assert_eq!(written, ["GHSA-aaaa", "GHSA-bbbb"]);
    let a = find_vulnerability(&mut conn, "GHSA-aaaa")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(a.generation, g3);
    assert_eq!(a.record_hash, b"h2");
    assert_eq!(a.summary.as_deref(), Some("GHSA-aaaa as of day 4"));
    assert_eq!(a.aliases, ["CVE-2024-1004"]);
    let b = find_vulnerability(&mut conn, "GHSA-bbbb")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(b.withdrawn, Some(at(5)));

    let hashes = record_hashes(&mut conn, &["GHSA-aaaa".to_owned(), "GHSA-none".to_owned()])
        .await
        .expect("hashes");
    assert_eq!(hashes.len(), 1);
    assert_eq!(hashes.get("GHSA-aaaa").map(Vec::as_slice), Some(&b"h2"[..]));
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), g3);
}

#[tokio::test]
async fn a_batch_naming_one_id_twice_is_refused() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let err = import(&mut conn, |g| {
        vec![
            record("GHSA-dup", b"1", 2, g),
            record("GHSA-dup", b"2", 3, g),
        ]
    })
    .await
    .expect_err("duplicate id");
    assert!(err.to_string().contains("GHSA-dup"), "{err}");
    // The whole import rolled back, generation included.
    assert_eq!(kb_generation(&mut conn).await.expect("generation"), 0);
    let count: i64 = generations::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn begin_generation_outside_a_transaction_says_so() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let err = begin_generation(&mut conn, "test")
        .await
        .expect_err("LOCK TABLE needs a transaction");
    assert!(err.to_string().contains("transaction"), "{err}");
}

#[tokio::test]
async fn an_unfinished_import_is_invisible_to_readers() {
    let db = TestDatabase::new().await;
    let mut writer = db.connect().await;
    let mut reader = db.connect().await;
    diesel_async::SimpleAsyncConnection::batch_execute(&mut writer, "BEGIN")
        .await
        .expect("begin");
    let generation = begin_generation(&mut writer, "test")
        .await
        .expect("begin generation");
    upsert_vulnerabilities(&mut writer, &[record("GO-2024-0001", b"x", 2, generation)])
        .await
        .expect("upsert");
    finish_generation(&mut writer, generation, GenerationCounts::default())
        .await
        .expect("finish");
    assert_eq!(kb_generation(&mut writer).await.expect("own view"), 1);
    assert_eq!(kb_generation(&mut reader).await.expect("reader view"), 0);
    assert!(find_vulnerability(&mut reader, "GO-2024-0001")
        .await
        .expect("read")
        .is_none());
    diesel_async::SimpleAsyncConnection::batch_execute(&mut writer, "COMMIT")
        .await
        .expect("commit");
    assert_eq!(kb_generation(&mut reader).await.expect("reader view"), 1);

    // Finishing twice is an error that names the generation.
    let err = finish_generation(&mut reader, 1, GenerationCounts::default())
        .await
        .expect_err("already finished");
    assert!(err.to_string().contains("generation 1"), "{err}");
}

#[tokio::test]
async fn replacing_a_record_deletes_all_its_child_rows_and_only_its_own() {
    use diesel::ExpressionMethods;
    use medsec_store::schema::kb::{
        affected_packages as p, affected_ranges as r, cpe_configurations as c, cpe_matches as m,
        cpe_nodes as n, range_events as e, severities as s,
    };

    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    import(conn, |g| {
        vec![
            record("GHSA-keep", b"k", 2, g),
            record("GHSA-swap", b"s", 2, g),
        ]
    })
    .await
    .expect("import");
    for id in ["GHSA-keep", "GHSA-swap"] {
        diesel::insert_into(p::table)
            .values((
                p::vulnerability_id.eq(id),
                p::ordinal.eq(0),
                p::ecosystem.eq("npm"),
                p::package_name.eq("left-pad"),
            ))
            .execute(conn)
            .await
            .expect("package");
        diesel::insert_into(r::table)
            .values((
                r::vulnerability_id.eq(id),
                r::affected_ordinal.eq(0),
                r::ordinal.eq(0),
                r::range_type.eq("SEMVER"),
            ))
            .execute(conn)
            .await
            .expect("range");
        diesel::insert_into(e::table)
            .values((
                e::vulnerability_id.eq(id),
                e::affected_ordinal.eq(0),
                e::range_ordinal.eq(0),
                e::ordinal.eq(0),
                e::kind.eq("introduced"),
                e::value.eq("0"),
            ))
            .execute(conn)
            .await
            .expect("event");
        diesel::insert_into(c::table)
            .values((c::vulnerability_id.eq(id), c::ordinal.eq(0)))
            .execute(conn)
            .await
            .expect("configuration");
        diesel::insert_into(n::table)
            .values((
                n::vulnerability_id.eq(id),
                n::configuration_ordinal.eq(0),
                n::ordinal.eq(0),
                n::operator.eq("OR"),
            ))
            .execute(conn)
            .await
            .expect("node");
        diesel::insert_into(m::table)
            .values((
                m::vulnerability_id.eq(id),
                m::configuration_ordinal.eq(0),
                m::node_ordinal.eq(0),
                m::ordinal.eq(0),
                m::vulnerable.eq(true),
                m::criteria.eq("cpe:2.3:a:left-pad_project:left-pad:*:*:*:*:*:node.js:*:*"),
                m::part.eq("a"),
                m::vendor.eq("left-pad_project"),
                m::product.eq("left-pad"),
            ))
            .execute(conn)
            .await
            .expect("match");
        diesel::insert_into(s::table)
            .values((
                s::vulnerability_id.eq(id),
                s::ordinal.eq(0),
                s::source.eq("osv"),
                s::score_type.eq("CVSS_V3"),
                s::vector.eq("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ))
            .execute(conn)
            .await
            .expect("severity");
    }

    let deleted = delete_vulnerability_children(conn, &["GHSA-swap".to_owned()])
        .await
        .expect("delete");
    assert_eq!(deleted, 3, "package, configuration and severity");
    let count = async |conn: &mut AsyncPgConnection, table: &str| -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            vulnerability_id: String,
        }
        let rows: Vec<Id> = diesel::sql_query(format!(
            "SELECT vulnerability_id FROM kb.{table} ORDER BY 1"
        ))
        .load(conn)
        .await
        .expect("rows");
        rows.into_iter().map(|r| r.vulnerability_id).collect()
    };
    for table in [
        "affected_packages",
        "affected_ranges",
        "range_events",
        "cpe_configurations",
        "cpe_nodes",
        "cpe_matches",
        "severities",
    ] {
        assert_eq!(count(conn, table).await, ["GHSA-keep"], "kb.{table}");
    }
    assert!(find_vulnerability(conn, "GHSA-swap")
        .await
        .expect("read")
        .is_some());
}
