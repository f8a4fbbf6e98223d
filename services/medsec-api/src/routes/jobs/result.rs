use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use medsec_store::jobs::{self, JobStatus};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{no_such_job, parse_job_id};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::Tenant;

/// The report formats and their media types.
const FORMATS: [(&str, &str); 5] = [
    ("json", "application/json"),
    ("sarif", "application/sarif+json"),
    ("vex", "application/vnd.cyclonedx+json"),
    ("csv", "text/csv"),
    ("html", "text/html"),
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultQuery {
    /// `json`, `sarif`, `vex`, `csv` or `html`; overrides Accept.
    pub format: Option<String>,
}

/// The format asked for: `?format=` first, else the first Accept type we
/// serve, else JSON.
fn negotiate(req: &HttpRequest, query: &ResultQuery) -> Result<&'static str, Problem> {
    if let Some(asked) = &query.format {
        return FORMATS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(asked))
            .map(|(name, _)| *name)
            .ok_or_else(|| {
                Problem::bad_request(
                    "unknown-format",
                    format!("format {asked:?} is not one of json, sarif, vex, csv, html"),
                )
                .with("parameter", "format")
            });
    }
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok("json");
    };
    let mut any = false;
    for range in accept.split(',') {
        let media = range
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media == "*/*" || media == "application/*" {
            any = true;
            continue;
        }
        if let Some((name, _)) = FORMATS.iter().find(|(_, m)| *m == media) {
            return Ok(name);
        }
    }
    if any {
        return Ok("json");
    }
    Err(Problem::new(
        StatusCode::NOT_ACCEPTABLE,
        "not-acceptable",
        format!(
            "Accept {accept:?} names no format served here: {}",
            FORMATS.map(|(_, m)| m).join(", ")
        ),
    ))
}

/// The result of a succeeded job. 409 while the job has not succeeded.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/result", tag = "jobs",
    params(("id" = uuid::Uuid, Path, description = "Job id"), ResultQuery),
    responses(
        (status = 200, description = "The result in the format asked for: the canonical JSON report (medsec-report schema), SARIF 2.1.0, CycloneDX 1.6 VEX, CSV or HTML"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "A format not served", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job has not succeeded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jobs/{id}/result")]
pub async fn get_result(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
    query: web::Query<ResultQuery>,
) -> Result<HttpResponse, Problem> {
    let id = parse_job_id(&id)?;
    let format = negotiate(&req, &query)?;
    let mut conn = state.conn().await?;
    let job = jobs::get_tenant_job(&mut conn, &tenant.id, id)
        .await
        .map_err(state.db_error())?
        .ok_or_else(|| no_such_job(id))?;
    if job.status != JobStatus::Succeeded {
        let mut problem = Problem::new(
            StatusCode::CONFLICT,
            "job-not-finished",
            format!(
                "job {id} is {}; a result exists once it has succeeded",
                job.status
            ),
        )
        .with("job_id", id)
        .with("job_status", job.status.as_str());
        if !job.status.is_terminal() {
            problem = problem.retry_after(state.settings.api.retry_after_secs);
        }
        return Err(problem);
    }
    // The worker renders every format when the job completes; the request
    // path only reads bytes.
    if let Some((media_type, body)) = jobs::get_report(&mut conn, id, format)
        .await
        .map_err(state.db_error())?
    {
        return Ok(HttpResponse::Ok().content_type(media_type).body(body));
    }
    if format != "json" {
        // Risk-score results are a JSON list of scores, not an analysis.
        return Err(Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            "format-unavailable",
            format!(
                "job {id} ({}) has no {format} report; json is served",
                job.kind
            ),
        )
        .with("format", format));
    }
    let result = jobs::get_result(&mut conn, id)
        .await
        .map_err(state.db_error())?
        .ok_or_else(|| Problem::internal(format!("job {id} succeeded but has no result")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::to_vec(&result.analysis).unwrap_or_default()))
}
