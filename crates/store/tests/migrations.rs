//! The migrations apply to an empty database, revert completely through
//! every `down.sql`, and apply again to the same schema.

use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_store::{applied_migrations, revert_all_migrations, run_migrations, MIGRATIONS};
use medsec_test_db::TestDatabase;

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Item {
    #[diesel(sql_type = Text)]
    item: String,
}

/// Every user-visible object of the database with its definition: schemas,
/// relations, columns, constraints, indexes, views, types and functions.
async fn catalog(conn: &mut AsyncPgConnection) -> Vec<String> {
    const USER: &str = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
    let sql = format!(
        "SELECT 'schema ' || nspname AS item FROM pg_namespace n
           WHERE nspname {USER} AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
         UNION ALL
         SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%'
         UNION ALL
         SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '
                || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%' AND a.attnum > 0 AND NOT a.attisdropped
         UNION ALL
         SELECT 'constraint ' || n.nspname || '.' || conrelid::regclass::text || ' ' || conname || ' '
                || pg_get_constraintdef(con.oid)
           FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%'
         UNION ALL
         SELECT 'index ' || pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%'
         UNION ALL
         SELECT 'view ' || schemaname || '.' || viewname || ' ' || definition FROM pg_views
           WHERE schemaname {USER}
         UNION ALL
         SELECT 'type ' || n.nspname || '.' || t.typname || ' ' || t.typtype::text
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%'
         UNION ALL
         SELECT 'function ' || p.oid::regprocedure::text
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname {USER} AND n.nspname NOT LIKE 'pg_%'
         ORDER BY 1"
    );
    let rows: Vec<Item> = diesel::sql_query(sql)
        .load(conn)
        .await
        .expect("catalog query");
    rows.into_iter().map(|row| row.item).collect()
}

/// diesel's bookkeeping table stays after a full revert; it is not part of
/// the schema under test.
fn without_bookkeeping(items: Vec<String>) -> Vec<String> {
    items
        .into_iter()
        .filter(|item| !item.contains("__diesel_schema_migrations"))
        .collect()
}

fn migration_versions() -> Vec<String> {
    let migrations =
        MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).expect("embedded migrations");
    let mut versions: Vec<String> = migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    versions.sort();
    versions
}

#[tokio::test]
async fn migrations_apply_revert_and_reapply() {
    let db = TestDatabase::empty().await;
    let mut conn = db.connect().await;
    let empty = without_bookkeeping(catalog(&mut conn).await);
    let versions = migration_versions();
    assert!(!versions.is_empty(), "no migrations embedded");

    let applied = run_migrations(db.url()).await.expect("first apply");
    assert_eq!(applied, versions, "every migration applies, in order");
    assert_eq!(
        applied_migrations(db.url()).await.expect("applied"),
        versions
    );
    let migrated = catalog(&mut conn).await;
    assert!(
        migrated
            .iter()
            .any(|i| i == "relation kb.vulnerabilities r"),
        "the knowledge base was created: {migrated:#?}"
    );
    assert_ne!(without_bookkeeping(migrated.clone()), empty);

    // Nothing is pending any more.
    assert!(run_migrations(db.url())
        .await
        .expect("no-op apply")
        .is_empty());

    let mut reverted = revert_all_migrations(db.url()).await.expect("revert");
    reverted.sort();
    assert_eq!(reverted, versions, "every down.sql ran");
    assert!(applied_migrations(db.url())
        .await
        .expect("applied")
        .is_empty());
    assert_eq!(
        without_bookkeeping(catalog(&mut conn).await),
        empty,
        "the down migrations leave nothing behind"
    );

    assert_eq!(run_migrations(db.url()).await.expect("re-apply"), versions);
    assert_eq!(
        catalog(&mut conn).await,
        migrated,
        "re-applying gives the same schema"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_migrating_at_once_apply_each_migration_once() {
    let db = TestDatabase::empty().await;
    let url = db.url();
    let (a, b, c) = tokio::join!(
        run_migrations(url),
        run_migrations(url),
        run_migrations(url)
    );
    let mut applied: Vec<String> = [a, b, c]
        .into_iter()
        .flat_map(|r| r.expect("concurrent migration"))
        .collect();
    applied.sort();
    assert_eq!(applied, migration_versions());
}

#[tokio::test]
async fn migrating_an_unreachable_server_names_it() {
    // Port 1 is never a PostgreSQL server.
    let err = run_migrations("postgres://medsec:hunter2@127.0.0.1:1/medsec")
        .await
        .expect_err("nothing listens on port 1");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(!message.contains("hunter2"), "password leaked: {message}");
}
