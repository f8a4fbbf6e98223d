use actix_web::{get, web, HttpResponse};
use medsec_store::jobs;

use super::{no_such_job, parse_job_id, JobView};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::Tenant;

/// A job's status, timestamps, attempts, error and links.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = uuid::Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jobs/{id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = parse_job_id(&id)?;
    let mut conn = state.conn().await?;
    let job = jobs::get_tenant_job(&mut conn, &tenant.id, id)
        .await
        .map_err(state.db_error())?
        .ok_or_else(|| no_such_job(id))?;
    let mut response = HttpResponse::Ok();
    if !job.status.is_terminal() {
        response.insert_header((
            actix_web::http::header::RETRY_AFTER,
            state.settings.api.retry_after_secs.to_string(),
        ));
    }
    Ok(response.json(JobView::from(&job)))
}
