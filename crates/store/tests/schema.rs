//! Every `diesel::table!` definition in `medsec_store::schema` matches the
//! migrated database: same relations, same columns in the same order, same
//! PostgreSQL types and nullability, and diesel's own SELECT of every column
//! runs.

use diesel::pg::{Pg, PgMetadataLookup, PgTypeMetadata};
use diesel::sql_types::{is_nullable, BigInt, Bool, HasSqlType, SqlType, Text};
use diesel::{Column, QueryableByName, Table};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_store::schema::kb;
use medsec_test_db::TestDatabase;

#[derive(Debug, Clone, PartialEq, Eq)]
struct ColumnShape {
    name: String,
    type_oid: i64,
    /// `None` for view columns, whose nullability PostgreSQL does not track.
    nullable: Option<bool>,
}

/// Built-in types never need a lookup; a user-defined one would get OID 0
/// and fail the comparison.
struct NoLookup;

impl PgMetadataLookup for NoLookup {
    fn lookup_type(&mut self, _type_name: &str, _schema: Option<&str>) -> PgTypeMetadata {
        PgTypeMetadata::new(0, 0)
    }
}

trait Nullability {
    const NULLABLE: bool;
}
impl Nullability for is_nullable::NotNull {
    const NULLABLE: bool = false;
}
impl Nullability for is_nullable::IsNullable {
    const NULLABLE: bool = true;
}

trait DieselColumn {
    fn shape() -> ColumnShape;
}

impl<C> DieselColumn for C
where
    C: Column,
    C::SqlType: SqlType,
    <C::SqlType as SqlType>::IsNull: Nullability,
    Pg: HasSqlType<C::SqlType>,
{
    fn shape() -> ColumnShape {
        let lookup: &mut dyn PgMetadataLookup = &mut NoLookup;
        let metadata = <Pg as HasSqlType<C::SqlType>>::metadata(lookup);
        ColumnShape {
            name: C::NAME.to_owned(),
            type_oid: metadata.oid().map_or(0, i64::from),
            nullable: Some(<<C::SqlType as SqlType>::IsNull as Nullability>::NULLABLE),
        }
    }
}

trait DieselColumns {
    fn shapes() -> Vec<ColumnShape>;
}

macro_rules! tuple_columns {
    ($($name:ident)+) => {
        impl<$($name: DieselColumn),+> DieselColumns for ($($name,)+) {
            fn shapes() -> Vec<ColumnShape> {
                vec![$($name::shape()),+]
            }
        }
    };
}
tuple_columns!(A);
tuple_columns!(A B);
tuple_columns!(A B C);
tuple_columns!(A B C D);
tuple_columns!(A B C D E);
tuple_columns!(A B C D E F);
tuple_columns!(A B C D E F G);
tuple_columns!(A B C D E F G H);
tuple_columns!(A B C D E F G H I);
tuple_columns!(A B C D E F G H I J);
tuple_columns!(A B C D E F G H I J K);
tuple_columns!(A B C D E F G H I J K L);
tuple_columns!(A B C D E F G H I J K L M);
tuple_columns!(A B C D E F G H I J K L M N);
tuple_columns!(A B C D E F G H I J K L M N O);
tuple_columns!(A B C D E F G H I J K L M N O P);
tuple_columns!(A B C D E F G H I J K L M N O P Q);
tuple_columns!(A B C D E F G H I J K L M N O P Q R);
tuple_columns!(A B C D E F G H I J K L M N O P Q R S);

#[derive(QueryableByName)]
struct DbColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    type_oid: i64,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Text)]
    relkind: String,
}

#[derive(QueryableByName)]
struct Relation {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn db_columns(conn: &mut AsyncPgConnection, schema: &str, table: &str) -> Vec<ColumnShape> {
    let rows: Vec<DbColumn> = diesel::sql_query(
        "SELECT a.attname::text AS name, a.atttypid::int8 AS type_oid, a.attnotnull AS not_null,
                c.relkind::text AS relkind
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum",
    )
    .bind::<Text, _>(schema)
    .bind::<Text, _>(table)
    .load(conn)
    .await
    .expect("pg_attribute query");
    rows.into_iter()
        .map(|row| ColumnShape {
            name: row.name,
            type_oid: row.type_oid,
            nullable: (row.relkind != "v").then_some(!row.not_null),
        })
        .collect()
}

/// Compares one diesel table with the database and runs diesel's SELECT of
/// all its columns; returns the table's name.
macro_rules! check_table {
    ($conn:expr, $schema:literal, $module:ident :: $table:ident) => {{
        let name = stringify!($table);
        let mut expected =
            <<$module::$table::table as Table>::AllColumns as DieselColumns>::shapes();
        let actual = db_columns($conn, $schema, name).await;
        if actual.iter().any(|c| c.nullable.is_none()) {
            for column in &mut expected {
                column.nullable = None;
            }
        }
        assert_eq!(
            expected, actual,
            "diesel's {}.{} differs from the database",
            $schema, name
        );
        use diesel::QueryDsl;
        let query = $module::$table::table.select($module::$table::all_columns);
        let _: bool = diesel::select(diesel::dsl::exists(query))
            .get_result($conn)
            .await
            .unwrap_or_else(|err| panic!("selecting every column of {}.{}: {err}", $schema, name));
        name.to_owned()
    }};
}

#[tokio::test]
async fn every_diesel_table_matches_the_database() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let mut checked = vec![
        check_table!(conn, "kb", kb::generations),
        check_table!(conn, "kb", kb::vulnerabilities),
        check_table!(conn, "kb", kb::severities),
        check_table!(conn, "kb", kb::vulnerability_references),
        check_table!(conn, "kb", kb::cwes),
        check_table!(conn, "kb", kb::vulnerability_cwes),
        check_table!(conn, "kb", kb::affected_packages),
        check_table!(conn, "kb", kb::affected_ranges),
        check_table!(conn, "kb", kb::range_events),
        check_table!(conn, "kb", kb::fixed_versions),
        check_table!(conn, "kb", kb::cpe_configurations),
        check_table!(conn, "kb", kb::cpe_nodes),
        check_table!(conn, "kb", kb::cpe_matches),
        check_table!(conn, "kb", kb::cve_records),
        check_table!(conn, "kb", kb::cve_affected),
        check_table!(conn, "kb", kb::cve_affected_versions),
        check_table!(conn, "kb", kb::kev_entries),
        check_table!(conn, "kb", kb::epss_scores),
        check_table!(conn, "kb", kb::csaf_advisories),
        check_table!(conn, "kb", kb::csaf_products),
        check_table!(conn, "kb", kb::csaf_product_statuses),
        check_table!(conn, "kb", kb::csaf_remediations),
        check_table!(conn, "kb", kb::vulnerability_records),
        check_table!(conn, "kb", kb::ssvc_decisions),
        check_table!(conn, "kb", kb::csaf_documents),
        check_table!(conn, "kb", kb::cve_summaries),
        check_table!(conn, "kb", kb::ics_advisories),
        check_table!(conn, "kb", kb::kev_epss),
    ];
    checked.sort();

    // And no relation of the schema lacks a diesel definition.
    let relations: Vec<Relation> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'kb' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
         ORDER BY 1",
    )
    .load(conn)
    .await
    .expect("pg_class query");
    let relations: Vec<String> = relations.into_iter().map(|r| r.name).collect();
    assert_eq!(checked, relations);
}
