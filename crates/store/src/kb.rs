//! Repository functions for the knowledge base (schema `kb`).
//!
//! An import runs in one transaction: [`begin_generation`], batches of
//! [`upsert_vulnerabilities`] (plus the child rows of the records it reports
//! as written), then [`finish_generation`]. Readers see either all of it or
//! none, and [`kb_generation`] tells them whether their index is current.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::dsl::{max, now};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::error::StoreError;
use crate::schema::kb::{
    affected_packages, cpe_configurations, generations, severities, vulnerabilities,
    vulnerability_cwes, vulnerability_references,
};

/// PostgreSQL accepts at most 65,535 bind parameters per statement; a
/// vulnerability row binds 11.
const UPSERT_CHUNK: usize = 2_000;

/// The newest finished knowledge-base generation, or 0 before the first
/// import.
pub async fn kb_generation(conn: &mut AsyncPgConnection) -> Result<i64, StoreError> {
    let newest = generations::table
        .filter(generations::finished_at.is_not_null())
        .select(max(generations::generation))
        .first::<Option<i64>>(conn)
        .await
        .map_err(StoreError::query("reading the knowledge-base generation"))?;
    Ok(newest.unwrap_or(0))
}

/// Starts an import and returns its generation number (the newest plus one).
///
/// Must run inside a transaction: it locks `kb.generations` against other
/// imports until the transaction ends, so generations commit in the order of
/// their numbers and an index built "up to generation N" never misses a
/// change that commits later with a smaller number. Readers are not blocked.
pub async fn begin_generation(
    conn: &mut AsyncPgConnection,
    source: &str,
) -> Result<i64, StoreError> {
    diesel::sql_query("LOCK TABLE kb.generations IN EXCLUSIVE MODE")
        .execute(conn)
        .await
        .map_err(StoreError::query(
            "locking kb.generations (begin_generation must run in a transaction)",
        ))?;
    let newest = generations::table
        .select(max(generations::generation))
        .first::<Option<i64>>(conn)
        .await
        .map_err(StoreError::query("reading the knowledge-base generation"))?
        .unwrap_or(0);
    let next = newest
        .checked_add(1)
        .ok_or_else(|| StoreError::Invalid("knowledge-base generation overflowed".to_owned()))?;
    diesel::insert_into(generations::table)
        .values((
            generations::generation.eq(next),
            generations::source.eq(source),
        ))
        .execute(conn)
        .await
        .map_err(StoreError::query(
            "recording a new knowledge-base generation",
        ))?;
    Ok(next)
}

/// What an import changed, recorded with its generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerationCounts {
    pub inserted: i32,
    pub updated: i32,
    pub withdrawn: i32,
}

/// Marks `generation` finished, which makes it the one [`kb_generation`]
/// reports once the transaction commits.
pub async fn finish_generation(
    conn: &mut AsyncPgConnection,
    generation: i64,
    counts: GenerationCounts,
) -> Result<(), StoreError> {
    let rows = diesel::update(
        generations::table
            .filter(generations::generation.eq(generation))
            .filter(generations::finished_at.is_null()),
    )
    .set((
        generations::finished_at.eq(now),
        generations::inserted.eq(counts.inserted),
        generations::updated.eq(counts.updated),
        generations::withdrawn.eq(counts.withdrawn),
    ))
    .execute(conn)
    .await
    .map_err(StoreError::query("finishing a knowledge-base generation"))?;
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "knowledge-base generation {generation} does not exist or is already finished"
        )))
    }
}

/// A row of `kb.vulnerabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = vulnerabilities, check_for_backend(diesel::pg::Pg))]
pub struct Vulnerability {
    pub id: String,
    pub source: String,
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub modified: DateTime<Utc>,
    pub withdrawn: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub record_hash: Vec<u8>,
    pub generation: i64,
    pub imported_at: DateTime<Utc>,
}

/// A vulnerability record to insert or replace.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = vulnerabilities, check_for_backend(diesel::pg::Pg))]
pub struct NewVulnerability {
    pub id: String,
    /// The feed it came from ("nvd", "osv", ...).
    pub source: String,
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub modified: DateTime<Utc>,
    pub withdrawn: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub details: Option<String>,
    /// A digest of the canonical record; equal digests mean nothing changed.
    pub record_hash: Vec<u8>,
    /// The generation of the import writing it.
    pub generation: i64,
}

