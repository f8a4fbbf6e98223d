//! The derived tables (`kb.cve_summaries`, `kb.ics_advisories`,
//! `kb.kev_epss`): rows, the newer-wins upsert, and their read-back.
//!
//! Decided like vulnerability records: per key, an equal content hash is
//! unchanged; a different row replaces the stored one when it is newer (its
//! date, then its content hash), else it is stale.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_kb::cve_summary::CveSummary;
use medsec_kb::ics_advisories::IcsAdvisory;
use medsec_kb::kev_epss::KevEpss;
use medsec_kb::{ContentHash, Timestamp};

use crate::error::StoreError;
use crate::kb_import::{newer, pick, Candidate, Counts, Item};
use crate::kb_rows::{chunk_rows, ts};
use crate::schema::kb::{cve_summaries, ics_advisories, kev_epss};

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// The winners of a batch against what is stored: `stored` maps each key
/// to its stored hash and date.
fn decide<'a, K: Hash + Eq + Clone, T>(
    candidates: Vec<(K, Candidate<'a, T>)>,
    stored: &HashMap<K, (Vec<u8>, Option<DateTime<Utc>>)>,
    counts: &mut Counts,
) -> Vec<(&'a T, Vec<u8>)> {
    let mut out = Vec::new();
    for (key, c) in candidates {
        match stored.get(&key) {
            None => {
                counts.inserted += 1;
                out.push((c.record, c.hash));
            }
            Some((h, _)) if *h == c.hash => counts.unchanged += 1,
            Some((h, m)) if newer((c.modified, &c.hash), (*m, h)) => {
                counts.updated += 1;
                out.push((c.record, c.hash));
            }
            Some(_) => counts.stale += 1,
        }
    }
    out
}

#[derive(Insertable)]
#[diesel(table_name = cve_summaries, check_for_backend(diesel::pg::Pg))]
struct SummaryRow<'a> {
    cve_id: &'a str,
    state: &'a str,
    date_published: Option<DateTime<Utc>>,
    date_updated: Option<DateTime<Utc>>,
    cna_short_name: Option<&'a str>,
    cna_cvss_v31: Option<&'a str>,
    cna_cvss_v30: Option<&'a str>,
    cna_cvss_v40: Option<&'a str>,
    cna_cvss_v2: Option<&'a str>,
    adp_cvss_v31: Option<&'a str>,
    cna_cwes: &'a [String],
    adp_cwes: &'a [String],
    ssvc_exploitation: Option<&'a str>,
    ssvc_automatable: Option<&'a str>,
    ssvc_technical_impact: Option<&'a str>,
    in_kev: bool,
    kev_date_added: Option<NaiveDate>,
    record_hash: Vec<u8>,
    generation: i64,
}

