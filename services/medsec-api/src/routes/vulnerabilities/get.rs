use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use medsec_cache::CacheKind;
use medsec_store::schema::kb::{epss_scores, kev_entries, severities};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::state::AppState;

/// A vulnerability from the knowledge base, with its enrichment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VulnerabilityView {
    pub id: String,
    /// The feed the record came from.
    pub source: String,
    pub aliases: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub modified: DateTime<Utc>,
    pub withdrawn: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub severities: Vec<SeverityView>,
    /// In CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: Option<KevView>,
    /// The newest EPSS score.
    pub epss: Option<EpssView>,
    pub kb_generation: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SeverityView {
    pub source: String,
    pub score_type: String,
    pub vector: String,
    pub base_score: Option<f64>,
    pub base_severity: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KevView {
    pub date_added: NaiveDate,
    pub known_ransomware_use: String,
    pub required_action: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EpssView {
    pub score: f64,
    pub percentile: f64,
    pub score_date: NaiveDate,
}

/// Vulnerability ids across feeds: CVE, GHSA, OSV ecosystems, vendor ids.
fn parse_vulnerability_id(raw: &str) -> Result<String, Problem> {
    let ok = !raw.is_empty()
        && raw.len() <= 128
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(Problem::not_found(format!(
            "{raw:?} is not a vulnerability id (letters, digits, - _ . :, up to 128)"
        ))
        .with("vulnerability_id", raw))
    }
}

async fn load(state: &AppState, id: &str) -> Result<Option<VulnerabilityView>, Problem> {
    let mut conn = state.conn().await?;
    let Some(record) = medsec_store::kb::find_vulnerability(&mut conn, id)
        .await
        .map_err(state.db_error())?
    else {
        return Ok(None);
    };
    let db = |e: diesel::result::Error| {
        crate::db::query_problem(
            "reading a vulnerability's enrichment",
            &e,
            state.settings.api.retry_after_secs,
        )
    };
    let severities = severities::table
        .filter(severities::vulnerability_id.eq(id))
        .order(severities::ordinal.asc())
        .select((
            severities::source,
            severities::score_type,
            severities::vector,
            severities::base_score,
            severities::base_severity,
        ))
        .load::<(String, String, String, Option<f64>, Option<String>)>(&mut conn)
        .await
        .map_err(db)?
        .into_iter()
        .map(
            |(source, score_type, vector, base_score, base_severity)| SeverityView {
                source,
                score_type,
                vector,
                base_score,
                base_severity,
            },
        )
        .collect();
    let kev = kev_entries::table
        .find(id)
        .select((
            kev_entries::date_added,
            kev_entries::known_ransomware_use,
            kev_entries::required_action,
        ))
        .first::<(NaiveDate, String, String)>(&mut conn)
        .await
        .optional()
        .map_err(db)?
        .map(
            |(date_added, known_ransomware_use, required_action)| KevView {
                date_added,
                known_ransomware_use,
                required_action,
            },
        );
    let epss = epss_scores::table
        .filter(epss_scores::cve_id.eq(id))
        .order(epss_scores::score_date.desc())
        .select((
            epss_scores::score,
            epss_scores::percentile,
            epss_scores::score_date,
        ))
        .first::<(f64, f64, NaiveDate)>(&mut conn)
        .await
        .optional()
        .map_err(db)?
        .map(|(score, percentile, score_date)| EpssView {
            score,
            percentile,
            score_date,
        });
    Ok(Some(VulnerabilityView {
        id: record.id,
        source: record.source,
        aliases: record.aliases,
        published: record.published,
        modified: record.modified,
        withdrawn: record.withdrawn,
        summary: record.summary,
        details: record.details,
        severities,
        kev,
        epss,
        kb_generation: record.generation,
    }))
}

/// One vulnerability with its severities, KEV entry and newest EPSS score,
/// answered from the `enrich:` cache when it holds it.
#[utoipa::path(
    get, path = "/api/v1/vulnerabilities/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "CVE-…, GHSA-…, or another feed's id")),
    responses(
        (status = 200, description = "The vulnerability", body = VulnerabilityView),
        (status = 404, description = "Not in the knowledge base", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vulnerabilities/{id}")]
pub async fn get_vulnerability(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = parse_vulnerability_id(&id)?;
    match state
        .cache
        .get_json::<VulnerabilityView>(CacheKind::Enrich, &id)
        .await
    {
        Ok(Some(view)) => return Ok(HttpResponse::Ok().json(view)),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "enrich cache unavailable; reading the database"),
    }
    let view = load(&state, &id).await?.ok_or_else(|| {
        Problem::not_found(format!("{id} is not in the knowledge base"))
            .with("vulnerability_id", &id)
    })?;
    if let Err(e) = state.cache.put_json(CacheKind::Enrich, &id, &view).await {
        tracing::warn!(error = %e, "enrich cache not written");
    }
    Ok(HttpResponse::Ok().json(view))
}