/// Inserts new records and replaces changed ones; returns the ids written.
///
/// A stored record is replaced only when the incoming `record_hash` differs
/// and its `modified` is not older than the stored one (a withdrawal is a
/// change like any other: the record arrives with `withdrawn` set). Unchanged
/// and stale records are skipped and not returned, so the caller rewrites the
/// child rows (affected packages, severities, ...) of exactly the returned
/// ids. Ids must be unique within `rows`.
pub async fn upsert_vulnerabilities(
    conn: &mut AsyncPgConnection,
    rows: &[NewVulnerability],
) -> Result<Vec<String>, StoreError> {
    let mut seen = HashSet::with_capacity(rows.len());
    if let Some(dup) = rows.iter().find(|row| !seen.insert(row.id.as_str())) {
        return Err(StoreError::Invalid(format!(
            "vulnerability {} appears twice in one upsert batch",
            dup.id
        )));
    }
    let mut written = Vec::new();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        // `ON CONFLICT DO UPDATE ... WHERE` comes from this trait; QueryDsl
        // is not implemented for insert statements, so nothing is ambiguous.
        use diesel::query_dsl::methods::FilterDsl;
        use vulnerabilities::dsl as v;
        let ids: Vec<String> = diesel::insert_into(v::vulnerabilities)
            .values(chunk)
            .on_conflict(v::id)
            .do_update()
            .set((
                v::source.eq(excluded(v::source)),
                v::aliases.eq(excluded(v::aliases)),
                v::related.eq(excluded(v::related)),
                v::published.eq(excluded(v::published)),
                v::modified.eq(excluded(v::modified)),
                v::withdrawn.eq(excluded(v::withdrawn)),
                v::summary.eq(excluded(v::summary)),
                v::details.eq(excluded(v::details)),
                v::record_hash.eq(excluded(v::record_hash)),
                v::generation.eq(excluded(v::generation)),
                v::imported_at.eq(now),
            ))
            .filter(
                v::record_hash
                    .ne(excluded(v::record_hash))
                    .and(excluded(v::modified).ge(v::modified)),
            )
            .returning(v::id)
            .get_results(conn)
            .await
            .map_err(StoreError::query("upserting vulnerabilities"))?;
        written.extend(ids);
    }
    Ok(written)
}

/// Deletes the child rows of `ids` (affected packages with their ranges and
/// events, CPE configurations with their nodes and matches, severities,
/// references, weakness links) so an importer can insert the new record's
/// rows after [`upsert_vulnerabilities`] reported the ids as written. Returns
/// the number of top-level child rows deleted.
pub async fn delete_vulnerability_children(
    conn: &mut AsyncPgConnection,
    ids: &[String],
) -> Result<usize, StoreError> {
    let context = "deleting the child rows of replaced vulnerabilities";
    // Ranges, events, nodes and matches go with their parents (ON DELETE
    // CASCADE).
    let mut deleted = diesel::delete(
        affected_packages::table.filter(affected_packages::vulnerability_id.eq_any(ids)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query(context))?;
    deleted += diesel::delete(
        cpe_configurations::table.filter(cpe_configurations::vulnerability_id.eq_any(ids)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query(context))?;
    deleted += diesel::delete(severities::table.filter(severities::vulnerability_id.eq_any(ids)))
        .execute(conn)
        .await
        .map_err(StoreError::query(context))?;
    deleted += diesel::delete(
        vulnerability_references::table
            .filter(vulnerability_references::vulnerability_id.eq_any(ids)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query(context))?;
    deleted += diesel::delete(
        vulnerability_cwes::table.filter(vulnerability_cwes::vulnerability_id.eq_any(ids)),
    )
    .execute(conn)
    .await
    .map_err(StoreError::query(context))?;
    Ok(deleted)
}

/// The stored `record_hash` of each of `ids` that exists, so an importer can
/// skip building child rows for unchanged records.
pub async fn record_hashes(
    conn: &mut AsyncPgConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<u8>>, StoreError> {
    let rows: Vec<(String, Vec<u8>)> = vulnerabilities::table
        .filter(vulnerabilities::id.eq_any(ids))
        .select((vulnerabilities::id, vulnerabilities::record_hash))
        .load(conn)
        .await
        .map_err(StoreError::query("reading vulnerability record hashes"))?;
    Ok(rows.into_iter().collect())
}

/// One vulnerability by id.
pub async fn find_vulnerability(
    conn: &mut AsyncPgConnection,
    id: &str,
) -> Result<Option<Vulnerability>, StoreError> {
    vulnerabilities::table
        .find(id)
        .select(Vulnerability::as_select())
        .first(conn)
        .await
        .optional()
        .map_err(StoreError::query("reading a vulnerability"))
}