pub(crate) async fn write_cve_summaries(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<CveSummary>],
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    let candidates = pick(
        items.iter().map(|i| {
            let r = &i.record;
            let c = Candidate {
                record: r,
                hash: r.content_hash().0.to_vec(),
                modified: ts(r.updated),
            };
            (r.cve_id.clone(), c)
        }),
        &mut counts,
    );
    let ids: Vec<&str> = candidates.iter().map(|(k, _)| k.as_str()).collect();
    let stored: HashMap<String, (Vec<u8>, Option<DateTime<Utc>>)> = cve_summaries::table
        .filter(cve_summaries::cve_id.eq_any(&ids))
        .select((
            cve_summaries::cve_id,
            cve_summaries::record_hash,
            cve_summaries::date_updated,
        ))
        .load::<(String, Vec<u8>, Option<DateTime<Utc>>)>(conn)
        .await
        .map_err(StoreError::query("reading stored CVE summaries"))?
        .into_iter()
        .map(|(k, h, m)| (k, (h, m)))
        .collect();
    let rows: Vec<SummaryRow> = decide(candidates, &stored, &mut counts)
        .into_iter()
        .map(|(s, hash)| SummaryRow {
            cve_id: &s.cve_id,
            state: &s.state,
            date_published: ts(s.published),
            date_updated: ts(s.updated),
            cna_short_name: s.cna.as_deref(),
            cna_cvss_v31: s.cna_cvss_v31.as_deref(),
            cna_cvss_v30: s.cna_cvss_v30.as_deref(),
            cna_cvss_v40: s.cna_cvss_v40.as_deref(),
            cna_cvss_v2: s.cna_cvss_v2.as_deref(),
            adp_cvss_v31: s.adp_cvss_v31.as_deref(),
            cna_cwes: &s.cna_cwes,
            adp_cwes: &s.adp_cwes,
            ssvc_exploitation: s.ssvc_exploitation.as_deref(),
            ssvc_automatable: s.ssvc_automatable.as_deref(),
            ssvc_technical_impact: s.ssvc_technical_impact.as_deref(),
            in_kev: s.in_kev,
            kev_date_added: s.kev_date_added,
            record_hash: hash,
            generation,
        })
        .collect();
    for chunk in rows.chunks(chunk_rows(19)) {
        use cve_summaries::dsl as c;
        diesel::insert_into(cve_summaries::table)
            .values(chunk)
            .on_conflict(c::cve_id)
            .do_update()
            .set((
                c::state.eq(excluded(c::state)),
                c::date_published.eq(excluded(c::date_published)),
                c::date_updated.eq(excluded(c::date_updated)),
                c::cna_short_name.eq(excluded(c::cna_short_name)),
                c::cna_cvss_v31.eq(excluded(c::cna_cvss_v31)),
                c::cna_cvss_v30.eq(excluded(c::cna_cvss_v30)),
                c::cna_cvss_v40.eq(excluded(c::cna_cvss_v40)),
                c::cna_cvss_v2.eq(excluded(c::cna_cvss_v2)),
                c::adp_cvss_v31.eq(excluded(c::adp_cvss_v31)),
                c::cna_cwes.eq(excluded(c::cna_cwes)),
                c::adp_cwes.eq(excluded(c::adp_cwes)),
                c::ssvc_exploitation.eq(excluded(c::ssvc_exploitation)),
                c::ssvc_automatable.eq(excluded(c::ssvc_automatable)),
                c::ssvc_technical_impact.eq(excluded(c::ssvc_technical_impact)),
                c::in_kev.eq(excluded(c::in_kev)),
                c::kev_date_added.eq(excluded(c::kev_date_added)),
                c::record_hash.eq(excluded(c::record_hash)),
                c::generation.eq(excluded(c::generation)),
            ))
            .execute(conn)
            .await
            .map_err(StoreError::query("writing CVE summaries"))?;
    }
    Ok(counts)
}

#[derive(Insertable)]
#[diesel(table_name = ics_advisories, check_for_backend(diesel::pg::Pg))]
struct IcsRow<'a> {
    row_id: i32,
    advisory_id: &'a str,
    title: &'a str,
    vendor: &'a str,
    product: &'a str,
    products_affected: &'a str,
    released: NaiveDate,
    last_updated: NaiveDate,
    cves: &'a [String],
    cumulative_cvss: Option<f64>,
    cvss_severity: Option<&'a str>,
    cwes: &'a [String],
    sectors: &'a [String],
    product_distribution: Option<&'a str>,
    headquarters: Option<&'a str>,
    medical: bool,
    record_hash: Vec<u8>,
    generation: i64,
}

fn row_id(a: &IcsAdvisory) -> Result<i32, StoreError> {
    i32::try_from(a.row_id).map_err(|_| {
        StoreError::Invalid(format!(
            "{}: row id {} exceeds the column",
            a.advisory_id, a.row_id
        ))
    })
}

