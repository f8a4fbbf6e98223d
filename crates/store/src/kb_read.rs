//! Reading the knowledge base back as medsec-kb records, so the matching
//! index can be built from PostgreSQL exactly as from the feed files.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::cwe::CweEntry;
use medsec_kb::epss::EpssScore;
use medsec_kb::kev::{KevEntry, RansomwareUse};
use medsec_kb::Vulnerability;

use crate::error::StoreError;
use crate::kb::kb_generation;
use crate::schema::kb::{csaf_documents, cwes, epss_scores, kev_entries, vulnerability_records};

/// The EPSS scores of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct EpssDay {
    pub date: NaiveDate,
    /// `None` when the file stated no model version.
    pub model_version: Option<String>,
    /// Sorted by CVE id.
    pub scores: Vec<EpssScore>,
}

/// Everything the knowledge base holds, as the feed readers produce it.
#[derive(Debug, Clone, PartialEq)]
pub struct KbRecords {
    /// The newest finished generation these records belong to.
    pub generation: i64,
    /// Every feed's records, sorted by source and id.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Sorted by CVE id.
    pub kev: Vec<KevEntry>,
    /// Sorted by date.
    pub epss: Vec<EpssDay>,
    /// Sorted by id.
    pub cwes: Vec<CweEntry>,
    /// Sorted by publisher and tracking id.
    pub csaf: Vec<CsafAdvisory>,
}

type KevTuple = (
    String,
    String,
    String,
    String,
    NaiveDate,
    String,
    String,
    Option<NaiveDate>,
    String,
    String,
    Vec<String>,
);

/// Loads every record in one read-only, repeatable-read transaction, so the
/// result is one consistent state of one generation.
pub async fn load_records(conn: &mut AsyncPgConnection) -> Result<KbRecords, StoreError> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<_, StoreError, _>(async |conn| load(conn).await)
        .await
}

async fn load(conn: &mut AsyncPgConnection) -> Result<KbRecords, StoreError> {
    let generation = kb_generation(conn).await?;
    let docs: Vec<(String, String, serde_json::Value)> = vulnerability_records::table
        .select((
            vulnerability_records::source,
            vulnerability_records::id,
            vulnerability_records::document,
        ))
        .order((vulnerability_records::source, vulnerability_records::id))
        .load(conn)
        .await
        .map_err(StoreError::query("reading vulnerability records"))?;
    let mut vulnerabilities = Vec::with_capacity(docs.len());
    for (source, id, doc) in docs {
        let v: Vulnerability = serde_json::from_value(doc).map_err(|e| {
            StoreError::Invalid(format!(
                "stored {source} record {id} is not a vulnerability record: {e}"
            ))
        })?;
        vulnerabilities.push(v);
    }
    // Sorted here, not by the server's collation.
    vulnerabilities.sort_by(|a, b| (a.source.as_str(), &a.id).cmp(&(b.source.as_str(), &b.id)));

    let kev_rows: Vec<KevTuple> = kev_entries::table
        .select((
            kev_entries::cve_id,
            kev_entries::vendor_project,
            kev_entries::product,
            kev_entries::vulnerability_name,
            kev_entries::date_added,
            kev_entries::short_description,
            kev_entries::required_action,
            kev_entries::due_date,
            kev_entries::known_ransomware_use,
            kev_entries::notes,
            kev_entries::cwes,
        ))
        .order(kev_entries::cve_id)
        .load(conn)
        .await
        .map_err(StoreError::query("reading KEV entries"))?;
    let mut kev = Vec::with_capacity(kev_rows.len());
    for (cve_id, vp, product, name, added, desc, action, due, ransomware, notes, cwes) in kev_rows {
        let known_ransomware_use = match ransomware.as_str() {
            "Known" => RansomwareUse::Known,
            "Unknown" => RansomwareUse::Unknown,
            other => {
                return Err(StoreError::Invalid(format!(
                "KEV entry {cve_id}: known_ransomware_use `{other}` is neither Known nor Unknown"
            )))
            }
        };
        kev.push(KevEntry {
            cve_id,
            vendor_project: vp,
            product,
            vulnerability_name: name,
            date_added: added,
            short_description: desc,
            required_action: action,
            due_date: due,
            known_ransomware_use,
            notes,
            cwes,
        });
    }

    let epss_rows: Vec<(NaiveDate, String, String, f64, f64)> = epss_scores::table
        .select((
            epss_scores::score_date,
            epss_scores::model_version,
            epss_scores::cve_id,
            epss_scores::score,
            epss_scores::percentile,
        ))
        .order((epss_scores::score_date, epss_scores::cve_id))
        .load(conn)
        .await
        .map_err(StoreError::query("reading EPSS scores"))?;
    let mut epss: Vec<EpssDay> = Vec::new();
    for (date, model, cve, score, percentile) in epss_rows {
        let model_version = (!model.is_empty()).then_some(model);
        let day = match epss.last_mut() {
            Some(d) if d.date == date => d,
            _ => {
                epss.push(EpssDay {
                    date,
                    model_version: model_version.clone(),
                    scores: Vec::new(),
                });
                match epss.last_mut() {
                    Some(d) => d,
                    None => continue,
                }
            }
        };
        day.scores.push(EpssScore {
            cve,
            epss: score,
            percentile,
        });
    }

    let cwe_rows: Vec<(String, String, Option<String>, Option<String>)> = cwes::table
        .select((cwes::id, cwes::name, cwes::abstraction, cwes::status))
        .load(conn)
        .await
        .map_err(StoreError::query("reading CWE entries"))?;
    let mut cwe_entries = Vec::with_capacity(cwe_rows.len());
    for (id, name, abstraction, status) in cwe_rows {
        let number = id
            .strip_prefix("CWE-")
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| StoreError::Invalid(format!("stored CWE id `{id}` is not CWE-n")))?;
        cwe_entries.push(CweEntry {
            id: number,
            name,
            abstraction,
            status,
        });
    }
    cwe_entries.sort_by_key(|c| c.id);
    kev.sort_by(|a, b| a.cve_id.cmp(&b.cve_id));
    for day in &mut epss {
        day.scores.sort_by(|a, b| a.cve.cmp(&b.cve));
    }

    let csaf_rows: Vec<(String, String, serde_json::Value)> = csaf_documents::table
        .select((
            csaf_documents::publisher_namespace,
            csaf_documents::tracking_id,
            csaf_documents::document,
        ))
        .order((
            csaf_documents::publisher_namespace,
            csaf_documents::tracking_id,
        ))
        .load(conn)
        .await
        .map_err(StoreError::query("reading CSAF documents"))?;
    let mut csaf = Vec::with_capacity(csaf_rows.len());
    for (ns, tid, doc) in csaf_rows {
        let a: CsafAdvisory = serde_json::from_value(doc).map_err(|e| {
            StoreError::Invalid(format!(
                "stored CSAF advisory {ns} {tid} is not a CSAF advisory record: {e}"
            ))
        })?;
        csaf.push(a);
    }
    csaf.sort_by(|a, b| (&a.publisher, &a.id).cmp(&(&b.publisher, &b.id)));

    Ok(KbRecords {
        generation,
        vulnerabilities,
        kev,
        epss,
        cwes: cwe_entries,
        csaf,
    })
}
