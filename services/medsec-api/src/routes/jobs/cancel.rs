use actix_web::http::StatusCode;
use actix_web::{delete, web, HttpResponse};
use medsec_store::jobs::{self, Cancelled};
use serde_json::json;

use super::{no_such_job, parse_job_id, JobView};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::Tenant;

/// Cancels a job: a queued job is cancelled at once (200); a running one is
/// asked to stop (202, `cancel_requested`); a finished one cannot be (409).
#[utoipa::path(
    delete, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = uuid::Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "Cancelled", body = JobView),
        (status = 202, description = "Cancellation requested from the worker", body = JobView),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job has finished", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/jobs/{id}")]
pub async fn cancel_job(
    state: web::Data<AppState>,
    tenant: Tenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = parse_job_id(&id)?;
    let mut conn = state.conn().await?;
    let outcome = jobs::cancel_job(&mut conn, &tenant.id, id)
        .await
        .map_err(state.db_error())?;
    let (response, job) = match outcome {
        Cancelled::NotFound => return Err(no_such_job(id)),
        Cancelled::AlreadyFinished(job) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "job-finished",
                format!(
                    "job {id} has finished ({}); it cannot be cancelled",
                    job.status
                ),
            )
            .with("job_id", id)
            .with("job_status", job.status.as_str()))
        }
        Cancelled::Cancelled(job) => (HttpResponse::Ok().json(JobView::from(&job)), job),
        Cancelled::Requested(job) => (HttpResponse::Accepted().json(JobView::from(&job)), job),
    };
    let detail = json!({ "status": job.status.as_str(), "cancel_requested": job.cancel_requested });
    let entry = jobs::AuditEntry {
        tenant: &tenant.id,
        actor: &tenant.actor,
        action: "job.cancelled",
        job_id: Some(id),
        detail: &detail,
    };
    if let Err(e) = jobs::record_audit(&mut conn, &entry).await {
        tracing::warn!(job_id = %id, error = %e, "audit entry not written");
    }
    Ok(response)
}