pub(crate) async fn write_ics_advisories(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<IcsAdvisory>],
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    let mut keyed = Vec::with_capacity(items.len());
    for i in items {
        let a = &i.record;
        let c = Candidate {
            record: a,
            hash: a.content_hash().0.to_vec(),
            modified: Some(midnight(a.updated)),
        };
        keyed.push((row_id(a)?, c));
    }
    let candidates = pick(keyed.into_iter(), &mut counts);
    let ids: Vec<i32> = candidates.iter().map(|(k, _)| *k).collect();
    let stored: HashMap<i32, (Vec<u8>, Option<DateTime<Utc>>)> = ics_advisories::table
        .filter(ics_advisories::row_id.eq_any(&ids))
        .select((
            ics_advisories::row_id,
            ics_advisories::record_hash,
            ics_advisories::last_updated,
        ))
        .load::<(i32, Vec<u8>, NaiveDate)>(conn)
        .await
        .map_err(StoreError::query("reading stored ICS advisories"))?
        .into_iter()
        .map(|(k, h, d)| (k, (h, Some(midnight(d)))))
        .collect();
    let mut rows = Vec::new();
    for (a, hash) in decide(candidates, &stored, &mut counts) {
        rows.push(IcsRow {
            row_id: row_id(a)?,
            advisory_id: &a.advisory_id,
            title: &a.title,
            vendor: &a.vendor,
            product: &a.product,
            products_affected: &a.products_affected,
            released: a.released,
            last_updated: a.updated,
            cves: &a.cves,
            cumulative_cvss: a.cumulative_cvss,
            cvss_severity: a.cvss_severity.as_deref(),
            cwes: &a.cwes,
            sectors: &a.sectors,
            product_distribution: a.product_distribution.as_deref(),
            headquarters: a.headquarters.as_deref(),
            medical: a.is_medical(),
            record_hash: hash,
            generation,
        });
    }
    for chunk in rows.chunks(chunk_rows(18)) {
        use ics_advisories::dsl as c;
        diesel::insert_into(ics_advisories::table)
            .values(chunk)
            .on_conflict(c::row_id)
            .do_update()
            .set((
                c::advisory_id.eq(excluded(c::advisory_id)),
                c::title.eq(excluded(c::title)),
                c::vendor.eq(excluded(c::vendor)),
                c::product.eq(excluded(c::product)),
                c::products_affected.eq(excluded(c::products_affected)),
                c::released.eq(excluded(c::released)),
                c::last_updated.eq(excluded(c::last_updated)),
                c::cves.eq(excluded(c::cves)),
                c::cumulative_cvss.eq(excluded(c::cumulative_cvss)),
                c::cvss_severity.eq(excluded(c::cvss_severity)),
                c::cwes.eq(excluded(c::cwes)),
                c::sectors.eq(excluded(c::sectors)),
                c::product_distribution.eq(excluded(c::product_distribution)),
                c::headquarters.eq(excluded(c::headquarters)),
                c::medical.eq(excluded(c::medical)),
                c::record_hash.eq(excluded(c::record_hash)),
                c::generation.eq(excluded(c::generation)),
            ))
            .execute(conn)
            .await
            .map_err(StoreError::query("writing ICS advisories"))?;
    }
    Ok(counts)
}

#[derive(Insertable)]
#[diesel(table_name = kev_epss, check_for_backend(diesel::pg::Pg))]
struct KevEpssRow<'a> {
    cve_id: &'a str,
    cvss3: Option<f64>,
    epss: f64,
    percentile: f64,
    description: &'a str,
    vendor: &'a str,
    product: &'a str,
    as_of: Option<NaiveDate>,
    record_hash: Vec<u8>,
    generation: i64,
}

/// `as_of`: the date of the file (from its name), which orders copies of a
/// row from files of different days.
pub(crate) async fn write_kev_epss(
    conn: &mut AsyncPgConnection,
    generation: i64,
    items: &[Item<KevEpss>],
    as_of: Option<NaiveDate>,
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    let candidates = pick(
        items.iter().map(|i| {
            let r = &i.record;
            let c = Candidate {
                record: r,
                hash: r.content_hash().0.to_vec(),
                modified: as_of.map(midnight),
            };
            (r.cve_id.clone(), c)
        }),
        &mut counts,
    );
    let ids: Vec<&str> = candidates.iter().map(|(k, _)| k.as_str()).collect();
    let stored: HashMap<String, (Vec<u8>, Option<DateTime<Utc>>)> = kev_epss::table
        .filter(kev_epss::cve_id.eq_any(&ids))
        .select((kev_epss::cve_id, kev_epss::record_hash, kev_epss::as_of))
        .load::<(String, Vec<u8>, Option<NaiveDate>)>(conn)
        .await
        .map_err(StoreError::query("reading stored KEV-EPSS rows"))?
        .into_iter()
        .map(|(k, h, d)| (k, (h, d.map(midnight))))
        .collect();
    let rows: Vec<KevEpssRow> = decide(candidates, &stored, &mut counts)
        .into_iter()
        .map(|(e, hash)| KevEpssRow {
            cve_id: &e.cve_id,
            cvss3: e.cvss3,
            epss: e.epss,
            percentile: e.percentile,
            description: &e.description,
            vendor: &e.vendor,
            product: &e.product,
            as_of,
            record_hash: hash,
            generation,
        })
        .collect();
    for chunk in rows.chunks(chunk_rows(10)) {
        use kev_epss::dsl as c;
        diesel::insert_into(kev_epss::table)
            .values(chunk)
            .on_conflict(c::cve_id)
            .do_update()
            .set((
                c::cvss3.eq(excluded(c::cvss3)),
                c::epss.eq(excluded(c::epss)),
                c::percentile.eq(excluded(c::percentile)),
                c::description.eq(excluded(c::description)),
                c::vendor.eq(excluded(c::vendor)),
                c::product.eq(excluded(c::product)),
                c::as_of.eq(excluded(c::as_of)),
                c::record_hash.eq(excluded(c::record_hash)),
                c::generation.eq(excluded(c::generation)),
            ))
            .execute(conn)
            .await
            .map_err(StoreError::query("writing KEV-EPSS rows"))?;
    }
    Ok(counts)
}

/// The derived tables read back as medsec-kb values.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedRecords {
    /// Sorted by CVE id.
    pub cve_summaries: Vec<CveSummary>,
    /// Sorted by row id.
    pub ics_advisories: Vec<IcsAdvisory>,
    /// Sorted by CVE id, with the date of the file each row came from.
    pub kev_epss: Vec<(KevEpss, Option<NaiveDate>)>,
}

type SummaryTuple = (
    (
        String,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    (
        Vec<String>,
        Vec<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
        Option<NaiveDate>,
    ),
);

type IcsTuple = (
    (
        i32,
        String,
        String,
        String,
        String,
        String,
        NaiveDate,
        NaiveDate,
    ),
    (
        Vec<String>,
        Option<f64>,
        Option<String>,
        Vec<String>,
        Vec<String>,
        Option<String>,
        Option<String>,
    ),
);

type KevEpssTuple = (
    String,
    Option<f64>,
    f64,
    f64,
    String,
    String,
    String,
    Option<NaiveDate>,
);

/// Loads the three derived tables in one read-only, repeatable-read
/// transaction.
pub async fn load_derived(conn: &mut AsyncPgConnection) -> Result<DerivedRecords, StoreError> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<_, StoreError, _>(async |conn| load(conn).await)
        .await
}

async fn load(conn: &mut AsyncPgConnection) -> Result<DerivedRecords, StoreError> {
    use cve_summaries::dsl as s;
    let summaries: Vec<SummaryTuple> = cve_summaries::table
        .select((
            (
                s::cve_id,
                s::state,
                s::date_published,
                s::date_updated,
                s::cna_short_name,
                s::cna_cvss_v31,
                s::cna_cvss_v30,
                s::cna_cvss_v40,
                s::cna_cvss_v2,
                s::adp_cvss_v31,
            ),
            (
                s::cna_cwes,
                s::adp_cwes,
                s::ssvc_exploitation,
                s::ssvc_automatable,
                s::ssvc_technical_impact,
                s::in_kev,
                s::kev_date_added,
            ),
        ))
        .order(s::cve_id)
        .load(conn)
        .await
        .map_err(StoreError::query("reading CVE summaries"))?;
    let cve_summaries = summaries
        .into_iter()
        .map(|((id, state, p, u, cna, v31, v30, v40, v2, adp), rest)| {
            let (cna_cwes, adp_cwes, ex, au, ti, in_kev, kev_date_added) = rest;
            CveSummary {
                cve_id: id,
                state,
                published: p.map(Timestamp),
                updated: u.map(Timestamp),
                cna,
                cna_cvss_v31: v31,
                cna_cvss_v30: v30,
                cna_cvss_v40: v40,
                cna_cvss_v2: v2,
                adp_cvss_v31: adp,
                cna_cwes,
                adp_cwes,
                ssvc_exploitation: ex,
                ssvc_automatable: au,
                ssvc_technical_impact: ti,
                in_kev,
                kev_date_added,
            }
        })
        .collect();

    use ics_advisories::dsl as a;
    let ics: Vec<IcsTuple> = ics_advisories::table
        .select((
            (
                a::row_id,
                a::advisory_id,
                a::title,
                a::vendor,
                a::product,
                a::products_affected,
                a::released,
                a::last_updated,
            ),
            (
                a::cves,
                a::cumulative_cvss,
                a::cvss_severity,
                a::cwes,
                a::sectors,
                a::product_distribution,
                a::headquarters,
            ),
        ))
        .order(a::row_id)
        .load(conn)
        .await
        .map_err(StoreError::query("reading ICS advisories"))?;
    let mut ics_advisories = Vec::with_capacity(ics.len());
    for ((row_id, advisory_id, title, vendor, product, affected, released, updated), rest) in ics {
        let (cves, cumulative_cvss, cvss_severity, cwes, sectors, distribution, hq) = rest;
        ics_advisories.push(IcsAdvisory {
            row_id: u32::try_from(row_id).map_err(|_| {
                StoreError::Invalid(format!("{advisory_id}: negative row id {row_id}"))
            })?,
            advisory_id,
            title,
            vendor,
            product,
            products_affected: affected,
            released,
            updated,
            cves,
            cumulative_cvss,
            cvss_severity,
            cwes,
            sectors,
            product_distribution: distribution,
            headquarters: hq,
        });
    }

    use kev_epss::dsl as k;
    let joined: Vec<KevEpssTuple> = kev_epss::table
        .select((
            k::cve_id,
            k::cvss3,
            k::epss,
            k::percentile,
            k::description,
            k::vendor,
            k::product,
            k::as_of,
        ))
        .order(k::cve_id)
        .load(conn)
        .await
        .map_err(StoreError::query("reading KEV-EPSS rows"))?;
    let kev_epss = joined
        .into_iter()
        .map(
            |(cve_id, cvss3, epss, percentile, description, vendor, product, as_of)| {
                let e = KevEpss {
                    cve_id,
                    cvss3,
                    epss,
                    percentile,
                    description,
                    vendor,
                    product,
                };
                (e, as_of)
            },
        )
        .collect();
    Ok(DerivedRecords {
        cve_summaries,
        ics_advisories,
        kev_epss,
    })
}

/// The ICS advisory ids (`ICSA-…`, `ICSMA-…`) that list each of `cves`,
/// sorted and without repeats; CVEs no advisory lists are absent.
pub async fn ics_advisories_for_cves(
    conn: &mut AsyncPgConnection,
    cves: &[String],
) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let rows: Vec<(String, Vec<String>)> = ics_advisories::table
        .filter(ics_advisories::cves.overlaps_with(cves))
        .select((ics_advisories::advisory_id, ics_advisories::cves))
        .load(conn)
        .await
        .map_err(StoreError::query("reading ICS advisories by CVE"))?;
    let wanted: HashSet<&str> = cves.iter().map(String::as_str).collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (advisory, listed) in rows {
        for cve in listed.into_iter().filter(|c| wanted.contains(c.as_str())) {
            let ids = out.entry(cve).or_default();
            if !ids.contains(&advisory) {
                ids.push(advisory.clone());
            }
        }
    }
    for ids in out.values_mut() {
        ids.sort();
    }
    Ok(out)
}
